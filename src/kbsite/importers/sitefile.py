"""site.yaml for an import: a new one from the blog's settings, or new categories appended."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from kbsite.config.siteconfig import category_slug
from kbsite.importers.sources import Blog


def new_site_yaml(blog: Blog) -> str:
    """Return site.yaml text for a new site, from the blog's title, URL, author and time zone."""
    s = blog.settings
    params: dict[str, object] = s["params"] if isinstance(s.get("params"), dict) else {}
    url = str(s.get("url") or s.get("baseURL") or s.get("baseurl") or "")
    if blog.tool == "hexo" and s.get("root"):
        url = url.rstrip("/") + "/" + str(s["root"]).strip("/")
    if blog.tool == "jekyll" and s.get("baseurl"):
        url = str(s.get("url") or "").rstrip("/") + "/" + str(s["baseurl"]).strip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        url = "https://example.github.io/"
    zone = str(s.get("timezone") or s.get("timeZone") or "Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = "Asia/Shanghai"
    language = str(s.get("language") or s.get("languageCode") or s.get("lang") or "zh-CN")
    values = {
        "title": str(s.get("title") or "Notes"),
        "description": str(
            s.get("description") or s.get("subtitle") or params.get("description") or ""
        ),
        "author": _author(s.get("author") or params.get("author")),
        "base_url": url.rstrip("/") + "/",
        "language": "en" if language.lower().startswith("en") else "zh-CN",
        "timezone": zone,
    }
    values = {k: v for k, v in values.items() if v}
    dumped = yaml.safe_dump(values, allow_unicode=True, sort_keys=False, width=1000)
    return f"# Made by `kbsite import {blog.tool}`; categories follow, most notes first.\n{dumped}"


def _author(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return str(value or "")


def declare_categories(path: Path, names: list[str], problems: list[str]) -> list[str]:
    """Append categories to the `categories:` list of site.yaml, keeping its comments."""
    if not names:
        return []
    text = path.read_text(encoding="utf-8-sig")
    node = yaml.compose(text)
    entries = "".join(f"  - name: {_quote(n)}\n    slug: {category_slug(n)}\n" for n in names)
    found = None
    if isinstance(node, yaml.MappingNode):
        found = next((v for k, v in node.value if k.value == "categories"), None)
    if found is None:
        text = text.rstrip("\n") + "\ncategories:\n" + entries
    elif isinstance(found, yaml.SequenceNode) and not found.flow_style and found.value:
        lines = text.split("\n")
        end = found.end_mark.line  # the first line after the list
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        indent = found.start_mark.column
        block = entries.replace("  - ", " " * indent + "- ").replace(
            "    slug", " " * (indent + 2) + "slug"
        )
        lines[end:end] = block.rstrip("\n").split("\n")
        text = "\n".join(lines)
    else:
        listing = ", ".join(names)
        problems.append(f"{path}: add these categories to `categories:` yourself: {listing}")
        return []
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return names


def _quote(name: str) -> str:
    return yaml.safe_dump(name, allow_unicode=True, width=1000).removesuffix("\n...\n").strip()
