"""Inside the formula process: one thread per connection puts requests in one inbox, and the
main thread answers them in turn with the only KaTeX engine, or reads the notes for their
formulas meanwhile (a scan). kbsite.render.math.formulaserver starts it and asks it.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing import AuthenticationError, current_process
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from kbsite.render.math.formulafinder import Formula

# (True, MathML ready for a page) | (False, why the TeX is wrong) | (None, why the engine failed)
Rendered = tuple[bool | None, str]

_SCAN_SHARE = 32  # notes scanned between looks at the inbox
_OWNER_CHECK = 0.5  # seconds between looks at whether the owner still runs


def serve(lifeline: Connection, owners_end: Connection, owner: int, v8_now: bool) -> None:
    """The formula process: answer requests from the inbox until the owner is gone."""
    owners_end.close()  # a fork's copy: the pipe must close when the owner's end does
    # Ctrl-C reaches the whole process group; the owner reports it, and closing the pipe
    # ends this process without a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = Listener(_socket_address(), authkey=current_process().authkey)
    lifeline.send(listener.address)
    inbox: queue.SimpleQueue[tuple[Connection, tuple[str, Any]] | None] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(lifeline, inbox, True), daemon=True).start()
    threading.Thread(target=_accept, args=(listener, inbox), daemon=True).start()
    threading.Thread(target=_watch_owner, args=(owner, inbox), daemon=True).start()
    from kbsite.render.math.katexengine import Engine

    engine = Engine()  # this thread's: the only one that ever enters KaTeX
    if v8_now:
        engine.start_v8()
    _answer(engine, lifeline, inbox)
    os._exit(0)  # V8's threads would keep a normal exit waiting for ever


def _answer(
    engine: Any,
    lifeline: Connection,
    inbox: queue.SimpleQueue[tuple[Connection, tuple[str, Any]] | None],
) -> None:
    """Answer each request in turn, until the owner is gone."""
    collected: list[tuple[Formula, Rendered]] = []  # for the owner's next collect
    scanned: list[str] = []
    waiting: collections.deque[tuple[Connection, tuple[str, Any]] | None] = collections.deque()
    while (item := waiting.popleft() if waiting else inbox.get()) is not None:
        connection, (verb, payload) = item
        if verb == "render":
            answer: object = _render(engine, payload)
        elif verb == "submit":
            collected.extend(zip(payload, _render(engine, payload), strict=True))
            continue
        elif verb == "collect":
            answer, collected = collected, []
        elif verb == "stop":
            answer = scanned
        elif verb == "scan":
            if _scan(engine, Path(payload), inbox, waiting, collected, scanned):
                return  # the owner is gone
            continue
        else:
            continue
        with contextlib.suppress(OSError, ValueError):  # that worker is gone: nothing to tell
            connection.send(answer)


def _render(engine: Any, formulas: Sequence[Formula]) -> list[Rendered]:
    """Render with the engine. The TeX is first read as MathJax would
    (kbsite.render.math.texcompat); the MathML gets Unicode variant letters
    (kbsite.render.math.variants) and what MathML Core lacks as CSS and attributes
    (kbsite.render.math.mathcore), here rather than in the build, which has the notes to render
    meanwhile."""
    from kbsite.render.math.mathcore import lower_mathml
    from kbsite.render.math.texcompat import mathjax_compat
    from kbsite.render.math.variants import unicode_variants

    read = [(mathjax_compat(tex), display) for tex, display in formulas]
    # Rewritten and still wrong: KaTeX's message is about the rewrite, which names what is
    # wrong (the TeX as written would fail first on what the rewrite mends).
    outcomes = engine.render_many(read)
    return [
        (True, lower_mathml(unicode_variants(_as_written(text, tex, mine))))
        if ok is True
        else (ok, text)
        for (ok, text), (tex, _), (mine, _) in zip(outcomes, formulas, read, strict=True)
    ]


def _as_written(html: str, tex: str, rendered: str) -> str:
    """Put the author's TeX back in the MathML's annotation, if KaTeX was given a rewrite."""
    if tex == rendered:
        return html
    from html import escape

    head, _, rest = html.partition('<annotation encoding="application/x-tex">')
    _, _, tail = rest.partition("</annotation>")
    return f'{head}<annotation encoding="application/x-tex">{escape(tex)}</annotation>{tail}'


def _scan(
    engine: Any,
    content_dir: Path,
    inbox: queue.SimpleQueue[tuple[Connection, tuple[str, Any]] | None],
    waiting: collections.deque[tuple[Connection, tuple[str, Any]] | None],
    collected: list[tuple[Formula, Rendered]],
    scanned: list[str],
) -> bool:
    """Find and render the formulas of the notes under content_dir, a share of notes at a time,
    adding them to `collected` and the notes done to `scanned`; stop early when "stop" (or the
    pipe's end) arrives. Requests that arrive meanwhile go to `waiting`, in order.

    Return whether the owner is gone."""
    from kbsite.load.content import note_bodies
    from kbsite.render.math.formulafinder import find_formulas

    done: set[Formula] = set()
    share: list[str] = []
    bodies: list[str] = []

    def render_share() -> None:
        new = sorted({f for body in bodies for f in find_formulas(body)} - done)
        done.update(new)
        collected.extend(zip(new, _render(engine, new), strict=True))
        scanned.extend(share)
        share.clear()
        bodies.clear()

    for rel, body in note_bodies(content_dir):
        share.append(rel)
        bodies.append(body)
        if len(share) == _SCAN_SHARE:
            render_share()
            while not inbox.empty():
                waiting.append(item := inbox.get())
                if item is None:
                    return True
                if item[1][0] == "stop":
                    return False
    render_share()
    return False


def _receive(
    connection: Connection,
    inbox: queue.SimpleQueue[tuple[Connection, tuple[str, Any]] | None],
    lifeline: bool,
) -> None:
    """Put each request from one connection in the inbox; at the owner's end, None."""
    while True:
        try:
            inbox.put((connection, connection.recv()))
        except (EOFError, OSError, ValueError):
            if lifeline:
                inbox.put(None)
            connection.close()
            return


def _watch_owner(
    owner: int, inbox: queue.SimpleQueue[tuple[Connection, tuple[str, Any]] | None]
) -> None:
    """End the process once its owner is gone, even while a copy of the owner's end of the
    pipe lives on in another of its children (a worker forked before this process)."""
    while os.getppid() == owner:
        time.sleep(_OWNER_CHECK)
    inbox.put(None)


def _accept(
    listener: Listener,
    inbox: queue.SimpleQueue[tuple[Connection, tuple[str, Any]] | None],
) -> None:
    """Take each worker's connection, and read its requests on a thread of its own."""
    while True:
        try:
            connection = listener.accept()
        except (OSError, EOFError, AuthenticationError):  # a stranger without the key, or
            time.sleep(0.01)  # out of descriptors for now: not a busy loop meanwhile
            continue
        threading.Thread(target=_receive, args=(connection, inbox, False), daemon=True).start()


def _socket_address() -> str | None:
    """An abstract Unix socket on Linux (no file to clean up after a kill), else the default
    (a file in a temporary folder, or a named pipe on Windows)."""
    if sys.platform.startswith("linux"):
        return f"\0kbsite-formulas-{os.getpid()}-{os.urandom(6).hex()}"
    return None
