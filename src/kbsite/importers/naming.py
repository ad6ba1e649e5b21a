"""Where each imported post goes in content/: two posts never share a file, none is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from slugify import slugify

from kbsite.importers.convert import Converted


@dataclass(frozen=True, slots=True)
class Placed:
    """A post's note path inside content/ (cat/name.md or cat/name/index.md), its files'."""

    note: str
    files: tuple[tuple[Path, str], ...]  # (file, path inside content/)


def place_notes(
    converted: Sequence[Converted], folders: Sequence[str], problems: list[str]
) -> list[Placed]:
    """Give each post its path; a later post (by source path) whose name is taken, or slugifies
    like a taken one (`pointnet`, `pointnet++`), gets `-2`, `-3`... and a line in problems."""
    taken: dict[str, Path] = {}
    placed = []
    for item, folder in zip(converted, folders, strict=True):
        name = PurePosixPath(item.file_name).parts[0].removesuffix(".md")
        wanted, number = name, 1
        while _key(folder, wanted) in taken:
            number += 1
            wanted = f"{name}-{number}"
        taken[_key(folder, wanted)] = item.source
        if wanted != name:
            first = taken[_key(folder, name)]
            problems.append(
                f"{item.source}: {folder}/{name} is taken by {first}; "
                f"written as {folder}/{wanted} instead"
            )
        note = item.file_name.replace(name, wanted, 1)
        files = tuple((file, f"{folder}/{wanted}{rel[len(name) :]}") for file, rel in item.files)
        placed.append(Placed(f"{folder}/{note}", files))
    return placed


def _key(folder: str, name: str) -> str:
    return f"{folder}/{slugify(name) or name.lower()}"
