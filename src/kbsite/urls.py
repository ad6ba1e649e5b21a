"""Site paths and URLs: one place that knows how a site path becomes a link."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlsplit

from kbsite.config import SiteConfig

# A "site path" is a path inside the site, starting with "/", without the base_url's subpath:
# "/large-model/lora/". url_for() turns it into what goes in an href, which carries the subpath
# ("/notes/large-model/lora/") so the site works as a GitHub project page.


# Templates ask for the same few URLs (home, categories, feeds) on every page: cache them.
@lru_cache(maxsize=65536)
def url_for(config: SiteConfig, site_path: str) -> str:
    """Return the root-relative URL of a site path, under base_url's subpath."""
    if "://" in site_path or site_path.startswith(("mailto:", "#")):
        return site_path
    return config.base_path + quote(site_path.lstrip("/"), safe="/#%:@!$&'()*+,;=~-._")


@lru_cache(maxsize=65536)
def absolute_url(config: SiteConfig, site_path: str) -> str:
    """Return the absolute URL of a site path, for feeds, sitemaps and canonical links."""
    url = url_for(config, site_path)
    if "://" in url:
        return url
    return origin(config) + url


def origin(config: SiteConfig) -> str:
    """Return scheme and host of base_url: https://user.github.io."""
    parts = urlsplit(config.base_url)
    return f"{parts.scheme}://{parts.netloc}"


def output_file(site_path: str) -> str:
    """Return the output file (relative posix path) that serves a site path."""
    rel = site_path.lstrip("/")
    if not rel or rel.endswith("/"):
        return rel + "index.html"
    return rel


def page_path(base: str, number: int) -> str:
    """Return the site path of page `number` of a paginated list rooted at `base`."""
    return base if number == 1 else f"{base}page/{number}/"
