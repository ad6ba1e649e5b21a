"""The formula process: the one place KaTeX runs, for a build or a whole `kbsite serve`.

Ownership, by construction: a process that renders notes starts one formula process (its
owner), and that process's main thread makes the only KaTeX engine (kbsite.render.math.katexengine)
and is the only thread that ever calls it. Everyone else asks it: the owner through a pipe, the
owner's workers (and their threads) through a socket of their own. So no JavaScript engine is
ever entered from two threads, V8's threads never live in a process that forks, and a crash
of an engine costs a restart of this process, never the build or the preview.

Threads in the formula process only carry messages: one per connection puts each request in
one inbox, and the main thread answers them in turn. The process ends when its owner's pipe
closes (the owner exits, is killed, or closes it), with os._exit, so V8's threads cannot hold
it up.

The owner may also have it read the notes (scan): while a large cold build reads and parses
them, the formula process finds and renders their formulas; once the build has its notes, it
stops the scan and sends only the formulas of the notes the scan did not reach.

CONTRACT:
    FormulaProcess.start(*, v8_now) -> FormulaProcess
    .scan(folder);  .scanned();  .submit(formulas);  .collect();  .render(formulas);  .close()
    FormulaClient(address).render(formulas)   (a worker's connection to its owner's process)
    who owns one: kbsite.render.math.formulas;  whether to start it ahead: ...math.prestart

Imports stay light (`kbsite build` starts the process before the rest of kbsite is imported).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from multiprocessing import current_process, get_context
from multiprocessing.connection import Client, Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from kbsite.render.math.formulafinder import Formula
from kbsite.render.math.formulaloop import Rendered, serve
from kbsite.workers import can_fork, can_spawn

log = logging.getLogger(__name__)

_STOP_WAITING = 5.0  # seconds close() gives the process to end before it is killed


class FormulaProcess:
    """The owner's handle on its formula process: a pipe to it, and its socket's address."""

    def __init__(self, connection: Connection, process: BaseProcess, address: Any) -> None:
        self.address = address  # where the owner's workers connect
        self.pid = os.getpid()  # the owner
        self._connection = connection
        self._process = process
        self._lock = threading.Lock()  # one request and its answer at a time (serve's threads)
        self._broken = False
        self._scanning: Path | None = None

    @classmethod
    def start(cls, *, v8_now: bool = False) -> FormulaProcess:
        """Start a formula process owned by this one (kbsite.render.math.formulas keeps it).
        `v8_now`: start V8 at once, for a large build (else from the first large request).

        Forked where that is safe (no other thread here), else spawned (~0.2 s)."""
        context = get_context("fork") if can_fork() or not can_spawn() else get_context("spawn")
        ours, theirs = context.Pipe()
        # daemon: should the owner end without closing it, multiprocessing ends it at exit.
        process = context.Process(
            target=serve,
            args=(theirs, ours, os.getpid(), v8_now),
            daemon=True,
            name="kbsite-formulas",
        )
        process.start()
        theirs.close()
        try:
            address = ours.recv()  # the first thing it does: ~1 ms forked
        except (EOFError, OSError):
            address = None
        started = cls(ours, process, address)
        started._broken = address is None
        return started

    @property
    def alive(self) -> bool:
        return not self._broken and self._process.is_alive()

    def render(self, formulas: Sequence[Formula]) -> list[Rendered]:
        """Render formulas now; an engine failure (the process died) gives (None, why) each."""
        answer = self._ask(("render", list(formulas)))
        if answer is None:
            return _failed(formulas, self._why())
        result: list[Rendered] = answer
        return result

    def scan(self, content_dir: Path) -> None:
        """Have the process find and render the formulas of the notes under content_dir itself,
        reading the files while the build reads them too, until scanned() stops it. Asked
        again for the same folder, it goes on with the scan it has started."""
        folder = content_dir.resolve()
        if folder != self._scanning and self._tell(("scan", str(folder))):
            self._scanning = folder

    @property
    def scanning(self) -> bool:
        return self._scanning is not None

    def scanned(self) -> frozenset[str]:
        """Stop the scan; return the notes (paths inside content/) whose formulas the process
        has found: those of the other notes are the build's to find and submit()."""
        self._scanning = None
        answer = self._ask(("stop", None))
        return frozenset(answer or ())

    def submit(self, formulas: Sequence[Formula]) -> None:
        """Send formulas to render; their results come with the next collect()."""
        if formulas:
            self._tell(("submit", list(formulas)))

    def collect(self) -> list[tuple[Formula, Rendered]] | None:
        """Return every formula scanned or submitted since the last collect, with its result;
        None if the process died (the caller renders them again)."""
        answer: list[tuple[Formula, Rendered]] | None = self._ask(("collect", None))
        return answer

    def close(self) -> None:
        """End the process (it ends when its pipe closes) and wait for it; again: nothing."""
        if os.getpid() != self.pid:
            return  # a fork's copy: the process is its owner's
        self._broken = True
        self._connection.close()
        self._process.join(_STOP_WAITING)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def _tell(self, message: tuple[str, object]) -> bool:
        with self._lock:
            return self._send(message)

    def _ask(self, message: tuple[str, object]) -> Any:
        """Send a request and return its answer; None if the process is gone."""
        with self._lock:
            if not self._send(message):
                return None
            try:
                return self._connection.recv()
            except (OSError, EOFError, ValueError) as exc:
                self._give_up(exc)
                return None

    def _send(self, message: tuple[str, object]) -> bool:
        if self._broken or os.getpid() != self.pid:
            return False
        try:
            self._connection.send(message)
        except (OSError, ValueError) as exc:
            self._give_up(exc)
        return not self._broken

    def _give_up(self, exc: BaseException) -> None:
        log.debug("formula process unavailable (%s)", exc)
        self._broken = True

    def _why(self) -> str:
        self._process.join(0.5)
        code = self._process.exitcode
        return f"the formula process stopped (exit status {code})"


class FormulaClient:
    """A worker's connection to its owner's formula process, opened on first use."""

    def __init__(self, address: Any) -> None:
        self.address = address
        self.pid = os.getpid()
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def render(self, formulas: Sequence[Formula]) -> list[Rendered]:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = Client(self.address, authkey=current_process().authkey)
                self._connection.send(("render", list(formulas)))
                answer: list[Rendered] = self._connection.recv()
                return answer
            except (OSError, EOFError, ValueError) as exc:  # the process is gone
                self._connection = None
                return _failed(formulas, f"the formula process is unreachable ({exc})")


def _failed(formulas: Sequence[Formula], why: str) -> list[Rendered]:
    return [(None, why)] * len(formulas)
