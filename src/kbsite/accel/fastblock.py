"""markdown-it's block rules, tried only where they can match: the same tokens, 15% faster.

For every block (a paragraph, a heading, a fence...), markdown-it calls its block rules in
order until one matches: with kbsite's plugins, 17 calls before a paragraph is found to be a
paragraph, a sixth of parsing a note. Most rules can only match a line that starts with
particular characters (a fence with ` or ~, a heading with #), which they check first. This
module puts one rule in their place that looks at the line's first character and calls, in
the same order, only the rules that could match it; a line indented as code, and any rule it
does not know, get every rule as before.

The table names each rule by its function, so a rule from another plugin or a changed
markdown-it, even under a known name, is simply always tried. tests/unit/test_fastblock.py
checks the tokens against markdown-it's own loop on every fixture and example note.

CONTRACT:
    accelerate_blocks(md) -> None
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

BlockRule = Callable[[StateBlock, int, int, bool], bool]

# The first characters (of a line, after its indentation) each rule can match, by the rule
# function's module and name; read off each rule's source, which returns False at once for
# any other character.
FIRST_CHARACTERS = {
    "markdown_it.rules_block.fence:make_fence_rule.<locals>._fence_rule": "`~",
    "markdown_it.rules_block.blockquote:blockquote": ">",
    "markdown_it.rules_block.hr:hr": "*-_",
    "markdown_it.rules_block.list:list_block": "*-+0123456789",
    "markdown_it.rules_block.reference:reference": "[",
    "markdown_it.rules_block.html_block:html_block": "<",
    "markdown_it.rules_block.heading:heading": "#",
    "mdit_py_plugins.dollarmath.index:math_block_dollar.<locals>._math_block_dollar": "$",
    "mdit_py_plugins.admon.index:admonition": "!?",
    "mdit_py_plugins.footnote.index:footnote_def": "[",
    "kbsite.render.math.tex:_math_bracket_block": "\\",
    "kbsite.render.math.tex:_math_environment": "\\",
    "kbsite.render.syntax.templatetags:_block": "{",
    "kbsite.render.syntax.blogcallouts:_box": "{",
    "kbsite.render.syntax.pseudocode:_shortcode": "{",
}


def accelerate_blocks(md: MarkdownIt) -> None:
    """Replace md's main chain of block rules by one that dispatches on the first character.

    Call it after the last plugin: changing the rules afterwards (enable, disable, a new
    plugin) makes markdown-it compile its chain again, without the dispatch, which is slower
    but as correct.
    """
    ruler = md.block.ruler
    rules: list[BlockRule] = list(ruler.getRules(""))
    firsts = [FIRST_CHARACTERS.get(_name(rule)) for rule in rules]
    by_character: dict[str, tuple[BlockRule, ...]] = {}

    def candidates(character: str) -> tuple[BlockRule, ...]:
        found = tuple(
            rule
            for rule, first in zip(rules, firsts, strict=True)
            if first is None or (character and character in first)
        )
        by_character[character] = found
        return found

    everything = tuple(rules)

    def dispatch(state: StateBlock, line: int, end: int, silent: bool) -> bool:
        if state.sCount[line] - state.blkIndent >= 4:
            tried = everything  # indented code, or a lazy continuation: as markdown-it does
        else:
            at = state.bMarks[line] + state.tShift[line]
            character = state.src[at] if at < state.eMarks[line] else ""
            tried = by_character.get(character) or candidates(character)
        for rule in tried:  # noqa: SIM110 (a loop, not any(): this runs for every block)
            if rule(state, line, end, silent):
                return True
        return False

    ruler.__cache__[""] = [dispatch]  # type: ignore[index]  # the compiled chain getRules reads


def _name(rule: Any) -> str:
    return f"{getattr(rule, '__module__', '')}:{getattr(rule, '__qualname__', '')}"
