"""The explorer's HTML: each page holds only its own branch of the folder tree, and the rest
is one shared file (explorer.json) that kbsite.js fetches when a reader opens another folder.

The whole tree in every page cost ~70 KB a page at 600 notes, most of it in folders the reader
never opens. Each folder's list (its notes, its subfolders closed and empty) is made once per
build; a page is the top list with the folders above it opened and filled, and its own link
marked, so it reads without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from kbsite.site.explorer import Folder, Leaf

EXPLORER_FILE = "explorer.json"  # {folder path: its list's HTML}, beside the pages


def folder_lists(tree: Folder, url_for: Callable[[str], str]) -> dict[str, str]:
    """Map each folder's path ("" for the top) to the HTML list of what it holds."""
    return {folder.path: _list(folder, url_for) for folder in tree.folders()}


def explorer_json(tree: Folder, url_for: Callable[[str], str]) -> bytes:
    """Return explorer.json: every folder's list but the top one, which each page holds."""
    lists = folder_lists(tree, url_for)
    del lists[""]
    text = json.dumps(lists, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def _list(folder: Folder, url_for: Callable[[str], str]) -> str:
    out = ['<ul class="explorer-list">']
    if folder.page is not None:
        out.append(_leaf(folder.page, url_for, "explorer-folder-page"))
    elif folder.path:  # its category's page, or the listing kbsite made for it
        out.append(_leaf(Leaf(folder.name, folder.site_path, ""), url_for, "explorer-folder-page"))
    for child in folder.children:
        if isinstance(child, Leaf):
            out.append(_leaf(child, url_for))
        else:
            out.append(
                f'<li><details data-folder="{escape(child.path)}">'
                f'<summary class="explorer-folder">{escape(child.name)}</summary></details></li>'
            )
    out.append("</ul>")
    return "".join(out)


def _leaf(leaf: Leaf, url_for: Callable[[str], str], kind: str = "explorer-note") -> str:
    href = escape(url_for(leaf.site_path))
    return f'<li><a class="{kind}" href="{href}">{escape(leaf.title)}</a></li>'


@dataclass(slots=True, eq=False)  # compared by identity: Jinja looks template functions up
class ExplorerNav:
    """The template function `explorer_nav(tree, page_path)`: keeps the folder lists of the
    last tree it was given (one per build; each page-rendering worker keeps its own)."""

    url_for: Callable[[str], str]
    _tree: Folder | None = None
    _lists: dict[str, str] = field(default_factory=dict)
    _ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __call__(self, tree: Folder, page_path: str) -> Markup:
        if tree is not self._tree:
            self._tree = tree
            self._lists = folder_lists(tree, self.url_for)
            self._ancestors = tree.ancestors_of()
        html = self._lists[""]
        for folder in self._ancestors.get(page_path, ()):
            mark = f'<details data-folder="{escape(folder)}">'
            start = html.index(mark)
            end = html.index("</summary>", start) + len("</summary>")
            opened = mark[:-1] + " open>" + html[start + len(mark) : end] + self._lists[folder]
            html = html[:start] + opened + html[end:]
        link = f'href="{escape(self.url_for(page_path))}">'
        html = html.replace(link, link[:-1] + ' aria-current="page">', 1)
        return Markup(html)  # made above from escaped names and URLs only
