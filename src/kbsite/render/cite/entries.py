"""A formatted entry's links (DOI, arXiv, URL) and a paper note's card."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from kbsite.errors import Diagnostic, did_you_mean, warning
from kbsite.load.bibtex import BibEntry
from kbsite.load.citefields import PaperFields
from kbsite.load.content import Note

# In an entry's text (outside tags): a URL, or a DOI written as "doi: 10.x/y" / "DOI:10.x/y".
_LINKABLE = re.compile(r"(https?://[^\s<>\"]+)|((?i:doi):\s*)(10\.\d{4,9}/[^\s<>\"]+)")
_TAG = re.compile(r"(<[^>]*>)")
_TRAILING = ".,;:)]"


def link_entry(html: str, entry: BibEntry) -> str:
    """Make an entry's URLs and DOI links, and add its arXiv id as one if the text lacks it."""
    parts = _TAG.split(html)
    for index in range(0, len(parts), 2):  # the text between tags
        parts[index] = _LINKABLE.sub(_link, parts[index])
    linked = "".join(parts)
    if entry.arxiv and f"arxiv.org/abs/{entry.arxiv}" not in linked:
        url = f"https://arxiv.org/abs/{escape(entry.arxiv)}"
        linked += f' <a href="{url}">arXiv:{escape(entry.arxiv)}</a>'
    return linked


def _link(match: re.Match[str]) -> str:
    if match[1]:
        url = match[1]
        kept = url.rstrip(_TRAILING)
        return f'<a href="{kept}">{kept}</a>{url[len(kept) :]}'
    doi = match[3].rstrip(_TRAILING)
    rest = match[3][len(doi) :]
    return f'{match[2]}<a href="https://doi.org/{doi}">{doi}</a>{rest}'


@dataclass(frozen=True, slots=True)
class PaperCard:
    """What a paper note's card shows: the work it is about, and where to read it."""

    title: str
    authors: tuple[str, ...]
    venue: str
    year: str
    links: tuple[tuple[str, str], ...]  # (label, URL): arXiv, DOI, PDF, code, page
    key: str = ""  # the bibliography key (`cite:`), "" when only `paper:` is given


def paper_card(title: str, paper: PaperFields | None, entry: BibEntry | None) -> PaperCard:
    """Merge what `cite:`'s entry and `paper:` say; `paper:` wins where both say something."""
    item: Mapping[str, Any] = entry.item() if entry else {}
    given = paper or PaperFields()
    people = item.get("author") or []
    authors = tuple(
        p.get("literal") or " ".join(x for x in (p.get("given"), p.get("family")) if x)
        for p in people
    )
    issued = (item.get("issued", {}).get("date-parts") or [[]])[0]
    year = given.year or (str(issued[0]) if issued else "")
    arxiv = given.arxiv or (entry.arxiv if entry else "")
    doi = given.doi or str(item.get("DOI", ""))
    links = [
        ("arXiv", f"https://arxiv.org/abs/{arxiv}" if arxiv else ""),
        ("DOI", f"https://doi.org/{doi}" if doi else ""),
        ("PDF", given.pdf),
        ("Code", given.code),
        ("Web", given.url or _page(str(item.get("URL", "")), arxiv, doi)),
    ]
    venue = given.venue or str(item.get("container-title", ""))
    if venue.lower().startswith("arxiv"):
        venue = ""  # "arXiv preprint arXiv:2106.09685": the arXiv link says it
    return PaperCard(
        title=str(item.get("title") or title),
        authors=authors,
        venue=venue,
        year=year,
        links=tuple((label, url) for label, url in links if url),
        key=entry.key if entry else "",
    )


def _page(url: str, arxiv: str, doi: str) -> str:
    """The entry's URL unless it only repeats the arXiv or DOI link."""
    if (arxiv and "arxiv.org/" in url) or (doi and "doi.org/" in url):
        return ""
    return url


def note_paper(
    note: Note, entries: Mapping[str, BibEntry]
) -> tuple[PaperCard | None, list[Diagnostic]]:
    """A paper note's card; a `cite:` key not in the bibliography is a warning (the card
    then shows what `paper:` says, if anything)."""
    fields = note.citation
    if not fields.is_paper:
        return None, []
    entry = entries.get(fields.cite.lower()) if fields.cite else None
    problems = []
    if fields.cite and entry is None:
        hint = did_you_mean(fields.cite, [e.key for e in entries.values()])
        message = f"no entry '{fields.cite}' in the bibliography{hint}"
        problems.append(warning(note.source, fields.cite_line, message, key="cite"))
        if fields.paper is None:
            return None, problems
    return paper_card(note.title, fields.paper, entry), problems
