"""Builder: the one place that knows the stage order (load -> render -> index -> pages -> write)."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from kbsite.config.i18n import strings_for
from kbsite.config.siteconfig import SiteConfig, load_config
from kbsite.errors import Diagnostic, KbsiteError, Severity
from kbsite.load.content import Asset, NoteCache, load_content, settle_categories
from kbsite.render.cachefiles import CACHE_DIR, RENDER_CACHE
from kbsite.render.math.prestart import start_ahead
from kbsite.render.math.prestart import stop as stop_formula_process
from kbsite.render.math.tex import forget_engine_failures
from kbsite.render.notes import render_notes, renderer_salt
from kbsite.render.options import RenderOptions
from kbsite.render.store import RenderStore
from kbsite.site.graph import GraphCache, build_graph
from kbsite.site.index import (
    Entry,
    Site,
    build_site,
)
from kbsite.site.linktarget import LinkTarget
from kbsite.site.pagekeys import fingerprint, site_key
from kbsite.site.pages import Page, link_note_pages, plan_pages
from kbsite.site.placement import Placement
from kbsite.site.redirects import plan_redirects, redirect_page
from kbsite.site.wikiindex import WikiIndex
from kbsite.urls import output_file
from kbsite.workers import can_fork, default_jobs
from kbsite.write.extras import EXTRA_FILES, feed_inputs, write_extras
from kbsite.write.output import Manifest, StagedOutput, SyncedOutput, UpdatedOutput, file_count
from kbsite.write.outputdir import MARKER, check_output_dir, interrupts_held, output_lock
from kbsite.write.pagerender import render, render_pages_parallel
from kbsite.write.search import SEARCH_DIR, index_staged, index_synced
from kbsite.write.templates import compile_templates, make_environment, templates_signature

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
Writer = StagedOutput | SyncedOutput
# Below this many pages, worker processes cost more than they save.
PARALLEL_PAGES = 400


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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a successful build into a served folder leaves for serve's quick pages
    (kbsite.serve.quickpage): the build knows nothing of them, serve keeps this."""

    config: SiteConfig
    output: Path
    env: jinja2.Environment
    shared: Mapping[str, Any]
    entries: Mapping[str, Entry]  # by the note's path inside content/
    pages: Mapping[str, Page]  # note pages by site path
    targets: Mapping[str, LinkTarget]
    assets: frozenset[str]
    wiki: WikiIndex
    store: RenderStore  # the render cache the build used
    manifest: Manifest  # the served folder's files and digests, updated as pages are written


@dataclass(slots=True)
class Builder:
    """Builds a site; keeps parsed and rendered notes between builds (for `serve`)."""

    options: BuildOptions
    progress: Progress | None = None
    _note_cache: NoteCache = field(default_factory=dict)
    _manifest: Manifest = field(default_factory=dict)
    _config: SiteConfig | None = None
    _store: RenderStore | None = None
    _written: dict[str, Hashable] = field(default_factory=dict)  # output file -> inputs key
    _placement: Placement = field(default_factory=Placement)  # the last build's, to reuse
    _site_key: Hashable = None
    _graph: GraphCache = field(default_factory=GraphCache)
    _env: tuple[Hashable, jinja2.Environment] | None = None
    _indexed: dict[str, str] = field(default_factory=dict)  # serve: note page -> digest indexed

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
        return tuple(self._placement.entries.values())

    def _build(self) -> BuildResult:
        started = time.perf_counter()
        config = load_config(self.options.site_dir, base_url=self.options.base_url)
        output = self.options.output.resolve() if self.options.output else config.output_dir
        check_output_dir(config, output)
        if config != self._config:  # categories or time zone may have changed: start afresh
            self._note_cache.clear()
            self._written.clear()
            self._placement.entries.clear()
            self._config = config
        jobs = self.options.jobs or default_jobs()
        forget_engine_failures()  # a formula KaTeX's engine failed on last time: try again
        # A large cold build: the formula process reads the notes for their formulas while this
        # process does, so this one's own workers would only compete with it for the cores.
        readers = 1 if self._scans_formulas(config) else jobs
        content, problems = load_content(config, self._note_cache, jobs=readers)
        notes = [n for n in content.notes if self.options.drafts or not n.draft]
        config, notes = settle_categories(config, notes)  # `categories: auto` declares them
        store = self._render_store(config)
        rendered, fresh = render_notes(
            notes,
            store,
            RenderOptions.for_site(config),
            jobs=jobs,
            progress=lambda done, total: self._report("render", done, total),
            # The pages' workers, forked later, find the templates compiled.
            meanwhile=lambda: compile_templates(self._environment(config)),
        )
        store.retain({r.key for r in rendered})  # forget renderings of edits since undone
        entries = self._placement.place(config, notes, rendered, store, content, problems)
        if self.options.strict:
            problems[:] = [replace(p, severity=Severity.ERROR) for p in problems]
        if any(p.is_error for p in problems):
            raise KbsiteError(problems)
        site = build_site(config, entries)
        # Note pages get their backlinks and related notes in _write_pages (see _link_notes).
        pages = plan_pages(site, strings_for(config.language))
        taken = [output_file(p.site_path) for p in pages]
        taken += [output_file(path) for path, _ in feed_inputs(site)] + list(EXTRA_FILES)
        redirects, alias_problems = plan_redirects(site.entries, taken)
        if alias_problems:
            raise KbsiteError(problems + alias_problems)
        serve = self.options.incremental_output  # its folder is its own: no other build writes it
        with contextlib.nullcontext() if serve else output_lock(output):
            search = self._indexes_search(config)
            writer = self._writer(output, search)
            try:
                extras = partial(self._write_extras, config, site, pages, content.assets, writer)
                link_notes = partial(self._link_notes, config, site, pages)
                self._write_pages(
                    config, site, pages, writer, link_notes=link_notes, meanwhile=extras
                )
                for rel, entry in redirects.items():
                    key = ("redirect", config, entry.site_path, entry.title)
                    self._keyed(writer, rel, key, partial(redirect_page, config, entry))
                if search and isinstance(writer, StagedOutput):
                    # Every formula is rendered by now: end the formula process (V8, ~110 MB
                    # at 1,000 notes) rather than keep it idle beside Pagefind's.
                    stop_formula_process()
                    note_pages = [
                        output_file(p.site_path) for p in pages if p.template == "note.html"
                    ]
                    index_staged(writer, output, note_pages, jobs)
                elif search and isinstance(writer, SyncedOutput):
                    note_pages = [
                        output_file(p.site_path) for p in pages if p.template == "note.html"
                    ]
                    indexed = index_synced(writer, note_pages, self._indexed, jobs)
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
            snapshot=(
                self._snapshot(config, output, site, pages, store)
                if isinstance(writer, SyncedOutput)
                else None
            ),
        )

    def _snapshot(
        self, config: SiteConfig, output: Path, site: Site, pages: list[Page], store: RenderStore
    ) -> Snapshot:
        assert self._env is not None
        assert self._placement.wiki is not None
        return Snapshot(
            config=config,
            output=output,
            env=self._env[1],
            shared={"categories": site.categories},
            entries={e.note.rel_path: e for e in site.entries},
            pages={p.site_path: p for p in pages if p.template == "note.html"},
            targets=self._placement.targets,
            assets=self._placement.asset_paths,
            wiki=self._placement.wiki[1],
            store=store,
            manifest=self._manifest,
        )

    def _writer(self, output: Path, search: bool) -> Writer:
        """serve updates its folder in place; a build replaces a new output folder whole, and
        updates one it built before, staging only the files whose bytes changed."""
        if self.options.incremental_output:
            return SyncedOutput(output, self._manifest)
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
        if `kbsite build` started it so, or this looks like a large cold build (then start it,
        with V8, now; kbsite.render.math.formulaserver)."""
        cold = not self._note_cache  # not a rebuild (serve's render a note or two)
        return start_ahead(config.root, config.content_dir, cache=self.options.cache, cold=cold)

    def _compiled_templates(self, config: SiteConfig) -> Path | None:
        """The folder for compiled templates in the cache, named after the renderer (kbsite's
        code and versions); folders of other renderers (an upgrade) are removed."""
        if not self.options.cache:
            return None
        cache = config.root / CACHE_DIR
        folder = cache / f"templates-{renderer_salt()}"
        for old in cache.glob("templates-*"):
            if old != folder and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        return folder

    def _render_store(self, config: SiteConfig) -> RenderStore:
        path = (config.root / CACHE_DIR / RENDER_CACHE) if self.options.cache else None
        if self._store is None or self._store.path != path:
            self._store = RenderStore(path)
        return self._store

    def _link_notes(
        self, config: SiteConfig, site: Site, pages: list[Page]
    ) -> dict[int, dict[str, Any]]:
        """Find backlinks and related notes; give the note pages theirs (in place)."""
        return link_note_pages(pages, build_graph(config, site.entries, self._graph))

    def _write_pages(
        self,
        config: SiteConfig,
        site: Site,
        pages: list[Page],
        writer: Writer,
        *,
        link_notes: Callable[[], Mapping[int, Mapping[str, Any]]],
        meanwhile: Callable[[], None],
    ) -> None:
        """Render every page; in serve, skip pages whose inputs did not change. Run
        `link_notes` before any note page renders (while worker processes render the others,
        when there are workers), and `meanwhile` (other files to write) while worker processes
        render, else afterwards."""
        templates = templates_signature(config)
        env = self._environment(config, templates)
        shared = {"categories": site.categories}
        jobs = self.options.jobs or default_jobs()
        parallel = jobs > 1 and len(pages) >= PARALLEL_PAGES and can_fork()
        if isinstance(writer, StagedOutput):
            self._written.clear()
            if parallel:
                render_pages_parallel(
                    env, shared, pages, writer, jobs, self._report, meanwhile, link_notes
                )
                return
            link_notes()
            for number, page in enumerate(pages, 1):
                writer.write(output_file(page.site_path), render(env, shared, page))
                if number % 100 == 0 or number == len(pages):
                    self._report("pages", number, len(pages))
            meanwhile()
            return
        link_notes()  # serve compares each page's context with the last build's
        shown_everywhere = site_key(config, site, self.options.live_reload, templates)
        if shown_everywhere != self._site_key:  # config, templates or category counts changed
            self._written.clear()
            self._site_key = shown_everywhere
        keys = {
            output_file(p.site_path): (p.template, p.title, fingerprint(p.context)) for p in pages
        }
        if parallel and not writer.manifest:  # serve's first build, before its server starts
            render_pages_parallel(env, shared, pages, writer, jobs, self._report, meanwhile)
            self._written.update(keys)
            return
        for page in pages:
            rel = output_file(page.site_path)
            key = keys[rel]
            if self._written.get(rel) == key and writer.keep(rel):
                continue
            writer.write(rel, render(env, shared, page))
            self._written[rel] = key
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
        if self._env is None or self._env[0] != key:
            compiled = self._compiled_templates(config)
            env = make_environment(config, live_reload=self.options.live_reload, compiled=compiled)
            self._env = (key, env)
        return self._env[1]

    def _write_extras(
        self,
        config: SiteConfig,
        site: Site,
        pages: list[Page],
        assets: tuple[Asset, ...],
        writer: Writer,
    ) -> None:
        """Write feeds, sitemap, robots.txt and the files copied as they are."""
        write_extras(config, site, pages, assets, writer, partial(self._keyed, writer))

    def _keyed(self, writer: Writer, rel: str, key: Hashable, produce: Callable[[], bytes]) -> None:
        """Write a file unless, in serve, its inputs are those it was last written from."""
        if isinstance(writer, SyncedOutput) and self._written.get(rel) == key and writer.keep(rel):
            return
        writer.write(rel, produce())
        self._written[rel] = key
