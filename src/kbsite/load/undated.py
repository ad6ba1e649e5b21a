"""Undated notes: dated from git history where it knows them, else left undated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kbsite.config.siteconfig import SiteConfig
from kbsite.errors import Diagnostic, warning
from kbsite.load.gitdates import load_git_dates

MISSING_DATE = (
    "missing date, so the note is listed undated (after dated notes, not in the feed); "
    "add a line such as `date: 2026-01-11` to the front matter"
)

# An undated note: its path inside content/, its path shown in messages, and whether to warn
# when history does not date it (not when its own date was unreadable: that has its warning)
Undated = tuple[str, str, bool]


def history_dates(
    config: SiteConfig, undated: Sequence[Undated]
) -> tuple[dict[str, tuple[datetime, datetime | None]], list[Diagnostic]]:
    """Return (date, updated) of the undated notes that git history knows, by path inside
    content/ (their first and last commit, from one `git log` for all of them), and a warning
    for each note left undated.

    A folder-tree site (`urls: path`) expects undated notes, as docsify and GitBook folders
    are: no warning there."""
    if not undated:
        return {}, []  # a blog whose notes all carry dates: no git process
    history = load_git_dates(config.content_dir, config.tzinfo)
    found: dict[str, tuple[datetime, datetime | None]] = {}
    problems: list[Diagnostic] = []
    for rel, source, warn in undated:
        known = history.get(rel)
        if known is not None:
            changed = known.changed if known.changed != known.created else None
            found[rel] = (known.created, changed)
        elif warn and config.urls != "path":
            problems.append(warning(source, 1, MISSING_DATE, key="date"))
    return found, problems
