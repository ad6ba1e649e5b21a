"""Wiki links to a numbered label of another note read as its number: `[[LoRA#thm-lowrank]]`
reads "LoRA 定理 1" and `[[LoRA#eq:update]]` "LoRA (1)" (issue 19 item 5, issue 20 item 4).

The renderer wrote the link's default text ("LoRA › thm-lowrank") without knowing the other
note; once links are resolved, the text of such a link is a rewrite like its URL, keyed by
TEXT_KEY + the wiki href, so a note's cached HTML still depends on no other note.

CONTRACT:
    label_link_text(config, target, anchor, notes, index) -> str;  apply_link_texts(html, rewrites)
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Mapping

from kbsite.config.siteconfig import SiteConfig
from kbsite.render.labels import label_text
from kbsite.render.options import label_names
from kbsite.render.syntax.wikilinks import WikiTarget, parse_wiki_href
from kbsite.site.linktarget import LinkTarget
from kbsite.site.wikiindex import WikiIndex

TEXT_KEY = "\0text\0"  # a rewrite of a link's text, not of a URL: never an attribute value
_SUBTITLE = re.compile(r"：|: |——| — ")  # what starts a subtitle, in Chinese and English
_WIKI_LINK = re.compile(r'<a href="(wiki:[^"]*)" class="wikilink">([^<]*)</a>')


def label_link_text(
    config: SiteConfig,
    target: WikiTarget,
    anchor: str,
    notes: Mapping[str, LinkTarget],
    index: WikiIndex | None,
) -> str:
    """The text a wiki link to `anchor` of its note reads, when that anchor is a numbered
    label; "" otherwise (or when the author wrote the link's text)."""
    if not anchor or index is None:
        return ""
    matched, paths = index.lookup(target.name)
    found = [path for path in paths if path in notes]
    labels = notes[found[0]].labels if found else ()
    label = next((label for label in labels if label.id == anchor), None)
    if label is None:
        return ""
    # A title written out reads as written; a file name or slug (`flash-attention`) reads as
    # the title's short form ("FlashAttention (1)"), as a reader would cite the note.
    name = target.name if matched == "title" else short_title(index.title_of[found[0]])
    if label.kind == "eq":  # amsmath's \eqref reads "(1)"; the note's name says where
        return f"{name} ({label.number})"
    names = dict(label_names(config.language))
    return f"{name} {label_text(label.kind, label.number, names)}"


def short_title(title: str) -> str:
    """A title up to its subtitle: "LoRA：大模型的低秩适配" -> "LoRA", "A: b" -> "A"."""
    return _SUBTITLE.split(title, maxsplit=1)[0].strip() or title


def apply_link_texts(html: str, rewrites: Mapping[str, str]) -> str:
    """Replace the default text of wiki links that name a label (before their URLs are
    rewritten: the links are found by their wiki href). A text the author wrote stays."""
    if not any(key.startswith(TEXT_KEY) for key in rewrites):
        return html

    def substitute(match: re.Match[str]) -> str:
        href = htmllib.unescape(match[1])
        text = rewrites.get(TEXT_KEY + href)
        target = parse_wiki_href(href)
        if text is None or target is None:
            return match[0]
        if htmllib.unescape(match[2]) != f"{target.name} › {target.heading}":
            return match[0]  # the author's own text
        return f'<a href="{match[1]}" class="wikilink">{htmllib.escape(text, quote=False)}</a>'

    return _WIKI_LINK.sub(substitute, html)
