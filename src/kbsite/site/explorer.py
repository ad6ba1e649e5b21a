"""The folder tree (explorer) of a folder-tree site (`urls: path`): what MkDocs and Quartz
readers find beside every note. Plain data here; write/explorer.py makes its HTML."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from kbsite.config.siteconfig import SiteConfig
from kbsite.site.index import Entry
from kbsite.site.urlplan import folder_site_path, is_folder_page

_NUMBER = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class Leaf:
    """A note in the tree: its title and page."""

    title: str
    site_path: str
    key: str  # its file name, for the order


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder: its name as written, its own page (README.md or index.md) if it has one, and
    what it holds, in the order a file manager shows (numbers by value: chapter2 < chapter10)."""

    name: str
    path: str  # posix path inside content/, "" for the top
    page: Leaf | None
    children: tuple[Folder | Leaf, ...]
    # Where the folder's page is: its README's, its category's page for a top folder, else
    # the listing kbsite makes (kbsite.site.folderpages); "/" for the top.
    site_path: str

    def folders(self) -> list[Folder]:
        """Return this folder and every folder below it, parents before their children."""
        found = [self]
        for child in self.children:
            if isinstance(child, Folder):
                found += child.folders()
        return found

    def ancestors_of(self) -> dict[str, tuple[str, ...]]:
        """Map each note's site path to the folders (paths) that hold it, outermost first."""
        found: dict[str, tuple[str, ...]] = {}
        self._collect(found, ())
        return found

    def _collect(self, found: dict[str, tuple[str, ...]], above: tuple[str, ...]) -> None:
        inside = (*above, self.path) if self.path else above
        if self.page is not None:
            found[self.page.site_path] = inside
        for child in self.children:
            if isinstance(child, Folder):
                child._collect(found, inside)
            else:
                found[child.site_path] = inside


def build_explorer(config: SiteConfig, entries: Sequence[Entry]) -> Folder:
    """Arrange the notes as their folders hold them."""
    items = [(PurePosixPath(e.note.rel_path).parts, e) for e in entries]
    return _folder(config, "", "", items)


def _folder(
    config: SiteConfig, name: str, path: str, items: list[tuple[tuple[str, ...], Entry]]
) -> Folder:
    page: Leaf | None = None
    leaves: list[Folder | Leaf] = []
    below: dict[str, list[tuple[tuple[str, ...], Entry]]] = {}
    for parts, entry in items:
        if len(parts) > 1:
            below.setdefault(parts[0], []).append((parts[1:], entry))
            continue
        leaf = Leaf(entry.title, entry.site_path, parts[0])
        if is_folder_page(f"{path}/{parts[0]}" if path else parts[0]) and page is None:
            page = leaf  # the folder's own page opens its list
        else:
            leaves.append(leaf)
    for folder, inside in below.items():
        leaves.append(_folder(config, folder, f"{path}/{folder}" if path else folder, inside))
    leaves.sort(key=_order)
    site_path = page.site_path if page is not None else folder_site_path(config, path)
    return Folder(name, path, page, tuple(leaves), site_path)


def _order(item: Folder | Leaf) -> tuple[tuple[object, ...], str]:
    name = item.name if isinstance(item, Folder) else item.key
    parts = _NUMBER.split(name.lower())
    return tuple(int(p) if p.isdigit() else p for p in parts), name
