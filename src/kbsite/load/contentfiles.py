"""Which files under content/ make the site (not hidden files, editor backups, or the
navigation files of the note tool a folder was written for: issue 23), and reading a note's
bytes as text."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

# A folder's page in Hugo and Zola, like README.md: kept (kbsite.site.urlplan reads it so).
_FOLDER_PAGE = "_index.md"


def is_navigation_file(rel_path: str) -> bool:
    """Tell whether a Markdown file is another tool's navigation, not a note: docsify's
    `_sidebar.md`, `_navbar.md` and `_coverpage.md`, and any `_name.md` (docsify, Jekyll and
    Hugo all read a leading underscore as "not a page"); kbsite makes its own navigation."""
    name = rel_path.rsplit("/", 1)[-1].lower()
    return name.startswith("_") and name.endswith(".md") and name != _FOLDER_PAGE


def walk_content(root: Path) -> list[tuple[str, str]]:
    """List (posix path under root, full path) of files, skipping hidden files and folders
    (editor and VCS files), in path order. Plain strings: `serve` lists thousands per save."""
    found: list[tuple[str, str]] = []
    top = str(root)
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        prefix = os.path.relpath(folder, top).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for name in files:
            if not name.startswith(".") and not name.endswith("~"):
                found.append((prefix + name, os.path.join(folder, name)))
    found.sort(key=lambda pair: pair[0].split("/"))  # the order of sorted(Path)
    return found


def decode_note(data: bytes) -> tuple[str | None, tuple[int, str]]:
    """Decode a note's bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Return (text, _) or (None, (line, message)) for a binary or non-UTF-8 file.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), (0, "")
        except UnicodeDecodeError:
            pass
    if b"\0" in data[:8192]:
        return None, (1, "binary file, not Markdown text; rename it or move it out of content/")
    try:
        return data.decode("utf-8"), (0, "")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it reads as GBK/GB18030: `iconv -f GB18030 -t UTF-8` converts it)"
        except UnicodeDecodeError:
            pass
        return None, (line, f"not valid UTF-8; re-save the file as UTF-8{hint}")


def navigation_files_summary(skipped: Sequence[str]) -> str:
    """Say in one line which navigation files of other note tools were left out."""
    paths, more = skipped[:3], len(skipped) - 3
    shown = ", ".join(paths) + (f" and {more} more" if more > 0 else "")
    files = "file" if len(skipped) == 1 else "files"
    return (
        f"Left out {len(skipped)} navigation {files} of other note tools ({shown}): "
        "kbsite makes its own"
    )
