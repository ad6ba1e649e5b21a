"""Pages for the folders of a folder-tree site (`urls: path`) that have no README.md or
index.md of their own, so every folder URL a reader can reach lists what it holds (issue 23).

A top folder's page is its category's; a folder whose URL a note already has (a `b.md`
beside a folder `b/`) keeps that note, the page its writer made for it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from kbsite.site.explorer import Folder, Leaf
from kbsite.site.index import Entry

FOLDER_TEMPLATE = "folder.html"


def folder_listings(
    tree: Folder, entries: Mapping[str, Entry], taken: Collection[str]
) -> list[tuple[str, str, dict[str, object]]]:
    """Return (site path, title, context) of a listing for each folder below the top ones
    that has no page: its notes as cards and its subfolders as links, in the explorer's order."""
    listings = []
    for folder in tree.folders():
        if "/" not in folder.path or folder.page is not None or folder.site_path in taken:
            continue
        notes = [entries[c.site_path] for c in folder.children if isinstance(c, Leaf)]
        subfolders = [c for c in folder.children if isinstance(c, Folder)]
        context: dict[str, object] = {"folder": folder, "entries": notes, "subfolders": subfolders}
        listings.append((folder.site_path, folder.name, context))
    return listings
