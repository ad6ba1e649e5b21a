"""Rendered notes -> Site: the Latest Updates feed, categories, tags and the archive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import markupsafe
from slugify import slugify

from kbsite.config.siteconfig import Category, SiteConfig
from kbsite.load.content import Note
from kbsite.render.excerpt import readable_inline
from kbsite.render.rendered import RenderedNote
from kbsite.render.tokeninfo import Heading
from kbsite.site.links import Rewrites
from kbsite.urls import category_path, tag_path


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    slug: str

    @property
    def site_path(self) -> str:
        return tag_path(self.slug)


@dataclass(frozen=True, slots=True)
class Entry:
    """A note placed on the site: its URL, rendering, and what lists show of it.

    Its body HTML is not here: it stays in the render cache under `rendered.key` until the
    page or feed that shows it is written (kbsite.write.bodies reads it and applies
    `rewrites`), so a site of 10,000 notes does not hold 10,000 bodies in memory.
    """

    note: Note
    site_path: str
    category: Category
    tags: tuple[Tag, ...]
    rendered: RenderedNote
    rewrites: Rewrites  # resolved URLs of the note's relative links

    @property
    def title(self) -> str:
        """The title as text, its math readable (`β_t`): lists, feeds and `<title>` show it."""
        return readable_inline(self.note.title)

    @property
    def title_html(self) -> str:
        """The title for the note's own heading: its math rendered, else the text."""
        return self.rendered.title_html or str(markupsafe.escape(self.title))

    @property
    def date(self) -> datetime | None:
        return self.note.date

    @property
    def toc(self) -> tuple[Heading, ...]:
        return self.rendered.toc

    @property
    def excerpt(self) -> str:
        return self.rendered.excerpt

    @property
    def reading_minutes(self) -> int:
        return self.rendered.reading_minutes

    @property
    def has_mermaid(self) -> bool:
        return self.rendered.has_mermaid

    @property
    def has_sidenotes(self) -> bool:
        """Whether the page needs a margin for footnotes beside their references."""
        return self.rendered.has_sidenotes


@dataclass(frozen=True, slots=True)
class CategoryIndex:
    category: Category
    entries: tuple[Entry, ...]

    @property
    def site_path(self) -> str:
        return category_path(self.category.slug)


@dataclass(frozen=True, slots=True)
class TagIndex:
    tag: Tag
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class YearIndex:
    year: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Site:
    """The whole site as lists: every list newest first, ties broken by source path."""

    config: SiteConfig
    entries: tuple[Entry, ...]
    categories: tuple[CategoryIndex, ...]
    tags: tuple[TagIndex, ...]
    years: tuple[YearIndex, ...]

    def neighbours(self) -> dict[str, tuple[Entry | None, Entry | None]]:
        """Map each entry's site path to its (newer, older) notes in its own category."""
        found: dict[str, tuple[Entry | None, Entry | None]] = {}
        for index in self.categories:
            items = index.entries
            for position, entry in enumerate(items):
                newer = items[position - 1] if position > 0 else None
                older = items[position + 1] if position + 1 < len(items) else None
                found[entry.site_path] = (newer, older)
        return found


def list_order(entry: Entry) -> tuple[bool, float, str, str]:
    """Sort key of every list: newest first, then undated notes by title; ties by source path
    so output is stable."""
    if entry.date is None:
        return (True, 0.0, entry.title.lower(), entry.note.source)
    return (False, -entry.date.timestamp(), "", entry.note.source)


def newest_first(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Sort newest first, undated notes last by title (list_order)."""
    return tuple(sorted(entries, key=list_order))


def dated(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Keep the dated entries: feeds and the archive have no place for undated ones."""
    return tuple(e for e in entries if e.date is not None)


def tag_for(name: str) -> Tag:
    """Make a tag with a URL slug; names with no Latin transliteration keep their characters."""
    return Tag(name, slugify(name) or slugify(name, allow_unicode=True) or "tag")


def build_site(config: SiteConfig, entries: Sequence[Entry]) -> Site:
    """Group entries into the site's lists."""
    ordered = newest_first(entries)
    by_category: dict[str, list[Entry]] = defaultdict(list)
    by_tag: dict[Tag, list[Entry]] = defaultdict(list)
    by_year: dict[int, list[Entry]] = defaultdict(list)
    for entry in ordered:
        by_category[entry.category.name].append(entry)
        for tag in entry.tags:
            by_tag[tag].append(entry)
        if entry.date is not None:  # the archive is by year: undated notes have none
            by_year[entry.date.year].append(entry)
    categories = tuple(
        CategoryIndex(category, tuple(by_category.get(category.name, ())))
        for category in config.categories
    )
    tags = tuple(
        TagIndex(tag, tuple(items))
        for tag, items in sorted(by_tag.items(), key=lambda kv: (-len(kv[1]), kv[0].name.lower()))
    )
    years = tuple(YearIndex(year, tuple(by_year[year])) for year in sorted(by_year, reverse=True))
    return Site(config, ordered, categories, tags, years)


def canonical_tags(notes: Sequence[Note]) -> dict[str, Tag]:
    """Map each tag spelling (any case) to one Tag; the first spelling in source order wins."""
    tags: dict[str, Tag] = {}
    by_slug: dict[str, Tag] = {}
    for note in sorted(notes, key=lambda n: n.source):
        for name in note.tags:
            if name.lower() in tags:
                continue
            tag = tag_for(name)
            tags[name.lower()] = by_slug.setdefault(tag.slug, tag)
    return tags
