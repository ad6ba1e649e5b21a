"""TeX math: the `\\(…\\)` / `\\[…\\]` syntax, and what rendering a formula gives (the
renderings themselves: kbsite.render.math.formulas)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kbsite.render.math.formulafinder import BARE_ENVIRONMENTS

if TYPE_CHECKING:  # no Markdown parser needed at run time
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline


class MathError(Exception):
    """Raised when a formula cannot be converted; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# The key of the warning a note gets when KaTeX's engine (not the TeX) failed on a formula: its
# rendering is then kept for this build only (kbsite.render.notes).
ENGINE_FAILED = "math-engine"
Result = tuple[bool, str]  # (True, html) or (False, why it cannot render)


def fallback_result(tex: str, display: bool) -> Result:
    """Convert with latex2mathml when KaTeX's engine itself breaks (see FIELD-NOTES).

    latex2mathml is less faithful (it flattens `aligned`) but keeps the build going.
    """
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
    # MathJax renders these environments without dollars, even inside a paragraph.
    md.block.ruler.before(
        "fence", "math_environment", _math_environment, {"alt": ["paragraph", "blockquote"]}
    )


# A numbered or unnumbered display environment opening a line, as MathJax finds them.
_ENVIRONMENT = re.compile(rf"\\begin\{{({BARE_ENVIRONMENTS})(\*?)\}}")


def _math_environment(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Parse `\\begin{equation}...\\end{equation}` (align, gather, multline, starred or not)
    written without dollars as display math, up to the line its `\\end` ends."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    opening = _ENVIRONMENT.match(state.src, begin, state.eMarks[start_line])
    if opening is None:
        return False
    closer = f"\\end{{{opening[1]}{opening[2]}}}"
    line = start_line
    while line < end_line:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if line > start_line and state.isEmpty(line):
            return False
        at = text.find(closer)
        if at != -1:
            if text[at + len(closer) :].strip():
                return False
            break
        line += 1
    else:
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block, token.markup = True, "\\begin"
        token.content = "\n".join(
            state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]]
            for n in range(start_line, line + 1)
        )
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


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


# What a line must start with for the block rules above to match (kbsite.accel.fastblock).
MATH_BLOCK_STARTS = {_math_bracket_block: "\\", _math_environment: "\\"}
