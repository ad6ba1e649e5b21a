"""markdown-it's block rules, tried only where they can match: the same tokens, 15% faster.

For every block (a paragraph, a heading, a fence...), markdown-it calls its block rules in
order until one matches: with kbsite's plugins, 17 calls before a paragraph is found to be a
paragraph, a sixth of parsing a note. Most rules can only match a line that starts with
particular characters (a fence with ` or ~, a heading with #), which they check first. This
module puts one rule in their place that looks at the line's first character and calls, in
the same order, only the rules that could match it; a line indented as code, and any rule it
does not know, get every rule as before.

The table knows each rule by its code object, so a rule from another plugin or a changed
markdown-it, even under a known name, is simply always tried. tests/unit/test_fastblock.py
checks the tokens against markdown-it's own loop on every fixture and example note.

CONTRACT:
    accelerate_blocks(md, own_rules) -> None
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from kbsite.accel import enabled

BlockRule = Callable[[StateBlock, int, int, bool], bool]


def stock_rules() -> dict[CodeType, str]:
    """The first characters (of a line, after its indentation) each rule of markdown-it and
    its plugins can match, read off each rule's source, which returns False at once for any
    other character. Keyed by the rule's code, which a rule made by a factory (a closure)
    shares with every rule that factory makes."""
    from markdown_it.rules_block import (
        blockquote,
        heading,
        hr,
        html_block,
        list_block,
        make_fence_rule,
        reference,
    )
    from mdit_py_plugins.admon.index import admonition
    from mdit_py_plugins.dollarmath.index import math_block_dollar
    from mdit_py_plugins.footnote.index import footnote_def

    rules: dict[Callable[..., Any], str] = {
        make_fence_rule(): "`~",
        blockquote: ">",
        hr: "*-_",
        list_block: "*-+0123456789",
        reference: "[",
        html_block: "<",
        heading: "#",
        math_block_dollar(): "$",
        admonition: "!?",
        footnote_def: "[",
    }
    return {rule.__code__: first for rule, first in rules.items()}


def accelerate_blocks(md: MarkdownIt, own_rules: Mapping[BlockRule, str]) -> None:
    """Replace md's main chain of block rules by one that dispatches on the first character;
    `own_rules`: the first characters of the caller's own rules (markdown-it's and its
    plugins' are known here). Nothing with KBSITE_NO_ACCEL=1.

    Call it after the last plugin: changing the rules afterwards (enable, disable, a new
    plugin) makes markdown-it compile its chain again, without the dispatch, which is slower
    but as correct.
    """
    if not enabled():
        return
    known = {**stock_rules(), **{rule.__code__: first for rule, first in own_rules.items()}}
    ruler = md.block.ruler
    rules: list[BlockRule] = list(ruler.getRules(""))
    # A rule without code of its own (a callable object) is simply always tried.
    firsts = [known.get(getattr(rule, "__code__", None)) for rule in rules]  # type: ignore[arg-type]
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
