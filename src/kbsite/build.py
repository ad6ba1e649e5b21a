"""Builder: the one place that knows the stage order (load -> render -> index -> pages -> write)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2

from kbsite.config import SiteConfig, load_config
from kbsite.content import Asset, Note, NoteCache, load_content
from kbsite.errors import Diagnostic, KbsiteError, error
from kbsite.excerpt import make_excerpt, reading_minutes
from kbsite.feeds import robots_txt, site_feeds, sitemap
from kbsite.highlight import pygments_css
from kbsite.i18n import strings_for
from kbsite.index import Entry, Tag, build_site, check_unique_paths, note_site_path, tag_for
from kbsite.links import LinkTarget, resolve_links
from kbsite.markdown import RenderedMarkdown, render_markdown
from kbsite.output import Manifest, check_output_dir, sync_site, write_site
from kbsite.pages import plan_pages
from kbsite.templates import THEME_DIR, make_environment, render_page
from kbsite.urls import output_file

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    site_dir: Path
    output: Path | None = None
    drafts: bool = False
    base_url: str | None = None
    # serve: pages get the live-reload script, and output is updated in place (only changed bytes)
    live_reload: bool = False
    incremental_output: bool = False


@dataclass(frozen=True, slots=True)
class BuildResult:
    notes: int
    pages: int
    files: int
    seconds: float
    output: Path
    warnings: tuple[Diagnostic, ...] = ()
    changed: tuple[str, ...] = ()  # output files written or removed (all of them for a full write)


@dataclass(slots=True)
class Builder:
    """Builds a site; keeps rendered notes between builds, keyed by the note's content hash."""

    options: BuildOptions
    progress: Progress | None = None
    _render_cache: dict[tuple[str, str, int], RenderedMarkdown] = field(default_factory=dict)
    _note_cache: NoteCache = field(default_factory=dict)
    _manifest: Manifest = field(default_factory=dict)
    _config: SiteConfig | None = None

    def build(self) -> BuildResult:
        """Run every stage; on errors raise KbsiteError and leave the old output untouched."""
        started = time.perf_counter()
        config = load_config(self.options.site_dir, base_url=self.options.base_url)
        output = self.options.output.resolve() if self.options.output else config.output_dir
        check_output_dir(config, output)
        if config != self._config:  # categories or time zone may have changed: reparse all
            self._note_cache.clear()
            self._config = config
        content, problems = load_content(config, self._note_cache)
        notes = [n for n in content.notes if self.options.drafts or not n.draft]
        rendered = self._render_all(notes)
        entries = self._place(config, notes, rendered, content.assets, problems)
        if any(p.is_error for p in problems):
            raise KbsiteError(problems)
        files, copies, page_count = self._emit(config, entries, content.assets, problems)
        if self.options.incremental_output:
            changed = tuple(sync_site(output, files, copies, self._manifest))
        else:
            self._report("write", 0, len(files) + len(copies))
            write_site(output, files, copies)
            self._report("write", len(files) + len(copies), len(files) + len(copies))
            changed = tuple(sorted([*files, *copies]))
        return BuildResult(
            notes=len(entries),
            pages=page_count,
            files=len(files) + len(copies),
            seconds=time.perf_counter() - started,
            output=output,
            warnings=tuple(sorted(problems)),
            changed=changed,
        )

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _render_all(self, notes: list[Note]) -> list[RenderedMarkdown]:
        rendered = []
        fresh: dict[tuple[str, str, int], RenderedMarkdown] = {}
        for number, note in enumerate(notes, 1):
            key = (note.digest, note.source, note.body_line)
            result = self._render_cache.get(key) or render_markdown(
                note.body, path=note.source, first_line=note.body_line
            )
            fresh[key] = result
            rendered.append(result)
            self._report("render", number, len(notes))
        self._render_cache = fresh  # forget notes that were deleted or changed
        return rendered

    def _place(
        self,
        config: SiteConfig,
        notes: list[Note],
        rendered: list[RenderedMarkdown],
        assets: tuple[Asset, ...],
        problems: list[Diagnostic],
    ) -> list[Entry]:
        """Give each note its URL, resolve its links, and make its excerpt."""
        categories = {c.name: c for c in config.categories}
        paths = [note_site_path(n, categories[n.category]) for n in notes]
        problems += check_unique_paths(list(zip(notes, paths, strict=True)))
        targets = {
            n.rel_path: LinkTarget(p, frozenset(r.anchors), n.draft)
            for n, p, r in zip(notes, paths, rendered, strict=True)
        }
        asset_paths = frozenset(a.rel_path for a in assets)
        tags = _canonical_tags(notes)
        entries = []
        for note, path, result in zip(notes, paths, rendered, strict=True):
            problems += result.diagnostics
            html, link_problems = resolve_links(
                config=config,
                source=note.source,
                rel_path=note.rel_path,
                html=result.html,
                links=result.links,
                notes=targets,
                assets=asset_paths,
            )
            problems += link_problems
            excerpt = note.summary or make_excerpt(result.excerpt_text, config.summary_length)
            entries.append(
                Entry(
                    note=note,
                    site_path=path,
                    html=html,
                    toc=result.toc,
                    excerpt=excerpt,
                    reading_minutes=reading_minutes(result.text),
                    category=categories[note.category],
                    tags=tuple(tags[t.lower()] for t in note.tags),
                )
            )
        return entries

    def _emit(
        self,
        config: SiteConfig,
        entries: list[Entry],
        assets: tuple[Asset, ...],
        problems: list[Diagnostic],
    ) -> tuple[dict[str, bytes], dict[str, Path], int]:
        """Render every page and feed; return output files, files to copy, and the page count."""
        site = build_site(config, entries)
        pages = plan_pages(site, strings_for(config.language))
        env = make_environment(config, live_reload=self.options.live_reload)
        files: dict[str, bytes] = {}
        for number, page in enumerate(pages, 1):
            context = {
                "page": page,
                "page_path": page.site_path,
                "categories": site.categories,
                **page.context,
            }
            try:
                html = render_page(env, page.template, context)
            except jinja2.TemplateSyntaxError as exc:
                raise KbsiteError(
                    [
                        error(
                            exc.filename or exc.name or "template",
                            exc.lineno,
                            f"template syntax: {exc.message}",
                        )
                    ]
                ) from None
            except jinja2.TemplateError as exc:
                raise KbsiteError([_template_error(exc, page.template)]) from None
            files[output_file(page.site_path)] = html.encode("utf-8")
            self._report("pages", number, len(pages))
        for path, data in site_feeds(site).items():
            files[output_file(path)] = data
        listed: list[tuple[str, datetime | None]] = [
            (p.site_path, None)
            for p in pages
            if p.site_path != "/404.html" and p.template != "note.html"
        ]
        listed += [(e.site_path, e.note.updated or e.note.date) for e in site.entries]
        files["sitemap.xml"] = sitemap(config, sorted(listed, key=lambda pair: pair[0]))
        files["robots.txt"] = robots_txt(config)
        files[".nojekyll"] = b""
        files["css/highlight.css"] = pygments_css().encode("utf-8")
        copies = _static_files(config)
        for asset in assets:
            copies[asset.rel_path] = asset.source
        return files, copies, len(pages)


def _template_error(exc: jinja2.TemplateError, template: str) -> Diagnostic:
    """Point at the template line a rendering error came from, found in the traceback."""
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".html") or frame.filename.endswith(".xml"):
            return error(frame.filename, frame.lineno or 0, f"template error: {exc}")
    return error(template, 0, f"template error: {exc}")


def _canonical_tags(notes: list[Note]) -> dict[str, Tag]:
    """Map each tag spelling (any case) to one Tag; the first spelling in source order wins."""
    tags: dict[str, Tag] = {}
    by_slug: dict[str, Tag] = {}
    for note in sorted(notes, key=lambda n: n.source):
        for name in note.tags:
            if name.lower() in tags:
                continue
            tag = tag_for(name)
            tags[name.lower()] = by_slug.setdefault(tag.slug, tag)
    return tags


def _static_files(config: SiteConfig) -> dict[str, Path]:
    """Theme static files, overridden file by file by the site's own static/."""
    copies: dict[str, Path] = {}
    for folder in (THEME_DIR / "static", config.root / "static"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    copies[path.relative_to(folder).as_posix()] = path
    return copies
