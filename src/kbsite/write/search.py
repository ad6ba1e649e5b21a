"""The search index: Pagefind run over the finished note pages, shard by shard.

Pagefind reads a copy of each note page whose Chinese is split into characters by kbsite
(kbsite.write.searchtext), and the theme asks a query as the phrase of its characters, so 注意力
or 低秩 find the notes that hold them as written, whichever Pagefind binary runs. Only the
note article is indexed (`data-pagefind-body` in note.html); inside it, chrome carries
`data-pagefind-ignore`. A rebuild indexes only the shards whose notes changed
(kbsite.write.searchshards), and a build succeeds only once every file of the index is written
whole and checked (issue 21).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from kbsite.errors import KbsiteError, error
from kbsite.write.files import same_bytes, write_atomic
from kbsite.write.output import StagedOutput, SyncedOutput, UpdatedOutput
from kbsite.write.pagefindservice import INSTALL_HINT, PagefindError, PagefindService
from kbsite.write.searchcanon import ENTRY, canonicalize
from kbsite.write.searchshards import (
    SHARDS_FILE,
    STATE_FILE,
    IncompleteIndex,
    Shard,
    built_count,
    check_index,
    link,
    plan_shards,
    reusable,
    shard_state,
)
from kbsite.write.searchtext import indexed_html

log = logging.getLogger(__name__)

SEARCH_DIR = "pagefind"
# A formula is indexed as kbsite.write.searchtext writes it (readable text, then its TeX);
# a code block's language label is not part of its code.
EXCLUDE = [
    ".heading-anchor",
    ".footnote-backref",
    ".code-lang",
]


def pagefind_executable() -> Path:
    """Find Pagefind's binary; explain the fix when it is missing."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        binary = None
    else:
        binary = get_executable()
    if binary is None:
        raise KbsiteError(
            [
                error(
                    "site.yaml",
                    0,
                    "the Pagefind search indexer is not installed; install it with "
                    f"`{INSTALL_HINT}`, or set `search: false` in site.yaml",
                    key="search",
                )
            ]
        )
    # Either build will do: kbsite splits Chinese itself, Pagefind's segmenter is not used.
    return binary


# Left in the index folder by earlier versions of kbsite, which moved a rebuild's pages in first and
# indexed after: a build stopped in between left new pages with an old index and this mark. A
# build now indexes the staged site before swapping it in; it still re-indexes a marked index.
STALE_MARK = ".kbsite-stale"
# Bump when kbsite changes what it gives Pagefind (7: readable math writes ℝ^(N+1)): every
# shard is indexed again.
FORMAT = 7
# The notes come split into words already (kbsite.write.searchtext: a CJK character is a word),
# so Pagefind is told a language it has no segmenter or stemmer for: its words would not match
# the query's, and it costs time (1,000 corpus notes: 5.0-5.7 s of Pagefind CPU for und on
# characters against 6.8 s for zh-cn on words). Its script finds an index of any language when
# none has the page's.
LANGUAGE = "und"


@dataclass(frozen=True, slots=True)
class SearchIndex:
    pages: int
    files: tuple[str, ...]  # the index's files under the site root, e.g. pagefind/pagefind.js
    changed: tuple[str, ...]  # of those, the ones whose bytes the built site did not have
    shards: int
    indexed: int  # shards indexed by this build; the others were kept from the built site
    seconds: float


def build_search_index(
    site_root: Path,
    note_files: Collection[str],
    *,
    built: Path | None = None,
    changed: Collection[str] = (),
    jobs: int = 2,
) -> SearchIndex:
    """Index the note pages (`large-model/lora/index.html`) under site_root into
    site_root/pagefind/, keeping the shards of the built site whose notes did not change."""
    binary = pagefind_executable()
    started = time.perf_counter()
    target, old = site_root / SEARCH_DIR, built / SEARCH_DIR if built else None
    salt = _salt(binary)
    shards = plan_shards(sorted(note_files))
    kept: dict[int, dict[str, int]] = {}
    if old is not None and built_count(old) == len(shards) and not (old / STALE_MARK).exists():
        edited = set(changed)
        for shard in shards:
            files = reusable(old, shard, edited, salt)
            if files is not None:
                kept[shard.number] = files
    written: list[str] = []  # files whose bytes the built index did not have

    def keep(shard: Shard, bundle: dict[str, bytes]) -> None:
        for rel, data in bundle.items():
            _put(target, old, shard.folder + rel, data, written)

    todo = [s for s in shards if s.number not in kept]
    made = _index_shards(binary, site_root, todo, jobs, salt, keep)
    for shard in shards:
        if shard.number in kept:
            assert old is not None
            for rel in [*kept[shard.number], STATE_FILE]:
                link(old / shard.folder / rel, target / shard.folder / rel)
    _put(target, old, SHARDS_FILE, json.dumps({"shards": len(shards)}).encode(), written)
    every = _checked(target)
    seconds = time.perf_counter() - started
    log.info(
        "search index: %d pages, %d of %d shards indexed in %.2f s",
        len(note_files),
        made,
        len(shards),
        seconds,
    )
    new = tuple(sorted(f"{SEARCH_DIR}/{rel}" for rel in written))
    return SearchIndex(len(note_files), every, new, len(shards), made, seconds)


def _salt(binary: Path) -> str:
    """What a kept shard must have been made with: this Pagefind and these settings (the same
    on every machine, since kbsite-shard.json is published with the site)."""
    try:
        made_by = version(binary.parent.name)  # the wheel's package: pagefind_bin_extended
    except PackageNotFoundError:
        made_by = f"{binary.stat().st_size} bytes"
    text = f"{FORMAT} {binary.name} {made_by} {LANGUAGE} {' | '.join(EXCLUDE)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Pagefind's memory, measured on the 5,000-note corpus: a process holds ~40 MB while it reads a
# shard of 160 notes and peaks at ~107 MB while it builds that shard's files (GetFiles; 193 MB
# for 312 notes), and it never gives back the memory of an index it has deleted. So each shard
# gets a fresh process, and only one process at a time builds files while the others read
# pages: two processes building at once made the peak of a cold build (432 MB, with kbsite's
# own ~200 MB). Reading and building take about as long, so the processes still overlap.
def _index_shards(
    binary: Path,
    site_root: Path,
    shards: list[Shard],
    jobs: int,
    salt: str,
    keep: Callable[[Shard, dict[str, bytes]], None],
) -> int:
    """Index shards in up to `jobs` Pagefind processes at once, handing each one's files, its
    kbsite-shard.json among them, to `keep` (one call at a time) as soon as they are made:
    holding every shard's files until the last was made took ~30 MB more at 5,000 notes.
    Return how many shards were indexed."""
    queues: list[list[Shard]] = [[] for _ in range(max(1, min(jobs, len(shards))))]
    for shard in sorted(shards, key=lambda s: (-len(s.pages), s.number)):  # largest first
        min(queues, key=lambda q: sum(len(s.pages) for s in q)).append(shard)
    building = threading.Lock()  # one process builds its files at a time (see above)
    keeping = threading.Lock()  # one shard's files are written at a time

    def keep_in_turn(shard: Shard, files: dict[str, bytes]) -> None:
        with keeping:
            keep(shard, files)

    with ThreadPoolExecutor(len(queues)) as pool:
        runs = pool.map(
            lambda queue: _index_queue(binary, site_root, queue, salt, building, keep_in_turn),
            queues,
        )
        return sum(runs)


def _index_queue(
    binary: Path,
    site_root: Path,
    shards: list[Shard],
    salt: str,
    building: threading.Lock,
    keep: Callable[[Shard, dict[str, bytes]], None],
) -> int:
    try:
        for shard in shards:
            with PagefindService(binary) as service:  # a fresh process a shard (see above)
                config = {"exclude_selectors": EXCLUDE, "force_language": LANGUAGE}
                index = service.new_index(config)
                service.add_pages(
                    index,
                    (
                        (url, indexed_html((site_root / rel).read_text("utf-8")))
                        for url, rel in shard.pages
                    ),
                )
                with building:
                    files = service.files(index)
            bundle = _bundle(shard, canonicalize(files))
            bundle[STATE_FILE] = shard_state(shard, {r: len(d) for r, d in bundle.items()}, salt)
            keep(shard, bundle)
    except PagefindError as exc:
        raise KbsiteError(
            [error("site.yaml", 0, f"the Pagefind search indexer failed: {exc}", key="search")]
        ) from None
    return len(shards)


def _bundle(shard: Shard, files: dict[str, bytes]) -> dict[str, bytes]:
    """A shard's files: its index data; shard 0 also keeps Pagefind's scripts and styles, which
    every shard's bundle repeats and the browser loads once, from the top of pagefind/."""
    if shard.number == 0:
        return files
    return {
        rel: data for rel, data in files.items() if "/" in rel or not rel.endswith((".js", ".css"))
    }


def _put(target: Path, old: Path | None, rel: str, data: bytes, written: list[str]) -> None:
    """Write a file of the index, or link the built one when it has these bytes already (a
    shard indexed again because a page changed outside its note's text); note what is new."""
    if old is not None and same_bytes(old / rel, data):
        link(old / rel, target / rel)
        return
    (target / rel).parent.mkdir(parents=True, exist_ok=True)
    (target / rel).write_bytes(data)
    written.append(rel)


def _checked(target: Path) -> tuple[str, ...]:
    """Every file of the index under the site root, once each is checked whole; else fail."""
    try:
        return tuple(f"{SEARCH_DIR}/{rel}" for rel in check_index(target))
    except IncompleteIndex as exc:
        listed = ", ".join(f"{SEARCH_DIR}/{p}" for p in exc.problems[:5])
        if len(exc.problems) > 5:
            listed += f" and {len(exc.problems) - 5} more"
        message = f"the search index is incomplete: {listed}; the site was not updated"
        raise KbsiteError([error("site.yaml", 0, message, key="search")]) from None


def index_staged(writer: StagedOutput, output: Path, notes: list[str], jobs: int) -> None:
    """Index the staged site for search before it is swapped in, so its pages and index
    arrive together; an updated site keeps the shards of its index whose notes did not change
    (kbsite.write.searchshards). `notes`: the note pages, relative to the site."""
    if not isinstance(writer, UpdatedOutput):
        writer.written.extend(build_search_index(writer.root, notes, jobs=jobs).files)
        return
    writer.link_unchanged()  # the notes of a shard indexed again are read from here
    # A reused staging folder holds an older index, its files linked to built ones: the index
    # is written into an empty folder, unchanged shards linked again from the built site.
    writer.clear(SEARCH_DIR)
    changed = writer.changed + writer.removed()
    index = build_search_index(writer.root, notes, built=output, changed=changed, jobs=jobs)
    writer.changed.extend(index.changed)


def index_synced(
    writer: SyncedOutput, notes: list[str], indexed: dict[str, str], jobs: int
) -> list[str]:
    """Bring serve's index up to date in place after a build wrote `writer`'s pages: index
    again only the shards holding a note page whose bytes differ from when it was last
    indexed (`indexed`: page -> digest, updated here), write each changed file atomically,
    and return the index files written (commit() reports those removed). The first build
    indexes every shard."""
    binary = pagefind_executable()
    target, salt = writer.root / SEARCH_DIR, _salt(binary)
    shards = plan_shards(sorted(notes))
    changed = {rel for rel in notes if writer.fresh.get(rel) != indexed.get(rel)}
    if built_count(target) != len(shards):
        changed = set(notes)
    stale = [s for s in shards if reusable(target, s, changed, salt) is None]
    touched: list[str] = []

    def keep(shard: Shard, bundle: dict[str, bytes]) -> None:
        folder = target / shard.folder
        before = set(_listed(folder))
        # Data files first, then the entry file naming them, then the state: a browser that
        # fetches meanwhile finds the old index or the new one.
        for rel in sorted(bundle, key=lambda r: (r in (ENTRY, STATE_FILE), r == STATE_FILE, r)):
            if not same_bytes(folder / rel, bundle[rel]):
                write_atomic(folder / rel, bundle[rel])
                touched.append(shard.folder + rel)
        for rel in sorted(before - set(bundle)):  # commit() reports them removed
            (folder / rel).unlink(missing_ok=True)

    _index_shards(binary, writer.root, stale, jobs, salt, keep)
    count = json.dumps({"shards": len(shards)}).encode()
    if not same_bytes(target / SHARDS_FILE, count):
        write_atomic(target / SHARDS_FILE, count)
        touched.append(SHARDS_FILE)
    for extra in target.iterdir():  # shards past the count, once the site shrank
        if extra.is_dir() and extra.name.isdigit() and int(extra.name) >= len(shards):
            shutil.rmtree(extra)
    for rel in _checked(target):  # the served folder's files: commit() keeps them
        writer.fresh[rel] = "search index"
    indexed.clear()
    indexed.update({rel: writer.fresh.get(rel, "") for rel in notes})
    return [f"{SEARCH_DIR}/{rel}" for rel in sorted(touched)]


def _listed(folder: Path) -> list[str]:
    """The files a shard's state lists, and the state itself (none if it has no state)."""
    try:
        files = json.loads((folder / STATE_FILE).read_bytes())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [*map(str, files), STATE_FILE]
