"""Front matter as Hexo, Jekyll, Hugo and Obsidian write it: YAML or TOML, with file lines.

`split_front_matter` finds the block, `parse_front_matter` reads it into a YamlDocument (values
plus the file line of each key), and `normalize_keys` maps other tools' keys onto kbsite's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import time
from typing import Any, Literal

from kbsite.config.yamlmarks import KeyPath, YamlDocument, parse_yaml
from kbsite.errors import Diagnostic, KbsiteError, error, warning

_YAML_OPEN = re.compile(r"^---[ \t]*$")
_YAML_CLOSE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_TOML_FENCE = re.compile(r"^\+\+\+[ \t]*$")
# tomllib reports "Invalid value (at line 2, column 5)" or "(at end of document)".
_TOML_WHERE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")
_TOML_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")

Syntax = Literal["yaml", "toml", "none"]


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A note split in two: front matter text (None when absent), the body and its first line."""

    raw: str | None
    body: str
    body_line: int
    syntax: Syntax


def split_front_matter(text: str, *, path: str = "") -> FrontMatter:
    """Split text at a `---` (YAML) or `+++` (TOML, Hugo) block on its first line."""
    lines = text.split("\n")
    if _YAML_OPEN.match(lines[0]):
        syntax: Syntax = "yaml"
        closer = _YAML_CLOSE
    elif _TOML_FENCE.match(lines[0]):
        syntax, closer = "toml", _TOML_FENCE
    else:
        return FrontMatter(None, text, 1, "none")
    for index in range(1, len(lines)):
        if closer.match(lines[index]):
            raw = "\n".join(lines[1:index])
            return FrontMatter(raw, "\n".join(lines[index + 1 :]), index + 2, syntax)
    fence = "---" if syntax == "yaml" else "+++"
    message = f"front matter opened with '{fence}' is never closed; add a '{fence}' line after it"
    raise KbsiteError([error(path, 1, message)])


def parse_front_matter(front: FrontMatter, *, path: str) -> YamlDocument:
    """Parse YAML or TOML front matter; lines count from the top of the file (`---` is line 1)."""
    if front.raw is None:
        return YamlDocument(None, {}, path, 2)
    if front.syntax == "toml":
        return parse_toml(front.raw, path=path, first_line=2)
    return parse_yaml(front.raw, path=path, first_line=2)


def parse_toml(text: str, *, path: str, first_line: int = 1) -> YamlDocument:
    """Parse TOML whose first line is file line `first_line`; raise KbsiteError if malformed."""
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_WHERE.search(message)
        if match and match[1]:
            line, column = first_line + int(match[1]) - 1, int(match[2])
        else:  # at end of document
            line, column = first_line + max(0, text.count("\n")), 0
        problem = message[: match.start()] if match else message
        raise KbsiteError([error(path, line, f"invalid TOML: {problem}", column=column)]) from None
    return YamlDocument(_plain(value), _toml_lines(text, first_line), path, first_line)


def _plain(value: Any) -> Any:
    """Turn TOML's times into text, so every value is one a YAML note could hold."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, time):
        return value.isoformat()
    return value


def _toml_lines(text: str, first_line: int) -> dict[KeyPath, tuple[int, int]]:
    """Find the line of each `key =` (top level and in `[tables]`); good enough for messages."""
    lines: dict[KeyPath, tuple[int, int]] = {}
    table: KeyPath = ()
    for number, line in enumerate(text.split("\n")):
        if table_match := _TOML_TABLE.match(line):
            table = tuple(part.strip().strip("\"'") for part in table_match[1].split("."))
            lines.setdefault(table, (first_line + number, line.index("[") + 1))
        elif key_match := _TOML_KEY.match(line):
            key = key_match[1].strip("\"'")
            lines.setdefault((*table, key), (first_line + number, line.index(key_match[1][0]) + 1))
    return lines


# kbsite's key -> the keys other tools write for it, the first present wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "category": ("category", "categories"),
    "date": ("date", "created", "pubDate"),
    "updated": ("updated", "lastmod", "last_modified_at", "modified"),
    "summary": ("summary", "description", "excerpt"),
    "tags": ("tags",),
    "draft": ("draft",),
    "published": ("published",),
    "slug": ("slug",),
    "permalink": ("permalink", "url"),
    "aliases": ("aliases", "redirect_from"),
    "bibliography": ("bibliography",),
    "cite": ("cite",),
    "paper": ("paper",),
}
KNOWN_KEYS = tuple(dict.fromkeys(k for names in SYNONYMS.values() for k in names))
# A mapping kbsite reads nothing from and never warns about: `kbsite import` keeps there what
# a blog's front matter said that kbsite has no field for (subtitle, images, author, ...).
EXTRA_KEY = "extra"

# (key path the value was written at, the value)
Field = tuple[KeyPath, Any]


def normalize_keys(
    data: dict[str, Any], doc: YamlDocument
) -> tuple[dict[str, Field], list[Diagnostic]]:
    """Map the keys other tools write onto kbsite's; warn where two say different things."""
    fields: dict[str, Field] = {}
    problems: list[Diagnostic] = []
    for name, synonyms in SYNONYMS.items():
        values = {
            k: _first_category(data[k]) if k == "categories" else data[k]
            for k in synonyms
            if k in data
        }
        present = [key for key, value in values.items() if value is not None]
        if not present:
            if name in data:  # written but empty, e.g. `date:`: validators report it
                fields[name] = ((name,), None)
            continue
        key = present[0]
        fields[name] = ((key,), values[key])
        if name == "category" and len(present) > 1:
            line, column = doc.where(("categories",))
            problems.append(
                warning(
                    doc.path,
                    line,
                    "both `category` and `categories` are given; using `category`",
                    key="categories",
                    column=column,
                )
            )
    return fields, problems


def _first_category(value: Any) -> Any:
    """Return the category of a `categories` value: Hexo's hierarchy starts with it."""
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value
