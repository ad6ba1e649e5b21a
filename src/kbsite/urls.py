"""Site paths and URLs: one place that knows how a site path becomes a link."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import Protocol
from urllib.parse import quote, urlsplit


class SiteBase(Protocol):
    """What URLs need of a site's config (kbsite.config.siteconfig.SiteConfig has it); a
    protocol, so urls.py sits below the stages and imports none of them."""

    @property
    def base_url(self) -> str: ...

    @property
    def base_path(self) -> str: ...


# A "site path" is a path inside the site, starting with "/", without the base_url's subpath:
# "/large-model/lora/". url_for() turns it into what goes in an href, which carries the subpath
# ("/notes/large-model/lora/") so the site works as a GitHub project page.


def url_for(config: SiteBase, site_path: str) -> str:
    """Return the root-relative URL of a site path, under base_url's subpath."""
    return _url_for(config.base_path, site_path)


def url_maker(config: SiteBase) -> Callable[[str], str]:
    """url_for(config, …) with the base path worked out once: templates call it ~30 times a page."""
    return partial(_url_for, config.base_path)


def absolute_url(config: SiteBase, site_path: str) -> str:
    """Return the absolute URL of a site path, for feeds, sitemaps and canonical links."""
    url = _url_for(config.base_path, site_path)
    if "://" in url:
        return url
    return origin(config) + url


# Templates ask for the same few URLs (home, categories, feeds) on every page: cache them.
# Keyed by the base path, not the config, whose hash would be recomputed on every call.
@lru_cache(maxsize=65536)  # pure: a function of two strings
def _url_for(base_path: str, site_path: str) -> str:
    if "://" in site_path or site_path.startswith(("mailto:", "#")):
        return site_path
    return base_path + quote(site_path.lstrip("/"), safe="/#%:@!$&'()*+,;=~-._")


def origin(config: SiteBase) -> str:
    """Return scheme and host of base_url: https://user.github.io."""
    return _origin(config.base_url)


@lru_cache(maxsize=64)  # pure: a function of one string
def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def note_path(*segments: str) -> str:
    """Return the site path of a note from its URL segments: a category's slug and the note's
    slug (`urls: category`), or its folders' (`urls: path`); kbsite.site.urlplan picks them.
    No segments: the top README of a folder-tree site, whose page is the home page, "/"."""
    return "/" + "".join(f"{s}/" for s in segments)


# The first path segments of the site's own pages and files (kbsite.site.pages plans them,
# kbsite.write.search writes pagefind/, home pages 2+ are /page/N/): a category may not take
# one, or its list would overwrite them.
SITE_SEGMENTS = frozenset({"tags", "archive", "search", "references", "papers", "pagefind", "page"})


def category_path(slug: str) -> str:
    """Return the site path of a category's list (its notes' paths start with it)."""
    return f"/{slug}/"


def tag_path(slug: str) -> str:
    """Return the site path of a tag's list."""
    return f"/tags/{slug}/"


def output_file(site_path: str) -> str:
    """Return the output file (relative posix path) that serves a site path."""
    rel = site_path.lstrip("/")
    if not rel or rel.endswith("/"):
        return rel + "index.html"
    return rel


def page_path(base: str, number: int) -> str:
    """Return the site path of page `number` of a paginated list rooted at `base`."""
    return base if number == 1 else f"{base}page/{number}/"
