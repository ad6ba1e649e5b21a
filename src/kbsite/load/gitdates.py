"""Dates of undated notes from git history: the first and last commit touching each file.

Note folders (docsify, GitBook, Obsidian) carry no dates in their files, but a repository
knows when each note was written and last changed. The file's modification time never stands
in: a checkout or a copy sets it to the day of the copy (issue 23).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

# Separates one commit's header from the files it touched in `git log --name-only` output.
_MARK = "\x1ekbsite-commit "


@dataclass(frozen=True, slots=True)
class GitDates:
    """When a file was first committed (`created`) and last changed (`changed`)."""

    created: datetime
    changed: datetime


def parse_git_log(output: str, zone: tzinfo) -> dict[str, GitDates]:
    """Read `git log --name-only --format=<_MARK>%at` output (newest commit first) into the
    first and last commit time of each file named in it."""
    newest: dict[str, int] = {}
    oldest: dict[str, int] = {}
    stamp = 0
    for line in output.split("\n"):
        if line.startswith(_MARK):
            stamp = int(line[len(_MARK) :] or 0)
        elif line:
            newest.setdefault(line, stamp)  # the first time a file appears is its latest commit
            oldest[line] = stamp
    return {
        path: GitDates(
            datetime.fromtimestamp(oldest[path], zone), datetime.fromtimestamp(newest[path], zone)
        )
        for path in newest
    }


def load_git_dates(folder: Path, zone: tzinfo) -> dict[str, GitDates]:
    """Return the git dates of the files under `folder`, by posix path relative to it, read in
    one `git log` pass; empty when the folder is not in a repository or git is missing."""
    command = [
        "git",
        "-c",
        "core.quotePath=off",  # Chinese file names as they are, not octal escapes
        "log",
        "--relative",  # paths relative to `folder`, and only files inside it
        "--name-only",
        "--no-renames",  # a renamed note is dated from its current name's commits
        f"--format={_MARK}%at",
        "--",
        ".",
    ]
    try:
        done = subprocess.run(
            command,
            cwd=folder,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except OSError:  # no git on this machine
        return {}
    if done.returncode != 0:  # not a repository, or one without commits
        return {}
    return parse_git_log(done.stdout, zone)
