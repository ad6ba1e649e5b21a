"""Emphasis next to CJK punctuation, as Chinese notes write it (issue 23, item 4).

CommonMark decides whether `**` may open or close emphasis from the characters on both sides.
An opening `**` followed by punctuation must be preceded by a space or punctuation, and a
closing `**` preceded by punctuation must be followed by one. Chinese has no spaces between
words, so `是**“优胜劣汰”的**步骤` and `**“中文”**后` kept their literal `**` (108 pages of one
real note folder). markdown-it-cjk-friendly's amendment counts a CJK character beside the run
as such a boundary. Applied here to `*` runs only: intraword `_` stays as CommonMark has it
(`snake_case_name`), and text without CJK characters parses exactly as before.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter

# Han, kana, hangul, CJK and full-width punctuation and symbols.
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def cjk_emphasis_plugin(md: MarkdownIt) -> None:
    """Replace the emphasis rule's delimiter scan with the CJK-friendly one."""
    md.inline.ruler.at("emphasis", _tokenize)


def _tokenize(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis tokenizer, scanning `*` runs with _scan."""
    marker = state.src[state.pos]
    if silent or marker not in ("_", "*"):
        return False
    if marker == "*":
        can_open, can_close, length = _scan(state, state.pos)
    else:
        scanned = state.scanDelims(state.pos, False)
        can_open, can_close, length = scanned.can_open, scanned.can_close, scanned.length
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        delimiter = Delimiter(ord(marker), length, len(state.tokens) - 1, -1, can_open, can_close)
        state.delimiters.append(delimiter)
    state.pos += length
    return True


def _scan(state: StateInline, start: int) -> tuple[bool, bool, int]:
    """CommonMark's flanking rules for a `*` run, a CJK character outside it counting as a
    boundary where a space or punctuation would."""
    src, end = state.src, start
    while end < state.posMax and src[end] == "*":
        end += 1
    last = src[start - 1] if start > 0 else " "
    after = src[end] if end < state.posMax else " "
    last_punct = isMdAsciiPunct(ord(last)) or isPunctChar(last)
    next_punct = isMdAsciiPunct(ord(after)) or isPunctChar(after)
    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(after))
    last_boundary = last_space or last_punct or bool(_CJK.match(last))
    next_boundary = next_space or next_punct or bool(_CJK.match(after))
    left_flanking = not next_space and (not next_punct or last_boundary)
    right_flanking = not last_space and (not last_punct or next_boundary)
    return left_flanking, right_flanking, end - start
