"""markdown-it core rules of kbsite's parser: line ends, bare URLs ending at CJK text, and
heading ids (kbsite.render.markdown installs them)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.rules_core import StateCore, normalize
from markdown_it.token import Token

from kbsite.render.anchors import heading_id
from kbsite.render.tokeninfo import MATH_TOKENS

# Browsers copy non-ASCII URLs percent-encoded, so a raw Han character is almost
# always the sentence going on.
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def normalize_line_ends(state: StateCore) -> None:
    """markdown-it's normalize, which rewrites every note to turn CR LF and CR into LF and
    NUL into U+FFFD, skipped for the text (nearly every note) that has neither."""
    if "\r" in state.src or "\0" in state.src:
        normalize(state)


def trim_linkify_at_cjk(state: StateCore) -> None:
    """End bare URLs at the first Han character or CJK punctuation."""
    for block in state.tokens:
        children = block.children
        if block.type != "inline" or not children:
            continue
        for i in range(len(children) - 2, 0, -1):
            link, text = children[i - 1], children[i]
            if link.type != "link_open" or link.markup != "linkify" or text.type != "text":
                continue
            cut = _CJK.search(text.content)
            if cut is None or cut.start() == 0:
                continue
            head, tail = text.content[: cut.start()], text.content[cut.start() :]
            href = str(link.attrGet("href") or "")
            prefix = "mailto:" if href.startswith("mailto:") and ":" not in head else ""
            link.attrSet("href", state.md.normalizeLink(prefix + head))
            text.content = head
            children.insert(i + 2, Token("text", "", 0, content=tail))


def heading_ids(state: StateCore) -> None:
    """Give every heading a unique GitHub-style id; keep it for the permalink anchor."""
    seen: set[str] = set()
    tokens = state.tokens
    for idx, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = _plain_text(tokens[idx + 1].children or [])
        base = heading_id(text) or "section"
        slug, n = base, 0
        while slug in seen:
            n += 1
            slug = f"{base}-{n}"
        seen.add(slug)
        token.attrSet("id", slug)
        close = next(t for t in tokens[idx:] if t.type == "heading_close")
        close.meta["anchor"] = (slug, text.strip())


def _plain_text(children: Sequence[Token]) -> str:
    """Return the visible text of inline tokens, formulas as their TeX."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline") or child.type in MATH_TOKENS:
            parts.append(child.content.strip() if child.type in MATH_TOKENS else child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
