"""Notes: parse_note(path, text) is pure; load_content(config) reads the content folder."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from kbsite.config.siteconfig import Category, SiteConfig
from kbsite.config.yamlmarks import YamlDocument, type_name
from kbsite.errors import Diagnostic, KbsiteError, did_you_mean, display_path, error, warning
from kbsite.load import frontmatter, notefields
from kbsite.load.citefields import NO_CITATIONS, CitationFields, citation_fields
from kbsite.load.contentfiles import decode_note, is_navigation_file, walk_content
from kbsite.load.notebook import NotebookText, in_cells, is_notebook, parse_notebook
from kbsite.load.notebookcells import Attachment, CellSpan
from kbsite.load.undated import history_dates
from kbsite.workers import DEFAULT_TUNING, Tuning, can_fork, fork_map

FRONT_MATTER_KEYS = ("title", "category", "date", "updated", "summary", "tags", "draft", "slug")
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")


@dataclass(frozen=True, slots=True)
class Note:
    """One Markdown note with validated front matter; `body_line` is the body's file line."""

    source: str  # path shown in messages, relative to the site root: content/cv/detr.md
    rel_path: str  # posix path inside content/: cv/detr.md
    title: str
    category: str  # a declared category name
    date: datetime | None  # None: undated, listed after dated notes and left out of feeds
    updated: datetime | None
    tags: tuple[str, ...]
    summary: str | None
    draft: bool
    slug: str
    body: str
    body_line: int
    digest: str
    # Old site paths (`/2020/01/old-post/`, `/old.html`) that should redirect to this note:
    # `aliases:`/`redirect_from:`, and a `permalink:`/`url:` that differs from the note's URL.
    aliases: tuple[str, ...] = ()
    # The writer chose the slug (`slug:`): two notes choosing one URL is an error, while two
    # derived from file names that collide get distinct URLs (kbsite.site.urlplan).
    chosen_slug: bool = False
    citation: CitationFields = NO_CITATIONS  # `bibliography`, `cite`, `paper` (issue 19)
    # A notebook (issue 24): where each line of `body` came from, for messages, and the
    # images its outputs hold, written into the site.
    cells: tuple[CellSpan, ...] = ()
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Asset:
    """A non-note file under content/ (image, PDF), copied beside the notes; or a file a
    notebook holds (`data`), written there."""

    source: Path | None
    rel_path: str
    data: bytes | None = None
    # The notebook this file is, or holds an output of: a draft notebook's are not published.
    notebook: str = ""


@dataclass(frozen=True, slots=True)
class Content:
    notes: tuple[Note, ...]
    assets: tuple[Asset, ...]
    # Notes whose file exists but could not be read (broken front matter, a bad encoding):
    # links to them are not also reported as broken.
    unreadable: frozenset[str] = frozenset()
    # Notes left out of the site because they hold no text.
    empty: frozenset[str] = frozenset()
    # Other tools' navigation files (docsify's _sidebar.md), not built (contentfiles.py).
    navigation: tuple[str, ...] = ()


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split text into (front matter, body, body's first line); front matter may be None."""
    try:
        front = frontmatter.split_front_matter(text)
    except KbsiteError:
        return None, text, 1
    return front.raw, front.body, front.body_line


def parse_note(
    rel_path: str, text: str, config: SiteConfig, *, source: str = ""
) -> tuple[Note, list[Diagnostic]]:
    """Parse one note's text into (note, warnings); raise KbsiteError on any error."""
    source = source or f"content/{rel_path}"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    text = _normalize(text)
    front = frontmatter.split_front_matter(text, path=source)
    doc = frontmatter.parse_front_matter(front, path=source)
    data = doc.value if doc.value is not None else {}
    if not isinstance(data, dict):
        raise KbsiteError(
            [doc.error((), f"front matter must be a mapping of keys, got {type_name(data)}")]
        )
    data = notefields.scalar_fields(data)
    problems: list[Diagnostic] = list(doc.warnings)
    for key in data:
        if key not in frontmatter.KNOWN_KEYS and key != frontmatter.EXTRA_KEY:
            hint = did_you_mean(key, frontmatter.KNOWN_KEYS)
            if hint:  # other tools' keys (layout, comments, ...) are fine; a typo of ours is not
                problems.append(_as_warning(doc.error((key,), f"unknown key{hint}")))
    fields, found = frontmatter.normalize_keys(data, doc)
    problems += found
    title, body, body_line = _title(doc, fields.get("title"), front, rel_path, problems)
    if not body.strip():  # load_content leaves it out; the rest of the site is written
        problems.append(
            warning(
                source,
                body_line if front.raw is not None else 1,
                "note has no text, so it is left out; write something below the front matter",
            )
        )
    values = _fields(doc, fields, rel_path, config, problems)
    if values is None or any(p.is_error for p in problems):
        raise KbsiteError(problems)
    note = Note(
        source=source,
        rel_path=rel_path,
        title=title,
        body=body,
        body_line=body_line,
        digest=digest,
        **values,
    )
    return note, problems


def _normalize(text: str) -> str:
    """Drop a byte order mark and make every line end a plain LF."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def note_bodies(content_dir: Path) -> Iterator[tuple[str, str]]:
    """Yield (path inside content/, body) of each note file, without parsing its front matter:
    a quick first look at the notes (kbsite.render.math.formulaserver finds their formulas in it
    while the build reads them). A file that cannot be read or decoded is skipped; the build reports
    it.

    The body is parse_note's, except that a leading `# title` line stays in it.
    """
    for rel, full in walk_content(content_dir):
        if not rel.lower().endswith(".md") or is_navigation_file(rel):
            continue
        try:
            data = Path(full).read_bytes()
        except OSError:
            continue
        text, _problem = decode_note(data)
        if text is not None:
            yield rel, split_front_matter(_normalize(text))[1]


def _as_warning(diagnostic: Diagnostic) -> Diagnostic:
    loc = diagnostic.location
    return warning(loc.path, loc.line, diagnostic.message, key=diagnostic.key, column=loc.column)


def _title(
    doc: YamlDocument,
    field: frontmatter.Field | None,
    front: frontmatter.FrontMatter,
    rel_path: str,
    problems: list[Diagnostic],
) -> tuple[str, str, int]:
    """Pick the title: front matter, else the first `# heading` (then dropped), else file name."""
    body, body_line = front.body, front.body_line
    if field is not None:
        where, value = field
        if notefields.is_scalar(value) and str(value).strip():
            return " ".join(str(value).split()), body, body_line
        if value is not None and not isinstance(value, str):
            problems.append(doc.error(where, f"expected a title, got {type_name(value)}"))
            return "", body, body_line
        # `title:` left empty (Hexo writes it so): fall back as if it were absent
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
    fields: dict[str, frontmatter.Field],
    rel_path: str,
    config: SiteConfig,
    problems: list[Diagnostic],
) -> dict[str, Any] | None:
    """Validate the remaining front-matter values; None when any is unusable."""
    before = len([p for p in problems if p.is_error])
    category = notefields.category(doc, fields, rel_path, config, problems)
    date, updated = notefields.dates(doc, fields, rel_path, config, problems)
    tags = notefields.tags(doc, fields.get("tags"), problems)
    summary = notefields.text(doc, fields.get("summary"), problems)
    draft = notefields.draft(doc, fields, problems)
    slug, old_path = notefields.slug(doc, fields, rel_path, problems)
    aliases = notefields.aliases(doc, fields.get("aliases"), problems)
    if len([p for p in problems if p.is_error]) > before or category is None:
        return None
    if old_path is not None and old_path not in aliases:
        aliases.insert(0, old_path)
    return {
        "category": category,
        "date": date,
        "updated": updated,
        "tags": tags,
        "summary": summary,
        "draft": draft,
        "slug": slug,
        # One equal to the note's own URL is dropped when redirects are planned, where that
        # URL is known (kbsite.site.redirects).
        "aliases": tuple(aliases),
        "chosen_slug": "slug" in fields and fields["slug"][1] is not None,
        "citation": citation_fields(doc, fields, config, problems),
    }


def settle_categories(config: SiteConfig, notes: Sequence[Note]) -> tuple[SiteConfig, list[Note]]:
    """With `categories: auto`, declare the notes' categories, most notes first (ties by name).

    Names that make one slug are one category, spelled as in the first note by source path.
    Without `auto`, return the config and notes unchanged.
    """
    if not config.auto_categories:
        return config, list(notes)
    chosen: dict[str, Category] = {}
    counts: dict[str, int] = {}
    for note in sorted(notes, key=lambda n: n.source):
        category = config.category_for(note.category)
        assert category is not None  # parse_note accepted the name
        key = category.slug.lower()
        chosen.setdefault(key, category)
        counts[key] = counts.get(key, 0) + 1
    order = sorted(chosen, key=lambda k: (-counts[k], chosen[k].name.lower(), k))
    settled = replace(config, categories=tuple(chosen[k] for k in order))
    renamed = []
    for note in notes:
        category = config.category_for(note.category)
        assert category is not None
        name = chosen[category.slug.lower()].name
        renamed.append(note if note.category == name else replace(note, category=name))
    return settled, renamed


# (rel path, inode, mtime_ns, ctime_ns, size) -> what parsing that file gave; lets `serve` skip
# unchanged notes. The inode catches editors that save by renaming a new file into place.
StatKey = tuple[str, int, int, int, int]
Parsed = tuple[Note | None, tuple[Diagnostic, ...]]
NoteCache = dict[StatKey, Parsed]


def load_content(
    config: SiteConfig,
    cache: NoteCache | None = None,
    *,
    jobs: int = 1,
    tuning: Tuning = DEFAULT_TUNING,
) -> tuple[Content, list[Diagnostic]]:
    """Read every note and asset under content/; return them with all diagnostics found.

    With `jobs` > 1 and many notes to parse (tuning.parallel_reads), they are parsed in forked
    worker processes.
    """
    content_dir = config.content_dir
    if not content_dir.is_dir():
        message = "no content/ folder; create it and put Markdown notes in it"
        raise KbsiteError([error(display_path(content_dir), 0, message)])
    assets: list[Asset] = []
    problems: list[Diagnostic] = []
    shown = display_path(content_dir)
    # (stat key, parse result if cached); the others are parsed below, all in walk order.
    found: list[tuple[StatKey, str, Parsed | None]] = []
    skipped: list[str] = []  # other tools' navigation files: said once, not built
    for rel, full in walk_content(content_dir):
        if is_navigation_file(rel):
            skipped.append(rel)
            continue
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:  # a name from another system's encoding: not safe to publish
            shown_rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            message = "file name is not valid UTF-8; rename the file"
            problems.append(error(f"{shown}/{shown_rel}", 0, message))
            continue
        if is_notebook(rel) and os.path.isfile(full):
            assets.append(Asset(Path(full), rel, notebook=rel))  # a note, and its download
        elif not rel.lower().endswith(".md"):
            if os.path.isfile(full):  # not a dangling symlink
                assets.append(Asset(Path(full), rel))
            else:
                message = "broken symbolic link; not copied"
                problems.append(warning(f"{shown}/{rel}", 0, message))
            continue
        try:
            stat = os.stat(full)
        except OSError:
            continue  # deleted while we were listing: it is simply not part of this build
        key = (rel, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        found.append((key, full, cache.get(key) if cache is not None else None))
    wanted = [(key[0], full) for key, full, parsed in found if parsed is None]
    read = partial(_read_notes, source_dir=shown, config=config)
    if jobs > 1 and len(wanted) >= tuning.parallel_reads and can_fork():
        fresh_results = iter(fork_map(read, wanted, jobs))
    else:
        fresh_results = iter(read(wanted))
    notes: list[Note] = []
    unreadable: list[str] = []
    empty: list[str] = []
    fresh: NoteCache = {}
    for key, _full, parsed in found:
        note, diagnostics = parsed if parsed is not None else next(fresh_results)
        fresh[key] = (note, diagnostics)
        if note is not None and not note.body.strip():
            empty.append(key[0])  # its warning says it is left out
        elif note is not None:
            notes.append(note)
        elif any(d.is_error for d in diagnostics):
            unreadable.append(key[0])
        problems.extend(diagnostics)
    if cache is not None:
        cache.clear()
        cache.update(fresh)
    # A note whose date could not be read has its warning already: one problem, one message.
    misdated = {p.location.path for p in problems if p.key == "date"}
    undated = [(n.rel_path, n.source, n.source not in misdated) for n in notes if n.date is None]
    known, missing = history_dates(config, undated)
    problems += missing
    notes = [_dated(n, known[n.rel_path]) if n.rel_path in known else n for n in notes]
    assets += [
        Asset(None, a.rel_path, a.data, notebook=n.rel_path) for n in notes for a in n.attachments
    ]
    content = Content(
        tuple(notes), tuple(assets), frozenset(unreadable), frozenset(empty), tuple(skipped)
    )
    return content, problems


def _dated(note: Note, dates: tuple[datetime, datetime | None]) -> Note:
    """Date an undated note from history; an `updated:` it sets itself wins."""
    return replace(note, date=dates[0], updated=note.updated or dates[1])


def _read_notes(
    files: Sequence[tuple[str, str]], *, source_dir: str, config: SiteConfig
) -> list[Parsed]:
    """Read and parse (rel path, full path) files, as one worker's share or all of them."""
    return [read_note(Path(full), rel, f"{source_dir}/{rel}", config) for rel, full in files]


def read_note(path: Path, rel: str, source: str, config: SiteConfig) -> Parsed:
    """Read and parse one note file; return the note (None on errors) and its diagnostics."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, ()  # deleted while the build ran: it is simply not part of this build
    except OSError as exc:
        return None, (error(source, 0, f"cannot read: {exc.strerror}"),)
    text, problem = decode_note(data)
    if text is None:
        return None, (error(source, problem[0], problem[1]),)
    if is_notebook(rel):
        return _read_notebook(rel, text, source, config)
    try:
        note, warnings = parse_note(rel, text, config, source=source)
    except KbsiteError as exc:
        return None, exc.diagnostics
    return note, tuple(warnings)


def _read_notebook(rel: str, text: str, source: str, config: SiteConfig) -> Parsed:
    """Parse a notebook as the note its text makes; messages name its cells."""
    converted: NotebookText | None = None
    try:
        converted = parse_notebook(text, rel, source)
        note, warnings = parse_note(rel, converted.text, config, source=source)
    except KbsiteError as exc:
        cells = converted.cells if converted else ()
        return None, tuple(in_cells(exc.diagnostics, {source: cells}))
    note = replace(note, cells=converted.cells, attachments=converted.attachments)
    return note, (*converted.warnings, *in_cells(warnings, {source: converted.cells}))
