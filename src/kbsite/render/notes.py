"""The render stage: notes -> RenderedNote, in parallel, through the render cache
(kbsite.render.store), which also holds each note's HTML until its page is written."""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from functools import cache
from importlib import metadata, resources
from multiprocessing import get_context
from pathlib import Path

from kbsite import __version__
from kbsite.load.content import Note
from kbsite.load.notebook import is_notebook
from kbsite.render.cite.entries import note_paper
from kbsite.render.excerpt import make_excerpt, readable_inline, reading_minutes
from kbsite.render.highlight import load_lexers_for
from kbsite.render.markdown import render_markdown, render_title, warm_up_markdown
from kbsite.render.math.formulafinder import Formula
from kbsite.render.math.formulas import Formulas
from kbsite.render.math.formulaserver import FormulaProcess
from kbsite.render.math.tex import ENGINE_FAILED
from kbsite.render.notebook.cells import NotebookSettings
from kbsite.render.options import RenderOptions
from kbsite.render.rendered import RenderedNote
from kbsite.render.store import RenderStore
from kbsite.render.syntax.citations import NoteCitations
from kbsite.workers import (
    DEFAULT_TUNING,
    Tuning,
    can_fork,
    can_spawn,
    start_worker,
    worker_job,
)

log = logging.getLogger(__name__)

_CHUNK = 16


@cache  # of the code and packages installed, which do not change while a process runs
def renderer_salt() -> str:
    """Identify everything besides a note's text that shapes its HTML, for cache keys."""
    parts = [__version__, _package_source_digest()]
    for package in (
        "markdown-it-py",
        "mdit-py-plugins",
        "pygments",
        "pykatex",
        "linkify-it-py",
        "citeproc-py",  # citations and bibliographies
        "bibtexparser",
        "pylatexenc",
        "nbformat",  # a notebook's text
    ):
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=?")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _package_source_digest() -> str:
    """Hash kbsite's own code, so an edited checkout (same version number) never reuses
    renderings made by different code."""
    digest = hashlib.sha256()
    package = resources.files("kbsite")
    if not isinstance(package, Path):  # a zipped install: hash what the import system reads
        raise ImportError(f"kbsite must be installed as files on disk, not {package!r}")
    # The vendored KaTeX shapes every formula's MathML just as the Python does, and the
    # shipped CSL styles every citation.
    katex = package.glob("render/math/vendor/*/*.js")
    styles = package.glob("render/cite/styles/*.csl")
    for path in sorted([*package.rglob("*.py"), *katex, *styles]):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_key(note: Note, options: RenderOptions) -> str:
    """Return the cache key of a note's rendering: its bytes, place, the options it renders
    with and the renderer's version."""
    # A note citing no work of the bibliography renders the same in every citation style.
    cited = options.citations.note_key(note)
    parts = (
        renderer_salt(),
        note.digest,
        note.source,
        note.body_line,
        *_options_key(options),
        *(options.citations.identity() if cited else ()),
        cited,
    )
    return hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()


def _options_key(options: RenderOptions) -> tuple[object, ...]:
    # The bibliography keys a note by what it cites (above), not whole.
    return tuple(getattr(options, f.name) for f in fields(options) if f.name != "citations")


def render_note(
    note: Note, key: str, options: RenderOptions, math: Formulas
) -> tuple[RenderedNote, str]:
    """Render one note: HTML plus what indexes need of it (its formulas through `math`)."""
    entries = options.citations.entries_for(note.citation.bibliography)
    result = render_markdown(
        note.body,
        path=note.source,
        first_line=note.body_line,
        math=math,
        heading_anchor=options.heading_anchor,
        math_macros=options.math_macros,
        label_names=options.label_names,
        sidenotes=options.sidenotes,
        citations=NoteCitations(entries, options.citations),
        notebook=NotebookSettings(options.notebook_scripts, options.output_hidden)
        if is_notebook(note.rel_path)
        else None,
    )
    paper, paper_problems = note_paper(note, entries)
    meta = RenderedNote(
        key=key,
        toc=result.toc,
        anchors=result.anchors,
        links=result.links,
        excerpt=readable_inline(note.summary)
        if note.summary
        else make_excerpt(result.excerpt_text, options.summary_length),
        reading_minutes=reading_minutes(result.text),
        diagnostics=(*result.diagnostics, *paper_problems),
        has_mermaid=result.has_mermaid,
        labels=result.labels,
        has_sidenotes=result.has_sidenotes,
        title_html=render_title(note.title, math=math, math_macros=options.math_macros),
        cites=result.cited,
        paper=paper,
    )
    return meta, result.html


@dataclass(frozen=True, slots=True)
class _RenderJob:
    """A worker's notes to render, handed over once when it starts: by fork, without pickling
    (sending each chunk's notes through the pool's queue kept ~100 MB of pickles alive at
    10,000 notes)."""

    notes: Sequence[tuple[Note, str]]  # (note, render key)
    # The options, handed over with them: they hold the whole bibliography, too much to send
    # along with every chunk.
    options: RenderOptions
    # The build's formulas: forked, with every rendering made so far; spawned, only the
    # address of the formula process (kbsite.render.math.formulas).
    math: Formulas
    prefetch: bool  # ask for its notes' formulas first (spawned: it inherited no renderings)
    store: _WorkerStore


def _init_render_worker(
    jobs: Sequence[tuple[Note, str]],
    options: RenderOptions,
    math: Formulas,
    prefetch: bool,
    cache: Path | None,
) -> None:
    """Worker start: its jobs, options, formulas and render cache."""
    start_worker(_RenderJob(jobs, options, math, prefetch, _WorkerStore(cache)))


def _render_range(start: int, stop: int) -> list[tuple[RenderedNote, str | None]]:
    """Worker: render notes and store them in the cache file itself, so the HTML need not
    travel to the main process (which was a fifth of a core's work at 5,000 notes). Return
    each rendering, with its HTML only if the file did not take it."""
    job = worker_job(_RenderJob)
    jobs = job.notes[start:stop]
    if job.prefetch:  # one request for the range, not one per note
        job.math.render_many(sorted(job.math.unrendered(note.body for note, _key in jobs)))
    results = [render_note(note, key, job.options, job.math) for note, key in jobs]
    exact = [(meta, html) for meta, html in results if is_exact(meta)]
    store = job.store.open()
    if store is not None and exact and store.put_many(exact):
        stored = {meta.key for meta, _html in exact}
        return [(meta, None if meta.key in stored else html) for meta, html in results]
    return [(meta, html) for meta, html in results]


class _WorkerStore:
    """The render cache as a worker opens it: on its first rendered notes, once per worker."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._store: RenderStore | None = None

    def open(self) -> RenderStore | None:
        """The open store; None without a cache."""
        if self._store is None and self.path is not None:
            self._store = RenderStore(self.path)
        return self._store


def is_exact(meta: RenderedNote) -> bool:
    """Tell whether a rendering is what rendering again would give: not one where KaTeX's
    engine failed (kbsite.render.math.tex), which must never be kept for a later build."""
    return not any(d.key == ENGINE_FAILED for d in meta.diagnostics)


def store_rendered(store: RenderStore, rendered: Sequence[tuple[RenderedNote, str]]) -> None:
    """Put renderings in the store: exact ones for later builds, the others for this one."""
    store.put_many([(meta, html) for meta, html in rendered if is_exact(meta)])
    store.keep_for_this_build([(meta, html) for meta, html in rendered if not is_exact(meta)])


def render_notes(
    notes: Sequence[Note],
    store: RenderStore,
    options: RenderOptions,
    *,
    math: Formulas,
    jobs: int,
    tuning: Tuning = DEFAULT_TUNING,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], None] = lambda: None,
) -> tuple[list[RenderedNote], int]:
    """Render notes not already in the store, across `jobs` processes when worth it (tuning).
    Their formulas render through `math` (kbsite.render.math.formulas). `meanwhile`
    runs while worker processes render (work this process has to do anyway, at no cost).

    Return every note's rendering and how many were rendered (not found in the cache).
    """
    keys = [render_key(n, options) for n in notes]
    found = store.get_many(keys)
    missing = [(n, k) for n, k in zip(notes, keys, strict=True) if k not in found]
    missing = list({k: (n, k) for n, k in missing}.values())  # one render per distinct key
    done = len(notes) - len(missing)
    if progress:
        progress(done, len(notes))
    # fork where it is safe, spawn elsewhere, one process when neither can work (kbsite.workers).
    method = "fork" if can_fork() else "spawn" if can_spawn() else ""
    parallel = bool(method) and jobs > 1 and len(missing) >= tuning.parallel_renders
    if method == "fork" or not parallel:
        # Every formula in one go, before any worker forks: the workers inherit the results.
        todo = [note for note, _key in missing]
        if parallel:  # while the formula process renders: what each forked worker would repeat
            load_lexers_for(note.body for note in todo)
            warm_up_markdown()
        _render_formulas_first(todo, math)
    if parallel:
        if method == "fork":
            # Forked workers inherit every rendering made above, so V8's process (~130 MB at
            # 5,000 notes, a third of the build's peak) is ended before they start. A formula
            # the scan could not see (one in a pseudocode block) makes the worker that meets
            # it start a formula process of its own, with QuickJS (~6 ms): same bytes.
            math.stop()
        else:
            # Spawned workers' formula process: one that runs, not scanning (a scan would hold
            # up their requests), so they never start one each.
            process = math.process() or math.start()
            if process.scanning:
                process.scanned()
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=get_context(method),
            initializer=_init_render_worker,
            initargs=(missing, options, math, method == "spawn", store.path),
        ) as pool:
            futures = deque(
                pool.submit(_render_range, i, i + _CHUNK) for i in range(0, len(missing), _CHUNK)
            )
            meanwhile()  # this process has nothing else to do until results come
            while futures:
                # Popped, so HTML sent back is freed once stored: a future keeps its result.
                results = futures.popleft().result()
                store_rendered(store, [(meta, html) for meta, html in results if html is not None])
                store.adopt(meta for meta, html in results if html is None)
                found.update((meta.key, meta) for meta, _html in results)
                done += len(results)
                if progress:
                    progress(done, len(notes))
    else:
        for start in range(0, len(missing), _CHUNK):
            share = missing[start : start + _CHUNK]
            chunk = [render_note(n, k, options, math) for n, k in share]
            store_rendered(store, chunk)
            found.update((meta.key, meta) for meta, _html in chunk)
            done += len(chunk)
            if progress:
                progress(done, len(notes))
    return [found[k] for k in keys], len(missing)


# Notes whose formulas are found and sent to the formula process at a time: it renders one
# share while the next is being found.
_FIND_SHARE = 128


def _render_formulas_first(notes: Sequence[Note], math: Formulas) -> None:
    """Render the distinct formulas of the notes into `math`, in its formula process
    (kbsite.render.math.formulaserver): what a scan of the notes has found, and the rest in
    one request, so a large batch goes to V8 and the notes' workers find them all rendered."""
    process = math.process()
    if process is None or not process.scanning:
        math.render_many(sorted(math.unrendered(note.body for note in notes)))
        return
    scanned = process.scanned()
    _send_formulas(process, math, [note for note in notes if note.rel_path not in scanned])
    results = process.collect()
    if results is None:  # the process died: ask again (a new one)
        math.render_many(sorted(math.unrendered(note.body for note in notes)))
    else:
        math.remember(results)


def _send_formulas(process: FormulaProcess, math: Formulas, notes: Sequence[Note]) -> None:
    """Send each distinct formula of the notes not yet rendered here, a share of notes at a
    time, so the formula process renders while the next share is searched."""
    sent: set[Formula] = set()
    for start in range(0, len(notes), _FIND_SHARE):
        new = sorted(math.unrendered(n.body for n in notes[start : start + _FIND_SHARE]) - sent)
        sent.update(new)
        process.submit(new)
