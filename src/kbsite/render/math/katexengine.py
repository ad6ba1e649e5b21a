"""KaTeX, the TeX -> MathML engine, as the formula process runs it
(kbsite.render.math.formulaserver).

An `Engine` is made by one thread and used only by it: pykatex's QuickJS runtime belongs to the
thread that made it (called from another thread it raised "size exceeded" or corrupted the heap:
`kbsite serve` aborted on the first saved formula), and V8 (mini-racer) starts threads of its
own, after which the process must not fork. So only the formula process, which never forks,
makes an Engine, on its main thread; every other process and thread asks that process.

Two engines run the same KaTeX 0.16.22 with the same options and give the same bytes: QuickJS
(pykatex) takes ~0.3 ms a formula and starts in ~6 ms; V8 compiles KaTeX and takes ~0.03 ms,
but costs ~110 ms to start and ~0.2 ms a call, so it starts only for a large batch (or when
the owner knows one is coming), and formulas go to it in batches.

CONTRACT:
    Engine().render_many(formulas) -> list[Outcome];  .start_v8();  .name;  .close()
    (or `with Engine() as engine:`)
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from importlib.resources import files
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)

KATEX_VERSION = "0.16.22"  # the vendored katex.min.js; pykatex 0.1.1 embeds the same one
# Set to "quickjs" to keep V8 out (a platform where it misbehaves); anything else: V8 may run.
ENGINE_VARIABLE = "KBSITE_KATEX_ENGINE"

# (True, MathML) | (False, why the TeX is wrong) | (None, why the engine failed: not the TeX)
Outcome = tuple[bool | None, str]

# Formulas per call into V8: each call costs ~0.2 ms of thread hand-over, each formula ~0.03 ms.
_BATCH = 256
# Starting V8 and loading KaTeX into it takes ~110 ms: worth it from about this many formulas
# in one request (QuickJS takes ~0.3 ms each).
WORTH_STARTING_V8 = 300
# What pykatex raises, as a ParseError, when QuickJS runs out of stack: a formula nested ~150
# deep, or any formula when entered from a thread other than the one that made the runtime
# (then it was cached as if the TeX were wrong). It is the engine failing, not the TeX.
_QUICKJS_OUT_OF_STACK = "size exceeded"
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


class Engine:
    """KaTeX for the thread that makes this object: QuickJS at once, V8 from a large batch."""

    def __init__(self) -> None:
        self._owner = (os.getpid(), threading.get_ident())
        self._v8: Callable[[str], Any] | None = None
        self._isolate: Any = None  # V8's context, which close() frees
        self._v8_tried = os.environ.get(ENGINE_VARIABLE, "").lower() == "quickjs"

    @property
    def name(self) -> str:
        """The engine large batches go to now: "v8" or "quickjs"."""
        return "v8" if self._v8 is not None else "quickjs"

    def start_v8(self) -> bool:
        """Start V8 now (once; never again after it failed); tell whether it runs."""
        self._check_owner()
        if not self._v8_tried:
            self._v8_tried = True
            started = _start_v8()
            if started is not None:
                self._v8, self._isolate = started
        return self._v8 is not None

    def close(self) -> None:
        """Free V8's isolate while V8's thread still runs; nothing for QuickJS. A process
        that exits normally must close its engine: left to the interpreter's teardown, the
        isolate's destructor waits on that thread, which Python may already have stopped, and
        about one exit in 15 then hung for ever (seen in CI). The formula process ends with
        os._exit instead, which waits on nothing."""
        isolate, self._isolate, self._v8 = self._isolate, None, None
        if isolate is not None and os.getpid() == self._owner[0]:  # a fork has no V8 thread
            isolate.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def render_many(self, formulas: Sequence[tuple[str, bool]]) -> list[Outcome]:
        """Render (TeX, display) pairs; a large batch starts V8, which then takes every batch."""
        self._check_owner()
        if len(formulas) >= WORTH_STARTING_V8:
            self.start_v8()
        if self._v8 is not None:
            try:
                return [
                    out
                    for i in range(0, len(formulas), _BATCH)
                    for out in _in_v8(self._v8, formulas[i : i + _BATCH])
                ]
            except Exception as exc:  # V8 itself failed: QuickJS renders the same bytes
                log.warning("KaTeX in V8 failed (%s); rendering in QuickJS", exc)
                self._v8 = None
        outcomes = [_in_quickjs(tex, display) for tex, display in formulas]
        failed = [i for i, (ok, _text) in enumerate(outcomes) if ok is None]
        if failed and self.start_v8():  # QuickJS's small stack: V8 renders deeper formulas
            again = self.render_many([formulas[i] for i in failed])
            for i, outcome in zip(failed, again, strict=True):
                outcomes[i] = outcome
        return outcomes

    def _check_owner(self) -> None:
        if (os.getpid(), threading.get_ident()) != self._owner:
            raise RuntimeError("a KaTeX engine is used only by the thread that made it")


def _start_v8() -> tuple[Callable[[str], Any], Any] | None:
    """Load KaTeX into a new V8 isolate: a function rendering a batch in it, and the isolate
    (to close); None (and a note in the debug log) if it cannot.

    V8 compiles KaTeX on threads of its own, as it does by default (mini-racer keeps it to one
    thread): the first ~1,700 formulas take 75 ms instead of 140 ms. The formula process ends
    with os._exit, so those threads cannot hold up its exit.
    """
    try:
        from py_mini_racer import MiniRacer, init_mini_racer

        init_mini_racer(flags=(), ignore_duplicate_init=True)
        context = MiniRacer()
        context.eval(
            files("kbsite.render.math").joinpath("vendor/katex/katex.min.js").read_text("utf-8")
        )
        context.eval(_RENDER_BATCH_JS)
    except Exception as exc:  # no wheel for this platform, or V8 will not start here
        log.debug("V8 unavailable (%s); KaTeX runs in QuickJS", exc)
        return None

    def batch(text: str) -> Any:
        return context.call("kbsiteRenderBatch", text)

    return batch, context


def _in_v8(batch: Callable[[str], Any], formulas: Sequence[tuple[str, bool]]) -> list[Outcome]:
    results = json.loads(batch(json.dumps(formulas, ensure_ascii=False)))
    if not isinstance(results, list) or len(results) != len(formulas):
        raise RuntimeError("unexpected answer from KaTeX")
    return [(ok, _clean(text) if ok is False else text) for ok, text in results]


def _in_quickjs(tex: str, display: bool) -> Outcome:
    import pykatex  # here: its runtime is made by, and belongs to, the engine's thread

    try:
        html: str = pykatex.renderToString(
            tex,
            output=pykatex.OUTPUT_MATHML,
            displayMode=display,
            strict=pykatex.STRICT_IGNORE,
            throwOnError=True,
        )
    except pykatex.ParseError as exc:
        if str(exc) == _QUICKJS_OUT_OF_STACK:
            return None, "QuickJS ran out of stack"
        return False, _clean(str(exc))
    except Exception as exc:  # the embedded engine failed, not the formula
        return None, str(exc) or type(exc).__name__
    return True, html


def _clean(message: str) -> str:
    return message.replace(_UNDERLINE, "").strip() or "cannot parse formula"
