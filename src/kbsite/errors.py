"""Diagnostics: problems in the user's input, each tied to a file and line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TextIO


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    """A place in a source file; line and column count from 1, 0 means unknown."""

    path: str
    line: int = 0
    column: int = 0
    # A notebook's cell, counted from 1: then `line` counts within that cell
    # (`demo.ipynb:cell 7:3`); 0 for any other file.
    cell: int = 0

    def __str__(self) -> str:
        if self.cell:
            where = f"{self.path}:cell {self.cell}"
            return str(SourceLocation(where, self.line, self.column))
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem, formatted the way compilers do so editors can jump to it."""

    location: SourceLocation
    message: str
    key: str = ""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        key = f"{self.key}: " if self.key else ""
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.location}: {prefix}{key}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class KbsiteError(Exception):
    """Raised when a stage finds errors; carries every diagnostic found, sorted."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[KbsiteError], tuple[tuple[Diagnostic, ...]]]:
        # Keep the diagnostics when the error crosses from a worker process.
        return (KbsiteError, (self.diagnostics,))


def error(path: str, line: int, message: str, *, key: str = "", column: int = 0) -> Diagnostic:
    """Make an error diagnostic."""
    return Diagnostic(SourceLocation(path, line, column), message, key)


def warning(path: str, line: int, message: str, *, key: str = "", column: int = 0) -> Diagnostic:
    """Make a warning diagnostic."""
    return Diagnostic(SourceLocation(path, line, column), message, key, Severity.WARNING)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or '' when none is close."""
    lowered = {c.lower(): c for c in choices}
    matches = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean '{lowered[matches[0]]}'?)" if matches else ""


def display_path(path: Path) -> str:
    """Show a path relative to the working folder when inside it, so editors can open it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def problems_summary(problems: Sequence[Diagnostic]) -> str:
    """Say how many problems a build found and in how many files (the last line of its report)."""
    files = len({p.location.path for p in problems})
    count = len(problems)
    return (
        f"{count} problem{'s' if count != 1 else ''} in {files} "
        f"{'note' if files == 1 else 'notes'}; `kbsite build --strict` fails on them"
    )


def print_diagnostics(diagnostics: Sequence[Diagnostic], stream: TextIO) -> None:
    """Print each diagnostic on a line of its own, as `file:line: severity: message`."""
    for diagnostic in diagnostics:
        print(str(diagnostic), file=stream)
