"""Builder: the one place that knows the stage order (load -> render -> index -> pages -> write)."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2

from kbsite.config.i18n import strings_for
from kbsite.config.siteconfig import SiteConfig, load_config
from kbsite.errors import Diagnostic, KbsiteError, Severity
from kbsite.load.bibtex import BibCache
from kbsite.load.content import NoteCache, load_content, settle_categories
from kbsite.load.notebook import in_cells
from kbsite.render.cachefiles import CACHE_DIR, RENDER_CACHE
from kbsite.render.math.formulas import Formulas
from kbsite.render.math.prestart import start_ahead
from kbsite.render.notes import render_notes, renderer_salt
from kbsite.render.options import RenderOptions
from kbsite.render.store import RenderStore
from kbsite.site.graph import GraphCache, build_graph
from kbsite.site.index import Entry, Site, build_site
from kbsite.site.linktarget import LinkTarget
from kbsite.site.pages import Page, plan_pages
from kbsite.site.placement import Placement
from kbsite.site.redirects import plan_redirects, redirect_page
from kbsite.site.references import WorksFormat, cited_works
from kbsite.site.wikiindex import WikiIndex
from kbsite.urls import output_file
from kbsite.workers import DEFAULT_TUNING, Tuning, can_fork, default_jobs, return_free_memory
from kbsite.write.bodies import BodySource
from kbsite.write.extras import EXTRA_FILES, feed_inputs, write_extras
from kbsite.write.kept import KeepNone, KeptFiles, write_unless_kept
from kbsite.write.output import Manifest, StagedOutput, SyncedOutput, UpdatedOutput, file_count
from kbsite.write.outputdir import MARKER, check_output_dir, interrupts_held, output_lock
from kbsite.write.pagerender import render, render_pages_parallel
from kbsite.write.search import SEARCH_DIR, index_staged, index_synced
from kbsite.write.templates import (
    compile_templates,
    compiled_folder,
    make_environment,
    templates_signature,
)

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Writer = StagedOutput | SyncedOutput


@dataclass(frozen=True, slots=True)
class BuildOptions:
    site_dir: Path
    output: Path | None = None
    drafts: bool = False
    base_url: str | None = None
    # serve: pages get the live-reload script, and output is updated in place (only changed bytes)
    live_reload: bool = False
    incremental_output: bool = False
    jobs: int | None = None  # worker processes for cold builds; None: one per core
    cache: bool = True  # keep rendered notes in <site>/.kbsite-cache/ between runs
    strict: bool = False  # warnings (e.g. unresolved wiki links) fail the build
    tuning: Tuning = DEFAULT_TUNING  # from how much work stages use worker processes
    # The only build of this Builder (`kbsite build`): the parsed notes are not kept for a next
    # one, so their text is let go once the pages are planned (kbsite.site.placement).
    one_build: bool = False


@dataclass(frozen=True, slots=True)
class BuildResult:
    notes: int
    pages: int
    files: int
    seconds: float
    output: Path
    warnings: tuple[Diagnostic, ...] = ()
    changed: tuple[str, ...] = ()  # output files written or removed (all of them for a full write)
    rendered: int = 0  # notes rendered by this build (the rest came from the cache)
    snapshot: Snapshot | None = None  # a build into a served folder: what serve keeps of it
    skipped: tuple[str, ...] = ()  # other tools' navigation files under content/, not built


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a successful build into a served folder leaves for serve's quick pages
    (kbsite.serve.quickpage): the build knows nothing of them, serve keeps this. Read-only
    data the next build changes none of, and no open store; two working objects are shared
    with the Builder on purpose, so a quick page renders as the build did: the compiled
    templates (env) and the formula session (formulas)."""

    config: SiteConfig
    output: Path
    env: jinja2.Environment  # the templates the pages were rendered with, compiled
    shared: Mapping[str, Any]
    entries: Mapping[str, Entry]  # by the note's path inside content/
    texts: Mapping[str, str]  # each note's Markdown, by the same path (an Entry has none)
    pages: Mapping[str, Page]  # note pages by site path
    targets: Mapping[str, LinkTarget]
    assets: frozenset[str]
    wiki: WikiIndex
    render_cache: Path | None  # the render cache's file (None: the build kept it in memory)
    render_options: RenderOptions  # what the notes rendered with (the bibliography among it)
    formulas: Formulas  # the renderings of formulas, and their process, the notes rendered with


@dataclass(slots=True)
class BuildCache:
    """What a Builder keeps from one build for the next (serve's rebuilds): each stage's reusable
    work, kept in one object the Builder owns rather than in module globals."""

    notes: NoteCache = field(default_factory=dict)  # parsed notes by file stat
    manifest: Manifest = field(default_factory=dict)  # serve's folder: files and digests
    config: SiteConfig | None = None  # the last build's: another one starts the cache afresh
    store: RenderStore | None = None  # the render cache, open
    placement: Placement = field(default_factory=Placement)  # the last build's, to reuse
    graph: GraphCache = field(default_factory=GraphCache)
    env: tuple[Hashable, jinja2.Environment] | None = None  # the Jinja environment, by its key
    bibliographies: BibCache = field(default_factory=BibCache)  # parsed .bib files by content
    works: WorksFormat = field(default_factory=WorksFormat)  # /references/'s entries
    indexed: dict[str, str] = field(default_factory=dict)  # serve: note page -> digest indexed

    def start_afresh(self, config: SiteConfig) -> None:
        """Forget what another config (categories, time zone) would make wrong."""
        self.notes.clear()
        self.placement = Placement()
        self.config = config


@dataclass(slots=True)
class Builder:
    """Builds a site; keeps parsed and rendered notes and formulas between builds (serve)."""

    options: BuildOptions
    progress: Progress | None = None
    formulas: Formulas = field(default_factory=Formulas)  # `kbsite build` starts one ahead
    # Which files a build into a folder it updates in place may leave as they are: serve's
    # page fingerprints (kbsite.serve.pagekeys); a build on its own writes every file.
    kept: KeptFiles = field(default_factory=KeepNone)
    _cache: BuildCache = field(default_factory=BuildCache)

    def build(self) -> BuildResult:
        """Run every stage; on errors raise KbsiteError and leave the old output untouched."""
        # The cyclic garbage collector would scan every note, entry and page object again and
        # again while a build allocates; that was half of a 5,000-note rebuild in serve. Almost
        # nothing a build makes is cyclic, so collect once the build is over instead.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._build()
        finally:
            if enabled:
                gc.enable()

    @property
    def entries(self) -> tuple[Entry, ...]:
        """The notes the last build placed on the site, with their URLs (for tools and tests)."""
        return tuple(self._cache.placement.entries.values())

    def _build(self) -> BuildResult:
        started = time.perf_counter()
        config = load_config(self.options.site_dir, base_url=self.options.base_url)
        output = self.options.output.resolve() if self.options.output else config.output_dir
        check_output_dir(config, output)
        if config != self._cache.config:  # categories or time zone may have changed
            self._cache.start_afresh(config)
        jobs = self.options.jobs or default_jobs()
        self.formulas.forget_engine_failures()  # what KaTeX's engine failed on: try again
        # A large cold build: the formula process reads the notes for their formulas while this
        # process does, so this one's own workers would only compete with it for the cores.
        readers = 1 if self._scans_formulas(config) else jobs
        content, problems = load_content(
            config, self._cache.notes, jobs=readers, tuning=self.options.tuning
        )
        notes = [n for n in content.notes if self.options.drafts or not n.draft]
        if not self.options.drafts:  # a draft notebook's file and images stay unpublished too
            drafts = {n.rel_path for n in content.notes if n.draft}
            kept = tuple(a for a in content.assets if a.notebook not in drafts)
            content = replace(content, assets=kept)
        config, notes = settle_categories(config, notes)  # `categories: auto` declares them
        store = self._render_store(config)
        note_bibs = sorted({path for n in notes for path in n.citation.bibliography})
        bib_paths = [*config.bibliography, *note_bibs]
        bibliography = self._cache.bibliographies.load(config.root, bib_paths)
        problems += [p for file in bibliography for p in file.problems]
        render_options = RenderOptions.for_site(config, bibliography)
        rendered, fresh = render_notes(
            notes,
            store,
            render_options,
            math=self.formulas,
            jobs=jobs,
            tuning=self.options.tuning,
            progress=lambda done, total: self._report("render", done, total),
            # The pages' workers, forked later, find the templates compiled.
            meanwhile=lambda: compile_templates(self._environment(config)),
        )
        store.retain({r.key for r in rendered})  # forget renderings of edits since undone
        entries = self._cache.placement.place(config, notes, rendered, content, problems)
        # A notebook's messages name its cells, not lines of the text made from it.
        problems[:] = in_cells(problems, {n.source: n.cells for n in notes if n.cells})
        if self.options.strict:
            problems[:] = [replace(p, severity=Severity.ERROR) for p in problems]
        if any(p.is_error for p in problems):
            raise KbsiteError(problems)
        site = build_site(config, entries)
        texts = {n.rel_path: n.body for n in notes}
        graph = build_graph(config, site.entries, texts, self._cache.graph)  # backlinks, related
        works = cited_works(site.entries, render_options.citations, self._cache.works)
        pages = plan_pages(site, graph, strings_for(config.language), works)
        taken = [output_file(p.site_path) for p in pages]
        taken += [output_file(path) for path, _ in feed_inputs(site)] + list(EXTRA_FILES)
        redirects, alias_problems = plan_redirects(config, site.entries, taken)
        if alias_problems:
            raise KbsiteError(problems + alias_problems)
        # What is left to do needs no note's Markdown (entries do not hold it): let it go
        # before the pages' workers fork and Pagefind's processes start (41 MB at 5,000 notes).
        assets, navigation = content.assets, content.navigation
        del content, notes
        if self.options.one_build:
            self._cache.notes.clear()
            texts = {}
            return_free_memory()
        serve = self.options.incremental_output  # its folder is its own: no other build writes it
        with contextlib.nullcontext() if serve else output_lock(output):
            search = self._indexes_search(config)
            writer = self._writer(output, search)
            try:
                templates = templates_signature(config)
                self.kept.start(site, templates)
                extras = partial(
                    write_extras, config, site, pages, assets, writer, self.kept, store
                )
                self._write_pages(site, pages, writer, store, templates, meanwhile=extras)
                for rel, entry in redirects.items():
                    made_from = ("redirect", config, entry.site_path, entry.title)
                    redirect = partial(redirect_page, config, entry)
                    write_unless_kept(writer, self.kept, rel, made_from, redirect)
                note_pages = [output_file(p.site_path) for p in pages if p.template == "note.html"]
                if search and isinstance(writer, StagedOutput):
                    # Every formula is rendered by now: end the formula process (V8, ~110 MB
                    # at 1,000 notes) rather than keep it idle beside Pagefind's.
                    self.formulas.stop()
                    return_free_memory()  # what the pages' writing freed, before Pagefind's
                    index_staged(writer, output, note_pages, jobs)
                elif search and isinstance(writer, SyncedOutput):  # serve: changed shards only
                    indexed = index_synced(writer, note_pages, self._cache.indexed, jobs)
                    writer.changed.extend(indexed)
                with interrupts_held():
                    changed = writer.commit()
            except BaseException:
                writer.abort()
                raise
        return BuildResult(
            notes=len(entries),
            pages=len(pages),
            files=file_count(writer, changed, output / SEARCH_DIR if search else None),
            seconds=time.perf_counter() - started,
            output=output,
            warnings=tuple(sorted(problems)),
            changed=tuple(changed),
            rendered=fresh,
            skipped=navigation,
            snapshot=(
                self._snapshot(config, output, site, pages, store, render_options, texts)
                if isinstance(writer, SyncedOutput)
                else None
            ),
        )

    def _snapshot(
        self, config: SiteConfig, output: Path, site: Site, pages: list[Page], store: RenderStore,
        render_options: RenderOptions, texts: dict[str, str],
    ) -> Snapshot:  # fmt: skip
        assert self._cache.env is not None
        assert self._cache.placement.wiki is not None
        return Snapshot(
            config=config,
            output=output,
            env=self._cache.env[1],
            shared=MappingProxyType({"categories": site.categories}),
            entries=MappingProxyType({e.note.rel_path: e for e in site.entries}),
            texts=MappingProxyType(texts),
            pages=MappingProxyType({p.site_path: p for p in pages if p.template == "note.html"}),
            targets=MappingProxyType(dict(self._cache.placement.targets)),
            assets=self._cache.placement.asset_paths,
            wiki=self._cache.placement.wiki[1],
            render_cache=store.path,
            render_options=render_options,
            formulas=self.formulas,
        )

    def _writer(self, output: Path, search: bool) -> Writer:
        """serve updates its folder in place; a build replaces a new output folder whole, and
        updates one it built before, staging only the files whose bytes changed."""
        if self.options.incremental_output:
            return SyncedOutput(output, self._cache.manifest)
        if (output / MARKER).is_file():
            preserve = (SEARCH_DIR,) if search else ()
            return UpdatedOutput(output, preserve=preserve, spare=self._spare_folder(output))
        return StagedOutput(output)

    def _spare_folder(self, output: Path) -> Path | None:
        """Where the site a rebuild retires waits to be the next one's staging folder: in the
        cache, one per output folder; none without the cache."""
        if not self.options.cache:
            return None
        name = hashlib.blake2b(os.fsencode(output.resolve()), digest_size=6).hexdigest()
        return self.options.site_dir.resolve() / CACHE_DIR / f"retired-site-{name}"

    def _indexes_search(self, config: SiteConfig) -> bool:
        """Index for search unless the site turns it off; serve too, where a save indexes
        again only the shard of the note it changed (kbsite.write.search.index_synced)."""
        return config.search

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _scans_formulas(self, config: SiteConfig) -> bool:
        """Tell whether the formula process reads the notes for their formulas in this build:
        `kbsite build` started it so, or a large cold build starts it now (render.math.prestart)."""
        cold = not self._cache.notes  # not a rebuild (serve's render a note or two)
        cache, tuning = self.options.cache, self.options.tuning
        return start_ahead(self.formulas, config.root, cache=cache, cold=cold, tuning=tuning)

    def _render_store(self, config: SiteConfig) -> RenderStore:
        path = (config.root / CACHE_DIR / RENDER_CACHE) if self.options.cache else None
        if self._cache.store is None or self._cache.store.path != path:
            self._cache.store = RenderStore(path)
        return self._cache.store

    def _write_pages(
        self,
        site: Site,
        pages: list[Page],
        writer: Writer,
        bodies: BodySource,
        templates: Hashable,
        *,
        meanwhile: Callable[[], None],
    ) -> None:
        """Render every page (but those `self.kept` finds unchanged), reading the note bodies
        pages show from `bodies`. Run `meanwhile` (other files to write) while worker
        processes render, else afterwards."""
        env = self._environment(site.config, templates)
        shared = {"categories": site.categories}
        jobs = self.options.jobs or default_jobs()
        if (
            writer.workers_may_write
            and jobs > 1
            and len(pages) >= self.options.tuning.parallel_pages
            and can_fork()
        ):
            render_pages_parallel(env, shared, pages, bodies, writer, jobs, self._report, meanwhile)
            for page in pages:
                self.kept.written(output_file(page.site_path), page)
            return
        for number, page in enumerate(pages, 1):
            produce = partial(render, env, shared, page, bodies)
            write_unless_kept(writer, self.kept, output_file(page.site_path), page, produce)
            if number % 100 == 0 or number == len(pages):
                self._report("pages", number, len(pages))
        meanwhile()

    def _environment(
        self, config: SiteConfig, templates: Hashable | None = None
    ) -> jinja2.Environment:
        """Reuse the Jinja environment (and its compiled templates) while config and templates
        (their signature, made here if not given) stay the same; a new override file must
        replace the theme's template it shadows."""
        if templates is None:
            templates = templates_signature(config)
        key = (config, self.options.live_reload, templates)
        if self._cache.env is None or self._cache.env[0] != key:
            cache = config.root / CACHE_DIR
            compiled = compiled_folder(cache, renderer_salt()) if self.options.cache else None
            env = make_environment(config, live_reload=self.options.live_reload, compiled=compiled)
            self._cache.env = (key, env)
        return self._cache.env[1]
