"""Site -> list[Page]: every HTML page planned before any template runs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kbsite.site.explorer import build_explorer
from kbsite.site.folderpages import FOLDER_TEMPLATE, folder_listings
from kbsite.site.graph import Graph
from kbsite.site.index import Entry, Site
from kbsite.site.references import CitedWork, paper_years, venues
from kbsite.urls import page_path

NOTE_TEMPLATE = "note.html"


@dataclass(frozen=True, slots=True)
class Pagination:
    """Where a page sits in a paginated list; paths are site paths."""

    number: int
    total: int
    base: str

    @property
    def prev_path(self) -> str | None:
        return page_path(self.base, self.number - 1) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return page_path(self.base, self.number + 1) if self.number < self.total else None

    @property
    def pages(self) -> list[tuple[int, str]]:
        """Return the page numbers to link: the ends and a window around this page.

        Listing all of them would make each of N pages link N pages: quadratic in site size.
        """
        window = range(max(1, self.number - 2), min(self.total, self.number + 2) + 1)
        numbers = sorted(
            {1, 2, self.total - 1, self.total, *window} & set(range(1, self.total + 1))
        )
        return [(n, page_path(self.base, n)) for n in numbers]


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML file to write: its site path, template and what the template gets."""

    site_path: str
    template: str
    title: str
    context: Mapping[str, Any] = field(default_factory=dict)
    # The note whose body the page shows (its own, or the README above a list), one of the
    # context's values: the write stage reads the body from the render cache as it writes
    # the page (kbsite.write.bodies).
    body_of: Entry | None = None


def paginate(
    base: str,
    entries: Sequence[Entry],
    per_page: int,
    template: str,
    title: str,
    intro: Entry | None = None,
    **extra: Any,
) -> list[Page]:
    """Split a list of entries into pages at base, base/page/2/, ...; an `intro` (a folder's
    README) is shown above the list."""
    if intro is not None:
        extra["intro"] = intro
    total = max(1, math.ceil(len(entries) / per_page))
    pages = []
    for number in range(1, total + 1):
        chunk = entries[(number - 1) * per_page : number * per_page]
        pagination = Pagination(number, total, base)
        pages.append(
            Page(
                page_path(base, number),
                template,
                title,
                {"entries": chunk, "pagination": pagination, **extra},
                body_of=intro,
            )
        )
    return pages


def plan_pages(
    site: Site, graph: Graph, strings: Mapping[str, str], works: Sequence[CitedWork] = ()
) -> list[Page]:
    """Plan the home feed, category, tag, archive, search, references, papers, note and error
    pages, each complete: a note page has its backlinks and related notes from `graph`.

    On a folder-tree site (`urls: path`) the README.md at the top of content/ is the home
    page's text and a top folder's is its category's, each shown above the list instead of
    on a page of its own; every other folder without one gets a listing; every note page gets
    the folder tree (explorer)."""
    per_page = site.config.paginate
    by_path = {e.site_path: e for e in site.entries}
    home = by_path.get("/")  # only a folder-tree site's top README has the home page's path
    intros = {i.site_path: by_path[i.site_path] for i in site.categories if i.site_path in by_path}
    shown_above = {id(e) for e in (home, *intros.values()) if e is not None}
    pages = paginate(
        "/",
        tuple(e for e in site.entries if e is not home),
        per_page,
        "index.html",
        site.config.title,
        intro=home,
    )
    side: dict[str, Any] = {}
    if site.config.urls == "path":
        side["explorer"] = build_explorer(site.config, site.entries)
    for index in site.categories:
        intro = intros.get(index.site_path)
        pages += paginate(
            index.site_path,
            tuple(e for e in index.entries if e is not intro),
            per_page,
            "category.html",
            index.category.name,
            category=index,
            intro=intro,
        )
    for tag_index in site.tags:
        pages += paginate(
            tag_index.tag.site_path,
            tag_index.entries,
            per_page,
            "tag.html",
            f"#{tag_index.tag.name}",
            tag=tag_index,
        )
    pages.append(Page("/tags/", "tags.html", strings["tags"], {"tags": site.tags}))
    pages.append(Page("/archive/", "archive.html", strings["archive"], {"years": site.years}))
    if site.config.search:
        pages.append(Page("/search/", "search.html", strings["search"]))
    pages += _scholarly_pages(site, strings, works)
    neighbours = site.neighbours()
    for entry in site.entries:
        if id(entry) in shown_above:
            continue  # on the home or its category's page
        newer, older = neighbours[entry.site_path]
        pages.append(
            Page(
                entry.site_path,
                NOTE_TEMPLATE,
                entry.title,
                {
                    "entry": entry,
                    "newer": newer,
                    "older": older,
                    "backlinks": graph.backlinks.get(entry.site_path, ()),
                    "related": graph.related.get(entry.site_path, ()),
                    **side,
                },
                body_of=entry,
            )
        )
    if "explorer" in side:
        taken = {p.site_path for p in pages}
        for path, title, context in folder_listings(side["explorer"], by_path, taken):
            context["pagination"] = Pagination(1, 1, path)  # one page: cards.html asks
            pages.append(Page(path, FOLDER_TEMPLATE, title, context))
    pages.append(Page("/404.html", "404.html", strings["not_found"]))
    return pages


def _scholarly_pages(
    site: Site, strings: Mapping[str, str], works: Sequence[CitedWork]
) -> list[Page]:
    """/references/ when a note cites a work, /papers/ when a note is about a paper."""
    pages = []
    if works:
        cited = {"works": works}
        pages.append(Page("/references/", "references.html", strings["references"], cited))
    years = paper_years(site.entries)
    if years:
        count = sum(len(year.papers) for year in years)
        context = {"years": years, "venues": venues(years), "count": count}
        pages.append(Page("/papers/", "papers.html", strings["papers"], context))
    return pages
