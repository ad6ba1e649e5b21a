"""Builder: the one place that knows the stage order (load -> render -> index -> pages -> write)."""

from __future__ import annotations

import contextlib
import gc
import logging
import shutil
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from kbsite import formulaserver
from kbsite.config import SiteConfig, load_config
from kbsite.content import Asset, Content, Note, NoteCache, load_content, settle_categories
from kbsite.errors import Diagnostic, KbsiteError, Severity
from kbsite.extras import EXTRA_FILES, feed_inputs, write_extras
from kbsite.formulaserver import FormulaProcess, worth_starting
from kbsite.graph import GraphCache, build_graph
from kbsite.i18n import strings_for
from kbsite.index import (
    Entry,
    Site,
    build_site,
    canonical_tags,
    check_unique_paths,
    note_site_path,
)
from kbsite.links import LinkTarget, Rewrites, resolve_links
from kbsite.math import forget_engine_failures
from kbsite.output import (
    MARKER,
    Manifest,
    StagedOutput,
    SyncedOutput,
    UpdatedOutput,
    check_output_dir,
    file_count,
    interrupts_held,
    output_lock,
)
from kbsite.pagekeys import fingerprint, site_key
from kbsite.pagerender import render, render_pages_parallel
from kbsite.pages import Page, link_note_pages, plan_pages
from kbsite.parallel import can_fork, default_jobs
from kbsite.quickpage import LastBuild, warm_up, write_quick_page
from kbsite.redirects import plan_redirects, redirect_page
from kbsite.render import RenderedNote, render_notes, renderer_salt
from kbsite.renderstore import CACHE_DIR, RENDER_CACHE, RenderStore
from kbsite.search import SEARCH_DIR, build_search_index
from kbsite.templates import compile_templates, make_environment, templates_signature
from kbsite.urls import output_file
from kbsite.wikilinks import WikiIndex, build_wiki_index

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
    _entries: dict[str, Entry] = field(default_factory=dict)  # by source, from the last build
    _links: dict[tuple[str, str, str], tuple[Rewrites, list[Diagnostic]]] = field(
        default_factory=dict
    )
    _link_world: Hashable = None
    _asset_paths: frozenset[str] = frozenset()
    _targets: dict[str, LinkTarget] = field(default_factory=dict)
    _wiki: tuple[Hashable, WikiIndex] | None = None
    _site_key: Hashable = None
    _graph: GraphCache = field(default_factory=GraphCache)
    _env: tuple[Hashable, jinja2.Environment] | None = None
    _last: LastBuild | None = None  # serve: what quick pages need of the last good build

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

    def quick_page(self, file: Path) -> str | None:
        """serve: write the page of a note whose body alone changed since the last build, ahead
        of the rebuild (kbsite.quickpage); return the file written, or None."""
        if self._last is None or self._store is None:
            return None
        return write_quick_page(self._last, file, self._store, self._manifest)

    def warm_up(self) -> None:
        """serve: prepare what the first quick page needs, after the first build (see
        kbsite.quickpage.warm_up)."""
        if self._last is not None:
            warm_up(self._last)

    @property
    def entries(self) -> tuple[Entry, ...]:
        """The notes the last build placed on the site, with their URLs (for tools and tests)."""
        return tuple(self._entries.values())

    def _build(self) -> BuildResult:
        started = time.perf_counter()
        self._last = None  # until this build succeeds
        config = load_config(self.options.site_dir, base_url=self.options.base_url)
        output = self.options.output.resolve() if self.options.output else config.output_dir
        check_output_dir(config, output)
        if config != self._config:  # categories or time zone may have changed: start afresh
            self._note_cache.clear()
            self._written.clear()
            self._entries.clear()
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
            config.summary_length,
            jobs=jobs,
            progress=lambda done, total: self._report("render", done, total),
            # The pages' workers, forked later, find the templates compiled.
            meanwhile=lambda: compile_templates(self._environment(config)),
        )
        store.retain({r.key for r in rendered})  # forget renderings of edits since undone
        entries = self._place(config, notes, rendered, store, content, problems)
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
                    indexed = [output_file(p.site_path) for p in pages if p.template == "note.html"]
                    self._index_staged(writer, output, indexed, jobs)
                with interrupts_held():
                    changed = writer.commit()
            except BaseException:
                writer.abort()
                raise
        if isinstance(writer, SyncedOutput):
            self._last = self._last_build(config, output, site, pages)
        return BuildResult(
            notes=len(entries),
            pages=len(pages),
            files=file_count(writer, changed, output / SEARCH_DIR if search else None),
            seconds=time.perf_counter() - started,
            output=output,
            warnings=tuple(sorted(problems)),
            changed=tuple(changed),
            rendered=fresh,
        )

    def _last_build(
        self, config: SiteConfig, output: Path, site: Site, pages: list[Page]
    ) -> LastBuild:
        assert self._env is not None
        assert self._wiki is not None
        return LastBuild(
            config=config,
            output=output,
            env=self._env[1],
            shared={"categories": site.categories},
            entries={e.note.rel_path: e for e in site.entries},
            pages={p.site_path: p for p in pages if p.template == "note.html"},
            targets=self._targets,
            assets=self._asset_paths,
            wiki=self._wiki[1],
        )

    def _index_staged(
        self, writer: StagedOutput, output: Path, notes: list[str], jobs: int
    ) -> None:
        """Index the staged site for search before it is swapped in, so its pages and index
        arrive together; an updated site keeps the shards of its index whose notes did not
        change (kbsite.searchshards)."""
        # Every formula is rendered by now: end the formula process (V8, ~110 MB at 1,000
        # notes) rather than keep it idle beside Pagefind's; a later build starts another.
        formulaserver.stop()
        if not isinstance(writer, UpdatedOutput):
            writer.written.extend(build_search_index(writer.root, notes, jobs=jobs).files)
            return
        writer.link_unchanged()  # the notes of a shard indexed again are read from here
        changed = writer.changed + writer.removed()
        index = build_search_index(writer.root, notes, built=output, changed=changed, jobs=jobs)
        writer.changed.extend(index.changed)

    def _writer(self, output: Path, search: bool) -> Writer:
        """serve updates its folder in place; a build replaces a new output folder whole, and
        updates one it built before, staging only the files whose bytes changed."""
        if self.options.incremental_output:
            return SyncedOutput(output, self._manifest)
        if (output / MARKER).is_file():
            return UpdatedOutput(output, preserve=(SEARCH_DIR,) if search else ())
        return StagedOutput(output)

    def _indexes_search(self, config: SiteConfig) -> bool:
        """Index for search in `kbsite build`, not in serve: Pagefind re-reads every page, about
        5 s a thousand notes, too slow for each save; the preview's search box says so."""
        return config.search and not self.options.incremental_output

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _scans_formulas(self, config: SiteConfig) -> bool:
        """Tell whether the formula process reads the notes for their formulas in this build:
        if `kbsite build` started it so, or this looks like a large cold build (then start it,
        with V8, now; kbsite.formulaserver)."""
        process = formulaserver.current()
        if process is not None and process.scanning:
            return True
        cold = not self._note_cache  # not a rebuild (serve's render a note or two)
        if not cold or not worth_starting(config.root, cache=self.options.cache):
            return False
        FormulaProcess.start(v8_now=True).scan(config.content_dir)
        return True

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

    def _place(
        self,
        config: SiteConfig,
        notes: list[Note],
        rendered: list[RenderedNote],
        store: RenderStore,
        content: Content,
        problems: list[Diagnostic],
    ) -> list[Entry]:
        """Give each note its URL and tags, and resolve its links."""
        categories = {c.name: c for c in config.categories}
        paths = [note_site_path(n, categories[n.category]) for n in notes]
        problems += check_unique_paths(list(zip(notes, paths, strict=True)))
        targets = self._link_targets(notes, paths, rendered)
        asset_paths = self._asset_paths = frozenset(a.rel_path for a in content.assets)
        # Link resolution depends on every note's URL and anchors: while those stay the same
        # (the common case of an edit in serve), reuse each note's previous resolution.
        names = tuple((n.rel_path, n.title, n.slug) for n in notes)
        if self._wiki is None or self._wiki[0] != names:
            self._wiki = (names, build_wiki_index(names))
        wiki = self._wiki[1]
        link_world = (config, targets, asset_paths, wiki, content.unreadable)
        if link_world != self._link_world:
            self._links.clear()
            self._link_world = link_world
        tags = canonical_tags(notes)
        entries = []
        for note, path, result in zip(notes, paths, rendered, strict=True):
            problems += result.diagnostics
            link_key = (note.rel_path, note.source, result.key)
            if link_key not in self._links:
                self._links[link_key] = resolve_links(
                    config=config,
                    source=note.source,
                    rel_path=note.rel_path,
                    links=result.links,
                    notes=targets,
                    assets=asset_paths,
                    wiki=wiki,
                    unreadable=content.unreadable,
                )
            rewrites, link_problems = self._links[link_key]
            problems += link_problems
            entry = Entry(
                note=note,
                site_path=path,
                category=categories[note.category],
                tags=tuple(tags[t.lower()] for t in note.tags),
                rendered=result,
                rewrites=rewrites,
                load_html=store.html,
            )
            # Reuse the previous build's equal Entry: comparing page inputs then hits the
            # identity shortcut instead of comparing every field of thousands of entries.
            previous = self._entries.get(note.source)
            entries.append(previous if previous == entry else entry)
        self._entries = {e.note.source: e for e in entries}
        return entries

    def _link_targets(
        self, notes: list[Note], paths: list[str], rendered: list[RenderedNote]
    ) -> dict[str, LinkTarget]:
        """Map each note's file to what links may point at; reuse last build's equal objects,
        so comparing the whole map between builds is a pass of identity checks."""
        previous = self._targets
        targets = {}
        for note, path, result in zip(notes, paths, rendered, strict=True):
            old = previous.get(note.rel_path)
            if (
                old is not None
                and old.site_path == path
                and old.anchors is result.anchors
                and (old.draft == note.draft)
            ):
                targets[note.rel_path] = old
            else:
                targets[note.rel_path] = LinkTarget(path, result.anchors, note.draft)
        self._targets = targets
        return targets

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
