"""TeX math: the `\\(…\\)` / `\\[…\\]` syntax, and MathML at build time via KaTeX."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kbsite import katexengine
from kbsite.mathvariants import unicode_variants

if TYPE_CHECKING:  # the formula server imports this module, and needs no Markdown parser
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline

log = logging.getLogger(__name__)


class MathError(Exception):
    """Raised when a formula cannot be converted; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def render_tex(tex: str, display: bool) -> str:
    """Render one formula to `<span class="katex"><math>…</math></span>` or raise MathError."""
    ok, result = render_result(tex, display)
    if not ok:
        raise MathError(result)
    return result


Formula = tuple[str, bool]  # (TeX, display mode)
Result = tuple[bool, str]  # (True, html) or (False, why it cannot render)

# Every formula this process has rendered: notes repeat formulas (a corpus of ours: 13% are
# distinct), and KaTeX is most of a note's render time. Failures are kept too.
_RESULTS: dict[Formula, Result] = {}
_MAX_RESULTS = 200_000  # about 600 MB of MathML; a site that big starts the cache afresh


def render_result(tex: str, display: bool) -> Result:
    """Return (True, html) or (False, message) for one formula, from the cache when known."""
    key = (tex, display)
    found = _RESULTS.get(key)
    if found is None:
        # One formula: V8 only if it already runs here (starting it costs more than it saves).
        found = render_results([key])[0][1]
    return found


def render_results(
    formulas: Sequence[Formula], *, start_v8: bool = False
) -> list[tuple[Formula, Result]]:
    """Render formulas (a worker's share of a build's, or a rebuild's new ones) in batches;
    `start_v8`: where no fork follows, V8 may start for them (kbsite.katexengine)."""
    # Taken before rendering: storing the new ones may start the cache afresh (_MAX_RESULTS).
    found = {f: _RESULTS[f] for f in dict.fromkeys(formulas) if f in _RESULTS}
    new = [f for f in dict.fromkeys(formulas) if f not in found]
    if new:
        found.update(_remember_new(new, _render_many(new, start_v8=start_v8)))
    return [(f, found[f]) for f in formulas]


def remember(results: list[tuple[Formula, Result]]) -> None:
    """Add renderings made by another process, so this one (and its forks) reuse them."""
    _RESULTS.update(results)


def is_known(formula: Formula) -> bool:
    """Tell whether a formula's rendering is cached in this process."""
    return formula in _RESULTS


def clear_cache() -> None:
    """Forget every rendering (for tests that swap the engine)."""
    _RESULTS.clear()


def _remember_new(
    formulas: Sequence[Formula], results: list[Result]
) -> list[tuple[Formula, Result]]:
    if len(_RESULTS) + len(formulas) > _MAX_RESULTS:
        _RESULTS.clear()
    pairs = list(zip(formulas, results, strict=True))
    _RESULTS.update(pairs)
    return pairs


def _render_many(formulas: Sequence[Formula], *, start_v8: bool) -> list[Result]:
    """Render with KaTeX; the MathML gets Unicode variant letters (kbsite.mathvariants)."""
    results: list[Result] = []
    for (tex, display), (ok, text) in zip(
        formulas, katexengine.render_many(formulas, start_v8=start_v8), strict=True
    ):
        if ok is None:  # the engine broke, not the formula
            ok, text = _fallback(tex, display, text)
        results.append((True, unicode_variants(text)) if ok else (False, text))
    return results


def _fallback(tex: str, display: bool, why: str) -> Result:
    """Convert with latex2mathml when KaTeX's engine itself breaks (see FIELD-NOTES).

    latex2mathml is less faithful (it flattens `aligned`) but keeps the build going.
    """
    log.warning("KaTeX engine failed (%s); using latex2mathml for %r", why, tex[:60])
    import latex2mathml.converter  # here: a build that never needs it does not pay its import

    try:
        mathml = latex2mathml.converter.convert(tex, display="block" if display else "inline")
    except Exception as error:  # any failure here means "cannot convert"
        return False, f"cannot convert formula: {error}"
    return True, f'<span class="katex">{mathml}</span>'


def bracket_math_plugin(md: MarkdownIt) -> None:
    """Add `\\(…\\)` inline and `\\[…\\]` display math (dollars come from dollarmath)."""
    # Before "escape": otherwise `\(` would be read as an escaped parenthesis.
    md.inline.ruler.before("escape", "math_paren", _math_paren)
    md.inline.ruler.before("escape", "math_bracket_inline", _math_bracket_inline)
    md.block.ruler.before("fence", "math_bracket_block", _math_bracket_block)


def _is_escaped(src: str, pos: int) -> bool:
    """Tell whether src[pos] follows an odd number of backslashes."""
    count = 0
    while pos - count - 1 >= 0 and src[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _find_closing(src: str, start: int, closer: str) -> int:
    """Return the index of closer ("\\)" or "\\]") from start, skipping TeX's `\\x` pairs."""
    pos = start
    while (pos := src.find("\\", pos)) != -1:
        if src.startswith(closer, pos):
            return pos
        pos += 2
    return -1


def _math_paren(state: StateInline, silent: bool) -> bool:
    """Parse `\\(...\\)` as inline math (before `\\(` would be read as an escaped paren)."""
    src, start = state.src, state.pos
    if not src.startswith("\\(", start) or _is_escaped(src, start):
        return False
    end = _find_closing(src, start + 2, "\\)")
    if end == -1 or not src[start + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = src[start + 2 : end], "\\("
    state.pos = end + 2
    return True


def _math_bracket_inline(state: StateInline, silent: bool) -> bool:
    """Parse `\\[...\\]` inside a paragraph as display math when it spans whole lines."""
    src, start = state.src, state.pos
    if not src.startswith("\\[", start) or _is_escaped(src, start):
        return False
    # Only a `\[` opening a line and a `\]` closing one are math, so the common
    # escaped citation "\[1\] Vaswani et al." stays text.
    if src[src.rfind("\n", 0, start) + 1 : start].strip():
        return False
    end = _find_closing(src, start + 2, "\\]")
    line_end = src.find("\n", end) if end != -1 else -1
    rest = src[end + 2 :] if line_end == -1 else src[end + 2 : line_end]
    if end == -1 or rest.strip() or not src[start + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline_double", "math", 0)
        token.content, token.markup = src[start + 2 : end], "\\["
    state.pos = end + 2
    return True


def _math_bracket_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Parse a block that starts with `\\[` and ends a line with `\\]` as display math."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", begin):
        return False
    line, pos = start_line, begin + 2
    while line < end_line:
        line_end = state.eMarks[line]
        if line > start_line and state.isEmpty(line):
            return False
        close = _find_closing(state.src[:line_end], pos, "\\]")
        if close != -1:
            if state.src[close + 2 : line_end].strip():
                return False
            break
        line, pos = line + 1, line_end
    else:
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block, token.markup = True, "\\["
        # Line by line, so the "> " of a blockquote does not end up in the formula.
        starts = [begin + 2] + [
            state.bMarks[n] + state.tShift[n] for n in range(start_line + 1, line + 1)
        ]
        ends = [state.eMarks[n] for n in range(start_line, line)] + [close]
        token.content = "\n".join(state.src[a:b] for a, b in zip(starts, ends, strict=True))
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True
