"""Page keys: what a planned page shows, so an incremental build (serve's) skips pages whose
inputs are unchanged."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from kbsite.config.siteconfig import SiteConfig
from kbsite.site.index import CategoryIndex, Entry, Site, TagIndex, YearIndex
from kbsite.site.pages import Pagination


def site_key(config: SiteConfig, site: Site, live_reload: bool, templates: Hashable) -> Hashable:
    """What every page shows besides its own context: config, templates, category counts."""
    counts = tuple((index.category.slug, len(index.entries)) for index in site.categories)
    return (config, live_reload, templates, counts)


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
