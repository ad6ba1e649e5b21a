"""Obsidian embeds: `![[diagram.png]]`, `![[diagram.png|说明]]`, `![[diagram.png|300]]`.

An image embed becomes an ordinary image whose src is the path relative to the note, so links.py
resolves and checks it like `![](diagram.png)`. Other files (`![[paper.pdf]]`) become links; a
note (`![[LoRA]]`) cannot be inlined and becomes a wiki link, with a warning.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from kbsite.render.syntax.wikilinks import split_target, wiki_href

WARNING = "kbsite_warning"  # token.meta key: markdown.py reports it with the token's file line
IMAGE_SUFFIXES = frozenset(
    [".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp", ".ico", ".tif", ".tiff"]
)  # fmt: skip
_EMBED = re.compile(r"!\[\[([^\[\]\n|]+?)(?:\|([^\[\]\n]*))?\]\]")
_SIZE = re.compile(r"^(\d{1,5})(?:x(\d{1,5}))?$")


def embed_plugin(md: MarkdownIt) -> None:
    """Register the `![[...]]` rule before markdown-it's image rule."""
    md.inline.ruler.before("image", "obsidian_embed", _embed)


def _embed(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if not state.src.startswith("![[", pos):
        return False
    match = _EMBED.match(state.src, pos, state.posMax)
    if match is None or not match[1].strip():
        return False
    if not silent:
        target, extra = match[1].strip(), (match[2] or "").strip()
        path, _, _ = target.partition("#")
        suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
        if suffix in IMAGE_SUFFIXES:
            _push_image(state, path, extra)
        elif suffix and suffix != ".md":
            _push_link(state, quote(path), extra or path, {})
        else:
            message = f"`![[{target}]]` embeds a note, which is not supported; shown as a link"
            _push_link(state, wiki_href(split_target(target)), extra or target, {WARNING: message})
    state.pos = match.end()
    return True


def _push_image(state: StateInline, path: str, extra: str) -> None:
    size = _SIZE.match(extra)
    alt = path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if size or not extra else extra
    token = state.push("image", "img", 0)
    token.attrs = {"src": quote(path), "alt": ""}
    if size:
        token.attrs["width"] = size[1]
        if size[2]:
            token.attrs["height"] = size[2]
    token.content = alt
    token.children = []
    if alt:
        text = state.push("text", "", 0)  # the alt text is the image token's children
        text.content = alt
        token.children = [state.tokens.pop()]


def _push_link(state: StateInline, href: str, label: str, meta: dict[str, str]) -> None:
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": href}
    token.meta = meta
    state.push("text", "", 0).content = label
    state.push("link_close", "a", -1)
