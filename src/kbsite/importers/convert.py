"""One post of a Hexo, Jekyll or Hugo blog -> a kbsite note: front matter in kbsite's keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from slugify import slugify

from kbsite.config.siteconfig import SiteConfig
from kbsite.importers.sources import Blog, Post
from kbsite.importers.tally import Tally
from kbsite.load.dates import DateError, parse_date
from kbsite.load.frontmatter import EXTRA_KEY, KNOWN_KEYS

# Keys kbsite reads under another name: converted, not copied.
_CONVERTED = frozenset(
    [
        "title",
        "category",
        "categories",
        "date",
        "updated",
        "lastmod",
        "last_modified_at",
        "modified",
        "tags",
        "summary",
        "description",
        "excerpt",
        "draft",
        "published",
        "aliases",
        "redirect_from",
    ]
)
# Keys that only steered the old blog's engine or theme, whose job kbsite does itself (math,
# the table of contents, code highlighting) or has no part of (layouts, comments): dropped,
# and counted in the import's report.
_DROPPED = frozenset(
    [
        "layout",
        "mathjax",
        "katex",
        "math",
        "markup",
        "toc",
        "show_toc",
        "comments",
        "comment",
        "sidebar",
        "highlight",
        "isCJKLanguage",
        "output",
        "type",
    ]
)
_DEFAULT_PERMALINK = {
    "hexo": ":year/:month/:day/:title/",
    "jekyll": "/:categories/:year/:month/:day/:title:output_ext",
}
_JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_PLACEHOLDER = re.compile(r":([a-z_]+)")


@dataclass(slots=True)
class Converted:
    """A post ready to write: file name in its category folder, front matter, body, files."""

    source: Path
    file_name: str  # foo.md, or foo/index.md for a Hugo page bundle
    category: str
    front: dict[str, Any]
    body: str
    files: list[tuple[Path, str]] = field(default_factory=list)  # (file, path in category folder)
    problems: list[str] = field(default_factory=list)


def convert_post(blog: Blog, post: Post, config: SiteConfig, tally: Tally) -> Converted:
    """Convert one post's front matter; what cannot be kept is in `problems` or the tally."""
    data, problems = post.data, []
    categories = _categories(blog.tool, data)
    default = "未分类" if config.language == "zh-CN" else "Uncategorized"
    if not categories:
        problems.append(f"{post.path}: no category; filed under '{default}'")
    elif len(set(categories)) > 1:
        rest = ", ".join(categories[1:])
        problems.append(
            f"{post.path}: kbsite gives a note one category: kept '{categories[0]}', not {rest}"
        )
    front: dict[str, Any] = {"title": str(data.get("title") or post.name)}
    when = _date(post, config, problems)
    if when is None:
        tally.add("no date in the front matter or file name: imported undated", str(post.path), 0)
    else:
        front["date"] = when
    for key in ("updated", "lastmod", "last_modified_at", "modified"):
        if data.get(key) is not None:
            front["updated"] = _text(data[key])
            break
    if tags := _tags(blog.tool, data.get("tags")):
        front["tags"] = tags
    for key in ("summary", "description", "excerpt"):
        if data.get(key):
            front["summary"] = str(data[key])
            break
    if data.get("draft") is True or data.get("published") is False:
        front["draft"] = True
    aliases = _aliases(post, data)
    old = _old_url(blog, post, categories, when, config)
    if old and old not in aliases and not data.get("permalink") and not data.get("url"):
        aliases.append(old)
    if aliases:
        front["aliases"] = aliases
    front |= _other_keys(post, tally)
    bundle = post.bundle
    files = _bundle_files(bundle, post.name) if bundle else []
    file_name = f"{post.name}/index.md" if blog.tool == "hugo" and bundle else f"{post.name}.md"
    return Converted(
        post.path, file_name, categories[0] if categories else default, front, post.body,
        files, problems,
    )  # fmt: skip


def _categories(tool: str, data: dict[str, Any]) -> list[str]:
    """Return the post's categories, first the one kbsite keeps."""
    value = data.get("category") or data.get("categories")
    if isinstance(value, str):
        # Jekyll reads `categories: a b` as two categories; Hexo and Hugo as one.
        items: list[Any] = value.split() if tool == "jekyll" and "categories" in data else [value]
    elif isinstance(value, list):
        items = []
        for item in value:  # Hexo: [[A, B], C] is two hierarchies
            items.extend(item if isinstance(item, list) else [item])
    else:
        items = []
    return [str(i).strip() for i in items if i is not None and str(i).strip()]


def _tags(tool: str, value: Any) -> list[str]:
    if isinstance(value, str):
        parts = value.split() if tool == "jekyll" else re.split(r"[,，]", value)
        return [p.strip() for p in parts if p.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return []


def _text(value: Any) -> Any:
    """Write dates as text kbsite reads back unchanged; TOML gives date objects."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def _other_keys(post: Post, tally: Tally) -> dict[str, Any]:
    """Keep the keys kbsite reads as they are and the others under `extra:`, where kbsite
    leaves them alone; drop the ones that only steered the old blog (counted in the tally)."""
    kept: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in post.data.items():
        if key in _CONVERTED:
            continue
        if key in _DROPPED:
            tally.add(f"front matter `{key}:` dropped (kbsite does without)", str(post.path), 0)
        elif key in KNOWN_KEYS:
            kept[key] = _text(value)
        else:
            extra[key] = _text(value)
    return kept | ({EXTRA_KEY: extra} if extra else {})


def _date(post: Post, config: SiteConfig, problems: list[str]) -> str | None:
    """Return the post's date as kbsite reads it: written, or from the file name; else None
    (the file's time is the day it was copied, not written)."""
    for key in ("date", "publishDate", "created"):
        value = post.data.get(key)
        if value is None:
            continue
        try:
            parse_date(value, config.tzinfo)
        except DateError as exc:
            problems.append(f"{post.path}: {key}: {exc}; imported undated")
            break
        return str(_text(value))
    return post.name_date


def _aliases(post: Post, data: dict[str, Any]) -> list[str]:
    """Collect aliases; Hugo's relative ones are relative to the post's section."""
    found: list[str] = []
    for key in ("aliases", "redirect_from"):
        value = data.get(key)
        for item in value if isinstance(value, list) else [value] if value else []:
            text = str(item).strip()
            if text and not text.startswith("/"):
                text = f"/{post.section}/{text}" if post.section else f"/{text}"
            if text and text not in found:
                found.append(text)
    return found


def _old_url(
    blog: Blog, post: Post, categories: list[str], when: str | None, config: SiteConfig
) -> str | None:
    """Return the URL the post had on the old blog, from its permalink pattern; None if unsure."""
    if when is None:
        return None
    try:
        day = parse_date(when, config.tzinfo)
    except DateError:
        return None
    slug = str(post.data.get("slug") or "") or post.name
    # Hexo's :title is the post's path under source/_posts: a post in a subfolder keeps it.
    title = slug if post.data.get("slug") or blog.tool != "hexo" else post.rel or post.name
    values = {
        "year": f"{day.year:04d}", "month": f"{day.month:02d}", "day": f"{day.day:02d}",
        "i_month": str(day.month), "i_day": str(day.day), "hour": f"{day.hour:02d}",
        "minute": f"{day.minute:02d}", "second": f"{day.second:02d}", "title": title,
        "name": post.name, "post_title": slug, "slug": slug, "filename": post.name,
        "contentbasename": post.name, "section": post.section, "output_ext": ".html",
        # Jekyll puts categories in URLs as written, lower-cased (Chinese stays Chinese).
        "categories": "/".join(c.lower().replace(" ", "-") for c in categories),
        "category": slugify(categories[-1]) if categories else "",
    }  # fmt: skip
    if blog.tool == "hugo":
        table = blog.settings.get("permalinks")
        pattern = table.get(post.section) if isinstance(table, dict) else None
        if not isinstance(pattern, str):
            return f"/{post.section}/{slug}/" if post.section else f"/{slug}/"
        values["title"] = slugify(str(post.data.get("title") or slug))
    else:
        pattern = str(blog.settings.get("permalink") or _DEFAULT_PERMALINK[blog.tool])
        pattern = _JEKYLL_STYLES.get(pattern, pattern) if blog.tool == "jekyll" else pattern
    if any(name not in values for name in _PLACEHOLDER.findall(pattern)):
        return None
    path = _PLACEHOLDER.sub(lambda m: values[m[1]], pattern)
    path = "/" + "/".join(part for part in path.split("/") if part)
    return path + "/" if pattern.endswith("/") else path


def _bundle_files(folder: Path, name: str) -> list[tuple[Path, str]]:
    """List a post's own files (images beside a Hugo index.md, Hexo's asset folder)."""
    return [
        (path, f"{name}/{path.relative_to(folder).as_posix()}")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.name not in ("index.md", "index.markdown")
        and not any(p.startswith(".") for p in path.relative_to(folder).parts)
    ]
