"""Cited works as nodes of the knowledge graph (issue 19): /references/ lists every work the
notes cite with the notes citing it, and /papers/ every paper note by year."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from kbsite.load.bibtex import BibEntry
from kbsite.render.cite.entries import PaperCard, link_entry
from kbsite.render.cite.process import format_works
from kbsite.render.cite.settings import CiteSettings
from kbsite.site.index import Entry

# A venue's trailing year ("ICLR 2022", "NeurIPS'20"): the filter on /papers/ is by venue.
_VENUE_YEAR = re.compile(r"[\s']*(?:19|20)?\d\d$")


@dataclass(frozen=True, slots=True)
class CitedWork:
    key: str
    html: str  # the entry in the site's citation style, its DOI, arXiv and URL linked
    paper_note: Entry | None  # the note about this work (`cite: key`), if any
    citing: tuple[Entry, ...]  # the notes citing it, newest first


@dataclass(frozen=True, slots=True)
class PaperEntry:
    entry: Entry
    card: PaperCard
    venue: str  # the venue without its year, what /papers/ filters by ("" if unknown)


@dataclass(frozen=True, slots=True)
class PaperYear:
    year: str  # "" for papers without a year, listed last
    papers: tuple[PaperEntry, ...]


class WorksFormat:
    """The works of the last build as formatted: serve rebuilds on every save, and they
    rarely change."""

    def __init__(self) -> None:
        self._last: tuple[object, list[tuple[str, str]]] = ((), [])

    def format(self, works: tuple[BibEntry, ...], style: str, locale: str) -> dict[str, str]:
        """The HTML of each work by lower-case key."""
        key = (works, style, locale)
        if self._last[0] != key:
            self._last = (key, format_works(works, style, locale))
        return dict(self._last[1])


def cited_works(
    entries: Sequence[Entry], citations: CiteSettings, formats: WorksFormat
) -> tuple[CitedWork, ...]:
    """Every work a note cites or is about, by first author, year and title."""
    found: dict[str, BibEntry] = {}
    citing: dict[str, list[Entry]] = defaultdict(list)
    about: dict[str, Entry] = {}
    for entry in sorted(entries, key=lambda e: e.note.source):  # the first note's file wins
        known = citations.entries_for(entry.note.citation.bibliography)
        card = entry.rendered.paper
        keys = [*entry.rendered.cites, *([card.key] if card and card.key else [])]
        for key in dict.fromkeys(keys):
            work = known.get(key.lower())
            if work is None:
                continue
            found.setdefault(work.key, work)
            if card is not None and key == card.key:
                about.setdefault(work.key, entry)
            if key in entry.rendered.cites:
                citing[work.key].append(entry)
    if not found:
        return ()
    works = sorted(found.values(), key=_sort_key)
    html = formats.format(tuple(works), citations.style, citations.locale)
    order = {e.site_path: n for n, e in enumerate(entries)}  # entries come newest first
    return tuple(
        CitedWork(
            key=work.key,
            html=link_entry(html.get(work.key.lower(), ""), work),
            paper_note=about.get(work.key),
            citing=tuple(sorted(citing[work.key], key=lambda e: order[e.site_path])),
        )
        for work in works
    )


def _sort_key(work: BibEntry) -> tuple[str, int, str, str]:
    item = work.item()
    people = item.get("author") or item.get("editor") or [{}]
    first = people[0].get("family") or people[0].get("literal") or ""
    parts = (item.get("issued", {}).get("date-parts") or [[0]])[0] or [0]
    return (first.lower(), int(parts[0]), str(item.get("title", "")).lower(), work.key)


def paper_years(entries: Sequence[Entry]) -> tuple[PaperYear, ...]:
    """The paper notes by the year of their paper, newest first; those without a year last."""
    by_year: dict[str, list[PaperEntry]] = defaultdict(list)
    for entry in entries:
        card = entry.rendered.paper
        if card is not None:
            venue = _VENUE_YEAR.sub("", card.venue).strip() if card.venue else ""
            by_year[card.year].append(PaperEntry(entry, card, venue))
    years = sorted((y for y in by_year if y), reverse=True) + ([""] if "" in by_year else [])
    return tuple(
        PaperYear(year, tuple(sorted(by_year[year], key=lambda p: p.card.title.lower())))
        for year in years
    )


def venues(years: Sequence[PaperYear]) -> tuple[tuple[str, int], ...]:
    """The venues of the paper notes with how many papers each, most first."""
    counts: dict[str, int] = defaultdict(int)
    for year in years:
        for paper in year.papers:
            if paper.venue:
                counts[paper.venue] += 1
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower())))
