"""Validate a note's front-matter values, already mapped onto kbsite's keys by frontmatter.py."""

from __future__ import annotations

import posixpath
import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from slugify import slugify

from kbsite.config.i18n import strings_for
from kbsite.config.siteconfig import SiteConfig
from kbsite.config.yamlmarks import YamlDocument, type_name
from kbsite.errors import Diagnostic, did_you_mean, error, warning
from kbsite.load.dates import DateError, parse_date
from kbsite.load.frontmatter import Field

# Jekyll names posts 2026-01-11-some-title.md: the date, then the slug.
_DATED_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")
_PAGE_SUFFIX = re.compile(r"\.html?$", re.IGNORECASE)
_TRUE, _FALSE = ("true", "yes", "on"), ("false", "no", "off")


def is_scalar(value: object) -> bool:
    """Tell whether a value is text, a number or a date (not a list, mapping, bool or nothing)."""
    return value is not None and not isinstance(value, bool | list | dict)


def category(
    doc: YamlDocument, fields: dict[str, Field], rel_path: str, config: SiteConfig,
    problems: list[Diagnostic],
) -> str | None:  # fmt: skip
    """Resolve the category from front matter, else from the note's top folder."""
    known = [c.name for c in config.categories]
    hints = known + [c.slug for c in config.categories]
    if "category" in fields:
        where, wanted = fields["category"]
        if not is_scalar(wanted):
            message = f"expected a category name, got {type_name(wanted)}"
            problems.append(doc.error(where, message))
            return None
        found = config.category_for(str(wanted))
        if found is None:
            hint = did_you_mean(str(wanted), hints)
            problems.append(doc.error(where, _unknown(str(wanted), hint, known, config)))
            return None
        return found.name
    parts = PurePosixPath(rel_path).parts
    if len(parts) < 2:
        return _uncategorized(doc, config, problems)
    found = config.category_for(parts[0])
    if found is None:
        hint = did_you_mean(parts[0], hints)
        message = _unknown(parts[0], hint, known, config) + " (taken from the note's folder)"
        problems.append(error(doc.path, 1, message, key="category"))
        return None
    return found.name


def _uncategorized(doc: YamlDocument, config: SiteConfig, problems: list[Diagnostic]) -> str | None:
    """Place a note with no category: under `categories: auto` in the site's "uncategorized"
    category (a warning, except on a folder-tree site, where top-level notes are normal);
    with declared categories, the writer must choose one (an error)."""
    fix = "add `category: NAME` to the front matter or move the note into a category folder"
    if not config.auto_categories:
        problems.append(error(doc.path, 1, f"no category: {fix}", key="category"))
        return None
    name = strings_for(config.language)["uncategorized"]
    if config.urls != "path":
        message = f"no category, so the note is in '{name}'; {fix}"
        problems.append(warning(doc.path, 1, message, key="category"))
    return name


def _unknown(name: str, hint: str, known: list[str], config: SiteConfig) -> str:
    if config.auto_categories:
        return f"cannot make a URL slug from category '{name}'; use a name with letters or digits"
    listing = ", ".join(known) if known else "none; add a `categories:` list to site.yaml"
    return f"unknown category '{name}'{hint}; declared in site.yaml: {listing}"


def dates(
    doc: YamlDocument, fields: dict[str, Field], rel_path: str, config: SiteConfig,
    problems: list[Diagnostic],
) -> tuple[datetime | None, datetime | None]:  # fmt: skip
    """Return (date, updated); a missing date comes from a Jekyll-style file name if it has one,
    else it is None: the note is undated (load_content may date it from git history).

    A date that cannot be read is a warning, not an error: it costs its note the date, never
    the site (issue 23)."""
    found: dict[str, datetime | None] = {"date": None, "updated": None}
    for key in found:
        where, value = fields.get(key, ((key,), None))
        if value is None:
            continue
        try:
            found[key] = parse_date(value, config.tzinfo)
        except DateError as exc:
            problems.append(_warning_at(doc, where, f"{exc}; the date is ignored"))
    if fields.get("date", ((), None))[1] is not None:
        return found["date"], found["updated"]
    named = _DATED_NAME.match(PurePosixPath(rel_path).stem)
    if named:
        try:
            return parse_date(named[1], config.tzinfo), found["updated"]
        except DateError:
            pass
    return None, found["updated"]


def tags(doc: YamlDocument, field: Field | None, problems: list[Diagnostic]) -> tuple[str, ...]:
    """Return the tags: a list, or comma-separated text (ASCII or Chinese commas)."""
    if field is None or field[1] is None:
        return ()
    where, value = field
    if isinstance(value, str):
        items: list[object] = list(re.split(r"[,，、]", value))
    elif isinstance(value, list):
        items = value
    elif is_scalar(value):
        items = [value]
    else:
        message = f"expected a list or comma-separated text, got {type_name(value)}"
        problems.append(doc.error(where, message))
        return ()
    found: list[str] = []
    for index, item in enumerate(items):
        if not is_scalar(item):
            message = f"expected a tag name, got {type_name(item)}"
            problems.append(doc.error((*where, index), message))
            continue
        tag = " ".join(str(item).split()).lstrip("#")
        if tag and tag not in found:
            found.append(tag)
    return tuple(found)


def text(doc: YamlDocument, field: Field | None, problems: list[Diagnostic]) -> str | None:
    """Return a text value such as the summary, None when absent or blank."""
    if field is None or field[1] is None:
        return None
    where, value = field
    if not is_scalar(value):
        problems.append(doc.error(where, f"expected text, got {type_name(value)}"))
        return None
    return str(value).strip() or None


def draft(doc: YamlDocument, fields: dict[str, Field], problems: list[Diagnostic]) -> bool:
    """Return whether the note is a draft: `draft: true` or `published: false`."""
    result = False
    for key, meaning in (("draft", True), ("published", False)):
        if key not in fields or fields[key][1] is None:
            continue
        where, value = fields[key]
        if isinstance(value, str) and value.strip().lower() in (*_TRUE, *_FALSE):
            value = value.strip().lower() in _TRUE
        if not isinstance(value, bool):
            problems.append(doc.error(where, f"expected true or false, got {type_name(value)}"))
        elif value is meaning:
            result = True
    return result


def slug(
    doc: YamlDocument, fields: dict[str, Field], rel_path: str, problems: list[Diagnostic]
) -> tuple[str, str | None]:
    """Return the note's slug and the old URL its `permalink` or `url` asked for, if any.

    The slug is `slug:`, else the last segment of `permalink:`/`url:`, else the file name
    (without a Jekyll date prefix; a page bundle's `index.md` takes its folder's name).
    """
    old_path = None
    from_permalink = ""
    if "permalink" in fields and fields["permalink"][1] is not None:
        link_at, value = fields["permalink"]
        from_permalink, old_path = _permalink(doc, link_at, value, problems)
    where: tuple[str | int, ...]
    if "slug" in fields and fields["slug"][1] is not None:
        where, value = fields["slug"]
        written = str(value) if is_scalar(value) else ""
    elif from_permalink:
        where, written = link_at, from_permalink
    else:
        path = PurePosixPath(rel_path)
        name = path.parent.name if path.stem == "index" and len(path.parts) > 2 else path.stem
        named = _DATED_NAME.match(name)
        where, written = (), named[2] if named else name
    result = slugify(written)
    if not result:
        message = "cannot make a URL slug from this name; add `slug: some-name`"
        problems.append(doc.error(where, message))
    return result, old_path


def _permalink(
    doc: YamlDocument, where: tuple[str | int, ...], value: object, problems: list[Diagnostic]
) -> tuple[str, str | None]:
    """Read a permalink: its last segment is the slug, the whole path an old URL to redirect."""
    if not is_scalar(value):
        problems.append(doc.error(where, f"expected a URL path, got {type_name(value)}"))
        return "", None
    path = unquote(urlsplit(str(value).strip()).path)
    segments = [s for s in path.split("/") if s]
    if segments and _PAGE_SUFFIX.sub("", segments[-1]) == "index":
        segments.pop()
    if not segments or any(":" in s for s in segments):
        message = f"cannot use permalink '{value}' (placeholders are not supported); "
        message += "using the file name; set `slug:` to choose the URL"
        problems.append(_warning_at(doc, where, message))
        return "", None
    return _PAGE_SUFFIX.sub("", segments[-1]), site_path_of(path)


def aliases(doc: YamlDocument, field: Field | None, problems: list[Diagnostic]) -> list[str]:
    """Return old URL paths to redirect here; names without a `/` (Obsidian's) are ignored."""
    if field is None or field[1] is None:
        return []
    where, value = field
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for index, item in enumerate(items):
        at = (*where, index) if isinstance(value, list) else where
        if not is_scalar(item):
            problems.append(doc.error(at, f"expected a URL path, got {type_name(item)}"))
            continue
        written = str(item).strip()
        if "/" not in written and not _PAGE_SUFFIX.search(written):
            continue  # Obsidian's aliases are other names of the note, not URLs
        parts = urlsplit(written)
        path = unquote(parts.path)
        if parts.scheme or parts.netloc or parts.query or parts.fragment or "\\" in path:
            message = f"alias '{written}' must be a path on this site, such as /2020/01/old-post/"
            problems.append(doc.error(at, message))
            continue
        site_path = site_path_of(path)
        if site_path is None:
            problems.append(doc.error(at, f"alias '{written}' is not a usable page path"))
        elif site_path not in found:
            found.append(site_path)
    return found


def site_path_of(path: str) -> str | None:
    """Normalise a URL path to a site path (`/a/b/` or `/a/b.html`); None for `/` or `..`."""
    if any(ord(c) < 32 for c in path):
        return None
    segments = [s for s in path.split("/") if s and s != "."]
    if not segments or ".." in segments:
        return None
    joined = "/" + posixpath.join(*segments)
    return joined if _PAGE_SUFFIX.search(joined) else joined + "/"


def _warning_at(doc: YamlDocument, where: tuple[str | int, ...], message: str) -> Diagnostic:
    line, column = doc.where(where)
    return warning(doc.path, line, message, key=".".join(map(str, where)), column=column)


def scalar_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Return the mapping's entries keyed by text, as YAML keys may be numbers or dates."""
    return {str(k): v for k, v in data.items()}
