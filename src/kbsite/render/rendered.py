"""RenderedNote: what the render stage returns for a note, and the render cache stores."""

from __future__ import annotations

from dataclasses import dataclass

from kbsite.errors import Diagnostic
from kbsite.render.cite.entries import PaperCard
from kbsite.render.labels import Label
from kbsite.render.tokeninfo import Heading, Link


@dataclass(frozen=True, slots=True)
class RenderedNote:
    """What the build keeps of a rendered note; the HTML stays in the store under `key`."""

    key: str
    toc: tuple[Heading, ...]
    anchors: tuple[str, ...]  # every id a link may target, in document order
    links: tuple[Link, ...]
    excerpt: str
    reading_minutes: int
    diagnostics: tuple[Diagnostic, ...]
    has_mermaid: bool = False  # the page needs the diagram script
    # The title as HTML with its math rendered, for the note's heading; "" when it has none
    # (lists, feeds and <title> show it as text: kbsite.render.excerpt.readable_inline).
    title_html: str = ""
    # Numbered theorems, figures, tables and equations, for links from other notes
    # (`[[note#thm-lowrank]]` reads "note 定理 1") and their hover previews.
    labels: tuple[Label, ...] = ()
    has_sidenotes: bool = False  # the page lays out a margin for footnotes
    # The bibliography keys the note cites (its bibliography's order), for /references/.
    cites: tuple[str, ...] = ()
    paper: PaperCard | None = None  # a paper note's card (`cite:` and/or `paper:`)
