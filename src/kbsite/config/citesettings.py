"""site.yaml's `bibliography` and `citation_style` (issue 19): validated, with their lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kbsite.config.yamlmarks import YamlDocument, type_name
from kbsite.errors import Diagnostic, did_you_mean

# The styles kbsite ships (render/cite/styles/), by the name site.yaml uses.
CITATION_STYLES = ("numeric", "author-year", "gb-t-7714-2015")
# GB/T 7714-2015 is the Chinese national standard; English sites default to author-year,
# what most machine-learning venues print.
DEFAULT_STYLE = {"zh-CN": "gb-t-7714-2015", "en": "author-year"}


def bibliography_files(
    doc: YamlDocument,
    where: tuple[str | int, ...],
    value: Any,
    root: Path,
    problems: list[Diagnostic],
) -> tuple[str, ...]:
    """Read a `bibliography:` value, one path or a list, relative to `root`: the site-root
    paths of the files, each checked to exist."""
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for index, item in enumerate(items):
        at = (*where, index) if isinstance(value, list) else where
        if not isinstance(item, str) or not item.strip():
            problems.append(doc.error(at, f"expected a .bib file's path, got {type_name(item)}"))
            continue
        rel = Path(item.strip()).as_posix().lstrip("/")
        file = root / rel
        if ".." in Path(rel).parts or not file.is_file():
            message = f"no bibliography file '{item}' (paths are relative to the site folder)"
            problems.append(doc.error(at, message))
        elif rel not in found:
            found.append(rel)
    return tuple(found)


def citation_style(doc: YamlDocument, value: str, problems: list[Diagnostic]) -> str:
    """Check a `citation_style:` name."""
    if value not in CITATION_STYLES:
        hint = did_you_mean(value, CITATION_STYLES)
        message = f"unknown citation style '{value}'{hint}; use {', '.join(CITATION_STYLES)}"
        problems.append(doc.error(("citation_style",), message))
    return value
