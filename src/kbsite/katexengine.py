"""KaTeX, the TeX -> MathML engine: run in V8 (mini-racer) where that pays, else in QuickJS
(pykatex). Both run KaTeX 0.16.22 with the same options, so they give the same bytes.

Why two: KaTeX in QuickJS's interpreter takes ~0.3 ms a formula, a fifth of a cold build's
CPU; V8 compiles it and takes ~0.03 ms, but costs ~80 ms to start in a process, ~0.2 ms a
call (so formulas go in batches), and runs a thread of its own. A process with that thread
must not fork (kbsite.parallel.can_fork), so V8 starts only where asked: in the build's
formula workers, which never fork, and in processes that already run other threads (serve).
Elsewhere, and wherever V8 cannot start, QuickJS renders.

CONTRACT:
    render_many(formulas, *, start_v8) -> list[Outcome]
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import Any

import pykatex

log = logging.getLogger(__name__)

KATEX_VERSION = "0.16.22"  # the vendored katex.min.js; pykatex 0.1.1 embeds the same one
# Set to "quickjs" to keep V8 out (a platform where it misbehaves); anything else: V8 may run.
ENGINE_VARIABLE = "KBSITE_KATEX_ENGINE"

# (True, MathML) | (False, why the TeX is wrong) | (None, why the engine failed: not the TeX)
Outcome = tuple[bool | None, str]

# Formulas per call into V8: each call costs ~0.2 ms of thread hand-over, each formula ~0.03 ms.
_BATCH = 256
# Starting V8 and loading KaTeX into it takes ~80 ms of a process's time: worth it from about
# this many formulas to render there (QuickJS takes ~0.3 ms each).
WORTH_STARTING_V8 = 300
# KaTeX underlines the offending span with U+0332 (combining low line); in a
# terminal or a title attribute that only garbles the message.
_UNDERLINE = "\u0332"
# The same options pykatex passes, in KaTeX's own terms. strict "ignore": the default "warn"
# prints from inside the engine for Chinese in math mode (`x_{训练}`), which renders fine.
_RENDER_BATCH_JS = """
function kbsiteRenderBatch(json) {
  const out = [];
  for (const [tex, display] of JSON.parse(json)) {
    try {
      out.push([true, katex.renderToString(tex, {
        output: "mathml", displayMode: display, strict: "ignore", throwOnError: true})]);
    } catch (e) {
      if (e instanceof katex.ParseError) {
        out.push([false, e.message.replace(/^KaTeX parse error: /, "")]);
      } else {
        out.push([null, String((e && e.message) || e)]);
      }
    }
  }
  return JSON.stringify(out);
}
"""

# Neither engine is documented as safe to enter from several threads at once (serve renders
# from its watcher thread while a quick page may be on the way).
_LOCK = threading.Lock()
# This process's V8: (pid that started it, the batch function or None if it could not start).
# A forked child sees its parent's pid here: V8's threads did not come along, so it is unusable.
_v8: tuple[int, Callable[[str], Any] | None] | None = None


def render_many(formulas: Sequence[tuple[str, bool]], *, start_v8: bool) -> list[Outcome]:
    """Render (TeX, display) pairs with KaTeX; V8 if it runs here or `start_v8` may start it."""
    with _LOCK:
        batch = _v8_batch(start_v8)
        if batch is not None:
            try:
                return [
                    out
                    for i in range(0, len(formulas), _BATCH)
                    for out in _in_v8(batch, formulas[i : i + _BATCH])
                ]
            except Exception as exc:  # V8 itself failed: QuickJS renders the same bytes
                log.warning("KaTeX in V8 failed (%s); rendering in QuickJS", exc)
                _stop_v8()
        return [_in_quickjs(tex, display) for tex, display in formulas]


def engine_name(*, start_v8: bool) -> str:
    """Tell which engine render_many would use here: "v8" or "quickjs"."""
    with _LOCK:
        return "v8" if _v8_batch(start_v8) is not None else "quickjs"


def _v8_batch(start: bool) -> Callable[[str], Any] | None:
    """This process's V8 batch function, started now if `start`; None: use QuickJS."""
    global _v8
    if _v8 is not None:
        pid, batch = _v8
        return batch if pid == os.getpid() else None  # a fork of a process running V8
    if not start or os.environ.get(ENGINE_VARIABLE, "").lower() == "quickjs":
        return None
    _v8 = (os.getpid(), _start_v8())
    return _v8[1]


def _start_v8() -> Callable[[str], Any] | None:
    """Load KaTeX into a new V8 isolate; None (and a note in the debug log) if it cannot."""
    try:
        from py_mini_racer import MiniRacer

        context = MiniRacer()
        context.eval(files("kbsite").joinpath("vendor/katex/katex.min.js").read_text("utf-8"))
        context.eval(_RENDER_BATCH_JS)
    except Exception as exc:  # no wheel for this platform, or V8 will not start here
        log.debug("V8 unavailable (%s); KaTeX runs in QuickJS", exc)
        return None
    atexit.register(_close_at_exit, context, os.getpid())

    def batch(text: str) -> Any:
        # The closure keeps the context, and so its V8 isolate, alive as long as `batch` is.
        return context.call("kbsiteRenderBatch", text)

    return batch


def let_v8_compile_in_threads() -> None:
    """Before V8 starts in this process: let it compile KaTeX on threads of its own, as it
    does by default (mini-racer keeps it to one thread). The first ~1,700 formulas then take
    75 ms instead of 140 ms, at no more CPU. Only for a process that ends with os._exit, as a
    forked multiprocessing worker does: V8's threads keep a normal exit waiting for ever."""
    try:
        from py_mini_racer import init_mini_racer

        init_mini_racer(flags=(), ignore_duplicate_init=True)
    except Exception as exc:  # no mini-racer here: QuickJS will render
        log.debug("V8 unavailable (%s)", exc)


def _close_at_exit(context: Any, pid: int) -> None:
    """Free the isolate while V8's thread still runs. Left to the interpreter's teardown, the
    context's destructor waits on that thread, which Python may already have stopped as it
    called back in: about one exit in 15 then hung for ever (seen in CI and reproduced)."""
    global _v8
    # A fork has no V8 thread to wait on: leave its copy alone. A render still running in a
    # daemon thread gets 5 s to finish; V8 is not freed under it.
    if os.getpid() == pid and _LOCK.acquire(timeout=5):
        try:
            _v8 = (pid, None)  # not again in this process
            context.close()
        finally:
            _LOCK.release()


def _stop_v8() -> None:
    global _v8
    _v8 = (os.getpid(), None)  # not again in this process


def _in_v8(batch: Callable[[str], Any], formulas: Sequence[tuple[str, bool]]) -> list[Outcome]:
    results = json.loads(batch(json.dumps(formulas, ensure_ascii=False)))
    if not isinstance(results, list) or len(results) != len(formulas):
        raise RuntimeError("unexpected answer from KaTeX")
    return [(ok, _clean(text) if ok is False else text) for ok, text in results]


def _in_quickjs(tex: str, display: bool) -> Outcome:
    try:
        html: str = pykatex.renderToString(
            tex,
            output=pykatex.OUTPUT_MATHML,
            displayMode=display,
            strict=pykatex.STRICT_IGNORE,
            throwOnError=True,
        )
    except pykatex.ParseError as exc:
        return False, _clean(str(exc))
    except Exception as exc:  # the embedded engine failed, not the formula
        return None, str(exc) or type(exc).__name__
    return True, html


def _clean(message: str) -> str:
    return message.replace(_UNDERLINE, "").strip() or "cannot parse formula"
