"""Quarto's equation ids: a display formula followed by `{#eq-elbo}` is numbered as if it held
`\\label{eq-elbo}`, on the same counter as amsmath's environments (issue 19, item 4).

Written on the closing line (`$$ {#eq-elbo}`, Quarto's form) or alone on the line after the
formula. The formula becomes an `equation` environment with the label (one written as a
numbered environment keeps it, labelled on its first row), so kbsite.render.math.equations
numbers and links it like any other.

CONTRACT:
    equation_ids_plugin(md);  EQUATION_ID_STARTS
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from kbsite.render.math.texnumbers import EQUATION_ID, labelled
from kbsite.render.tokeninfo import fence_lang

_CLOSING = re.compile(r"(.*?)\$\$[ \t]*" + EQUATION_ID + r"[ \t]*$")
_ALONE = re.compile(r"[ \t]*" + EQUATION_ID + r"[ \t]*")
ID_KEY = "eq_id"  # token.meta key: the id to label the formula with


def equation_ids_plugin(md: MarkdownIt) -> None:
    """Read `{#eq-…}` after display formulas; use before equations_plugin numbers them."""
    md.block.ruler.before(
        "math_block_own_lines",
        "math_block_with_id",
        _block_with_id,
        {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]},
    )
    md.core.ruler.before("number_equations", "equation_ids", _label_formulas)


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _block_with_id(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`$$` … `$$ {#eq-…}`: dollarmath's block, for a closing line with an id. Any other
    block ends at its plain closing `$$` and is left to dollarmath."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    first = _line(state, start_line)
    if not first.startswith("$$"):
        return False
    line, closing = start_line, _CLOSING.fullmatch(first[2:])
    if closing is None and "$$" in first[2:]:
        return False
    while closing is None:
        line += 1
        if line >= end_line or _line(state, line).rstrip().endswith("$$"):
            return False
        closing = _CLOSING.fullmatch(_line(state, line))
    if silent:
        return True
    inner = [closing[1]]
    if line > start_line:
        inner = [first[2:], *(_line(state, n) for n in range(start_line + 1, line)), closing[1]]
    token = state.push("math_block", "math", 0)
    token.block, token.markup = True, "$$"
    token.content = "\n".join(inner).strip("\n") + "\n"
    token.map = [start_line, line + 1]
    token.meta[ID_KEY] = closing[2]
    state.line = line + 1
    return True


def _label_formulas(state: StateCore) -> None:
    """Take `{#eq-…}` paragraphs following a formula into it; label every formula given one."""
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if _is_display(token) and ID_KEY not in token.meta:
            found = _id_paragraph(tokens, index + 1)
            if found:
                token.meta[ID_KEY] = found
                del tokens[index + 1 : index + 4]
        if ID_KEY in token.meta:
            token.content = labelled(token.content, token.meta[ID_KEY])
        index += 1


def _is_display(token: Token) -> bool:
    return token.type == "math_block" or (
        token.type == "fence" and fence_lang(token.info) == "math"
    )


def _id_paragraph(tokens: list[Token], index: int) -> str:
    if index + 2 >= len(tokens) or tokens[index].type != "paragraph_open":
        return ""
    found = _ALONE.fullmatch(tokens[index + 1].content)
    return found[1] if found else ""


# What a line must start with for the block rule above to match (kbsite.accel.fastblock).
EQUATION_ID_STARTS = {_block_with_id: "$"}
