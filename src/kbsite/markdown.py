"""Markdown -> HTML for one note body: pure, cacheable by (body, settings).

CONTRACT (other modules code against these names; keep them):
    render_markdown(body, *, path, first_line) -> RenderedMarkdown
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kbsite.errors import Diagnostic


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of the note, for the table of contents and anchor checks."""

    level: int
    id: str  # the id attribute in the HTML, unescaped (e.g. "匈牙利匹配")
    text: str  # plain text of the heading


@dataclass(frozen=True, slots=True)
class Link:
    """A link or image reference found in the body, as written in the HTML attribute."""

    href: str  # attribute value exactly as it appears in html (before HTML-escaping)
    line: int  # line in the note's file (first_line-based)
    kind: Literal["link", "image"]


@dataclass(frozen=True, slots=True)
class TextRun:
    """Plain text of the body, for excerpts and reading time."""

    text: str
    atomic: bool  # True for a formula: an excerpt never cuts inside it


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    toc: tuple[Heading, ...]
    links: tuple[Link, ...]
    text: tuple[TextRun, ...]
    diagnostics: tuple[Diagnostic, ...]


def render_markdown(body: str, *, path: str, first_line: int) -> RenderedMarkdown:
    """Render one note body; `first_line` is the file line of the body's first line."""
    raise NotImplementedError
