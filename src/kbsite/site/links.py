"""Resolve links between notes after rendering, so one edit never invalidates others' HTML."""

from __future__ import annotations

import html as htmllib
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from kbsite.config.i18n import strings_for
from kbsite.config.siteconfig import SiteConfig
from kbsite.errors import Diagnostic, warning
from kbsite.render.anchors import match_anchor
from kbsite.render.syntax.wikilinks import parse_wiki_href
from kbsite.render.tokeninfo import Link
from kbsite.site.labellinks import TEXT_KEY, apply_link_texts, label_link_text
from kbsite.site.linktarget import LinkTarget
from kbsite.site.wikiindex import WikiIndex, resolve_wiki
from kbsite.urls import url_for

_ATTR = re.compile(r'(\s(?:href|src|srcset))="([^"]*)"')
# A link resolves to BROKEN + the reader's tooltip when its target is missing: the page keeps
# the link's text, marked, without an href that would lead nowhere (issue 23).
BROKEN = "\0broken\0"
_MARKED = re.compile(r"<(\w+)([^<>]*?)\0([^\0]*)\0([^<>]*)>")
_TITLE_ATTR = re.compile(r'\stitle="[^"]*"')
_CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')
BROKEN_CLASS = "broken-link"


Rewrites = tuple[tuple[str, str], ...]


def is_broken(url: str) -> bool:
    """Tell whether a resolved URL marks a broken link (resolve_links found no target)."""
    return url.startswith(BROKEN)


def resolve_links(
    *,
    config: SiteConfig,
    source: str,
    rel_path: str,
    links: tuple[Link, ...],
    notes: Mapping[str, LinkTarget],
    assets: frozenset[str],
    wiki: WikiIndex | None = None,
    unreadable: frozenset[str] = frozenset(),
    empty: frozenset[str] = frozenset(),
) -> tuple[Rewrites, list[Diagnostic]]:
    """Work out the site URL of each relative link in a note; report the broken ones.

    `unreadable`: notes that exist but could not be read (broken front matter, say); their
    own error is the one to report, so a link to one is left as written, silently."""
    problems: list[Diagnostic] = []
    rewrites: dict[str, str] = {}
    known = _Known(notes, assets, unreadable, empty)
    for link in links:
        if link.href in rewrites:
            continue
        target = parse_wiki_href(link.href)
        if target is not None and _names_unreadable(target.name, unreadable):
            continue  # the note's own error is the message
        if target is not None:
            place, wiki_problems = resolve_wiki(
                target, source=source, line=link.line, index=wiki, notes=notes
            )
            problems += wiki_problems
            rewrites[link.href] = _wiki_url(config, target.name, place)
            if text := label_link_text(config, target, place[1] if place else "", notes, wiki):
                rewrites[TEXT_KEY + link.href] = text  # "LoRA 定理 1" (kbsite.site.labellinks)
            continue
        resolved = _resolve_one(config, source, rel_path, link, known, problems)
        if resolved is not None:
            rewrites[link.href] = resolved
    return tuple(rewrites.items()), problems


def _rewrite_srcset(value: str, table: dict[str, str]) -> str:
    """Rewrite each candidate URL of a srcset, keeping its width or density descriptor."""
    candidates = []
    for candidate in value.split(","):
        parts = candidate.split()
        if parts and parts[0] in table and not is_broken(table[parts[0]]):
            parts[0] = table[parts[0]]
        candidates.append(" ".join(parts))
    return ", ".join(c for c in candidates if c)


def apply_rewrites(html: str, rewrites: Rewrites) -> str:
    """Replace href and src values in rendered HTML by their resolved URLs."""
    if not rewrites:
        return html
    table = dict(rewrites)
    html = apply_link_texts(html, table)

    def substitute(match: re.Match[str]) -> str:
        value = htmllib.unescape(match[2])
        if match[1].endswith("srcset"):
            value = _rewrite_srcset(value, table)
        elif value in table:
            value = table[value]
        else:
            return match[0]
        if is_broken(value):  # an image keeps its src (an img needs one), a link loses it
            mark = f"\0{htmllib.escape(value.removeprefix(BROKEN))}\0"
            return match[0] + mark if match[1].endswith("src") else mark
        return f'{match[1]}="{htmllib.escape(value)}"'

    parts, done = [], 0
    for match in _attributes(html):
        parts += [html[done : match.start()], substitute(match)]
        done = match.end()
    if not parts:
        return html
    html = "".join(parts) + html[done:]
    return _MARKED.sub(_mark_tag, html) if "\0" in html else html


def _mark_tag(match: re.Match[str]) -> str:
    """Give a tag holding a broken-link mark the class and tooltip that show it is broken (its
    own title gives way: a tag has one title)."""
    name, attrs, title = match[1], match[2] + match[4], match[3]
    attrs = _TITLE_ATTR.sub("", attrs)
    classes = BROKEN_CLASS
    if (found := _CLASS_ATTR.search(attrs)) is not None:
        attrs = _CLASS_ATTR.sub("", attrs)
        classes = f"{found[1]} {classes}"
    closing = " /" if attrs.rstrip().endswith("/") else ""
    attrs = attrs.rstrip().removesuffix("/").rstrip()
    return f'<{name}{attrs} class="{classes}" title="{title}"{closing}>'


def _attributes(html: str) -> Iterator[re.Match[str]]:
    """Yield what _ATTR.finditer(html) yields, faster: _ATTR can only match a whitespace
    before `href="`, `src="` or `srcset="`, and str.find finds those 5-10 times faster than
    the regex scans a note's ~12 KB of MathML-dense HTML for them."""
    starts = []
    for name in ('href="', 'src="', 'srcset="'):
        at = html.find(name, 1)
        while at != -1:
            if html[at - 1].isspace():  # what \s matches (both use Py_UNICODE_ISSPACE)
                starts.append(at - 1)
            at = html.find(name, at + 1)
    end = 0
    for start in sorted(starts):
        if start >= end and (match := _ATTR.match(html, start)) is not None:
            yield match
            end = match.end()


def _wiki_url(config: SiteConfig, name: str, place: tuple[str, str] | None) -> str:
    """Return a wiki link's URL; an unresolved one searches for its name (or goes nowhere)."""
    if place is None:
        if not config.search:
            return "#"
        return url_for(config, "/search/") + "?q=" + quote(name, safe="")
    site_path, anchor = place
    return url_for(config, site_path) + (f"#{anchor}" if anchor else "")


def _names_unreadable(name: str, unreadable: frozenset[str]) -> bool:
    """Tell whether a wiki link's name is the path or file name of an unreadable note (its
    title and slug are unknown: they are in the front matter that could not be read)."""
    name = name.strip().lower().removesuffix(".md")
    return any(
        name
        in (
            posixpath.splitext(path.lower())[0],
            posixpath.splitext(posixpath.basename(path).lower())[0],
        )
        for path in unreadable
    )


@dataclass(frozen=True, slots=True)
class _Known:
    """What a link inside content/ may point at."""

    notes: Mapping[str, LinkTarget]
    assets: frozenset[str]
    unreadable: frozenset[str]  # notes that exist, but whose own error is reported
    empty: frozenset[str]  # notes left out because they hold no text


def _resolve_one(
    config: SiteConfig,
    source: str,
    rel_path: str,
    link: Link,
    known: _Known,
    problems: list[Diagnostic],
) -> str | None:
    """Return the URL a link should point at, or None to leave it as written."""
    notes, assets = known.notes, known.assets
    parts = urlsplit(link.href)
    if parts.scheme or parts.netloc or not (parts.path or parts.fragment):
        return None  # external (http:, mailto:, //host) or empty
    if not parts.path:
        return None  # "#anchor" in the same note: checked by the theme's TOC, left alone
    if parts.path.startswith("/"):
        return url_for(config, parts.path) + (f"#{parts.fragment}" if parts.fragment else "")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(rel_path), unquote(parts.path)))
    if target.startswith("../") or target == "..":
        message = f"link '{link.href}' points outside content/"
        problems.append(warning(source, link.line, message, key="link"))
        return _broken(config, link)
    fragment = unquote(parts.fragment)
    if target in notes:
        note = notes[target]
        if note.draft:
            problems.append(
                warning(
                    source,
                    link.line,
                    f"link '{link.href}' points to a draft, which is not published",
                    key="link",
                )
            )
            return None
        anchor = parts.fragment
        if fragment:
            found = match_anchor(fragment, note.anchors)
            if found is None:
                headings = ", ".join(note.anchors[:12]) or "none"
                problems.append(
                    warning(
                        source,
                        link.line,
                        f"link '{link.href}': no heading '#{fragment}' in content/{target} "
                        f"(its headings: {headings})",
                        key="link",
                    )
                )
                return url_for(config, note.site_path)  # the note's top: the heading is not there
            if found != fragment:  # written as the heading's text: point at its id
                anchor = found
        return url_for(config, note.site_path) + (f"#{anchor}" if anchor else "")
    if target in assets:
        return url_for(config, "/" + target)
    if target in known.unreadable:
        return None  # its own error says what is wrong with it: one problem, one message
    if target in known.empty:
        message = f"link '{link.href}': content/{target} has no text, so it is left out"
        problems.append(warning(source, link.line, message, key="link"))
        return _broken(config, link)
    kind = "image" if link.kind == "image" else "link"
    hint = (
        " (links to notes end in .md and are relative to this note)"
        if not target.endswith(".md")
        else ""
    )
    problems.append(
        warning(
            source,
            link.line,
            f"broken {kind} '{link.href}': content/{target} does not exist{hint}",
            key=kind,
        )
    )
    return _broken(config, link)


def _broken(config: SiteConfig, link: Link) -> str:
    """Return the mark of a broken link, with the reader's tooltip in the site's language."""
    return BROKEN + strings_for(config.language)["broken_link"].format(target=link.href)
