"""Live preview: build into a temporary folder, serve it over HTTP, rebuild on changes.

A browser tab learns about rebuilds through Server-Sent Events from `__kbsite/events`; the
script `__kbsite/live-reload.js` reloads the page, swaps changed stylesheets, or shows an
overlay with the diagnostics of a failed build. A failed build keeps the last good site.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from kbsite.build import Builder, BuildOptions, Snapshot
from kbsite.config.siteconfig import SiteConfig, load_config
from kbsite.errors import Diagnostic, KbsiteError
from kbsite.serve.events import EventHub, diagnostic_data
from kbsite.serve.http import PreviewServer
from kbsite.serve.pagekeys import PageFingerprints
from kbsite.serve.quickpage import warm_up, write_quick_page
from kbsite.serve.watch import Batch, ChangeKind, Debouncer, SiteWatcher, git_is_writing

log = logging.getLogger(__name__)

# Reload events list changed files so tabs showing other pages can stay put; past this many
# the list is dropped and every tab reloads (a site.yaml edit touches every page).
MAX_LISTED_PATHS = 200


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
    # The edited note's page, written and announced before the rebuild (kbsite.serve.quickpage),
    # and how long after the rebuild started that happened.
    quick_page: str = ""
    quick_seconds: float = 0.0

    def summary(self, *, first: bool) -> str:
        """The line the terminal shows for this build, after its diagnostics."""
        ms = f"{self.seconds * 1000:.0f} ms"
        if not self.ok:
            count = len([d for d in self.diagnostics if d.is_error])
            return (
                f"build failed in {ms}: {count} error{'s' if count != 1 else ''}; "
                "still serving the last good site"
            )
        if first:
            return f"Built {self.notes} notes into {self.pages} pages in {ms}"
        files = len(self.changed)
        shown = ""
        if self.quick_page:  # the edited note's page went out before the rebuild
            shown = f"; its page shown after {self.quick_seconds * 1000:.0f} ms"
        return f"rebuilt in {ms} ({files} file{'s' if files != 1 else ''} changed{shown})"


@dataclass(frozen=True, slots=True)
class ServeOptions:
    site_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False


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
        self._snapshot: Snapshot | None = None  # of the last good build, for quick pages
        self._base_path = ""
        self._watcher: SiteWatcher | None = None
        self._debouncer = Debouncer(self.rebuild, held=partial(git_is_writing, options.site_dir))
        self._thread: threading.Thread | None = None
        self.last_report: BuildReport | None = None
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
        self._configure(load_config(self.options.site_dir))
        # The first build runs before any other thread exists, so its workers may fork (see
        # kbsite.workers): 5,000 notes in 9 s rather than 15 s with spawned workers.
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
            if self._snapshot is not None:
                warm_up(self._snapshot)  # so the first save shows as fast as later ones
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

    def idle(self) -> bool:
        """Tell whether no change is waiting for a rebuild and none is running."""
        return self._debouncer.idle()

    def building(self) -> bool:
        """Tell whether a build is running now."""
        return self._lock.locked()

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
            if quick is not None:
                written, shown = quick
                report = replace(report, quick_page=written, quick_seconds=shown - started)
            self.last_report = report
            self._on_build(report)
            return report

    def _quick_page(self, batch: Batch) -> tuple[str, float] | None:
        """After a save of one note, show its page at once: write and announce it before the
        rebuild, which then refreshes whatever else the edit touched. Return the file written
        and when it was announced."""
        if self._snapshot is None or self.hub.has_errors:
            return None
        if len(batch) != 1:
            return None
        ((path, kind),) = batch.items()
        if kind is not ChangeKind.CONTENT or path.suffix.lower() != ".md":
            return None
        written = write_quick_page(self._snapshot, path)
        if written is None:
            return None
        self.hub.publish("reload", {"paths": [self._base_path + written]}, output_changed=True)
        return written, time.perf_counter()

    def _maybe_move(self, started: float) -> None:
        """Follow a base_url edited in site.yaml to its new subpath."""
        try:
            config = load_config(self.options.site_dir)
        except KbsiteError:
            return  # the build reports it
        self.server.language = config.language
        if config.base_path != self._base_path:
            self._configure(config)

    def _configure(self, config: SiteConfig) -> None:
        base_path = config.base_path
        self.server.language = config.language  # the fallback page's overlay speaks it
        options = BuildOptions(
            site_dir=self.options.site_dir,
            output=self.output,
            drafts=self.options.drafts,
            base_url=self._origin() + base_path,
            live_reload=True,
            incremental_output=True,
        )
        # A new Builder starts with no fingerprints: the first build writes every file.
        self._builder = Builder(options, kept=PageFingerprints())
        self._base_path = base_path
        self.server.base_path = base_path

    def _build(self, started: float) -> BuildReport:
        assert self._builder is not None
        self._snapshot = None  # until this build succeeds
        try:
            result = self._builder.build()
        except KbsiteError as exc:
            errors = [diagnostic_data(d) for d in exc.diagnostics]
            self.hub.publish("error", {"diagnostics": errors}, output_changed=False)
            seconds = time.perf_counter() - started
            return BuildReport(False, seconds, diagnostics=exc.diagnostics, event="error")
        self._snapshot = result.snapshot
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
