"""The explorer's HTML: a tree of <details> folders, made once per tree and marked per page.

Every note page of a folder-tree site shows the whole tree, so making it in Jinja for each
page would cost pages x notes; it is made once, and each page only marks its own link and
opens the folders above it (two string replacements per folder level).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from kbsite.site.explorer import Folder, Leaf


def tree_html(tree: Folder, url_for: Callable[[str], str]) -> str:
    """Return the tree's HTML: folders closed, no page marked."""
    parts: list[str] = []
    _list(tree, url_for, parts)
    return "".join(parts)


def _list(folder: Folder, url_for: Callable[[str], str], out: list[str]) -> None:
    out.append('<ul class="explorer-list">')
    if folder.page is not None:
        out.append(_leaf(folder.page, url_for, "explorer-folder-page"))
    for child in folder.children:
        if isinstance(child, Leaf):
            out.append(_leaf(child, url_for))
            continue
        out.append(f'<li><details data-folder="{escape(child.path)}">')
        out.append(f'<summary class="explorer-folder">{escape(child.name)}</summary>')
        _list(child, url_for, out)
        out.append("</details></li>")
    out.append("</ul>")


def _leaf(leaf: Leaf, url_for: Callable[[str], str], kind: str = "explorer-note") -> str:
    href = escape(url_for(leaf.site_path))
    return f'<li><a class="{kind}" href="{href}">{escape(leaf.title)}</a></li>'


@dataclass(slots=True, eq=False)  # compared by identity: Jinja looks template functions up
class ExplorerNav:
    """The template function `explorer_nav(tree, page_path)`: keeps the HTML of the last tree
    it was given (one per build; each page-rendering worker keeps its own)."""

    url_for: Callable[[str], str]
    _tree: Folder | None = None
    _html: str = ""
    _ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __call__(self, tree: Folder, page_path: str) -> Markup:
        if tree is not self._tree:
            self._tree = tree
            self._html = tree_html(tree, self.url_for)
            self._ancestors = tree.ancestors_of()
        html = self._html
        for folder in self._ancestors.get(page_path, ()):
            mark = f'<details data-folder="{escape(folder)}">'
            html = html.replace(mark, mark[:-1] + " open>", 1)
        link = f'href="{escape(self.url_for(page_path))}">'
        html = html.replace(link, link[:-1] + ' aria-current="page">', 1)
        return Markup(html)  # made above from escaped names and URLs only
