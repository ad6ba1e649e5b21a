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

CONTRACT:
    worth_starting(site_dir, *, cache, jobs) -> bool
    FormulaServer.start() -> FormulaServer;  .submit(formulas);  .collect() -> results | None;
    .close()

Imports stay light (the server is started before the rest of kbsite is imported).
"""

from __future__ import annotations

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
_STOP_WAITING = 5.0  # seconds close() gives the server to finish before it is killed


def worth_starting(site_dir: Path, *, cache: bool, jobs: int) -> bool:
    """Tell whether a build of the site would gain from the server: a cold build (no render
    cache to use) of many notes, in parallel, where V8 can run and workers are forked."""
    if jobs < 2 or not can_fork() or not _v8_may_start():
        return False
    if cache and (site_dir / CACHE_DIR / RENDER_CACHE).exists():
        return False  # a warm build: it renders only edited notes, too few formulas for V8
    return _count_notes(site_dir / "content", up_to=SERVER_FROM_NOTES) >= SERVER_FROM_NOTES


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

    def submit(self, formulas: Sequence[Formula]) -> None:
        """Send formulas to render; their results come with the next collect()."""
        if self._broken or not formulas:
            return
        try:
            self._connection.send(list(formulas))
        except (OSError, ValueError) as exc:
            self._give_up(exc)

    def collect(self) -> Rendered | None:
        """Return every formula submitted and its result; None if the server could not render
        them in V8 (it did not start there, or died): the caller renders them itself."""
        if self._broken:
            return None
        try:
            self._connection.send(_COLLECT)
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
    while (message := inbox.get()) is not None:
        if message == _COLLECT:
            connection.send(rendered if in_v8 else None)
            rendered = []
        elif in_v8:
            rendered.extend(render_results(message, start_v8=True))  # type: ignore[arg-type]


def _receive(connection: Connection, inbox: queue.SimpleQueue[object]) -> None:
    """Put each message from the pipe in the inbox; None once the pipe closes."""
    while True:
        try:
            inbox.put(connection.recv())
        except (EOFError, OSError):
            inbox.put(None)
            return
