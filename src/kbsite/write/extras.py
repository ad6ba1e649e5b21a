"""The files beside the pages: feeds, sitemap, hover previews, robots.txt, the highlight
stylesheet, and the theme's and notes' files copied as they are."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from kbsite.config.siteconfig import SiteConfig
from kbsite.load.content import Asset
from kbsite.render.highlight import pygments_css
from kbsite.site.graph import previews_json
from kbsite.site.index import Entry, Site, dated
from kbsite.site.pages import Page
from kbsite.urls import output_file, url_maker
from kbsite.write.bodies import BodySource
from kbsite.write.explorer import EXPLORER_FILE, explorer_json
from kbsite.write.feeds import FEED_SIZE, robots_txt, site_feeds, sitemap
from kbsite.write.kept import KeepingWriter, KeptFiles, write_unless_kept
from kbsite.write.templates import static_files

MERMAID_PREFIX = "js/vendor/mermaid"
# Files every build writes besides pages and feeds; no alias may replace them.
EXTRA_FILES = (
    "sitemap.xml",
    "robots.txt",
    "previews.json",
    ".nojekyll",
    "css/highlight.css",
    EXPLORER_FILE,
)


class Writer(KeepingWriter, Protocol):
    def copy(self, rel: str, source: Path) -> None: ...


def write_extras(
    config: SiteConfig,
    site: Site,
    pages: list[Page],
    assets: tuple[Asset, ...],
    writer: Writer,
    kept: KeptFiles,
    bodies: BodySource,
) -> None:
    """Write feeds (with the bodies of their notes, from `bodies`), sitemap, robots.txt and
    the files copied as they are; leave as they are the files `kept` finds unchanged."""
    keyed = partial(write_unless_kept, writer, kept)
    for path, index_entries in feed_inputs(site):
        key = ("feed", config, dated(index_entries)[:FEED_SIZE])
        keyed(output_file(path), key, partial(site_feeds, site, path, bodies))
    listed: list[tuple[str, datetime | None]] = [
        (p.site_path, None) for p in pages if p.template not in ("note.html", "404.html")
    ]
    shown = {path for path, _ in listed}  # a top folder's README is its category's page
    listed += [
        (e.site_path, e.note.updated or e.note.date)
        for e in site.entries
        if e.site_path not in shown
    ]
    listed.sort(key=lambda pair: pair[0])
    keyed("sitemap.xml", ("sitemap", config, tuple(listed)), lambda: sitemap(config, listed))
    previews = tuple(
        (e.site_path, e.title, e.excerpt, e.category.name, e.rendered.labels) for e in site.entries
    )
    keyed(
        "previews.json",
        ("previews", config, previews),
        lambda: previews_json(config, site.entries),
    )
    tree = next((p.context["explorer"] for p in pages if "explorer" in p.context), None)
    if tree is not None:  # a folder-tree site: the branches its pages leave out (write/explorer)
        url_for = url_maker(config)
        keyed(EXPLORER_FILE, ("explorer", config, tree), lambda: explorer_json(tree, url_for))
    writer.write("robots.txt", robots_txt(config))
    writer.write(".nojekyll", b"")
    writer.write("css/highlight.css", pygments_css().encode("utf-8"))
    diagrams = any(e.has_mermaid for e in site.entries)
    for rel, source in static_files(config).items():
        if rel.startswith(MERMAID_PREFIX) and not diagrams:
            continue  # 3.5 MB that only pages with a diagram load
        writer.copy(rel, source)
    for asset in assets:
        if asset.source is not None:
            writer.copy(asset.rel_path, asset.source)
        else:  # a notebook's output image, named by its content's hash: its name is its key
            keyed(
                asset.rel_path, ("notebook-file", asset.rel_path), partial(bytes, asset.data or b"")
            )


def feed_inputs(site: Site) -> list[tuple[str, tuple[Entry, ...]]]:
    feeds = [("/atom.xml", site.entries)]
    feeds += [(f"{index.site_path}atom.xml", index.entries) for index in site.categories]
    return feeds
