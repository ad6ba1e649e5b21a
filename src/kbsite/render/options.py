"""RenderOptions: what shapes a note's HTML besides its text, all of it in the cache key."""

from __future__ import annotations

from dataclasses import dataclass

from kbsite.config.i18n import DEFAULT_LANGUAGE, strings_for
from kbsite.config.siteconfig import SiteConfig

# For a site.yaml without `language`, and what renders without a site (the importers).
DEFAULT_HEADING_ANCHOR = strings_for(DEFAULT_LANGUAGE)["heading_anchor"]


@dataclass(frozen=True, slots=True)
class RenderOptions:
    summary_length: int
    # The label of a heading's permalink for screen readers, in the site's language: i18n's
    # `heading_anchor`, with {heading} for the heading's text.
    heading_anchor: str = DEFAULT_HEADING_ANCHOR
    # site.yaml's `math.macros`, (name, body): every formula of the site may use them
    math_macros: tuple[tuple[str, str], ...] = ()
    # Notebooks (kbsite.render.notebook): keep `<script>` in HTML outputs (site.yaml's
    # `notebook_scripts`), and the label of an output the notebook keeps folded.
    notebook_scripts: bool = False
    output_hidden: str = strings_for(DEFAULT_LANGUAGE)["notebook_output_hidden"]

    @classmethod
    def for_site(cls, config: SiteConfig) -> RenderOptions:
        """The options a site's notes render with."""
        strings = strings_for(config.language)
        return cls(
            summary_length=config.summary_length,
            heading_anchor=strings["heading_anchor"],
            math_macros=config.math_macros,
            notebook_scripts=config.notebook_scripts,
            output_hidden=strings["notebook_output_hidden"],
        )
