"""Watching the site: classify file events into kinds, and coalesce bursts into one rebuild."""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from kbsite.config.folders import CONTENT_DIR
from kbsite.config.siteconfig import CONFIG_FILE

log = logging.getLogger(__name__)

# What `kbsite serve` watches, relative to the site folder.
SOURCE_DIRS = (CONTENT_DIR, "templates", "static", "bibliography")
# Quiet time after the last event before rebuilding: an editor's write-temp-then-rename save,
# or `git checkout` touching hundreds of files, arrives as a burst that must become one build
# (git's bursts are also waited for by its lock, below).
# Editors finish a save within a few milliseconds; a burst split by a longer pause only costs
# one more (incremental) build. Every save waits this long, so it is kept short.
QUIET_SECONDS = 0.05
# A folder written to continuously (a logger, a sync tool) must not postpone the rebuild forever.
MAX_DELAY_SECONDS = 1.0
# git holds its index lock while it rewrites the working tree (checkout, merge, rebase, reset,
# stash), so a burst git makes is waited for by that lock rather than by quiet time: on a
# loaded machine a `git checkout` of 200 notes paused up to 200 ms between files and took up
# to 1.3 s, and built in two or three rebuilds, the first from a half-switched branch.
# A lock left behind by a git that crashed must not stop rebuilds for good.
HOLD_LIMIT_SECONDS = 30.0
# Once git lets go, its last events can still be on their way from the watcher (seen 125 ms
# behind git on that machine): a burst git held is built this long after the lock went.
SETTLE_SECONDS = 0.25


class ChangeKind(StrEnum):
    CONTENT = "content"
    TEMPLATE = "template"
    STATIC = "static"
    CONFIG = "config"
    IGNORED = "ignored"


_KIND_OF_DIR = {
    CONTENT_DIR: ChangeKind.CONTENT,
    "templates": ChangeKind.TEMPLATE,
    "static": ChangeKind.STATIC,
    # .bib files (site.yaml's `bibliography:`): an edit re-renders the notes citing its entries
    "bibliography": ChangeKind.CONTENT,
}
# Files editors and operating systems write beside the real ones.
_JUNK_NAMES = frozenset({"4913", ".DS_Store", "Thumbs.db", "desktop.ini"})
_JUNK_SUFFIXES = (
    "~",
    ".swp",
    ".swo",
    ".swx",
    ".tmp",
    ".bak",
    ".part",
    ".crdownload",
    "___jb_tmp___",
    "___jb_old___",
    # VS Code writes atomically to <file>.vsctmp, then renames it over the file. Seen as
    # content, it made such a save a two-file batch, which the quick page leaves to the rebuild.
    ".vsctmp",
)


def is_editor_junk(name: str) -> bool:
    """Tell whether a file name belongs to an editor's temporary or backup files."""
    return (
        name in _JUNK_NAMES
        or name.startswith((".#", "#", ".~lock."))
        or name.endswith(_JUNK_SUFFIXES)
        or (name.startswith(".") and name.endswith(".swp"))
    )


def classify(path: Path, site_dir: Path, *, ignore: Iterable[Path] = ()) -> ChangeKind:
    """Say what a change at `path` means for the site: which kind of rebuild, or none.

    Hidden files and folders are ignored, as the content loader skips them too, and so are
    the folders in `ignore` (the preview's own output).
    """
    path = Path(path).absolute()
    site_dir = site_dir.absolute()
    for folder in ignore:
        if path.is_relative_to(folder.absolute()):
            return ChangeKind.IGNORED
    if not path.is_relative_to(site_dir):
        return ChangeKind.IGNORED
    parts = path.relative_to(site_dir).parts
    if not parts or any(part.startswith(".") for part in parts) or is_editor_junk(parts[-1]):
        return ChangeKind.IGNORED
    if parts == (CONFIG_FILE,):
        return ChangeKind.CONFIG
    if path.suffix.lower() == ".bib":  # a bibliography beside site.yaml, or in any source folder
        return ChangeKind.CONTENT
    # a folder created, moved or deleted under a source folder counts like a file
    return _KIND_OF_DIR.get(parts[0], ChangeKind.IGNORED)


Batch = Mapping[Path, ChangeKind]


class Debouncer:
    """Collect changes and run `action(batch)` on one worker thread once events go quiet.

    The batch keeps the last kind seen per path. Changes that arrive while the action runs
    are collected into the next batch, so a burst during a build causes exactly one more build.
    While `held()` says a tool is still rewriting files, the batch waits for it (up to
    `hold_limit`), then for `settle` more.
    """

    def __init__(
        self,
        action: Callable[[Batch], object],
        *,
        quiet: float = QUIET_SECONDS,
        max_delay: float = MAX_DELAY_SECONDS,
        held: Callable[[], bool] = lambda: False,
        settle: float = SETTLE_SECONDS,
        hold_limit: float = HOLD_LIMIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._action = action
        self._quiet = quiet
        self._max_delay = max_delay
        self._held = held  # a tool is rewriting the files (git_is_writing): wait for it
        self._settle = settle
        self._hold_limit = hold_limit
        self._held_at: float | None = None  # when `held` last said so, in this burst
        self._holding = False  # and it did at the last look
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: dict[Path, ChangeKind] = {}
        self._first = 0.0
        self._last = 0.0
        self._closed = False
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="kbsite-rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, path: Path, kind: ChangeKind) -> None:
        """Record one change; ignored kinds are dropped."""
        if kind is ChangeKind.IGNORED:
            return
        with self._cond:
            now = self._clock()
            if not self._pending:
                self._first = now
            self._pending.pop(path, None)  # keep insertion order = order of last events
            self._pending[path] = kind
            self._last = now
            self._cond.notify_all()

    def idle(self) -> bool:
        """Tell whether nothing is pending and no action is running."""
        with self._cond:
            return not self._pending and not self._busy

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker; a running action is allowed to finish."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _due(self) -> float:
        if self._held_at is None:
            return min(self._last + self._quiet, self._first + self._max_delay)
        settled = max(self._last + self._quiet, self._held_at + self._settle)
        return min(settled, self._first + self._hold_limit)

    def _holds(self, now: float) -> bool:
        """Tell whether the batch must wait for a tool still rewriting files."""
        self._holding = now - self._first < self._hold_limit and self._held()
        if self._holding:
            self._held_at = now
        return self._holding

    def _wait(self) -> float:
        """Return how long to wait before the batch is due (0 or less: now)."""
        now = self._clock()
        wait = self._due() - now
        if self._holding:  # git was at work at the last look: look again after a quiet time
            wait = min(wait, self._quiet - (now - (self._held_at or now)))
        if wait <= 0:
            # the settle time counts from the last look that saw the lock
            wait = self._quiet if self._holds(now) else self._due() - now
        return wait

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._pending:
                    self._cond.wait()
                    continue
                wait = self._wait()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                batch, self._pending = self._pending, {}
                self._held_at, self._holding = None, False
                self._busy = True
                self._cond.release()
                try:
                    self._action(batch)
                except Exception:  # a failing action must not stop the watcher
                    log.exception("rebuild failed unexpectedly")
                finally:
                    self._cond.acquire()
                    self._busy = False
                    self._cond.notify_all()


def git_index_lock(folder: Path) -> Path | None:
    """Return the index lock of the git repository `folder` is in, or None outside one.

    A linked worktree's (or a submodule's) `.git` is a file naming its git folder."""
    for parent in (folder, *folder.parents):
        dot_git = parent / ".git"
        if dot_git.is_dir():
            return dot_git / "index.lock"
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if not text.startswith("gitdir:"):
                return None
            return parent / text.removeprefix("gitdir:").strip() / "index.lock"
    return None


def git_is_writing(folder: Path) -> bool:
    """Tell whether git is rewriting the working tree `folder` is in (it holds the index lock).

    `git status` takes the lock for a moment too (editors run it often): a save that happens
    to meet it waits SETTLE_SECONDS more, nothing worse."""
    try:
        lock = git_index_lock(folder.absolute())
        return lock is not None and lock.exists()
    except OSError:  # an unreadable parent folder: no git we can see
        return False


# Event types that can change what a build reads; opened/closed-without-write events cannot.
_RELEVANT = frozenset({"created", "modified", "moved", "deleted", "closed"})


def quiet_watchdog() -> None:
    """Hide watchdog's warning that a new folder's watch "already exists": when a folder is
    created under a watched one, watchdog's event for it and its rescan of the parent both add
    the same callback, and it warns that it overwrites the callback with itself. The message
    (a RuntimeWarning with watchdog's internals in it) meant nothing to someone saving notes."""
    warnings.filterwarnings(
        "ignore",
        message="Callback with id .* already exists for watch",
        category=RuntimeWarning,
        module=r"watchdog(\.|$)",
    )


class SiteWatcher(FileSystemEventHandler):
    """Watch content/, templates/, static/, bibliography/ and site.yaml (and .bib files beside
    it); report each classified change."""

    def __init__(
        self,
        site_dir: Path,
        on_change: Callable[[Path, ChangeKind], None],
        *,
        ignore: Iterable[Path] = (),
    ) -> None:
        super().__init__()
        self._site_dir = site_dir.absolute()
        self._on_change = on_change
        self._ignore = tuple(ignore)
        self._observer = Observer()
        self._watched: set[str] = set()

    def start(self) -> None:
        quiet_watchdog()
        # The site folder itself is watched without recursion: it holds site.yaml, and seeing
        # a source folder appear there lets us start watching it (no restart needed).
        self._observer.schedule(self, str(self._site_dir), recursive=False)
        for name in SOURCE_DIRS:
            self._watch_folder(self._site_dir / name)
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout=5)

    def _watch_folder(self, folder: Path) -> None:
        if folder.is_dir() and str(folder) not in self._watched:
            self._observer.schedule(self, str(folder), recursive=True)
            self._watched.add(str(folder))

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _RELEVANT:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's own time changing: what changed in it has an event of its own
        paths = [event.src_path, getattr(event, "dest_path", "")]
        for raw in paths:
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            kind = classify(path, self._site_dir, ignore=self._ignore)
            if kind is ChangeKind.IGNORED:
                continue
            if path.parent == self._site_dir and path.name in SOURCE_DIRS:
                self._watch_folder(path)
            log.debug("%s %s: %s", event.event_type, path, kind)
            self._on_change(path, kind)
