"""sitemap.xml, written as text: it must stay well-formed XML whatever the URLs hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kbsite.config.siteconfig import parse_config
from kbsite.write.feeds import SITEMAP_NS, sitemap

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/notes/\ncategories: [{name: CV, slug: cv}]\n",
    root=Path("/s"),
)
NS = {"s": SITEMAP_NS}


def test_sitemap_escapes_urls_and_gives_utc_dates() -> None:
    late_evening = datetime(2025, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    xml = sitemap(CONFIG, [("/a&b/<c>/", late_evening), ("/笔记/", None)])
    root = ET.fromstring(xml)
    urls = root.findall("s:url", NS)
    assert [u.findtext("s:loc", namespaces=NS) for u in urls] == [
        "https://e.com/notes/a&b/%3Cc%3E/",  # the & escaped in the XML, read back here
        "https://e.com/notes/%E7%AC%94%E8%AE%B0/",
    ]
    assert urls[0].findtext("s:lastmod", namespaces=NS) == "2026-01-01"  # in UTC
    assert urls[1].find("s:lastmod", NS) is None
    assert xml.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<urlset')


def test_empty_sitemap_is_valid() -> None:
    assert ET.fromstring(sitemap(CONFIG, [])).tag == f"{{{SITEMAP_NS}}}urlset"
