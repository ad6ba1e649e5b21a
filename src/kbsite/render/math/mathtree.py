"""A small tree of MathML as KaTeX writes it: parsed, changed, and written back with every
element nobody changed kept byte for byte (kbsite.render.math.mathcore lowers it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# A start tag, an end tag, or the text between: KaTeX escapes `<` and `&` in text.
_TOKEN = re.compile(r"<(/?)([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+\s*=\s*\"[^\"]*\")*)\s*(/?)>|[^<]+")
_ATTR = re.compile(r'([^\s=]+)\s*=\s*"([^"]*)"')


@dataclass(slots=True, eq=False)
class Node:
    tag: str
    raw: str  # the start tag as KaTeX wrote it, kept byte for byte unless `changed`
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    empty: bool = False  # written as `<tag/>`
    changed: bool = False

    def set(self, name: str, value: str) -> None:
        self.attrs[name] = value
        self.changed = True

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


def parse(html: str) -> Node | None:
    root = Node("", "", {})
    stack = [root]
    pos = 0
    for match in _TOKEN.finditer(html):
        if match.start() != pos:
            return None
        pos = match.end()
        closing, tag, attrs, empty = match.groups()
        if tag is None:
            stack[-1].children.append(match[0])
        elif closing:
            if len(stack) == 1 or stack[-1].tag != tag:
                return None
            stack.pop()
        else:
            node = Node(tag, match[0], dict(_ATTR.findall(attrs)), empty=bool(empty))
            stack[-1].children.append(node)
            if not empty:
                stack.append(node)
    return root if pos == len(html) and len(stack) == 1 else None


def serialize(node: Node) -> str:
    parts: list[str] = []
    _write(node, parts)
    return "".join(parts)


def _write(node: Node, parts: list[str]) -> None:
    if node.tag:
        start = node.raw
        if node.changed:
            attrs = "".join(f' {name}="{value}"' for name, value in node.attrs.items())
            start = f"<{node.tag}{attrs}{'/' if node.empty else ''}>"
        parts.append(start)
        if node.empty:
            return
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        else:
            _write(child, parts)
    if node.tag:
        parts.append(f"</{node.tag}>")


def find(node: Node, tag: str) -> list[Node]:
    found = [node] if node.tag == tag else []
    for child in node.elements():
        found.extend(find(child, tag))
    return found


def path_to(node: Node, wanted: Callable[[Node], bool]) -> list[Node] | None:
    """The elements from node down to the first wanted one, outside tables; None if none."""
    if wanted(node):
        return [node]
    if node.tag == "mtable":
        return None
    for child in node.elements():
        found = path_to(child, wanted)
        if found is not None:
            return [node, *found]
    return None
