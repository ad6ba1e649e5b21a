"""LinkTarget: what a link between notes may point at, for links and the wiki index alike."""

from __future__ import annotations

from dataclasses import dataclass

from kbsite.render.labels import Label


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What a relative link may point at: a note (with its heading ids) or a draft."""

    site_path: str
    anchors: tuple[str, ...]  # in document order: of two that fit a link, the first wins
    draft: bool = False
    # Its numbered theorems, figures, tables and equations: `[[note#thm-x]]` reads "定理 1"
    labels: tuple[Label, ...] = ()
