"""citeproc-py behind two functions: a note's citations and bibliography, and a list of works.

Keys reach citeproc-py in lower case (it folds them itself); entries come as CSL-JSON items.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source import Locator
from citeproc.source.json import CiteProcJSON

from kbsite.load.bibtex import BibEntry

_STYLES = Path(__file__).parent / "styles"
# citation_style -> the CSL file shipped for it (styles/LICENSE.md)
STYLE_FILES = {
    "numeric": "ieee.csl",
    "author-year": "apa.csl",
    "gb-t-7714-2015": "china-national-standard-gb-t-7714-2015-numeric.csl",
}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A numeric style's label opening an entry ("[3]"): dropped where works are listed by name.
_NUMBER_LABEL = re.compile(r"^\s*(?:<sup>)?\[\d+\](?:</sup>)?\s*")


@dataclass(frozen=True, slots=True)
class CiteItem:
    """One cited work: `[see @key, p. 3]`, `[-@key]`, `@key`."""

    key: str
    locator: tuple[str, str] | None = None  # (CSL locator label, value): ("page", "3")
    locator_text: str = ""  # the locator as written: "p. 3"
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False


@dataclass(frozen=True, slots=True)
class CiteGroup:
    """The works of one citation: a bracket `[@a; @b]` or an in-text `@a`."""

    items: tuple[CiteItem, ...]
    in_text: bool = False


def is_numeric(style: str) -> bool:
    """Tell whether a style numbers its works (else it names author and year)."""
    return style != "author-year"


def format_note(
    groups: Sequence[CiteGroup], entries: Mapping[str, BibEntry], style: str, locale: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """Format a note's citations (every key known) and its bibliography: the HTML of each
    group, and (key, entry HTML) for each cited work in the style's order."""
    cited = list(dict.fromkeys(i.key.lower() for g in groups for i in g.items))
    items = [entries[key].item() for key in cited]

    def citations() -> list[Citation]:
        return [Citation([_citeproc_item(item) for item in group.items]) for group in groups]

    registered = citations()
    bibliography = _registered(style, locale, items, registered)
    texts = [
        _group_html(group, citation, bibliography, entries, style, locale)
        for group, citation in zip(groups, registered, strict=True)
    ]
    return texts, _entries_html(bibliography, style, locale, items, citations)


def format_works(entries: Sequence[BibEntry], style: str, locale: str) -> list[tuple[str, str]]:
    """Format works for a list by name (the /references/ page): (key, HTML) each, without a
    numeric style's labels, which number the works of one note."""
    items = [entry.item() for entry in entries]

    def citations() -> list[Citation]:
        return [Citation([CitationItem(entry.key.lower())]) for entry in entries]

    bibliography = _registered(style, locale, items, citations())
    return [
        (key, _NUMBER_LABEL.sub("", html))
        for key, html in _entries_html(bibliography, style, locale, items, citations)
    ]


def _registered(
    style: str, locale: str, items: Sequence[Mapping[str, Any]], citations: Sequence[Citation]
) -> CitationStylesBibliography:
    """A citeproc bibliography of `items` with `citations` registered, in the style's order."""
    bibliography = CitationStylesBibliography(
        load_style(style, locale), CiteProcJSON(list(items)), formatter.html
    )
    for citation in citations:
        bibliography.register(citation)
    bibliography.sort()
    return bibliography


def _entries_html(
    bibliography: CitationStylesBibliography,
    style: str,
    locale: str,
    items: Sequence[Mapping[str, Any]],
    citations: Callable[[], list[Citation]],
) -> list[tuple[str, str]]:
    """(key, entry HTML) of each work in the bibliography's order. Under a Chinese locale a
    work written in a Western language is set in English, as GB/T 7714-2015 sets foreign
    works ("et al.", "Vol. 30"), not with Chinese terms ("等", "卷 30"): its entry comes from
    a second bibliography in English, registered alike, so its number is the same."""
    western = {
        str(item["id"]).lower()
        for item in items
        if locale.startswith("zh") and not _is_chinese(item)
    }
    english: dict[str, Any] = {}
    if western:
        other = _registered(style, "en-US", items, citations())
        english = {item.key: (other, item) for item in other.items}
    works = []
    for item in bibliography.items:
        shown, shown_item = english[item.key] if item.key in western else (bibliography, item)
        works.append((item.key, _flatten(shown.style.render_bibliography([shown_item]))))
    return works


def _is_chinese(item: Mapping[str, Any]) -> bool:
    """Tell whether a work is written in Chinese (or Japanese, Korean): its `language`
    field says so, or its title or authors hold CJK characters."""
    language = str(item.get("language", "")).lower()
    if language:
        return language.startswith(("zh", "ja", "ko", "chinese"))
    people = item.get("author") or item.get("editor") or []
    names = " ".join(str(p.get("family") or p.get("literal", "")) for p in people)
    return bool(_CJK.search(str(item.get("title", "")) + names))


@functools.cache  # pure: a style file shipped with kbsite, read once per process
def load_style(style: str, locale: str) -> CitationStylesStyle:
    """Parse a shipped CSL style once per process."""
    return CitationStylesStyle(str(_STYLES / STYLE_FILES[style]), locale=locale, validate=False)


def _citeproc_item(item: CiteItem) -> CitationItem:
    extra: dict[str, Any] = {}
    if item.locator is not None:
        extra["locator"] = Locator(*item.locator)
    return CitationItem(item.key.lower(), **extra)


def _group_html(
    group: CiteGroup,
    citation: Citation,
    bibliography: CitationStylesBibliography,
    entries: Mapping[str, BibEntry],
    style: str,
    locale: str,
) -> str:
    """One citation's text: the style's, with pandoc's in-text and author-suppressed forms
    (citeproc-py has neither), prefixes and suffixes."""
    first = group.items[0]
    item = entries[first.key.lower()].item()
    if not is_numeric(style) and (group.in_text or first.suppress_author):
        year = f"({_year(item, locale)}{', ' + first.locator_text if first.locator_text else ''})"
        text = year if first.suppress_author else f"{_authors(item, locale)} {year}"
    else:
        text = _flatten(bibliography.cite(citation, lambda _item: None))
        if group.in_text:
            text = f"{_authors(item, locale)} {text}"
    prefix = " ".join(i.prefix for i in group.items if i.prefix)
    suffix = " ".join(i.suffix for i in group.items if i.suffix)
    return " ".join(part for part in (_escape(prefix), text, _escape(suffix)) if part)


def _authors(item: Mapping[str, Any], locale: str) -> str:
    """The short author text of an in-text citation: Hu, Hu & Shen, Hu et al. (Hu 等)."""
    people = item.get("author") or item.get("editor") or []
    names = [p.get("family") or p.get("literal", "") for p in people]
    chinese = locale.startswith("zh")
    if not names:
        return _escape(str(item.get("title", "")))
    if len(names) == 1:
        return _escape(names[0])
    if len(names) == 2:
        return _escape(f"{names[0]} {'和' if chinese else '&'} {names[1]}")
    return _escape(f"{names[0]} {'等' if chinese else 'et al.'}")


def _year(item: Mapping[str, Any], locale: str) -> str:
    parts = item.get("issued", {}).get("date-parts") or [[]]
    return str(parts[0][0]) if parts[0] else ("无日期" if locale.startswith("zh") else "n.d.")


def _flatten(value: object) -> str:
    """citeproc-py returns text or nested lists of text pieces."""
    if isinstance(value, list | tuple):
        return "".join(_flatten(part) for part in value)
    return str(value) if value is not None else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
