"""Pandoc citations: `[@key]`, `[see @a, p. 3; @b]`, `[-@key]`, in-text `@key 提出…`.

`@` is shared with other syntax, so a rule claims only what is surely a citation: an in-text
`@key` whose key is in the note's bibliography (an e-mail address, `@username` or Quarto's
`@fig-arch` stays text for the next rule), and brackets whose every part holds an `@key`,
except brackets holding only cross-reference ids (`[@thm-x]`) that are no bibliography key.
An unknown key inside citation brackets is a warning, shown as `@key?`.

The citations are formatted once the whole note is parsed (numbers follow the order of first
citation), and the note's bibliography is put before its footnotes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from kbsite.errors import did_you_mean
from kbsite.load.bibtex import BibEntry
from kbsite.render.cite.entries import link_entry
from kbsite.render.cite.process import CiteGroup, CiteItem, format_note
from kbsite.render.cite.settings import KEY, CiteSettings
from kbsite.render.syntax.embeds import WARNING
from kbsite.render.tokeninfo import Heading

CITE_CONTEXT = "kbsite_citations"  # env key: the note's NoteCitations
CITED = "kbsite_cited"  # env key, set by the core rule: the keys cited, in order
REFERENCES_PATH = "/references/"  # the page listing every cited work (kbsite.site)

_KEY = re.compile(KEY)
_ITEM = re.compile(r"(?P<prefix>(?:.*\s)?)(?P<minus>-?)@(?P<key>" + KEY + r")(?P<rest>.*)", re.S)
_LOCATOR = re.compile(
    r"\s*,\s*(?:(?P<label>pp?|pages?|chap|ch|chapter|sec|section|§|fig|figure|vol|volume"
    r"|para|paragraph|l|line)\.?\s*)?(?P<value>\d[\w\-–]*)(?P<suffix>.*)",
    re.S | re.IGNORECASE,
)
_LABELS = {"p": "page", "pp": "page", "pages": "page", "ch": "chapter", "chap": "chapter",
           "sec": "section", "§": "section", "fig": "figure", "vol": "volume",
           "para": "paragraph", "l": "line"}  # fmt: skip
# Quarto's cross-reference ids, which kbsite's cross-reference rule resolves (issue 19).
_XREF = re.compile(r"(?:thm|lem|cor|prp|cnj|def|exm|exr|rem|fig|tbl|eq|sec|lst|alg)-", re.I)
_AFTER_IN_TEXT = re.compile(r" ?\[([^\[\]@\n]+)\]")
# Before an in-text `@`: a letter, digit or these mean an e-mail address or a handle's path.
_ATTACHED = re.compile(r"[\w.\-+/@]")


@dataclass(frozen=True, slots=True)
class NoteCitations:
    """What a note's citations render with: the entries it may cite and the site's settings."""

    entries: Mapping[str, BibEntry]
    settings: CiteSettings


def citations_plugin(md: MarkdownIt) -> None:
    """Register the bracket rule before links, the in-text rule, the formatting core rule."""
    md.inline.ruler.before("link", "citation", _bracket)
    md.inline.ruler.before("link", "citation_in_text", _in_text)
    md.core.ruler.push("citations", _format)
    md.add_render_rule("citation", _render_citation)


def _bracket(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "[" or (pos > 0 and state.src[pos - 1] in "!\\") or state.linkLevel:
        return False  # an image, an escaped bracket, or inside a link's text
    end = state.src.find("]", pos + 1, state.posMax)
    if end < 0 or "@" not in state.src[pos:end]:
        return False
    inner = state.src[pos + 1 : end]
    if "[" in inner or state.src[end + 1 : end + 2] in ("(", "[", ":"):
        return False  # a link, a reference definition or nested brackets: not pandoc's citation
    items = _parse_items(inner)
    if not items:
        return False
    entries = _entries(state.env)
    if all(i.key.lower() not in entries and _XREF.match(i.key) for i in items):
        return False  # `[@fig-arch]`: a cross-reference, not ours
    if not silent:
        token = state.push("citation", "", 0)
        token.meta["group"] = CiteGroup(tuple(items))
        token.content = state.src[pos : end + 1]
    state.pos = end + 1
    return True


def _in_text(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and _ATTACHED.match(state.src[pos - 1])):
        return False
    if state.linkLevel:
        return False  # inside a link's text: a citation's own link cannot nest
    match = _KEY.match(state.src, pos + 1, state.posMax)
    if match is None or match[0].lower() not in _entries(state.env):
        return False  # an e-mail's tail, a handle or a cross-reference: another rule's
    end, item = match.end(), CiteItem(match[0])
    # pandoc's `@key [p. 33]`: a locator or suffix in brackets right after the key
    after = _AFTER_IN_TEXT.match(state.src, end, state.posMax)
    if after and state.src[after.end() : after.end() + 1] not in ("(", "["):
        (item,) = _parse_items(f"@{match[0]}, {after[1]}") or (item,)
        end = after.end()
    if not silent:
        token = state.push("citation", "", 0)
        token.meta["group"] = CiteGroup((item,), in_text=True)
        token.content = state.src[pos:end]
    state.pos = end
    return True


def _parse_items(inner: str) -> list[CiteItem]:
    """The works of `[see @a, p. 3; @b]`; [] unless every part holds one `@key`."""
    items = []
    for part in inner.split(";"):
        match = _ITEM.fullmatch(part.strip())
        if match is None:
            return []
        locator, locator_text, suffix = None, "", match["rest"].strip()
        found = _LOCATOR.fullmatch(match["rest"])
        if found:
            label = (found["label"] or "p").lower().rstrip(".")
            locator = (_LABELS.get(label, label), found["value"])
            locator_text = match["rest"].strip().lstrip(",").strip()
            locator_text = locator_text[: len(locator_text) - len(found["suffix"].rstrip())]
            suffix = found["suffix"].strip().lstrip(",").strip()
        elif suffix.startswith(","):
            suffix = suffix[1:].strip()
        items.append(
            CiteItem(
                key=match["key"],
                locator=locator,
                locator_text=locator_text.strip(),
                prefix=match["prefix"].strip(),
                suffix=suffix,
                suppress_author=bool(match["minus"]),
            )
        )
    return items


def _entries(env: EnvType) -> Mapping[str, BibEntry]:
    context = env.get(CITE_CONTEXT)
    return context.entries if context is not None else {}


# --- formatting, once the note is parsed --------------------------------------------------


def _format(state: StateCore) -> None:
    """Format every citation of the note; put its bibliography before the footnotes."""
    context: NoteCitations | None = state.env.get(CITE_CONTEXT)
    tokens = [
        child
        for block in state.tokens
        if block.type == "inline"
        for child in block.children or ()
        if child.type == "citation"
    ]
    state.env[CITED] = ()
    if not tokens:
        return
    entries = context.entries if context is not None else {}
    known: list[tuple[Token, CiteGroup]] = []
    for token in tokens:
        group: CiteGroup = token.meta["group"]
        unknown = [i.key for i in group.items if i.key.lower() not in entries]
        if unknown:
            token.meta[WARNING] = _unknown_message(unknown, entries, context)
            token.meta["unknown"] = tuple(unknown)
        items = tuple(i for i in group.items if i.key.lower() in entries)
        if items:
            known.append((token, CiteGroup(items, group.in_text)))
    if not known or context is None:
        return
    settings = context.settings
    groups = [group for _token, group in known]
    try:
        texts, works = format_note(groups, entries, settings.style, settings.locale)
    except Exception as exc:
        known[0][0].meta[WARNING] = f"cannot format this note's citations ({exc}); keys shown"
        texts = ["[" + "; ".join(i.key for i in g.items) + "]" for g in groups]
        works = []
    for (token, group), text in zip(known, texts, strict=True):
        token.meta["html"] = text
        token.meta["keys"] = tuple(entries[i.key.lower()].key for i in group.items)
    cited = [(entries[key].key, link_entry(html, entries[key])) for key, html in works]
    state.env[CITED] = tuple(key for key, _html in cited)
    block = Token("html_block", "", 0, content=_bibliography_html(cited, settings), block=True)
    at = next((i for i, t in enumerate(state.tokens) if t.type == "footnote_block_open"), None)
    state.tokens.insert(len(state.tokens) if at is None else at, block)


def _unknown_message(
    unknown: list[str], entries: Mapping[str, BibEntry], context: NoteCitations | None
) -> str:
    if context is None or not entries:
        where = "no bibliography is set (add `bibliography:` to site.yaml or the front matter)"
    else:
        where = "not in the bibliography" + did_you_mean(
            unknown[0], [e.key for e in entries.values()]
        )
    keys = ", ".join(f"'{key}'" for key in unknown)
    return f"unknown citation key {keys}: {where}; shown as @{unknown[0]}?"


def bibliography_anchors(env: EnvType) -> tuple[str, ...]:
    """The ids a link may target in a note's bibliography: the section and each work."""
    cited = env.get(CITED, ())
    return ("bibliography", *(ref_id(key) for key in cited)) if cited else ()


def bibliography_headings(env: EnvType, toc: tuple[Heading, ...]) -> tuple[Heading, ...]:
    """The bibliography's entry in a table of contents the note already has."""
    context: NoteCitations | None = env.get(CITE_CONTEXT)
    if not toc or not env.get(CITED) or context is None:
        return ()
    title = context.settings.heading
    return (Heading(2, "bibliography", title, escape(title)),)


def ref_id(key: str) -> str:
    """The id of a work's entry, in a note's bibliography and on /references/."""
    return f"ref-{key}"


# A numeric style's label opening an entry: set apart so the theme can hang it in a column.
_LABEL = re.compile(r"^\s*((?:<sup>)?\[\d+\](?:</sup>)?)\s*")


def _bibliography_html(cited: list[tuple[str, str]], settings: CiteSettings) -> str:
    rows = "".join(_entry_row(key, html, escape(settings.cited_by)) for key, html in cited)
    return (
        '<section class="bibliography" data-pagefind-ignore>\n'
        f'<h2 class="bibliography-title" id="bibliography">{escape(settings.heading)}</h2>\n'
        f'<ol class="bib-list">{rows}</ol>\n</section>\n'
    )


def _entry_row(key: str, html: str, cited_by: str) -> str:
    """One work of a note's bibliography, linking to the work on /references/."""
    number = _LABEL.match(html)
    label = f'<span class="bib-label">{number[1]}</span>' if number else ""
    text = html[number.end() :] if number else html
    anchor = escape(ref_id(key))
    return (
        f'<li class="bib-entry" id="{anchor}">{label}<span class="bib-text">{text}'
        f' <a class="bib-cited-by" href="{REFERENCES_PATH}#{anchor}" title="{cited_by}"'
        f' aria-label="{cited_by}">↗</a></span></li>'
    )


def _render_citation(
    self: RendererHTML, tokens: list[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A citation links to its (first) work's entry; its keys let the theme show them all."""
    token = tokens[idx]
    unknown = "".join(
        f' <span class="citation-unknown">@{escape(key)}?</span>'
        for key in token.meta.get("unknown", ())
    )
    if "html" not in token.meta:
        return unknown.strip()
    keys = token.meta["keys"]
    cites = escape(" ".join(keys))
    link = f'<a class="cite-ref" href="#{escape(ref_id(keys[0]))}">{token.meta["html"]}</a>'
    return f'<span class="citation" data-cites="{cites}">{link}</span>{unknown}'
