"""The text Pagefind indexes for a note page: Chinese split into characters, excerpt marks.

Pagefind 1.5.2 segments Chinese into words at index time and again, differently, at query
time: a word the page splits one way and the query another is never found. On the example
site 带宽 found none of the 3 notes holding it, 显存 4 of 6, and 注意力 matched the everyday
注意 ("note that"), so the highlight marked 注意 alone (issue 21). So the page Pagefind reads
has a space between any two CJK characters: every character is a word, and the theme's script
searches a query as the phrase of its characters (`"注 意 力"`), which finds the query as
written wherever it occurs, and nothing else. The page a reader sees is not changed.

The same copy carries marks for the search excerpts the theme builds from a result's text
(theme/static/js/search-text.js): Pagefind's own excerpt starts anywhere, glues a heading to the
sentence after it and shows TeX and code. A formula is indexed by its readable form (as cards
show it, kbsite.render.excerpt.readable_math) and then its TeX between marks, so `\\Delta W`
still finds it and the excerpt shows ΔW; a code block and a heading sit between marks too.
The marks are private-use characters surrounded by spaces: words of no letters, which
Pagefind keeps in a page's text but never matches.
"""

from __future__ import annotations

import html
import re

from kbsite.render.excerpt import readable_math

# Private-use characters: no note contains them, and Pagefind indexes no word from them.
# Keep in step with MARKS in search-text.js, which reads them back.
FORMULA, TEX, FORMULA_END = "\ue000", "\ue001", "\ue002"  # FORMULA readable TEX tex FORMULA_END
CODE, CODE_END = "\ue003", "\ue004"
HEADING, HEADING_END = "\ue005", "\ue006"

# Han (with radicals), kana and hangul: the characters Pagefind's segmenter would group into
# words. Keep in step with CJK in search-text.js (the query side).
_CJK = "\u2e80-\u2eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# CJK and fullwidth punctuation is a word of its own, or Pagefind (told no language) would
# index `，显` and `（low-rank` as words. Keep in step with PUNCT in search-text.js.
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
# Where _split_cjk puts a space: before and after each CJK character or punctuation mark.
_AROUND_CJK = re.compile(f"(?=[{_CJK}{_CJK_PUNCT}])|(?<=[{_CJK}{_CJK_PUNCT}])")
# What it leaves as written: scripts and styles (not text), a filter value (matched exactly by
# the category select) and tags holding non-ASCII characters (their attributes).
_PROTECTED = re.compile(
    r"(<(?:script|style)\b.*?</(?:script|style)\s*>"
    r"|<[^>]*\bdata-pagefind-filter\b[^>]*>[^<]*"
    r"|<[^>]*[^\x00-\x7f][^>]*>)",
    re.S | re.I,
)
_MATH = re.compile(r"<math\b.*?</math>", re.S)
_ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
# The title as its own meta value, so that it stays as written (not split into characters).
_TITLE_META = re.compile(r'(<h1\b[^>]*?) data-pagefind-meta="title">([^<]*)</h1>')
# Section headings; the title (h1) is Pagefind's title meta, which a mark would show in.
_HEADING = re.compile(r"<(/?)h([2-6])\b")
_PRE = re.compile(r"<(/?)pre\b")


def indexed_html(page: str) -> str:
    """Return the copy of a note page Pagefind indexes (see the module docstring); only the
    part from the indexed article on is changed."""
    start = page.find("data-pagefind-body")
    if start < 0:
        return page
    start = page.rfind("<", 0, start)
    body = _TITLE_META.sub(r'\1 data-pagefind-meta="title:\2">\2</h1>', page[start:], count=1)
    body = _MATH.sub(_formula, body)
    body = _HEADING.sub(_heading_mark, body)
    body = _PRE.sub(_code_mark, body)
    return page[:start] + _split_cjk(body)


def _formula(match: re.Match[str]) -> str:
    """A formula as its readable text, then its TeX between marks (both indexed)."""
    found = _ANNOTATION.search(match[0])
    if found is None:
        return match[0]
    tex = html.unescape(found[1])
    readable = html.escape(readable_math(tex), quote=False)
    tex = html.escape(tex, quote=False)
    return f"<span> {FORMULA} {readable} {TEX} {tex} {FORMULA_END} </span>"


def _heading_mark(match: re.Match[str]) -> str:
    """Put a mark just inside a heading's start (`<h2`) or just before its end (`</h2`)."""
    if match[1]:
        return f" {HEADING_END} </h{match[2]}"
    return f" {HEADING} <h{match[2]}"


def _code_mark(match: re.Match[str]) -> str:
    """Mark a code block's start and end, outside the <pre> so its text stays as written."""
    return f" {CODE_END} </pre" if match[1] else f" {CODE} <pre"


def _split_cjk(body: str) -> str:
    """Put spaces around each CJK character and CJK punctuation mark in the text (so also
    across inline tags: `为<strong>集合`), never in a tag holding non-ASCII (a title meta,
    an aria-label), a filter value, a script or a style. Two patterns whose matches Python
    never sees one by one: a note page has thousands of tags (highlighted code), and a
    callback a tag took 5 ms a page."""
    parts = _PROTECTED.split(body)
    parts[::2] = [_AROUND_CJK.sub(" ", text) for text in parts[::2]]
    return "".join(parts)
