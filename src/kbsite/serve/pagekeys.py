"""Page fingerprints: what a planned page shows, so serve's rebuilds skip the pages whose
inputs are unchanged (a one-note save rewrites a handful of pages, not thousands).

The build asks, through kbsite.write.kept.KeptFiles, whether each file it is about to write
is made from what it was last written from; PageFingerprints answers for serve.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from kbsite.site.index import CategoryIndex, Entry, Site, TagIndex, YearIndex
from kbsite.site.pages import Page, Pagination


class PageFingerprints:
    """What each output file of serve's folder was last written from (KeptFiles).

    One serves one Builder: serve makes a new one of each when the build's options change, so
    what those options decide (live reload) need not be in a fingerprint."""

    def __init__(self) -> None:
        self._written: dict[str, Hashable] = {}  # output file -> what it was written from
        self._everywhere: Hashable = None  # site_key of the last build
        # The fingerprint last made, by what it was made from: written() follows unchanged()
        # for the same page, and a page's fingerprint is the costly part of the question.
        self._last: tuple[Hashable, Hashable] | None = None

    def start(self, site: Site, templates: Hashable) -> None:
        """Forget every file when what every page shows has changed."""
        everywhere = site_key(site, templates)
        if everywhere != self._everywhere:
            self._written.clear()
            self._everywhere = everywhere
        self._last = None

    def unchanged(self, rel: str, made_from: Hashable) -> bool:
        return self._written.get(rel, _NEVER) == self._key(made_from)

    def written(self, rel: str, made_from: Hashable) -> None:
        self._written[rel] = self._key(made_from)

    def _key(self, made_from: Hashable) -> Hashable:
        if not isinstance(made_from, Page):
            return made_from  # a file other than a page names what it is made from itself
        if self._last is not None and self._last[0] is made_from:
            return self._last[1]
        key = (made_from.template, made_from.title, fingerprint(made_from.context))
        self._last = (made_from, key)
        return key


_NEVER = object()  # what no file was written from


def site_key(site: Site, templates: Hashable) -> Hashable:
    """What every page shows besides its own context: config, templates, category counts."""
    counts = tuple((index.category.slug, len(index.entries)) for index in site.categories)
    return (site.config, templates, counts)


def fingerprint(value: Any) -> Hashable:
    """Reduce a page context to what its page shows; list indexes count by length."""
    if value is None or type(value) in _PLAIN:  # most values: compare as they are, quickly
        return value  # type: ignore[no-any-return]
    if isinstance(value, YearIndex):
        # The archive lists every note by title and date: an edit to one note's body must not
        # re-render it. (A custom archive.html showing excerpts refreshes on the next build.)
        return ("year", value.year, tuple(_archive_line(e) for e in value.entries))
    if isinstance(value, CategoryIndex):
        return ("category", value.category, len(value.entries))
    if isinstance(value, TagIndex):
        return ("tag", value.tag, len(value.entries))
    if isinstance(value, dict):
        return tuple((k, fingerprint(v)) for k, v in value.items())
    if isinstance(value, tuple | list):
        if value and isinstance(value[0], Entry):  # a list of notes: entries compare as they are
            return tuple(value)
        return tuple(fingerprint(v) for v in value)
    return value  # type: ignore[no-any-return]


_PLAIN = frozenset({Entry, str, int, Pagination})


def _archive_line(entry: Entry) -> Hashable:
    return (entry.site_path, entry.title, entry.date, entry.category, entry.tags)
