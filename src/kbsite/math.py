"""TeX -> MathML at build time: the one place that talks to pykatex."""

from __future__ import annotations

import functools
import threading

import pykatex

# pykatex runs KaTeX in one embedded QuickJS runtime; nothing says it is safe to
# enter from several threads at once, and a parallel build may try.
_LOCK = threading.Lock()

# KaTeX underlines the offending span with U+0332 (combining low line); in a
# terminal or a title attribute that only garbles the message.
_UNDERLINE = "\u0332"


class MathError(Exception):
    """Raised when a formula cannot be converted; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def render_tex(tex: str, display: bool) -> str:
    """Render one formula to `<span class="katex"><math>…</math></span>` or raise MathError."""
    ok, result = _render_cached(tex, display)
    if not ok:
        raise MathError(result)
    return result


@functools.lru_cache(maxsize=8192)
def _render_cached(tex: str, display: bool) -> tuple[bool, str]:
    """Return (True, html) or (False, message), so failures are cached too."""
    try:
        with _LOCK:
            html: str = pykatex.renderToString(
                tex,
                output=pykatex.OUTPUT_MATHML,
                displayMode=display,
                # "warn" (the default) prints straight to stdout from inside QuickJS for
                # Chinese in math mode (`x_{训练}`), which renders fine anyway.
                strict=pykatex.STRICT_IGNORE,
                throwOnError=True,
            )
    except pykatex.ParseError as exc:
        return False, str(exc).replace(_UNDERLINE, "").strip() or "cannot parse formula"
    return True, html
