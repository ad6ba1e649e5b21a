"""Redirect pages for a note's old URLs (`aliases`, or a permalink from another tool)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from kbsite.config.siteconfig import SiteConfig
from kbsite.errors import Diagnostic, error
from kbsite.site.index import Entry
from kbsite.site.urlplan import derived_path
from kbsite.urls import absolute_url, output_file, url_for


def plan_redirects(
    config: SiteConfig, entries: Sequence[Entry], taken: Iterable[str]
) -> tuple[dict[str, Entry], list[Diagnostic]]:
    """Map each alias's output file to its note; an alias may not land on another file. An
    alias that is the note's own URL (or the one its category and slug give it, which another
    note may have taken) is an old URL that did not change: it gets no redirect."""
    occupied = {rel.lower(): rel for rel in taken}
    redirects: dict[str, Entry] = {}
    owners: dict[str, Entry] = {}
    problems: list[Diagnostic] = []
    for entry in sorted(entries, key=lambda e: e.note.source):
        own = {entry.site_path.lower(), derived_path(config, entry.note).lower()}
        for alias in entry.note.aliases:
            if alias.lower() in own:
                continue
            rel = output_file(alias)
            key = rel.lower()  # letter case collides on macOS and Windows checkouts
            if key in occupied:
                message = f"alias {alias} would replace the site's own {occupied[key]}"
            elif key in owners and owners[key] is not entry:
                message = f"alias {alias} is also an alias of {owners[key].note.source}"
            else:
                owners[key] = entry
                redirects[rel] = entry
                continue
            problems.append(error(entry.note.source, 1, message, key="aliases"))
    return redirects, problems


def redirect_page(config: SiteConfig, entry: Entry) -> bytes:
    """Return a page that sends readers and search engines to the note's current URL."""
    url = html.escape(url_for(config, entry.site_path))
    canonical = html.escape(absolute_url(config, entry.site_path))
    title = html.escape(entry.title)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(config.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<link rel="canonical" href="{canonical}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        f'</head>\n<body>\n<p><a href="{url}">{title}</a></p>\n</body>\n</html>\n'
    ).encode()
