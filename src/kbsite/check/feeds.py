"""kbsite check, feeds and sitemap: well-formed, absolute URLs, every listed page present."""

from __future__ import annotations

import html as htmllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from kbsite.check.html import classify, parse_page, target_exists
from kbsite.config.siteconfig import SiteConfig
from kbsite.errors import Diagnostic, display_path, error

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def check_feed(config: SiteConfig, output: Path, rel: str) -> list[Diagnostic]:
    """Check an Atom feed: well-formed, required elements, absolute URLs under base_url."""
    path = output / rel
    shown, text = display_path(path), path.read_text(encoding="utf-8")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return [error(shown, exc.position[0], f"feed is not well-formed XML: {exc}")]
    if root.tag != f"{ATOM}feed":
        return [error(shown, 1, f"not an Atom feed: the root element is <{root.tag}>")]
    problems = _missing(shown, root, "feed", ("id", "title", "updated"))
    urls = [(url, True) for url in [root.findtext(f"{ATOM}id") or "", *_hrefs(root)]]
    for entry in root.iter(f"{ATOM}entry"):
        problems += _missing(shown, entry, "entry", ("id", "title", "updated"))
        entry_id = entry.findtext(f"{ATOM}id") or ""
        rels = [link.get("rel", "alternate") for link in entry.findall(f"{ATOM}link")]
        if "alternate" not in rels:
            message = 'entry has no <link rel="alternate">'
            problems.append(error(shown, _line_of(text, entry_id), message, key="feed"))
        urls += [(url, True) for url in [entry_id, *_hrefs(entry)]]
        content = entry.find(f"{ATOM}content")
        if content is not None and content.get("type") == "html":
            # A missing target here is already reported where the note's page links to it.
            urls += [(url, False) for url in _content_urls(content.text or "")]
    for url, must_exist in urls:
        if message := _absolute_problem(config, output, url, must_exist=must_exist):
            problems.append(error(shown, _line_of(text, url), message, key="feed"))
    return problems


def _hrefs(element: ET.Element) -> list[str]:
    return [link.get("href", "") for link in element.findall(f"{ATOM}link")]


def _content_urls(html: str) -> list[str]:
    """URLs in an entry's HTML, except same-page #anchors (footnotes) and mailto: and such."""
    return [
        ref.value
        for ref in parse_page(html).references
        if not ref.value.startswith("#") and urlsplit(ref.value).scheme in ("", "http", "https")
    ]


def _missing(shown: str, element: ET.Element, what: str, names: Iterable[str]) -> list[Diagnostic]:
    return [
        error(shown, 0, f"{what} has no <{name}>", key="feed")
        for name in names
        if element.find(f"{ATOM}{name}") is None
    ]


def _absolute_problem(
    config: SiteConfig, output: Path, url: str, *, must_exist: bool = True
) -> str:
    """Feeds and sitemaps are read away from the site: every URL must be absolute."""
    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return f"'{url}' is not an absolute URL; feed readers and crawlers cannot resolve it"
    if parts.netloc.lower() != urlsplit(config.base_url).netloc.lower():
        return ""  # a link to another site, inside a note's content
    if not url.startswith(config.base_url):
        return f"'{url}' is not under base_url {config.base_url}"
    if must_exist and not target_exists(output, classify(config, "", url).rel):
        return f"'{url}' is not in the site"
    return ""


def check_sitemap(config: SiteConfig, output: Path) -> tuple[int, list[Diagnostic]]:
    """Check sitemap.xml: every URL absolute, under base_url, and present in the output."""
    path = output / "sitemap.xml"
    shown = display_path(path)
    if not path.is_file():
        return 0, [error(shown, 0, "sitemap.xml is missing")]
    text = path.read_text(encoding="utf-8")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return 0, [error(shown, exc.position[0], f"sitemap is not well-formed XML: {exc}")]
    if root.tag != f"{SITEMAP}urlset":
        return 0, [error(shown, 1, f"not a sitemap: the root element is <{root.tag}>")]
    urls = [loc.text or "" for loc in root.iter(f"{SITEMAP}loc")]
    robots = output / "robots.txt"
    robots_urls = [
        line.split(":", 1)[1].strip()
        for line in (robots.read_text(encoding="utf-8").splitlines() if robots.is_file() else [])
        if line.lower().startswith("sitemap:")
    ]
    problems = [
        error(shown, _line_of(text, url), message, key="sitemap")
        for url in urls
        if (message := _absolute_problem(config, output, url))
    ]
    problems += [
        error(display_path(robots), _line_of(robots.read_text(encoding="utf-8"), url), message)
        for url in robots_urls
        if (message := _absolute_problem(config, output, url))
    ]
    return len(urls), problems


def _line_of(text: str, needle: str) -> int:
    """The first line holding `needle` (as written, or XML-escaped); 0 when absent."""
    for candidate in (htmllib.escape(needle, quote=False), needle):
        index = text.find(candidate) if candidate else -1
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return 0
