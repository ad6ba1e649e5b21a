"""RenderedNote: what the render stage returns for a note, and the render cache stores."""

from __future__ import annotations

from dataclasses import dataclass

from kbsite.errors import Diagnostic
from kbsite.render.cite.entries import PaperCard
from kbsite.render.tokeninfo import Heading, Link


@dataclass(frozen=True, slots=True)
class RenderedNote:
    """What the build keeps of a rendered note; the HTML stays in the store under `key`."""

    key: str
    toc: tuple[Heading, ...]
    anchors: frozenset[str]
    links: tuple[Link, ...]
    excerpt: str
    reading_minutes: int
    diagnostics: tuple[Diagnostic, ...]
    has_mermaid: bool = False  # the page needs the diagram script
    # The title as HTML with its math rendered, for the note's heading; "" when it has none
    # (lists, feeds and <title> show it as text: kbsite.render.excerpt.readable_inline).
    title_html: str = ""
    # The bibliography keys the note cites (its bibliography's order), for /references/.
    cites: tuple[str, ...] = ()
    paper: PaperCard | None = None  # a paper note's card (`cite:` and/or `paper:`)
