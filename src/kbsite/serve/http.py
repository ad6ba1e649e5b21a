"""The preview's HTTP server: the built site under its base path, the live-reload script,
and the event stream; HTML pages are stamped with the build they show."""

from __future__ import annotations

import html
import logging
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from kbsite.config.i18n import strings_for
from kbsite.serve.events import EventHub

log = logging.getLogger(__name__)

LIVE_DIR = "__kbsite/"
SCRIPT_NAME = "live-reload.js"
HEARTBEAT_SECONDS = 15.0

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
        self.language = "en"  # the site's, for the fallback page; serve sets it from site.yaml
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
        fallback = _fallback_page(
            self.server.base_path + LIVE_DIR + SCRIPT_NAME, self.server.language
        )
        self._send(HTTPStatus.NOT_FOUND, _TYPES[".html"], fallback.encode(), head)

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


_FALLBACK = """<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">
<title>kbsite</title></head>
<body><p>kbsite: nothing built yet; fix the errors shown and the page will reload.</p>
<script src="{script}" {words} defer></script></body></html>"""


def _fallback_page(script: str, language: str) -> str:
    """Return the page served before any good build: it listens, so the overlay shows, in the
    site's language like the overlay on built pages (base.html passes the same strings)."""
    strings = strings_for(language)
    words = {
        "title": strings["overlay_title"],
        "problems": strings["overlay_problems"],
        "one-problem": strings["overlay_one_problem"],
        "dismiss": strings["overlay_dismiss"],
        "hint": strings["overlay_hint"],
    }
    attributes = " ".join(f'data-{key}="{html.escape(text)}"' for key, text in words.items())
    return _FALLBACK.format(language=html.escape(language), script=script, words=attributes)


def _stamp(html: bytes, base_path: str, generation: int) -> bytes:
    """Tell the page's live-reload script which build it shows, so it can catch up later."""
    src = f"{base_path}{LIVE_DIR}{SCRIPT_NAME}".encode()
    return html.replace(src + b'"', src + b"?v=%d" % generation + b'"', 1)


def _script() -> bytes:
    return resources.files("kbsite.serve").joinpath("live_reload.js").read_bytes()
