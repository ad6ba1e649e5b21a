"""Live preview: build into a temporary folder, serve it over HTTP, rebuild on changes.

A browser tab learns about rebuilds through Server-Sent Events from `__kbsite/events`; the
script `__kbsite/live-reload.js` reloads the page, swaps changed stylesheets, or shows an
overlay with the diagnostics of a failed build. A failed build keeps the last good site.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kbsite.build import Builder, BuildOptions
from kbsite.config import load_config
from kbsite.errors import Diagnostic, KbsiteError
from kbsite.watch import Batch, ChangeKind, Debouncer, SiteWatcher

log = logging.getLogger(__name__)

LIVE_DIR = "__kbsite/"
SCRIPT_NAME = "live-reload.js"
HEARTBEAT_SECONDS = 15.0
# Reload events list changed files so tabs showing other pages can stay put; past this many
# the list is dropped and every tab reloads (a site.yaml edit touches every page).
MAX_LISTED_PATHS = 200

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".pagefind": "application/octet-stream",
}


def content_type(path: Path) -> str:
    """Return the Content-Type a browser needs for a file (Atom feeds get their own type)."""
    if path.name == "atom.xml":
        return "application/atom+xml; charset=utf-8"
    return _TYPES.get(path.suffix.lower(), "application/octet-stream")


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    name: str  # reload | css | error | ok
    data: dict[str, Any]

    def encode(self) -> bytes:
        payload = json.dumps(self.data, ensure_ascii=False)
        return f"id: {self.seq}\nevent: {self.name}\ndata: {payload}\n\n".encode()


class EventHub:
    """What the live-reload clients are told: the output generation, errors, recent events."""

    def __init__(self, history: int = 64) -> None:
        self._cond = threading.Condition()
        self._events: deque[Event] = deque(maxlen=history)
        self._seq = 0
        self._errors: tuple[dict[str, Any], ...] = ()
        self.generation = 0  # bumped whenever the output changes
        # (generation, the files it changed, or None for "unknown"): a client that reconnects
        # after missing some need only reload if one of them is its page.
        self._changes: deque[tuple[int, tuple[str, ...] | None]] = deque(maxlen=history)
        self.closed = False

    def publish(self, name: str, data: dict[str, Any], *, output_changed: bool) -> Event:
        with self._cond:
            if output_changed:
                self.generation += 1
                paths = data.get("paths") if name == "reload" else data.get("urls")
                self._changes.append((self.generation, tuple(paths) if paths else None))
            self._errors = tuple(data["diagnostics"]) if name == "error" else ()
            self._seq += 1
            event = Event(self._seq, name, {**data, "generation": self.generation})
            self._events.append(event)
            self._cond.notify_all()
            return event

    @property
    def has_errors(self) -> bool:
        with self._cond:
            return bool(self._errors)

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def greeting(self, client_generation: int | None) -> tuple[int, list[Event]]:
        """Return the current sequence number and what a newly connected client must hear."""
        with self._cond:
            events = []
            if client_generation is not None and client_generation < self.generation:
                catch_up = {"generation": self.generation, "paths": self._missed(client_generation)}
                events.append(Event(self._seq, "reload", catch_up))
            if self._errors:
                data = {"diagnostics": list(self._errors), "generation": self.generation}
                events.append(Event(self._seq, "error", data))
            return self._seq, events

    def _missed(self, client_generation: int) -> list[str] | None:
        """The files changed since a client's generation; None if not all are known."""
        missed = [paths for generation, paths in self._changes if generation > client_generation]
        if len(missed) != self.generation - client_generation or None in missed:
            return None
        return sorted({path for paths in missed if paths for path in paths})

    def wait(self, after: int, timeout: float) -> list[Event] | None:
        """Wait for events after sequence `after`; [] on timeout, None once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self._seq > after, timeout)
            if self.closed:
                return None
            missed = [e for e in self._events if e.seq > after]
            if missed and missed[0].seq > after + 1:  # fell out of the history: start over
                return [Event(self._seq, "reload", {"generation": self.generation})]
            return missed


def diagnostic_data(diagnostic: Diagnostic) -> dict[str, Any]:
    loc = diagnostic.location
    return {
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "message": str(diagnostic)[len(str(loc)) + 2 :],
        "text": str(diagnostic),
    }


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What one (re)build did, for the terminal."""

    ok: bool
    seconds: float
    changed: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()  # errors when not ok, else warnings
    event: str = ""  # the event sent to browsers, "" when none
    notes: int = 0
    pages: int = 0
    # The edited note's page, written and announced before the rebuild (kbsite.quickpage),
    # and how long after the rebuild started that happened.
    quick_page: str = ""
    quick_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class ServeOptions:
    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server; request handlers read the output folder and hub from it."""

    daemon_threads = True
    # the default backlog of 5 drops connections when many tabs reconnect at once (a full
    # backlog costs the client a one-second SYN retry)
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], output: Path, hub: EventHub) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)
        self.output = output.resolve()
        self.hub = hub
        self.base_path = "/"
        self.builds_ok = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("request from %s failed", client_address, exc_info=True)


class PreviewHandler(BaseHTTPRequestHandler):
    """Map URLs under the base path to files in the output folder, and nothing else."""

    server: PreviewServer
    server_version = "kbsite"

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _respond(self, *, head: bool) -> None:
        url = urlsplit(self.path)
        base = self.server.base_path
        if url.path == "/" or url.path == base.rstrip("/"):
            # 302, not 301: browsers cache a 301 forever, and base_url may change
            return self._redirect(base, HTTPStatus.FOUND)
        if not url.path.startswith(base):
            return self._not_found(head)
        rel = url.path[len(base) :]
        if rel == LIVE_DIR + SCRIPT_NAME:
            return self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", _script(), head)
        if rel == LIVE_DIR + "events":
            return self._stream_events(parse_qs(url.query).get("v", [""])[0])
        target = self._resolve(rel)
        if target is None:
            return self._not_found(head)
        if target.is_dir():
            if not url.path.endswith("/"):
                query = f"?{url.query}" if url.query else ""
                return self._redirect(url.path + "/" + query, HTTPStatus.MOVED_PERMANENTLY)
            target = target / "index.html"
        self._send_file(HTTPStatus.OK, target, head)

    def _resolve(self, rel: str) -> Path | None:
        """Return the output file for a URL path, or None when it is unsafe or absent."""
        try:
            name = unquote(rel, errors="strict")
        except UnicodeDecodeError:
            return None
        parts = [p for p in name.split("/") if p]
        if "\x00" in name or "\\" in name or any(p in (".", "..") for p in parts):
            return None
        if any(p.startswith(".kbsite") for p in parts):  # our marker and half-written files
            return None
        root = self.server.output
        try:
            target = root.joinpath(*parts).resolve()
        except (OSError, RuntimeError):  # symlink loops, names too long
            return None
        if target != root and root not in target.parents:
            return None  # a symlink pointing out of the output folder
        return target if target.exists() else None

    def _send_file(self, status: HTTPStatus, path: Path, head: bool) -> None:
        # read the generation first: a page may then be newer than its stamp (one needless
        # reload), never older (a missed one)
        generation = self.server.hub.generation
        try:
            data = path.read_bytes()
        except OSError:  # removed by a rebuild since we looked
            return self._not_found(head) if status is HTTPStatus.OK else None
        kind = content_type(path)
        if kind.startswith("text/html"):
            data = _stamp(data, self.server.base_path, generation)
        self._send(status, kind, data, head)

    def _not_found(self, head: bool) -> None:
        page = self.server.output / "404.html"
        if page.is_file():
            return self._send_file(HTTPStatus.NOT_FOUND, page, head)
        # no good build yet: a bare page that still listens, so the error overlay shows
        html = _FALLBACK.format(script=self.server.base_path + LIVE_DIR + SCRIPT_NAME)
        self._send(HTTPStatus.NOT_FOUND, _TYPES[".html"], html.encode(), head)

    def _redirect(self, location: str, status: HTTPStatus) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _send(self, status: HTTPStatus, kind: str, data: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _stream_events(self, version: str) -> None:
        hub = self.server.hub
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Accel-Buffering", "no")
        self.end_headers()
        seq, events = hub.greeting(int(version) if version.isdigit() else None)
        try:
            self.wfile.write(b"retry: 1000\n\n" + b"".join(e.encode() for e in events))
            self.wfile.flush()
            while (batch := hub.wait(seq, HEARTBEAT_SECONDS)) is not None:
                if batch:
                    seq = batch[-1].seq
                self.wfile.write(b"".join(e.encode() for e in batch) or b": heartbeat\n\n")
                self.wfile.flush()
        except (ConnectionError, TimeoutError, OSError):
            pass  # the tab went away
        self.close_connection = True


_FALLBACK = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>kbsite</title></head>
<body><p>kbsite: nothing built yet; fix the errors shown and the page will reload.</p>
<script src="{script}" defer></script></body></html>"""


def _stamp(html: bytes, base_path: str, generation: int) -> bytes:
    """Tell the page's live-reload script which build it shows, so it can catch up later."""
    src = f"{base_path}{LIVE_DIR}{SCRIPT_NAME}".encode()
    return html.replace(src + b'"', src + b"?v=%d" % generation + b'"', 1)


def _script() -> bytes:
    return resources.files("kbsite").joinpath("live_reload.js").read_bytes()


class Preview:
    """Build, serve and watch a site until closed; the temporary output goes with it."""

    def __init__(
        self, options: ServeOptions, on_build: Callable[[BuildReport], None] | None = None
    ) -> None:
        self.options = options
        self._on_build = on_build or (lambda report: None)
        self.hub = EventHub()
        self.output = Path(tempfile.mkdtemp(prefix="kbsite-serve-"))
        self._lock = threading.Lock()  # one build at a time; the Builder is not thread-safe
        self._builder: Builder | None = None
        self._base_path = ""
        self._watcher: SiteWatcher | None = None
        self._debouncer = Debouncer(self.rebuild)
        self._thread: threading.Thread | None = None
        self.last_report: BuildReport | None = None
        self._quick_at = 0.0
        try:
            self.server = PreviewServer((options.host, options.port), self.output, self.hub)
        except BaseException:
            shutil.rmtree(self.output, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        return self._origin() + self.server.base_path

    def _origin(self) -> str:
        host, port = self.server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> BuildReport:
        """Build once, then serve and watch in background threads; return the first build."""
        self._configure(load_config(self.options.site_dir).base_path)
        # The first build runs before any other thread exists, so its workers may fork (see
        # kbsite.parallel): 5,000 notes in 10 s rather than 17 s with spawned workers.
        report = self.rebuild({})
        self._watcher = SiteWatcher(
            self.options.site_dir, self._debouncer.add, ignore=(self.output,)
        )
        self._watcher.start()
        # Saves made during that build: one more build, now watched, compares every file with
        # what the first one read (0.2 s at 5,000 notes); it is silent when nothing changed.
        with self._lock:
            self._maybe_move(time.perf_counter())
            again = self._build(time.perf_counter())
        if again.changed or (again.ok, again.diagnostics) != (report.ok, report.diagnostics):
            report = self.last_report = again
            self._on_build(again)
        self._debouncer.start()
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return report

    def close(self) -> None:
        """Stop watching and serving, end every event stream, remove the temporary output."""
        if self._watcher is not None:
            self._watcher.stop()
        self._debouncer.close()
        self.hub.close()
        if self._thread is not None:
            self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.output, ignore_errors=True)

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rebuild(self, batch: Batch) -> BuildReport:
        """Rebuild after `batch` changed, tell the browsers, and return what happened."""
        with self._lock:
            started = time.perf_counter()
            if ChangeKind.CONFIG in batch.values():
                self._maybe_move(started)
            quick = self._quick_page(batch)
            report = self._build(started)
            if quick:
                report = replace(report, quick_page=quick, quick_seconds=self._quick_at - started)
            self.last_report = report
            self._on_build(report)
            return report

    def _quick_page(self, batch: Batch) -> str:
        """After a save of one note, show its page at once: write and announce it before the
        rebuild, which then refreshes whatever else the edit touched."""
        if self._builder is None or self.hub.has_errors:
            return ""
        if any(kind is not ChangeKind.CONTENT for kind in batch.values()):
            return ""
        notes = [path for path in batch if path.suffix.lower() == ".md"]
        # Saving a file also reports its folder as modified; anything else is a bigger change.
        if len(notes) != 1 or any(p not in notes and not p.is_dir() for p in batch):
            return ""
        written = self._builder.quick_page(notes[0])
        if written is None:
            return ""
        self._quick_at = time.perf_counter()
        self.hub.publish("reload", {"paths": [self._base_path + written]}, output_changed=True)
        return written

    def _maybe_move(self, started: float) -> None:
        """Follow a base_url edited in site.yaml to its new subpath."""
        try:
            base_path = load_config(self.options.site_dir).base_path
        except KbsiteError:
            return  # the build reports it
        if base_path != self._base_path:
            self._configure(base_path)

    def _configure(self, base_path: str) -> None:
        options = BuildOptions(
            site_dir=self.options.site_dir,
            output=self.output,
            drafts=self.options.drafts,
            base_url=self._origin() + base_path,
            live_reload=True,
            incremental_output=True,
        )
        self._builder = Builder(options)
        self._base_path = base_path
        self.server.base_path = base_path

    def _build(self, started: float) -> BuildReport:
        assert self._builder is not None
        try:
            result = self._builder.build()
        except KbsiteError as exc:
            errors = [diagnostic_data(d) for d in exc.diagnostics]
            self.hub.publish("error", {"diagnostics": errors}, output_changed=False)
            seconds = time.perf_counter() - started
            return BuildReport(False, seconds, diagnostics=exc.diagnostics, event="error")
        event = self._announce(result.changed)
        return BuildReport(
            True,
            time.perf_counter() - started,
            changed=result.changed,
            diagnostics=result.warnings,
            event=event,
            notes=result.notes,
            pages=result.pages,
        )

    def _announce(self, changed: tuple[str, ...]) -> str:
        """Send the event a successful build calls for; return its name."""
        base = self._base_path
        if not changed:
            if self.hub.has_errors:  # the fix restored the last good site exactly
                self.hub.publish("ok", {}, output_changed=False)
                return "ok"
            return ""
        if all(path.endswith(".css") for path in changed):
            urls = [base + path for path in changed]
            self.hub.publish("css", {"urls": urls}, output_changed=True)
            return "css"
        listed = [base + p for p in changed] if len(changed) <= MAX_LISTED_PATHS else None
        self.hub.publish("reload", {"paths": listed}, output_changed=True)
        return "reload"
