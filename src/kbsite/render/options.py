"""RenderOptions: what shapes a note's HTML besides its text, all of it in the cache key."""

from __future__ import annotations

from dataclasses import dataclass, field

from kbsite.config.i18n import DEFAULT_LANGUAGE, strings_for
from kbsite.config.siteconfig import SiteConfig
from kbsite.load.bibtex import BibFile
from kbsite.render.cite.settings import CiteSettings

# For a site.yaml without `language`, and what renders without a site (the importers).
DEFAULT_HEADING_ANCHOR = strings_for(DEFAULT_LANGUAGE)["heading_anchor"]


def label_names(language: str) -> tuple[tuple[str, str], ...]:
    """The words numbered blocks and references read with in a language, by kind ("thm" ->
    "定理"; "proof", and "titled": how a theorem's name follows its number)."""
    strings = strings_for(language)
    return tuple((key[5:], text) for key, text in strings.items() if key.startswith("xref_"))


DEFAULT_LABEL_NAMES = label_names(DEFAULT_LANGUAGE)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    summary_length: int
    # The label of a heading's permalink for screen readers, in the site's language: i18n's
    # `heading_anchor`, with {heading} for the heading's text.
    heading_anchor: str = DEFAULT_HEADING_ANCHOR
    # site.yaml's `math.macros`, (name, body): every formula of the site may use them
    math_macros: tuple[tuple[str, str], ...] = ()
    # kind -> word of numbered blocks and references ("定理 1"), in the site's language
    label_names: tuple[tuple[str, str], ...] = DEFAULT_LABEL_NAMES
    # site.yaml's `footnotes`: True for `side`, each footnote also written beside its reference
    sidenotes: bool = True
    # The bibliography and citation style: keys a note's cache key by the entries it cites
    # (render_key), not by the whole bibliography, so an edited entry re-renders only those.
    citations: CiteSettings = field(default_factory=CiteSettings)
    # Notebooks (kbsite.render.notebook): keep `<script>` in HTML outputs (site.yaml's
    # `notebook_scripts`), and the label of an output the notebook keeps folded.
    notebook_scripts: bool = False
    output_hidden: str = strings_for(DEFAULT_LANGUAGE)["notebook_output_hidden"]

    @classmethod
    def for_site(cls, config: SiteConfig, bibliography: tuple[BibFile, ...] = ()) -> RenderOptions:
        """The options a site's notes render with; `bibliography`: every .bib file the site
        and its notes name, read."""
        strings = strings_for(config.language)
        citations = CiteSettings.make(
            style=config.style,
            locale="zh-CN" if config.language == "zh-CN" else "en-US",
            files=bibliography,
            site_files=config.bibliography,
            heading=strings["bibliography"],
            cited_by=strings["cited_by"],
        )
        return cls(
            summary_length=config.summary_length,
            heading_anchor=strings["heading_anchor"],
            math_macros=config.math_macros,
            label_names=label_names(config.language),
            sidenotes=config.footnotes == "side",
            citations=citations,
            notebook_scripts=config.notebook_scripts,
            output_hidden=strings["notebook_output_hidden"],
        )
