"""The render stage: notes -> RenderedNote, in parallel, through a persistent cache.

A rendered note's HTML lives on disk in the cache, not in memory: at 10,000 notes of MathML-heavy
HTML, holding every body would cost gigabytes. The build keeps only what indexes need (TOC,
links, excerpt) and reads a body back when it writes that note's page or a feed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from kbsite import __version__
from kbsite.content import Note
from kbsite.errors import Diagnostic
from kbsite.excerpt import make_excerpt, readable_math, reading_minutes
from kbsite.markdown import Heading, Link, render_markdown

log = logging.getLogger(__name__)

CACHE_DIR = ".kbsite-cache"
# Below this many notes to render, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64
_CHUNK = 16


@dataclass(frozen=True, slots=True)
class RenderedNote:
    """What the build keeps of a rendered note; the HTML stays in the store under `key`."""

    key: str
    toc: tuple[Heading, ...]
    anchors: frozenset[str]
    links: tuple[Link, ...]
    excerpt: str
    reading_minutes: int
    diagnostics: tuple[Diagnostic, ...]
    has_mermaid: bool = False  # the page needs the diagram script


@cache
def renderer_salt() -> str:
    """Identify everything besides a note's text that shapes its HTML, for cache keys."""
    parts = [__version__, _package_source_digest()]
    for package in ("markdown-it-py", "mdit-py-plugins", "pygments", "pykatex", "linkify-it-py"):
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=?")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _package_source_digest() -> str:
    """Hash kbsite's own code, so an edited checkout (same version number) never reuses
    renderings made by different code."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_key(note: Note, summary_length: int) -> str:
    """Return the cache key of a note's rendering: its bytes, place and the renderer's version."""
    text = f"{renderer_salt()}\0{note.digest}\0{note.source}\0{note.body_line}\0{summary_length}"
    return hashlib.sha256(text.encode()).hexdigest()


class RenderStore:
    """Rendered HTML on disk (one file per note) plus an in-memory index of RenderedNote."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._memory: dict[str, str] = {}  # used when there is no folder (or it is not writable)
        self.index: dict[str, RenderedNote] = {}

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> RenderedNote | None:
        """Return the rendered note for a key, from memory or from the disk cache."""
        if key in self.index:
            return self.index[key]
        if self.folder is None:
            return None
        try:
            with self._path(key).open("rb") as handle:
                meta, _html = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return None
        if not isinstance(meta, RenderedNote):
            return None
        self.index[key] = meta
        return meta

    def html(self, key: str) -> str:
        """Return the stored HTML of a rendered note."""
        if key in self._memory:
            return self._memory[key]
        with self._path(key).open("rb") as handle:
            _meta, html = pickle.load(handle)
        return str(html)

    def put(self, meta: RenderedNote, html: str) -> None:
        """Store a rendering; fall back to memory when the cache folder cannot be written."""
        self.index[meta.key] = meta
        if self.folder is None or not _write_entry(self._path(meta.key), meta, html):
            self._memory[meta.key] = html

    def retain(self, keys: set[str]) -> None:
        """Forget (in memory) renderings no note uses any more."""
        self.index = {k: v for k, v in self.index.items() if k in keys}
        self._memory = {k: v for k, v in self._memory.items() if k in keys}


def _write_entry(path: Path, meta: RenderedNote, html: str) -> bool:
    """Write one cache entry atomically; return False when the folder is not writable."""
    # A name unique to this process and entry, not mkstemp: its randomness and retries cost
    # more than the write itself at thousands of notes.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.parent not in _MADE_DIRS:
            path.parent.mkdir(parents=True, exist_ok=True)
            _MADE_DIRS.add(path.parent)
        with open(tmp, "wb") as handle:
            pickle.dump((meta, html), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        _MADE_DIRS.discard(path.parent)
        log.warning("cannot write the render cache at %s: %s", path.parent, exc)
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


# Cache folders this process has made: a per-process memo of the file system, not state that
# changes results.
_MADE_DIRS: set[Path] = set()


def render_note(note: Note, key: str, summary_length: int) -> tuple[RenderedNote, str]:
    """Render one note: HTML plus what indexes need of it."""
    result = render_markdown(note.body, path=note.source, first_line=note.body_line)
    meta = RenderedNote(
        key=key,
        toc=result.toc,
        anchors=frozenset(result.anchors),
        links=result.links,
        excerpt=plain_summary(note.summary)
        if note.summary
        else make_excerpt(result.excerpt_text, summary_length),
        reading_minutes=reading_minutes(result.text),
        diagnostics=result.diagnostics,
        has_mermaid=result.has_mermaid,
    )
    return meta, result.html


_INLINE_MATH = re.compile(r"\$([^$\s](?:[^$]*[^$\s])?)\$")


def plain_summary(summary: str) -> str:
    """Show math in a hand-written summary as readable text: cards and feeds are plain text."""
    return _INLINE_MATH.sub(lambda m: readable_math(m[1]), summary)


def _render_chunk(
    jobs: Sequence[tuple[Note, str]], summary_length: int, folder: Path | None
) -> list[tuple[RenderedNote, str | None]]:
    """Worker: render notes, writing HTML to the cache; ship HTML back only if that failed."""
    results: list[tuple[RenderedNote, str | None]] = []
    for note, key in jobs:
        meta, html = render_note(note, key, summary_length)
        stored = folder is not None and _write_entry(folder / key[:2] / f"{key}.pickle", meta, html)
        results.append((meta, None if stored else html))
    return results


def render_notes(
    notes: Sequence[Note],
    store: RenderStore,
    summary_length: int,
    *,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[RenderedNote], int]:
    """Render notes not already in the store, across `jobs` processes when worth it.

    Return every note's rendering and how many were rendered (not found in the cache).
    """
    keys = [render_key(n, summary_length) for n in notes]
    found = {key: meta for key in keys if (meta := store.get(key)) is not None}
    missing = [(n, k) for n, k in zip(notes, keys, strict=True) if k not in found]
    missing = list({k: (n, k) for n, k in missing}.values())  # one render per distinct key
    done = len(notes) - len(missing)
    if progress:
        progress(done, len(notes))
    if jobs > 1 and len(missing) >= PARALLEL_THRESHOLD:
        chunks = [missing[i : i + _CHUNK] for i in range(0, len(missing), _CHUNK)]
        # fork: workers inherit the imported renderer instead of re-importing it (Linux, macOS
        # with care); spawn elsewhere.
        # A process with other threads (serve) must not fork: a lock held by another thread
        # would stay locked forever in the child.
        can_fork = "fork" in get_all_start_methods() and threading.active_count() == 1
        method = "fork" if can_fork else "spawn"
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context(method)) as pool:
            futures = [pool.submit(_render_chunk, c, summary_length, store.folder) for c in chunks]
            for future in futures:
                for meta, html in future.result():
                    store.index[meta.key] = meta
                    if html is not None:
                        store.put(meta, html)
                    found[meta.key] = meta
                    done += 1
                if progress:
                    progress(done, len(notes))
    else:
        for note, key in missing:
            meta, html = render_note(note, key, summary_length)
            store.put(meta, html)
            found[key] = meta
            done += 1
            if progress and (done % 50 == 0 or done == len(notes)):
                progress(done, len(notes))
    store.retain(set(keys))
    return [found[k] for k in keys], len(missing)


def default_jobs() -> int:
    """Use every core the process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
