"""Built pages as kbsite check reads them: the URLs each holds, its ids, and what a URL names."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from kbsite.config.siteconfig import SiteConfig
from kbsite.render.tokeninfo import srcset_urls
from kbsite.urls import output_file

# Attributes that hold a URL the browser loads or follows.
_URL_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "script": ("src",),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
_ORIGIN_ONLY_RELS = frozenset({"preconnect", "dns-prefetch"})  # name a host, not a resource


@dataclass(frozen=True, slots=True)
class Reference:
    """A URL in a page: `line` is its tag's line in the HTML, `value` the attribute's text."""

    line: int
    tag: str
    attr: str
    value: str
    rel: str = ""


@dataclass(frozen=True, slots=True)
class ParsedPage:
    ids: frozenset[str]
    references: tuple[Reference, ...]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.references: list[Reference] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        rel = values.get("rel", "").lower()
        if tag == "link" and _ORIGIN_ONLY_RELS & set(rel.split()):
            return
        line = self.getpos()[0]
        for attr in _URL_ATTRS.get(tag, ()):
            if attr in values:
                urls = srcset_urls(values[attr]) if attr == "srcset" else [values[attr]]
                self.references += [Reference(line, tag, attr, url, rel) for url in urls]


def parse_page(text: str) -> ParsedPage:
    """Return the element ids of an HTML page and every URL it refers to."""
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return ParsedPage(frozenset(parser.ids), tuple(parser.references))


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL leads: `internal` (an output file), `external`, `outside` base_url, or `skip`."""

    kind: str
    rel: str = ""  # output file for internal, the URL path for outside, the URL for external
    fragment: str = ""


def classify(config: SiteConfig, page: str, value: str) -> Target:
    """Resolve a URL found in output file `page` against the site's base_url."""
    parts = urlsplit(value.strip())
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return Target("skip")  # mailto:, tel:, data:, javascript:
    if parts.netloc and parts.netloc.lower() != urlsplit(config.base_url).netloc.lower():
        return Target("external", value.strip())
    path = unquote(urlsplit(urljoin(config.base_path + page, value.strip())).path)
    if not path.startswith(config.base_path):
        # https://user.github.io/other-repo/ is another site; a bare /path is a subpath bug
        return Target("external", value.strip()) if parts.netloc else Target("outside", path)
    rel = output_file("/" + path[len(config.base_path) :])
    return Target("internal", rel, unquote(parts.fragment))


def target_exists(output: Path, rel: str) -> bool:
    """Whether a static host serves output file `rel` (a folder redirects to its index.html)."""
    if ".." in PurePosixPath(rel).parts:
        return False
    path = output / rel
    return path.is_file() or (path.is_dir() and (path / "index.html").is_file())
