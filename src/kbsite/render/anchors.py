"""Heading ids, and links to headings as writers type them (issue 23, item 3).

Notes written for docsify, Typora or GitHub link to a heading by its text, `[TD（λ）](#TD（λ）)`
or `[策略梯度](#Policy Gradient)`, while our ids are GitHub-style slugs (`tdλ`,
`policy-gradient`). A fragment finds its heading through the same normaliser that made the
ids; failing that, through a looser key (letters and digits only, case folded), so
`#policy_gradient` and `#Policy  Gradient` reach `policy-gradient` too. Where two ids fit,
the first in the note wins, as a browser takes the first of two equal ids.

CONTRACT:
    heading_id(text) -> str
    match_anchor(fragment, ids) -> str | None
    resolve_own_anchors(located, ids, path) -> list[Diagnostic]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote

from markdown_it.token import Token
from mdit_py_plugins.anchors.index import slugify

from kbsite.errors import Diagnostic, warning

# Fragments a theme or the browser gives meaning to: never a heading of the note.
_BUILT_IN = frozenset({"", "top"})
# ids and names written in a note's raw HTML (`<a id="x">`, `<span name="y">`).
_RAW_ID = re.compile(r"""(?<![\w-])(?:id|name)\s*=\s*["']([^"']+)["']""")


def heading_id(text: str) -> str:
    """Return the GitHub-style id of a heading's text (before duplicates are numbered)."""
    return slugify(text.strip())


def _loose(text: str) -> str:
    """Letters and digits only, case folded: what survives any spacing or punctuation."""
    return "".join(char for char in text.casefold() if char.isalnum())


def match_anchor(fragment: str, ids: Sequence[str]) -> str | None:
    """Return the id in `ids` (document order) a `#fragment` means, or None."""
    if fragment in ids:
        return fragment
    slug = heading_id(fragment)
    if slug in ids:
        return slug
    key = _loose(fragment)
    if not key:
        return None
    return next((candidate for candidate in ids if _loose(candidate) == key), None)


def resolve_own_anchors(
    located: Iterable[tuple[Token, int]], ids: Sequence[str], path: str
) -> list[Diagnostic]:
    """Point each `#fragment` link of a note at the id it means; warn about those that mean
    none (`located`: tokens with their file lines, ids: the note's anchors in order)."""
    pairs = list(located)
    raw_ids: set[str] | None = None  # read only when a fragment is not an id as written
    problems = []
    for token, line in pairs:
        if token.type != "link_open":
            continue
        href = str(token.attrGet("href") or "")
        if not href.startswith("#"):
            continue
        fragment = unquote(href[1:])
        if fragment.lower() in _BUILT_IN or fragment in ids:
            continue
        if raw_ids is None:
            raw_ids = _raw_ids(pairs)
        if fragment in raw_ids:  # `<a id="x">` written by hand wins over a heading's look-alike
            continue
        found = match_anchor(fragment, ids)
        if found is not None:
            token.attrSet("href", "#" + found)
            continue
        shown = ", ".join(ids[:12]) or "none"
        message = f"link '#{fragment}': no such heading in this note (its headings: {shown})"
        problems.append(warning(path, line, message, key="link"))
    return problems


def _raw_ids(located: Iterable[tuple[Token, int]]) -> set[str]:
    """Return the ids and names the note's raw HTML defines."""
    return {
        m[1]
        for token, _ in located
        if token.type in ("html_block", "html_inline")
        for m in _RAW_ID.finditer(token.content)
    }
