"""Jupyter notebooks as notes (issue 24): a .ipynb read with nbformat, never executed, and
turned into the Markdown text a note is made of (kbsite.load.notebookcells), with a map from
that text's lines back to the notebook's cells for every message."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kbsite.errors import Diagnostic, KbsiteError, error
from kbsite.load.notebookcells import Attachment, CellSpan, notebook_markdown

NOTEBOOK_SUFFIX = ".ipynb"
_VERSION_KEY = re.compile(r'"nbformat"\s*:')


@dataclass(frozen=True, slots=True)
class NotebookText:
    """A notebook as note text: front matter and body, with where each line came from."""

    text: str
    cells: tuple[CellSpan, ...]
    attachments: tuple[Attachment, ...]
    warnings: tuple[Diagnostic, ...]


def is_notebook(rel_path: str) -> bool:
    """Tell whether a file under content/ is a Jupyter notebook."""
    return rel_path.lower().endswith(NOTEBOOK_SUFFIX)


def parse_notebook(text: str, rel_path: str, source: str) -> NotebookText:
    """Read a notebook's JSON into note text; raise KbsiteError (file, line and column of bad
    JSON; file and cell of an unknown version or a schema failure)."""
    data = _json(text, source)
    notebook = _validated(data, source, lambda: _version_line(text))
    found = notebook_markdown(notebook, rel_path, source)
    return NotebookText(found.text, found.cells, found.attachments, found.warnings)


def _json(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"not a valid notebook: invalid JSON ({exc.msg})"
        raise KbsiteError([error(source, exc.lineno, message, column=exc.colno)]) from None
    if not isinstance(data, dict):
        raise KbsiteError([error(source, 1, "not a valid notebook: the JSON is not an object")])
    return data


def _version_line(text: str) -> int:
    """The line of the notebook's top-level `"nbformat":` key (its last: nbformat_minor and
    nested keys are named differently), for a message about the version; 0 if absent. Asked
    only for that message: it scans the whole file, megabytes with saved images."""
    found = list(_VERSION_KEY.finditer(text))
    return text.count("\n", 0, found[-1].start()) + 1 if found else 0


def _validated(data: dict[str, Any], source: str, version_line: Callable[[], int]) -> Any:
    """Check the notebook against its version's schema and convert it to version 4."""
    import nbformat  # ~130 ms to import: only sites with notebooks pay it

    major = data.get("nbformat")
    if major not in (3, 4):
        shown = "missing" if major is None else repr(major)
        message = f"unsupported nbformat version {shown}; kbsite reads versions 4.x and 3"
        raise KbsiteError([error(source, version_line(), message, key="nbformat")])
    try:
        nbformat.validate(data, version=major)
    except nbformat.ValidationError as exc:
        path = list(exc.absolute_path)
        where = _cell_of(path)
        message = f"notebook fails nbformat {major} schema: {exc.message}"
        inside = "/".join(str(p) for p in path[path.index("cells") + 2 :]) if where else ""
        if inside:
            message += f" (at {inside})"
        raise KbsiteError([_in_cell(error(source, 0, message, key="nbformat"), where)]) from None
    if major == 4:
        return data  # read as plain JSON: the schema holds, so every key looked up is there
    return nbformat.convert(nbformat.from_dict(data), 4)  # type: ignore[no-untyped-call]


def _cell_of(path: list[Any]) -> int:
    """The cell (from 1) a schema error's JSON path is inside, 0 for the notebook itself."""
    if "cells" in path:
        at = path.index("cells") + 1
        if at < len(path) and isinstance(path[at], int):
            return int(path[at]) + 1
    return 0


def _in_cell(diagnostic: Diagnostic, cell: int, line: int = 0) -> Diagnostic:
    location = replace(diagnostic.location, cell=cell, line=line)
    return replace(diagnostic, location=location)


def in_cells(
    diagnostics: Iterable[Diagnostic], cells: Mapping[str, tuple[CellSpan, ...]]
) -> list[Diagnostic]:
    """Point notebooks' diagnostics (lines of their note text) at their cells, `cell 7:3`;
    `cells`: each notebook's line map by its source path. Other diagnostics stay as they are."""
    located = []
    for diagnostic in diagnostics:
        where = diagnostic.location
        spans = cells.get(where.path)
        if not spans or where.cell or not where.line:
            located.append(diagnostic)
            continue
        at = bisect.bisect_right([span[0] for span in spans], where.line) - 1
        if at < 0:
            located.append(diagnostic)
            continue
        first, cell, cell_line = spans[at]
        if cell == 0:  # a line kbsite wrote: front matter from the notebook's metadata
            message = f"{diagnostic.message} (in the notebook's metadata.kbsite)"
            located.append(replace(diagnostic, message=message, location=replace(where, line=0)))
            continue
        located.append(_in_cell(diagnostic, cell, cell_line + where.line - first))
    return located
