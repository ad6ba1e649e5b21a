"""Wiki links: `[[LoRA]]`, `[[lora|LoRA 原理]]`, `[[DETR#匈牙利匹配]]` in note bodies.

The plugin only records the target as written, in a reserved href (`wiki:LoRA#匈牙利匹配`,
percent-encoded); kbsite.site.links resolves it against every note after rendering, so a note's
cached HTML never depends on other notes. `![[...]]` embeds belong to another plugin and are
skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

SCHEME = "wiki:"
_WIKI = re.compile(r"\[\[([^\[\]\n|]+?)(?:\|([^\[\]\n]+?))?\]\]")


@dataclass(frozen=True, slots=True)
class WikiTarget:
    """What a wiki link names: a note (by title, slug or file name) and maybe a heading."""

    name: str
    heading: str = ""

    def __str__(self) -> str:
        return f"{self.name}#{self.heading}" if self.heading else self.name


def wiki_href(target: WikiTarget) -> str:
    """Encode a target as the reserved href the renderer writes and links.py reads."""
    href = SCHEME + quote(target.name, safe="")
    return href + ("#" + quote(target.heading, safe="") if target.heading else "")


def parse_wiki_href(href: str) -> WikiTarget | None:
    """Decode a reserved href; None when it is an ordinary link."""
    if not href.startswith(SCHEME):
        return None
    name, _, heading = href[len(SCHEME) :].partition("#")
    return WikiTarget(unquote(name), unquote(heading))


def split_target(text: str) -> WikiTarget:
    """Split `DETR#匈牙利匹配` into note name and heading."""
    name, _, heading = text.partition("#")
    return WikiTarget(name.strip(), heading.strip())


def wikilinks_plugin(md: MarkdownIt) -> None:
    """Register the `[[...]]` inline rule before markdown-it's own link rule."""
    md.inline.ruler.before("link", "wikilink", _wikilink)


def _wikilink(state: StateInline, silent: bool) -> bool:
    """Turn `[[target|label]]` into link_open, text, link_close tokens."""
    pos = state.pos
    if not state.src.startswith("[[", pos) or (pos > 0 and state.src[pos - 1] == "!"):
        return False
    match = _WIKI.match(state.src, pos, state.posMax)
    if match is None:
        return False
    target = split_target(match[1])
    if not target.name:
        return False
    if not silent:
        label = (match[2] or "").strip() or (
            f"{target.name} › {target.heading}" if target.heading else target.name
        )
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": wiki_href(target), "class": "wikilink"}
        token.markup = "wikilink"
        token.info = "wiki"
        text = state.push("text", "", 0)
        text.content = label
        close = state.push("link_close", "a", -1)
        close.markup = "wikilink"
    state.pos = match.end()
    return True


# --- resolution, after rendering -------------------------------------------------------------
