"""KaTeX in V8 in a process of its own, started as a large cold build begins.

Importing mini-racer, starting V8 and loading KaTeX into it take ~150 ms of a process's time;
a formula then takes ~0.03 ms. `kbsite build` starts the server before it imports the builder,
so V8 starts on a core that is idle then, and is ready by the time the build knows its
formulas; one V8 renders all the distinct formulas of 5,000 notes in well under a second,
where before, each formula worker paid for starting V8 of its own.

The server is forked before any thread runs in the build (V8 runs threads of its own, and the
build forks more workers later: only the server may hold V8). It renders what it is sent as it
arrives, and hands everything over in one reply when asked, so neither side ever waits on a
full pipe while the other does too.

It also reads the notes itself (scan): while the build reads and parses them, the server finds
and renders their formulas; once the build has its notes, it stops the scan and finds only
the formulas of the notes the server did not reach.

CONTRACT:
    content_folder(site_dir) -> Path;  worth_starting(site_dir, *, cache) -> bool
    FormulaServer.start() -> FormulaServer;  .scan(folder);  .scanned() -> paths in content/;
    .submit(formulas);  .collect() -> results | None;  .close()

Imports stay light (the server is started before the rest of kbsite is imported).
"""

from __future__ import annotations

import collections
import importlib.util
import logging
import os
import queue
import signal
import threading
from collections.abc import Sequence
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING

from kbsite.katexengine import ENGINE_VARIABLE
from kbsite.parallel import can_fork
from kbsite.renderstore import CACHE_DIR, RENDER_CACHE

if TYPE_CHECKING:
    from kbsite.math import Formula, Result

log = logging.getLogger(__name__)

Rendered = list[tuple["Formula", "Result"]]

# From this many notes, a cold build starts the server (~150 ms of a core): our notes have
# about 1.7 distinct formulas each, so some 300 formulas to render, from where V8 pays.
SERVER_FROM_NOTES = 200

_COLLECT = "collect"  # the message asking for everything rendered so far
_SCAN = "scan"  # (_SCAN, folder): find the formulas of the notes there
_STOP = "stop"  # the message ending a scan, answered with the notes it covered
_SCAN_SHARE = 32  # notes scanned between looks at the inbox
_STOP_WAITING = 5.0  # seconds close() gives the server to finish before it is killed


def content_folder(site_dir: Path) -> Path:
    """The site's notes folder, as SiteConfig.content_dir has it; here, so that `kbsite build`
    can start the server and its scan before it imports the config's modules."""
    return site_dir / "content"


def worth_starting(site_dir: Path, *, cache: bool) -> bool:
    """Tell whether a build of the site would gain from the server: a cold build (no render
    cache to use) of many notes, where V8 can run and this process may fork.

    Also with one job (`--jobs 1`, a one-core machine): V8 cannot run in a process that forks
    later, so a build rendering in its own process used QuickJS, ten times slower, even where
    no worker ever forks. On one core, the server shares the core with the build."""
    if not can_fork() or not _v8_may_start():
        return False
    if cache and (site_dir / CACHE_DIR / RENDER_CACHE).exists():
        return False  # a warm build: it renders only edited notes, too few formulas for V8
    return _count_notes(content_folder(site_dir), up_to=SERVER_FROM_NOTES) >= SERVER_FROM_NOTES


def _v8_may_start() -> bool:
    """Tell whether V8 can be tried here: mini-racer installed and not switched off."""
    if os.environ.get(ENGINE_VARIABLE, "").lower() == "quickjs":
        return False
    return importlib.util.find_spec("py_mini_racer") is not None


def _count_notes(content_dir: Path, *, up_to: int) -> int:
    """Count the Markdown files under content_dir, stopping at `up_to` (a cheap size guess,
    before any note is read)."""
    count = 0
    for _folder, dirs, files in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += sum(1 for name in files if name.lower().endswith(".md"))
        if count >= up_to:
            break
    return count


class FormulaServer:
    """A forked process running KaTeX in V8; formulas go in as they are found."""

    def __init__(self, connection: Connection, process: BaseProcess) -> None:
        self._connection = connection
        self._process = process
        self._broken = False
        self._scanning: Path | None = None

    @classmethod
    def start(cls) -> FormulaServer:
        """Fork the server; V8 starts in it at once, while this process goes on."""
        context = get_context("fork")
        ours, theirs = context.Pipe()
        # daemon: should this process die without closing it, multiprocessing ends it at exit.
        process = context.Process(target=_serve, args=(theirs, ours), daemon=True)
        process.start()
        theirs.close()
        return cls(ours, process)

    def scan(self, content_dir: Path) -> None:
        """Have the server find and render the formulas of the notes under content_dir itself,
        reading the files while the build reads them too, until scanned() stops it. Asked
        again for the same folder, it goes on with the scan it has started."""
        folder = content_dir.resolve()
        if folder != self._scanning and self._send((_SCAN, str(folder))):
            self._scanning = folder

    def scanned(self) -> frozenset[str]:
        """Stop the scan; return the notes (paths inside content/) whose formulas the server
        has found: those of the other notes are the build's to find and submit()."""
        if self._send(_STOP):
            try:
                answer: list[str] = self._connection.recv()
                return frozenset(answer)
            except (OSError, EOFError, ValueError) as exc:
                self._give_up(exc)
        return frozenset()

    def submit(self, formulas: Sequence[Formula]) -> None:
        """Send formulas to render; their results come with the next collect()."""
        if formulas:
            self._send(list(formulas))

    def collect(self) -> Rendered | None:
        """Return every formula submitted and its result; None if the server could not render
        them in V8 (it did not start there, or died): the caller renders them itself."""
        if not self._send(_COLLECT):
            return None
        try:
            answer: Rendered | None = self._connection.recv()
        except (OSError, EOFError, ValueError) as exc:
            self._give_up(exc)
            return None
        return answer

    def close(self) -> None:
        """Stop the server (it ends when its pipe closes) and wait for it; again: nothing."""
        self._connection.close()
        process = self._process
        process.join(_STOP_WAITING)
        if process.is_alive():
            process.kill()
            process.join()

    def _send(self, message: object) -> bool:
        """Send one message; False if the server is gone."""
        if self._broken:
            return False
        try:
            self._connection.send(message)
        except (OSError, ValueError) as exc:
            self._give_up(exc)
        return not self._broken

    def _give_up(self, exc: BaseException) -> None:
        log.debug("formula server unavailable (%s); formulas render in the build's workers", exc)
        self._broken = True


def _serve(connection: Connection, parents_end: Connection) -> None:
    """The server process: start V8, then render what arrives until the pipe closes."""
    parents_end.close()  # so the pipe closes when the parent's end does
    # Ctrl-C reaches the whole process group; the build reports it, and closing the pipe
    # ends this process without a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A thread takes messages off the pipe as they come, so the build never waits at a full
    # pipe while this process renders the formulas sent before (at 10,000 notes the build's
    # search for formulas took 0.74 s that way, against 0.45 s). This process never forks:
    # threads are safe here.
    inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(connection, inbox), daemon=True).start()
    from kbsite.katexengine import engine_name, let_v8_compile_in_threads
    from kbsite.math import render_results

    let_v8_compile_in_threads()  # multiprocessing ends this process with os._exit
    in_v8 = engine_name(start_v8=True) == "v8"
    rendered: Rendered = []
    scanned: list[str] = []
    waiting: collections.deque[object] = collections.deque()  # taken from the inbox by a scan
    while (message := waiting.popleft() if waiting else inbox.get()) is not None:
        if message == _COLLECT:
            connection.send(rendered if in_v8 else None)
            rendered = []
        elif message == _STOP:
            connection.send(scanned)
        elif isinstance(message, tuple):  # (_SCAN, content folder)
            if in_v8:
                _scan(Path(message[1]), inbox, waiting, rendered, scanned)
        elif in_v8:
            rendered.extend(render_results(message, start_v8=True))  # type: ignore[arg-type]


def _scan(
    content_dir: Path,
    inbox: queue.SimpleQueue[object],
    waiting: collections.deque[object],
    rendered: Rendered,
    scanned: list[str],
) -> None:
    """Find and render the formulas of the notes under content_dir, a share of notes at a time,
    adding them to `rendered` and the notes done to `scanned`; stop early when _STOP (or the
    pipe's end) arrives. Messages that arrive meanwhile go to `waiting`, in order.

    While the build reads its notes, this process would otherwise wait: the build then finds
    the formulas only of the notes not scanned yet, and starts its workers sooner.
    """
    from kbsite.content import note_bodies
    from kbsite.formulafinder import unrendered_formulas
    from kbsite.math import render_results

    share: list[str] = []
    bodies: list[str] = []

    def render_share() -> None:
        rendered.extend(render_results(sorted(unrendered_formulas(bodies)), start_v8=True))
        scanned.extend(share)
        share.clear()
        bodies.clear()

    for rel, body in note_bodies(content_dir):
        share.append(rel)
        bodies.append(body)
        if len(share) == _SCAN_SHARE:
            render_share()
            while not inbox.empty():
                waiting.append(message := inbox.get())
                if message is None or message == _STOP:
                    return
    render_share()


def _receive(connection: Connection, inbox: queue.SimpleQueue[object]) -> None:
    """Put each message from the pipe in the inbox; None once the pipe closes."""
    while True:
        try:
            inbox.put(connection.recv())
        except (EOFError, OSError):
            inbox.put(None)
            return
