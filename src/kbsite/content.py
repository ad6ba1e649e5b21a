"""Notes: parse_note(path, text) is pure; load_content(config) reads the content folder."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from slugify import slugify

from kbsite.config import SiteConfig
from kbsite.dates import DateError, parse_date
from kbsite.errors import Diagnostic, KbsiteError, did_you_mean, display_path, error, warning
from kbsite.yamlmarks import YamlDocument, parse_yaml, type_name

FRONT_MATTER_KEYS = ("title", "category", "date", "updated", "summary", "tags", "draft", "slug")
_FENCE = re.compile(r"^---[ \t]*$")
_FENCE_END = re.compile(r"^(---|\.\.\.)[ \t]*$")
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")


@dataclass(frozen=True, slots=True)
class Note:
    """One Markdown note with validated front matter; `body_line` is the body's file line."""

    source: str  # path shown in messages, relative to the site root: content/cv/detr.md
    rel_path: str  # posix path inside content/: cv/detr.md
    title: str
    category: str  # a declared category name
    date: datetime
    updated: datetime | None
    tags: tuple[str, ...]
    summary: str | None
    draft: bool
    slug: str
    body: str
    body_line: int
    digest: str


@dataclass(frozen=True, slots=True)
class Asset:
    """A non-note file under content/ (image, PDF), copied beside the notes."""

    source: Path
    rel_path: str


@dataclass(frozen=True, slots=True)
class Content:
    notes: tuple[Note, ...]
    assets: tuple[Asset, ...]


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split text into (front matter, body, body's first line); front matter may be None."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return None, text, 1
    for index in range(1, len(lines)):
        if _FENCE_END.match(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, text, 1


def parse_note(
    rel_path: str, text: str, config: SiteConfig, *, source: str = ""
) -> tuple[Note, list[Diagnostic]]:
    """Parse one note's text into (note, warnings); raise KbsiteError on any error."""
    source = source or f"content/{rel_path}"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    raw, body, body_line = split_front_matter(text)
    if text.startswith("---") and raw is None:
        raise KbsiteError(
            [
                error(
                    source,
                    1,
                    "front matter opened with '---' is never closed; add a '---' line after it",
                )
            ]
        )
    doc = parse_yaml(raw or "", path=source, first_line=2)
    data = doc.value if doc.value is not None else {}
    if not isinstance(data, dict):
        raise KbsiteError(
            [doc.error((), f"front matter must be a mapping of keys, got {type_name(data)}")]
        )
    problems: list[Diagnostic] = []
    for key in data:
        if str(key) not in FRONT_MATTER_KEYS:
            hint = did_you_mean(str(key), FRONT_MATTER_KEYS)
            if hint:  # other tools' keys (layout, comments, ...) are fine; a typo of ours is not
                problems.append(_as_warning(doc.error((str(key),), f"unknown key{hint}")))
    title, body, body_line = _title(doc, data, body, body_line, rel_path, problems)
    if not body.strip():
        problems.append(
            error(
                source,
                body_line if raw is not None else 1,
                "note has no text; write something below the front matter",
            )
        )
    fields = _fields(doc, data, rel_path, config, problems)
    errors = [p for p in problems if p.is_error]
    if errors or fields is None:
        raise KbsiteError(problems)
    note = Note(
        source=source,
        rel_path=rel_path,
        title=title,
        body=body,
        body_line=body_line,
        digest=digest,
        **fields,
    )
    return note, problems


def _as_warning(diagnostic: Diagnostic) -> Diagnostic:
    loc = diagnostic.location
    return warning(loc.path, loc.line, diagnostic.message, key=diagnostic.key, column=loc.column)


def _title(
    doc: YamlDocument,
    data: dict[str, Any],
    body: str,
    body_line: int,
    rel_path: str,
    problems: list[Diagnostic],
) -> tuple[str, str, int]:
    """Pick the title: front matter, else the first `# heading` (then dropped), else file name."""
    if "title" in data:
        value = data["title"]
        if value is None or isinstance(value, bool | list | dict) or not str(value).strip():
            problems.append(doc.error(("title",), f"expected a title, got {type_name(value)}"))
            return "", body, body_line
        return str(value).strip(), body, body_line
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _H1.match(line)
        if match:
            rest = "\n".join(lines[index + 1 :])
            return match[1].strip(), rest, body_line + index + 1
        break
    return PurePosixPath(rel_path).stem, body, body_line


def _fields(
    doc: YamlDocument,
    data: dict[str, Any],
    rel_path: str,
    config: SiteConfig,
    problems: list[Diagnostic],
) -> dict[str, Any] | None:
    """Validate the remaining front-matter keys; None when any is unusable."""
    before = len([p for p in problems if p.is_error])
    category = _category(doc, data, rel_path, config, problems)
    dates: dict[str, datetime | None] = {}
    for key in ("date", "updated"):
        dates[key] = None
        if key in data and data[key] is not None:
            try:
                dates[key] = parse_date(data[key], config.tzinfo)
            except DateError as exc:
                problems.append(doc.error((key,), str(exc)))
    if "date" not in data or data["date"] is None:
        problems.append(
            error(
                doc.path,
                1,
                "missing date; add a line such as `date: 2026-01-11` to the front matter",
                key="date",
            )
        )
    tags = _tags(doc, data.get("tags"), problems)
    summary = data.get("summary")
    if summary is not None and (isinstance(summary, bool | list | dict)):
        problems.append(doc.error(("summary",), f"expected text, got {type_name(summary)}"))
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        problems.append(doc.error(("draft",), f"expected true or false, got {type_name(draft)}"))
    slug_value = data.get("slug")
    slug = (
        slugify(str(slug_value))
        if slug_value is not None
        else slugify(PurePosixPath(rel_path).stem)
    )
    if not slug:
        problems.append(
            doc.error(
                ("slug",) if slug_value is not None else (),
                "cannot make a URL slug from this name; add `slug: some-name`",
            )
        )
    if (
        len([p for p in problems if p.is_error]) > before
        or category is None
        or dates["date"] is None
    ):
        return None
    return {
        "category": category,
        "date": dates["date"],
        "updated": dates["updated"],
        "tags": tags,
        "summary": str(summary).strip() if summary is not None and str(summary).strip() else None,
        "draft": bool(draft),
        "slug": slug,
    }


def _category(
    doc: YamlDocument,
    data: dict[str, Any],
    rel_path: str,
    config: SiteConfig,
    problems: list[Diagnostic],
) -> str | None:
    """Resolve the category from front matter, else from the note's top folder."""
    known = [c.name for c in config.categories]
    if "category" in data:
        wanted = data["category"]
        if wanted is None or isinstance(wanted, bool | list | dict):
            problems.append(
                doc.error(("category",), f"expected a category name, got {type_name(wanted)}")
            )
            return None
        found = config.category_named(str(wanted))
        if found is None:
            hint = did_you_mean(str(wanted), known + [c.slug for c in config.categories])
            problems.append(doc.error(("category",), _unknown_category(str(wanted), hint, known)))
            return None
        return found.name
    parts = PurePosixPath(rel_path).parts
    if len(parts) < 2:
        problems.append(
            error(
                doc.path,
                1,
                "no category: add `category: NAME` to the front matter "
                "or move the note into a category folder",
                key="category",
            )
        )
        return None
    found = config.category_named(parts[0])
    if found is None:
        hint = did_you_mean(parts[0], known + [c.slug for c in config.categories])
        problems.append(
            error(
                doc.path,
                1,
                _unknown_category(parts[0], hint, known) + " (taken from the note's folder)",
                key="category",
            )
        )
        return None
    return found.name


def _unknown_category(name: str, hint: str, known: list[str]) -> str:
    listing = ", ".join(known) if known else "none; add a `categories:` list to site.yaml"
    return f"unknown category '{name}'{hint}; declared in site.yaml: {listing}"


def _tags(doc: YamlDocument, value: object, problems: list[Diagnostic]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[object] = [part for part in re.split(r"[,，]", value)]
    elif isinstance(value, list):
        items = value
    else:
        problems.append(
            doc.error(("tags",), f"expected a list or comma-separated text, got {type_name(value)}")
        )
        return ()
    tags: list[str] = []
    for index, item in enumerate(items):
        if item is None or isinstance(item, bool | list | dict):
            problems.append(
                doc.error(("tags", index), f"expected a tag name, got {type_name(item)}")
            )
            continue
        tag = str(item).strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


# (rel path, inode, mtime_ns, ctime_ns, size) -> what parsing that file gave; lets `serve` skip
# unchanged notes. The inode catches editors that save by renaming a new file into place.
NoteCache = dict[tuple[str, int, int, int, int], tuple[Note | None, tuple[Diagnostic, ...]]]


def load_content(
    config: SiteConfig, cache: NoteCache | None = None
) -> tuple[Content, list[Diagnostic]]:
    """Read every note and asset under content/; return them with all diagnostics found."""
    content_dir = config.content_dir
    if not content_dir.is_dir():
        message = "no content/ folder; create it and put Markdown notes in it"
        raise KbsiteError([error(display_path(content_dir), 0, message)])
    notes: list[Note] = []
    assets: list[Asset] = []
    problems: list[Diagnostic] = []
    shown = display_path(content_dir)
    fresh: NoteCache = {}
    for path in sorted(_walk(content_dir)):
        rel = path.relative_to(content_dir).as_posix()
        if path.suffix.lower() != ".md":
            assets.append(Asset(path, rel))
            continue
        try:
            stat = path.stat()
        except OSError:
            continue  # deleted while we were listing: it is simply not part of this build
        key = (rel, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        cached = cache.get(key) if cache is not None else None
        note, found = (
            cached if cached is not None else _read_note(path, rel, f"{shown}/{rel}", config)
        )
        fresh[key] = (note, found)
        if note is not None:
            notes.append(note)
        problems.extend(found)
    if cache is not None:
        cache.clear()
        cache.update(fresh)
    return Content(tuple(notes), tuple(assets)), problems


def _read_note(
    path: Path, rel: str, source: str, config: SiteConfig
) -> tuple[Note | None, tuple[Diagnostic, ...]]:
    """Read and parse one note file; return the note (None on errors) and its diagnostics."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, (error(source, 0, f"cannot read: {exc.strerror}"),)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, (error(source, line, "not valid UTF-8; re-save the file as UTF-8"),)
    try:
        note, warnings = parse_note(rel, text, config, source=source)
    except KbsiteError as exc:
        return None, exc.diagnostics
    return note, tuple(warnings)


def _walk(root: Path) -> list[Path]:
    """List files under root, skipping hidden files and folders (editor and VCS files)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        found.extend(base / f for f in files if not f.startswith(".") and not f.endswith("~"))
    return found
