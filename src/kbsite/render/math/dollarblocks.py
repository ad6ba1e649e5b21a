"""Math blocks own their lines, as MathJax, Typora and docsify readers expect (issue 23).

- A line opening `$$` ends the paragraph before it, and nothing up to the closing `$$` is read
  as Markdown: markdown-it's dollarmath cannot interrupt a paragraph, so a derivation written
  right under its sentence became part of the paragraph, and a line of `=` inside it a setext
  heading (a giant `<h1>` of TeX in the table of contents).
- `$$x$$` in the middle of a sentence (kramdown and docsify write inline math so) is inline
  math; display when its TeX stands on lines of its own (`见下式 $$`, TeX lines, `$$`).
- docsify's `$` alone on a line opens and closes display math.
- `$ x $`, spaced inside the dollars, is inline math as MathJax reads it; `$5 and $10` and
  `$ 5 and $ 10` stay text (no number after the closing `$`).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.ruler import RuleOptionsType
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath.index import math_block_dollar

from kbsite.render.blocklines import line_text, opening_line

# What a math block may interrupt, as a fence may.
_INTERRUPTS: RuleOptionsType = {
    "alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]
}


def dollar_blocks_plugin(md: MarkdownIt) -> None:
    """Use after dollarmath_plugin: replace its block rule by one that interrupts paragraphs
    (blank lines allowed inside), add lone-`$` blocks, and make mid-sentence `$$x$$` inline."""
    md.block.ruler.disable("math_block")
    md.block.ruler.before("fence", "math_block_own_lines", _dollar_block, _INTERRUPTS)
    md.block.ruler.before("fence", "math_block_lone_dollar", _lone_dollar_block, _INTERRUPTS)
    md.core.ruler.after("inline", "math_inline_double_in_text", _inline_double_in_text)
    md.inline.ruler.after("math_inline", "math_inline_spaced", _spaced_inline)


_DOLLAR_BLOCK = math_block_dollar(allow_labels=False, label_normalizer=None, allow_blank_lines=True)


def _dollar_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """dollarmath's `$$` block rule, made safe to ask as a paragraph's terminator: it ignores
    `silent` (it was never asked), so in that case its token is taken back. A line opening
    with "$$`" closes blogdown's code-span math (`` `$$ ... $$` ``): not a block's start."""
    if line_text(state, start_line).startswith("$$`"):
        return False
    if not silent:
        return _DOLLAR_BLOCK(state, start_line, end_line, False)
    line, count = state.line, len(state.tokens)
    matched = _DOLLAR_BLOCK(state, start_line, end_line, False)
    del state.tokens[count:]
    state.line = line
    return matched


def _lone_dollar_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Parse display math between two lines holding only `$` (docsify's habit)."""
    if opening_line(state, start_line, "$") != "$":
        return False
    line = start_line + 1
    while line < end_line and line_text(state, line) != "$":
        if state.sCount[line] < state.blkIndent:  # left the list item or quote it began in
            return False
        line += 1
    if line >= end_line or line == start_line + 1:
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block, token.markup = True, "$"
        token.content = state.getLines(start_line + 1, line, state.blkIndent, False)
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


# `$ x $`, `$ x$` or `$x $`: a space just inside a dollar (dollarmath takes the rest), one
# line, no `$` between, no number after the closing one ("$ 5 and $ 10" stays text), and no
# number right after an opening one without its space ("$10，一个 $ 符号").
_SPACED = re.compile(r"\$(?:[ \t]+([^$\n]*?[^\s$\\])[ \t]*|([^\s$\d][^$\n]*?)[ \t]+)\$(?![ \t]*\d)")
_GLUED = re.compile(r"[\\$A-Za-z0-9]")


def _spaced_inline(state: StateInline, silent: bool) -> bool:
    """Parse `$ x $` as inline math (after dollarmath, which leaves it as text)."""
    # Not after a letter or digit: "US$ 3 and a lone $ sign" is prose.
    if state.src[state.pos] != "$" or (state.pos and _GLUED.match(state.src[state.pos - 1])):
        return False
    match = _SPACED.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = match[1] or match[2], "$"
    state.pos = match.end()
    return True


def _inline_double_in_text(state: StateCore) -> None:
    """`$$x$$` with text beside it on its line is inline math (kramdown's reading)."""
    for token in state.tokens:
        children = token.children or []
        for index, child in enumerate(children):
            if child.type != "math_inline_double" or child.markup != "$$":
                continue
            before = children[index - 1] if index else None
            after = children[index + 1] if index + 1 < len(children) else None
            # `见下式 $$` + TeX lines + `$$`: a line break just inside the dollars puts the TeX
            # on lines of its own, which is display math however the sentence ends.
            opens_line = _line_edge(before) or child.content.startswith("\n")
            closes_line = _line_edge(after) or child.content.endswith("\n")
            if not (opens_line and closes_line):
                child.type = "math_inline"


def _line_edge(token: object) -> bool:
    """Tell whether a sibling of a formula leaves it at a line's start or end."""
    return token is None or getattr(token, "type", "") in ("softbreak", "hardbreak")


# What a line must start with for the block rules above to match (kbsite.accel.fastblock).
DOLLAR_BLOCK_STARTS = {_dollar_block: "$", _lone_dollar_block: "$"}
