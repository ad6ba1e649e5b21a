"""Rendered notes -> Site: the Latest Updates feed, categories, tags and the archive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slugify import slugify

from kbsite.config import Category, SiteConfig
from kbsite.content import Note
from kbsite.errors import Diagnostic, error
from kbsite.markdown import Heading


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    slug: str

    @property
    def site_path(self) -> str:
        return f"/tags/{self.slug}/"


@dataclass(frozen=True, slots=True)
class Entry:
    """A note placed on the site: its URL, final HTML and what lists show of it."""

    note: Note
    site_path: str
    html: str
    toc: tuple[Heading, ...]
    excerpt: str
    reading_minutes: int
    category: Category
    tags: tuple[Tag, ...]

    @property
    def title(self) -> str:
        return self.note.title

    @property
    def date(self) -> datetime:
        return self.note.date


@dataclass(frozen=True, slots=True)
class CategoryIndex:
    category: Category
    entries: tuple[Entry, ...]

    @property
    def site_path(self) -> str:
        return f"/{self.category.slug}/"


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

    def neighbours(self, entry: Entry) -> tuple[Entry | None, Entry | None]:
        """Return (newer, older) notes in the entry's own category."""
        for index in self.categories:
            if index.category == entry.category:
                items = index.entries
                position = items.index(entry)
                newer = items[position - 1] if position > 0 else None
                older = items[position + 1] if position + 1 < len(items) else None
                return newer, older
        return None, None


def newest_first(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Sort newest first; equal dates fall back to the source path so output is stable."""
    return tuple(sorted(entries, key=lambda e: (-e.date.timestamp(), e.note.source)))


def tag_for(name: str) -> Tag:
    """Make a tag with a URL slug; names with no Latin transliteration keep their characters."""
    return Tag(name, slugify(name) or slugify(name, allow_unicode=True) or "tag")


def note_site_path(note: Note, category: Category) -> str:
    return f"/{category.slug}/{note.slug}/"


def check_unique_paths(notes: Sequence[tuple[Note, str]]) -> list[Diagnostic]:
    """Report notes that would be written to one URL (letter case ignored, as on macOS)."""
    owners: dict[str, Note] = {}
    problems: list[Diagnostic] = []
    for note, site_path in sorted(notes, key=lambda pair: pair[0].source):
        key = site_path.lower()
        if key in owners:
            first = owners[key]
            problems.append(
                error(
                    note.source,
                    1,
                    f"URL {site_path} is also used by {first.source}; give one of them a different "
                    "`slug:` in its front matter",
                    key="slug",
                )
            )
        else:
            owners[key] = note
    return problems


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
