"""Numbered figures and tables in pandoc's syntax (issue 19, item 4).

- `![注意力结构](arch.svg){#fig-arch}` alone in its paragraph becomes a `<figure>` whose
  caption is "图 1 注意力结构" (the alt text, after the number).
- A table followed by the paragraph `: 结果对比 {#tbl-results}` (pandoc's `Table:` works too)
  becomes a `<figure>` with "表 1 结果对比" above the table.
Numbers count per note and kind (kbsite.render.labels.Numbering).

CONTRACT:
    numbered_plugin(md)
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

from kbsite.render.labels import label_kind, label_text, names_in
from kbsite.render.syntax.fenceddivs import parse_attributes
from kbsite.render.syntax.theorems import assign_number

_ATTRIBUTES = re.compile(r"[ \t]*\{([^{}\n]*)\}[ \t]*$")
_CAPTION = re.compile(r"^(?:Table)?:[ \t]*")


def numbered_plugin(md: MarkdownIt) -> None:
    """Turn `{#fig-…}` images and `{#tbl-…}` table captions into numbered figures."""
    md.core.ruler.after("theorems", "numbered_figures", _number_figures)
    md.add_render_rule("numbered_figure_open", _render_figure_open)
    md.add_render_rule("numbered_figure_close", _render_figure_close)
    md.add_render_rule("figure_caption_open", _render_caption_open)
    md.add_render_rule("figure_caption_close", _render_caption_close)


def _number_figures(state: StateCore) -> None:
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "paragraph_open" and _figure(tokens, index, state.env):
            index += 3
        elif token.type == "table_close" and _table(tokens, index, state.env):
            index += 1
        index += 1


def _trailing_id(children: list[Token], prefix: str) -> str:
    """Take a `{#fig-…}` off the end of an inline token's last text child; return its id."""
    if not children or children[-1].type != "text":
        return ""
    found = _ATTRIBUTES.search(children[-1].content)
    if found is None:
        return ""
    ident, _classes = parse_attributes(found[1])
    if label_kind(ident) != prefix:
        return ""
    children[-1].content = children[-1].content[: found.start()]
    if not children[-1].content:
        children.pop()
    return ident


def _figure(tokens: list[Token], index: int, env: EnvType) -> bool:
    """An image alone in its paragraph, with `{#fig-…}` after it."""
    children = tokens[index + 1].children or []
    if len(children) != 2 or children[0].type != "image":
        return False
    ident = _trailing_id(children, "fig")
    if not ident:
        return False
    opener, closer = tokens[index], tokens[index + 2]
    opener.type, opener.tag = "numbered_figure_open", "figure"
    opener.meta = {"id": ident, "kind": "fig", "number": assign_number(env, opener, "fig", ident)}
    closer.type, closer.tag = "numbered_figure_close", "figure"
    closer.meta = {"caption": children[0].children or []}
    return True


def _table(tokens: list[Token], index: int, env: EnvType) -> bool:
    """A table whose next paragraph is `: caption {#tbl-…}`: the caption goes above it."""
    if index + 3 >= len(tokens) or tokens[index + 1].type != "paragraph_open":
        return False
    inline = tokens[index + 2]
    children = inline.children or []
    if not children or children[0].type != "text" or not _CAPTION.match(children[0].content):
        return False
    ident = _trailing_id(children, "tbl")
    if not ident:
        return False
    if children and children[0].type == "text":
        children[0].content = _CAPTION.sub("", children[0].content, count=1)
    start = _table_start(tokens, index)
    opener = Token("numbered_figure_open", "figure", 1, block=True)
    opener.map = tokens[start].map
    opener.meta = {"id": ident, "kind": "tbl"}
    opener.meta["number"] = assign_number(env, opener, "tbl", ident)
    caption_open, caption_close = tokens[index + 1], tokens[index + 3]
    caption_open.type, caption_open.tag = "figure_caption_open", "figcaption"
    caption_open.meta = opener.meta
    caption_close.type, caption_close.tag = "figure_caption_close", "figcaption"
    closer = Token("numbered_figure_close", "figure", -1, block=True)
    table = tokens[start : index + 1]
    tokens[start : index + 4] = [opener, caption_open, inline, caption_close, *table, closer]
    return True


def _table_start(tokens: Sequence[Token], close: int) -> int:
    for index in range(close, -1, -1):
        if tokens[index].type == "table_open":
            return index
    raise AssertionError("a table always opens")


def _label(meta: dict[str, str], env: EnvType) -> str:
    text = escape(label_text(meta["kind"], meta["number"], names_in(env)))
    return f'<span class="figure-label">{text}</span>'


def _render_figure_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    return f'<figure class="numbered numbered-{meta["kind"]}" id="{escape(meta["id"])}">\n'


def _render_figure_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    if "caption" not in meta:  # a table's: its caption is above it
        return "</figure>\n"
    opener = next(t for t in reversed(tokens[:idx]) if t.type == "numbered_figure_open")
    caption = self.renderInline(meta["caption"], options, env).strip()
    text = f" {caption}" if caption else ""
    return f"\n<figcaption>{_label(opener.meta, env)}{text}</figcaption>\n</figure>\n"


def _render_caption_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f"<figcaption>{_label(tokens[idx].meta, env)} "


def _render_caption_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</figcaption>\n"
