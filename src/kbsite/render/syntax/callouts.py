"""Obsidian callouts (`> [!note] Title`, foldable `> [!tip]-`) and GitHub alerts (`> [!WARNING]`).

A blockquote whose first line is `[!kind]` becomes a box styled like the admonitions
(`!!! note`): `<div class="callout admonition note">`, or a `<details>` when a `-` (folded) or
`+` (open) follows the marker. The title is Markdown; without one it is the kind's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_MARKER = re.compile(r"^\[!([A-Za-z][\w-]*)\]([+-]?)[ \t]*(.*)$")


def callout_plugin(md: MarkdownIt) -> None:
    """Turn `> [!kind]` blockquotes into callouts; runs before inline parsing of the title."""
    md.core.ruler.after("block", "callouts", _callouts)
    md.add_render_rule("callout_open", _render_open)
    md.add_render_rule("callout_close", _render_close)
    md.add_render_rule("callout_title_open", _render_title_open)
    md.add_render_rule("callout_title_close", _render_title_close)


def _callouts(state: StateCore) -> None:
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        if _is_callout(tokens, index):
            _convert(tokens, index)
        index += 1


def _is_callout(tokens: Sequence[Token], i: int) -> bool:
    return (
        tokens[i].type == "blockquote_open"
        and i + 2 < len(tokens)
        and tokens[i + 1].type == "paragraph_open"
        and tokens[i + 2].type == "inline"
        and _MARKER.match(tokens[i + 2].content.split("\n", 1)[0].strip()) is not None
    )


def _convert(tokens: list[Token], i: int) -> None:
    """Rewrite the blockquote at i into callout tokens with a title."""
    opener, inline = tokens[i], tokens[i + 2]
    first, _, rest = inline.content.partition("\n")
    match = _MARKER.match(first.strip())
    assert match is not None
    kind = re.sub(r"[^a-z0-9-]", "", match[1].lower()) or "note"
    fold = match[2]
    opener.type, opener.tag = "callout_open", "details" if fold else "div"
    opener.meta = {"kind": kind, "open": fold == "+"}
    close = _matching_close(tokens, i)
    close.type, close.tag = "callout_close", opener.tag
    line = opener.map[0] if opener.map else 0
    title_tag = "summary" if fold else "p"
    title = Token("inline", "", 0, content=match[3].strip() or kind.capitalize(), children=[])
    title.map = [line, line + 1]
    if rest.strip():
        inline.content = rest
        if inline.map:
            inline.map = [inline.map[0] + 1, inline.map[1]]
    else:
        del tokens[i + 1 : i + 4]  # the paragraph held only the marker line
    tokens[i + 1 : i + 1] = [
        Token("callout_title_open", title_tag, 1),
        title,
        Token("callout_title_close", title_tag, -1),
    ]


def _matching_close(tokens: Sequence[Token], i: int) -> Token:
    depth = 0
    for token in tokens[i:]:
        if token.type in ("blockquote_open", "callout_open"):
            depth += 1
        elif token.type in ("blockquote_close", "callout_close"):
            depth -= 1
            if depth == 0:
                return token
    raise AssertionError("a blockquote always closes")


def _render_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    kind = token.meta["kind"]
    is_open = " open" if token.meta["open"] else ""
    return f'<{token.tag} class="callout admonition {escape(kind)}"{is_open}>\n'


def _render_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f"</{tokens[idx].tag}>\n"


def _render_title_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<{tokens[idx].tag} class="callout-title admonition-title">'


def _render_title_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f"</{tokens[idx].tag}>\n"
