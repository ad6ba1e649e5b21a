"""Which search shard holds which note, and whether a built shard can be kept as it is.

Pagefind builds an index in one piece: it indexes every page again for any change (12 s for
a one-note edit at 1,000 notes, issue 21). So the notes are split into shards by a hash of
their URL, each shard a Pagefind index of its own that the browser merges (Pagefind's
mergeIndex); a rebuild indexes only the shards whose notes changed, and links the others from
the built site. A note's shard depends on its URL alone, so adding notes leaves the others in
place; the number of shards doubles as the site does, which re-indexes everything once.

Layout under pagefind/: shard 0 and Pagefind's scripts at the top (where a one-shard site's
index always was), shard k in `k/`, `shards.json` telling the browser how many there are, and
in each shard `kbsite-shard.json`: its notes, its files with their sizes, and the salt.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

# Measured at 1,000 and 5,000 notes (README, issue 21): a one-note edit costs the indexing of
# its shard, ~0.6 s with shards of 80. With an index of characters (kbsite.write.searchtext)
# every shard costs each query more: at 5,000 notes in Chromium (benchmarks/search_query.py,
# one loaded machine, back to back) later queries took a median of 316 ms with 64 shards, 226
# with 32 and 204 with 16, the first query of a page 2.5 s, 1.2 s and 1.2 s; one shard took
# 0.95 s, 1.7 s and 3.4 s to index. 32 takes most of the gain for half the edit cost of 16.
SHARD_NOTES = 80
MAX_SHARDS = 32
SHARDS_FILE = "shards.json"
STATE_FILE = "kbsite-shard.json"


@dataclass(frozen=True, slots=True)
class Shard:
    number: int
    pages: tuple[tuple[str, str], ...]  # (url, html file relative to the site root), by url

    @property
    def folder(self) -> str:
        """The shard's folder under pagefind/: '' for shard 0, 'k/' for the others."""
        return f"{self.number}/" if self.number else ""


def shard_count(notes: int) -> int:
    """The smallest power of two that keeps shards at SHARD_NOTES notes or fewer."""
    count = 1
    while count * SHARD_NOTES < notes and count < MAX_SHARDS:
        count *= 2
    return count


def plan_shards(note_files: list[str]) -> list[Shard]:
    """Split note pages (`large-model/lora/index.html`) into shards by a hash of their URL."""
    count = shard_count(len(note_files))
    groups: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for rel in note_files:
        url = page_url(rel)
        digest = hashlib.sha256(url.encode()).digest()
        groups[int.from_bytes(digest[:4], "big") % count].append((url, rel))
    return [Shard(number, tuple(sorted(group))) for number, group in enumerate(groups)]


def page_url(rel: str) -> str:
    """The URL Pagefind gives a page, relative to the site root: `/large-model/lora/`."""
    folder = rel.removesuffix("index.html")
    return "/" + folder if folder != rel else "/" + rel


def shard_state(shard: Shard, files: dict[str, int], salt: str) -> bytes:
    """What a shard's kbsite-shard.json says: its notes, its files and sizes, the salt."""
    state = {"salt": salt, "urls": [url for url, _ in shard.pages], "files": files}
    return json.dumps(state, ensure_ascii=False, sort_keys=True, indent=0).encode()


def reusable(built: Path, shard: Shard, changed: set[str], salt: str) -> dict[str, int] | None:
    """Return the files of the built site's copy of `shard` if it can be kept: made with the
    same salt, of the same notes, none of their pages changed, and every file whole."""
    if any(rel in changed for _, rel in shard.pages):
        return None
    try:
        state = json.loads((built / shard.folder / STATE_FILE).read_bytes())
        if state["salt"] != salt or state["urls"] != [url for url, _ in shard.pages]:
            return None
        files = {str(k): int(v) for k, v in state["files"].items()}
        if all((built / shard.folder / rel).stat().st_size == size for rel, size in files.items()):
            return files
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def built_count(built: Path) -> int:
    """How many shards the built index has (0 if it has none kbsite can read)."""
    try:
        return int(json.loads((built / SHARDS_FILE).read_bytes())["shards"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def check_index(bundle: Path) -> list[str]:
    """Return every file of the index in `bundle` (pagefind/), relative to it, after checking
    that each file a shard lists is there with its full size; raise IncompleteIndex if not."""
    problems: list[str] = []
    files = [SHARDS_FILE]
    for number in range(max(1, built_count(bundle))):
        folder = f"{number}/" if number else ""
        try:
            listed = json.loads((bundle / folder / STATE_FILE).read_bytes())["files"]
        except (OSError, ValueError, KeyError, TypeError):
            problems.append(f"{folder}{STATE_FILE} (missing or unreadable)")
            continue
        files.append(folder + STATE_FILE)
        for rel, size in sorted(listed.items()):
            try:
                found = (bundle / folder / rel).stat().st_size
            except OSError:
                found = -1
            if found != size:
                have = "missing" if found < 0 else f"{found} bytes"
                problems.append(f"{folder}{rel} ({have}, {size} expected)")
            files.append(folder + rel)
    if problems:
        raise IncompleteIndex(problems)
    return sorted(files)


class IncompleteIndex(Exception):
    """Files of a search index are missing or shorter than Pagefind made them."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


def link(source: Path, target: Path) -> None:
    """Hard-link a built file into the new site (a copy where links are not possible)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, target)
