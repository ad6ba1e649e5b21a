"""The formulas of one build, or of a whole `kbsite serve` session: every rendering made so
far, and the formula process (kbsite.render.math.formulaserver) that makes new ones.

One `Formulas` object is made by whoever runs builds (a Builder; `kbsite build` makes it before
the Builder, to start the formula process ahead) and handed to everything that renders math:
the Markdown parser finds it in its env (MATH), the render stage's workers in their job. Two
objects share nothing, so a test can run two side by side. A forked worker inherits its owner's
object, renderings and all, and asks its owner's formula process through a socket; a spawned
worker gets a copy holding only that socket's address (see __getstate__).

CONTRACT:
    Formulas().render_tex(tex, display) -> str (or MathError);  .result(tex, display)
    .render_many(formulas);  .remember(results);  .unrendered(texts);  .is_known(formula)
    .engine_failure(tex, display);  .forget_engine_failures()
    .process() -> FormulaProcess | None;  .start(v8_now=...);  .stop();  .address
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from kbsite.render.math.formulafinder import Formula, find_formulas
from kbsite.render.math.formulaloop import Rendered
from kbsite.render.math.formulaserver import FormulaClient, FormulaProcess
from kbsite.render.math.tex import MathError, Result, fallback_result

# The markdown-it env key under which a note's rendering finds its Formulas.
MATH = "kbsite_formulas"

MAX_RESULTS = 200_000  # about 600 MB of MathML; a site that big starts the memo afresh


class Formulas:
    """Renderings of (TeX, display) pairs, made once each by the formula process."""

    def __init__(self, address: Any = None, *, max_results: int = MAX_RESULTS) -> None:
        # Notes repeat formulas (a corpus of ours: 13% are distinct), and KaTeX is most of a
        # note's render time. Failures of the TeX are kept too; failures of the engine never
        # are (_makeshift).
        self._results: dict[Formula, Result] = {}
        # Formulas the engine failed on (its process died), shown by latex2mathml instead
        # until the next build (forget_engine_failures): with why the engine failed.
        self._makeshift: dict[Formula, tuple[Result, str]] = {}
        self._max_results = max_results
        self._own: FormulaProcess | None = None  # started by this object, maybe in a parent
        self._address = address  # a spawned worker's: its owner's formula process
        self._client: FormulaClient | None = None
        self._lock = threading.Lock()  # around finding or starting the formula process

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for a spawned worker: only where its owner's formula process listens (the
        worker asks for its notes' formulas first, so it needs no renderings)."""
        return {"address": self.address, "max_results": self._max_results}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["address"], max_results=state["max_results"])  # type: ignore[misc]

    # The renderings.

    def render_tex(self, tex: str, display: bool) -> str:
        """Render one formula to `<span class="katex"><math>…</math></span>` or raise
        MathError."""
        ok, result = self.result(tex, display)
        if not ok:
            raise MathError(result)
        return result

    def result(self, tex: str, display: bool) -> Result:
        """Return (True, html) or (False, message) for one formula, from the memo when known."""
        key = (tex, display)
        found = self._known(key)
        if found is None:
            found = self.render_many([key])[0][1]
        return found

    def render_many(self, formulas: Sequence[Formula]) -> list[tuple[Formula, Result]]:
        """Render formulas (a worker's share of a build's, or a rebuild's new ones) in one
        request to the formula process."""
        # Taken before rendering: storing the new ones may start the memo afresh.
        found = {f: self._known(f) for f in dict.fromkeys(formulas)}
        new = [f for f, result in found.items() if result is None]
        if new:
            found.update(self.remember(list(zip(new, self._ask(new), strict=True))))
        return [(f, found[f]) for f in formulas]  # type: ignore[misc]  # every one found now

    def remember(self, results: Sequence[tuple[Formula, Rendered]]) -> dict[Formula, Result]:
        """Keep the formula process's renderings, so this process (and its forks) reuse them;
        an engine failure is shown by latex2mathml, and kept only until
        forget_engine_failures."""
        if len(self._results) + len(results) > self._max_results:
            self._results.clear()
        kept: dict[Formula, Result] = {}
        for formula, (ok, text) in results:
            if ok is None:  # the note that has it gets a warning (kbsite.render.tokeninfo)
                self._makeshift[formula] = (fallback_result(*formula), text)
                kept[formula] = self._makeshift[formula][0]
            else:
                kept[formula] = self._results[formula] = (ok, text)
        return kept

    def engine_failure(self, tex: str, display: bool) -> str | None:
        """Why the engine failed on this formula in this build, or None if it did not."""
        found = self._makeshift.get((tex, display))
        return None if found is None else found[1]

    def forget_engine_failures(self) -> None:
        """Try the engine again for formulas it failed on (each build starts with this)."""
        self._makeshift.clear()

    def unrendered(self, markdowns: Iterable[str]) -> set[Formula]:
        """The distinct formulas of these texts that have no rendering here yet."""
        return {f for text in markdowns for f in find_formulas(text) if f not in self._results}

    def is_known(self, formula: Formula) -> bool:
        """Tell whether a formula's rendering is kept here."""
        return formula in self._results

    def known(self) -> frozenset[Formula]:
        """Every formula whose rendering is kept here."""
        return frozenset(self._results)

    def _known(self, formula: Formula) -> Result | None:
        """Its rendering, or what stands in for it this build, if there is one."""
        found = self._results.get(formula)
        if found is None and formula in self._makeshift:
            found = self._makeshift[formula][0]
        return found

    # The formula process.

    def process(self) -> FormulaProcess | None:
        """The formula process this object started in this process, if it still runs (None in
        a forked worker: that one is its owner's)."""
        own = self._mine()
        return own if own is not None and own.alive else None

    def start(self, *, v8_now: bool = False) -> FormulaProcess:
        """Start a formula process for these formulas (ending one started before)."""
        with self._lock:
            return self._start(v8_now=v8_now)

    def stop(self) -> None:
        """End the formula process this object started here, if any (the next request starts
        another)."""
        own = self._mine()
        if own is not None:
            own.close()
            self._own = None

    @property
    def address(self) -> Any:
        """Where the formula process these formulas are asked of listens, or None."""
        return self._own.address if self._own is not None else self._address

    def _ask(self, formulas: Sequence[Formula]) -> list[Rendered]:
        """Render formulas in the formula process: this object's own (started now if it has
        none or it died), or, in a worker, its owner's."""
        client = None
        with self._lock:  # two of serve's threads must not each start one
            own = self._mine()
            if own is None and self.address is not None:  # a worker: its owner's process
                client = self._worker_client()
            elif own is None or not own.alive:
                own = self._start(v8_now=False)
        if client is not None:
            return client.render(formulas)
        assert own is not None
        return own.render(formulas)

    def _start(self, *, v8_now: bool) -> FormulaProcess:
        own = self._mine()
        if own is not None:
            own.close()
        self._own = FormulaProcess.start(v8_now=v8_now)
        return self._own

    def _mine(self) -> FormulaProcess | None:
        """The process this object started in this process (running or not)."""
        own = self._own
        return own if own is not None and own.pid == os.getpid() else None

    def _worker_client(self) -> FormulaClient:
        client = self._client
        if client is None or client.pid != os.getpid() or client.address != self.address:
            client = self._client = FormulaClient(self.address)
        return client
