"""Pandoc's fenced divs: `::: {#thm-lowrank}` ... `:::`, the syntax Quarto notes use for
theorems, proofs and other blocks with an id or classes (issue 19, item 3).

A line of three or more colons followed by attributes (`{#id .class}`, or a bare class word,
`::: proof`) opens a div; a line of colons alone closes the innermost open one, so divs nest
as in pandoc. The content is Markdown. What a div means (a numbered theorem, a proof) is
decided later, by kbsite.render.syntax.theorems; any other div is a plain `<div>` with its
id and classes, as pandoc writes it.

CONTRACT:
    fenced_divs_plugin(md);  FENCED_DIV_STARTS
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from kbsite.load.fences import fence_after

_OPEN = re.compile(r":{3,}[ \t]*(?:\{([^{}\n]*)\}|([A-Za-z][\w-]*))[ \t]*:*[ \t]*$")
_CLOSE = re.compile(r":{3,}[ \t]*$")
_ATTRIBUTE = re.compile(r"#([\w:.-]+)|\.([\w-]+)|([\w-]+)=(?:\"([^\"]*)\"|(\S+))")


def fenced_divs_plugin(md: MarkdownIt) -> None:
    """Parse `:::` fenced divs into fenced_div_open/close tokens around their content."""
    md.block.ruler.before(
        "fence", "fenced_div", _fenced_div, {"alt": ["paragraph", "blockquote", "list"]}
    )
    md.add_render_rule("fenced_div_open", _render_open)
    md.add_render_rule("fenced_div_close", _render_close)


def parse_attributes(text: str) -> tuple[str, tuple[str, ...]]:
    """Split `#id .class key="value"` into the id and the classes (pandoc's other attributes
    are read past: kbsite has no use for them yet)."""
    ident, classes = "", []
    for match in _ATTRIBUTE.finditer(text):
        if match[1]:
            ident = ident or match[1]
        elif match[2]:
            classes.append(match[2])
    return ident, tuple(classes)


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _fenced_div(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    opener = _OPEN.match(_line(state, start_line))
    if opener is None:
        return False
    close = _closing_line(state, start_line, end_line)
    if close is None:  # pandoc leaves an unclosed div as text; so do we
        return False
    if silent:
        return True
    ident, classes = parse_attributes(opener[1] or f".{opener[2]}")
    token = state.push("fenced_div_open", "div", 1)
    token.block, token.map = True, [start_line, close + 1]
    token.meta = {"id": ident, "classes": classes}
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "fenced_div"
    state.lineMax = close  # lazy continuation lines never run past the closing fence
    state.md.block.tokenize(state, start_line + 1, close)
    state.parentType, state.lineMax = old_parent, old_max
    state.push("fenced_div_close", "div", -1).block = True
    state.line = close + 1
    return True


def _closing_line(state: StateBlock, start_line: int, end_line: int) -> int | None:
    """Find the line closing the div opened at start_line: divs opened inside it nest, and a
    line of colons inside a code fence is code."""
    depth, fence = 1, ""
    for line in range(start_line + 1, end_line):
        text = _line(state, line)
        if text and state.sCount[line] < state.blkIndent:
            return None  # less indented than the list item the div began in
        before, fence = fence, fence_after(fence, text)
        if before or fence:
            continue  # code
        if _CLOSE.match(text):
            depth -= 1
            if depth == 0:
                return line
        elif _OPEN.match(text):
            depth += 1
    return None


def _render_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    ident = f' id="{escape(meta["id"])}"' if meta["id"] else ""
    classes = f' class="{escape(" ".join(meta["classes"]))}"' if meta["classes"] else ""
    return f"<div{ident}{classes}>\n"


def _render_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</div>\n"


# What a line must start with for the block rule above to match (kbsite.accel.fastblock).
FENCED_DIV_STARTS = {_fenced_div: ":"}
