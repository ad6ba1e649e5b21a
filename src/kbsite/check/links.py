"""kbsite check: verify every link, anchor, image and asset of a built site, its feeds and sitemap.

The build already rejects broken Markdown links between notes; this catches the rest: links in
templates, raw HTML in notes, `#anchors` within a page, and URLs outside base_url's subpath.
"""

from __future__ import annotations

import html as htmllib
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import unquote
from urllib.request import Request, urlopen

from kbsite import __version__
from kbsite.check.feeds import check_feed, check_sitemap
from kbsite.check.html import ParsedPage, Reference, Target, classify, parse_page, target_exists
from kbsite.config.siteconfig import SiteConfig, load_config
from kbsite.errors import Diagnostic, KbsiteError, SourceLocation, did_you_mean, display_path, error


@dataclass(frozen=True, slots=True)
class NoteSource:
    """The note an output page was made from: its path for messages, and its file."""

    shown: str
    path: Path


def note_sources(config: SiteConfig, *, drafts: bool = False) -> dict[str, NoteSource]:
    """Map each note page's output file to the note it comes from."""
    from kbsite.load.content import load_content, settle_categories
    from kbsite.site.urlplan import plan_site_paths
    from kbsite.urls import output_file

    content, _ = load_content(config)
    notes = [n for n in content.notes if drafts or not n.draft]
    config, notes = settle_categories(config, notes)
    paths, _ = plan_site_paths(config, notes)
    return {
        output_file(path): NoteSource(n.source, config.content_dir / n.rel_path)
        for n, path in zip(notes, paths, strict=True)
        if path
    }


@dataclass(slots=True)
class _Locator:
    """Find where a reference was written: the note's line, else the output file's line."""

    output: Path
    base_path: str
    sources: Mapping[str, NoteSource]
    _lines: dict[Path, list[str]] = field(default_factory=dict)

    def locate(self, page: str, ref: Reference, occurrence: int) -> SourceLocation:
        source = self.sources.get(page)
        if source is not None:
            lines = self._read(source.path)
            needles = {ref.value, unquote(ref.value), htmllib.escape(ref.value)}
            if ref.value.startswith(self.base_path):  # a root-relative link, as written
                needles.add("/" + unquote(ref.value[len(self.base_path) :]))
            found = [n for n, line in enumerate(lines, 1) if any(s in line for s in needles)]
            if found:
                return SourceLocation(source.shown, found[min(occurrence, len(found) - 1)])
        return SourceLocation(display_path(self.output / page), ref.line)

    def _read(self, path: Path) -> list[str]:
        if path not in self._lines:
            try:
                self._lines[path] = path.read_text(encoding="utf-8-sig").splitlines()
            except OSError:
                self._lines[path] = []
        return self._lines[path]


@dataclass(frozen=True, slots=True)
class ExternalLink:
    url: str
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class CheckReport:
    output: Path
    pages: int = 0
    internal: int = 0
    feeds: int = 0
    sitemap_urls: int = 0
    external: tuple[ExternalLink, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    kept: bool = False  # a temporary build kept so the paths in messages can be opened

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)

    @property
    def build_problems(self) -> tuple[Diagnostic, ...]:
        """The build's warnings: the site was written, but check fails on them (issue 23)."""
        return tuple(d for d in self.diagnostics if not d.is_error)

    def summary(self, *, verbose: bool, fetched: bool) -> list[str]:
        """What the terminal shows after the diagnostics: with `verbose`, one line per
        external URL (a menu link would otherwise repeat on every page); then the counts."""
        places: dict[str, list[str]] = {}
        for link in self.external:
            places.setdefault(link.url, []).append(str(link.location))
        lines = []
        if verbose:
            for url, where in places.items():
                more = f" (and {len(where) - 1} more places)" if len(where) > 1 else ""
                lines.append(f"{where[0]}: external link {url}{more}")
        how = "fetched" if fetched else "not fetched; --external fetches them"
        lines.append(
            f"Checked {self.pages} pages: {self.internal} internal links and assets, "
            f"{self.feeds} feeds, {self.sitemap_urls} sitemap URLs; "
            f"{len(places)} external links ({how})"
        )
        if self.kept:
            lines.append(
                f"The built site is kept in {self.output}/ so the paths above can be opened."
            )
        return lines


def check_pages(
    config: SiteConfig, output: Path, sources: Mapping[str, NoteSource]
) -> tuple[int, int, list[ExternalLink], list[Diagnostic]]:
    """Check every reference in every HTML page; return counts, external links, problems."""
    pages = {
        p.relative_to(output).as_posix(): parse_page(p.read_text(encoding="utf-8"))
        for p in sorted(output.rglob("*.html"))
    }
    locator = _Locator(output, config.base_path, sources)
    external: list[ExternalLink] = []
    problems: list[Diagnostic] = []
    internal = 0
    for page, parsed in pages.items():
        seen: Counter[str] = Counter()
        for ref in parsed.references:
            occurrence = seen[ref.value]
            seen[ref.value] += 1
            target = classify(config, page, ref.value)
            if target.kind == "external":
                external.append(ExternalLink(target.rel, locator.locate(page, ref, occurrence)))
            elif target.kind != "skip":
                internal += 1
                if message := _problem(config, output, pages, page, ref, target):
                    problems.append(Diagnostic(locator.locate(page, ref, occurrence), message))
    return len(pages), internal, external, problems


def _problem(
    config: SiteConfig,
    output: Path,
    pages: Mapping[str, ParsedPage],
    page: str,
    ref: Reference,
    target: Target,
) -> str:
    """Return what is wrong with a reference, or '' when nothing is."""
    kind = _kind(ref)
    if target.kind == "outside":
        return (
            f"{kind} '{ref.value}' points outside the site's base path {config.base_path} "
            "(it would break on a GitHub project site; use url_for() in templates, "
            "relative links in notes)"
        )
    if target.kind != "internal":
        return ""
    if not target_exists(output, target.rel):
        missing = config.base_path + target.rel.removesuffix("index.html")
        return f"broken {kind} '{ref.value}': {missing} is not in the site"
    fragment = target.fragment
    if not fragment or fragment.lower() == "top" or not target.rel.endswith(".html"):
        return ""
    ids = pages[target.rel].ids if target.rel in pages else frozenset()
    if fragment in ids:
        return ""
    shown = config.base_path + target.rel.removesuffix("index.html")
    where = "this page" if target.rel == page else shown
    hint = did_you_mean(fragment, sorted(ids))
    return f"broken anchor '{ref.value}': no element with id '{fragment}' in {where}{hint}"


def _kind(ref: Reference) -> str:
    if ref.tag == "img" or ref.attr in ("srcset", "poster"):
        return "image"
    if ref.tag == "link":
        return "stylesheet" if "stylesheet" in ref.rel else "icon" if "icon" in ref.rel else "link"
    return {"a": "link", "area": "link", "script": "script"}.get(ref.tag, "asset")


def fetch_external(links: Sequence[ExternalLink], timeout: float) -> list[Diagnostic]:
    """Fetch each external URL once (HEAD, then GET); report the failing ones where used."""
    places: dict[str, list[SourceLocation]] = {}
    for link in links:
        places.setdefault(link.url, []).append(link.location)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(places, pool.map(lambda u: probe(u, timeout), places), strict=True))
    return [
        Diagnostic(location, f"external link '{url}' failed: {problem}")
        for url, problem in results.items()
        if problem
        for location in places[url]
    ]


def probe(url: str, timeout: float) -> str:
    """Return why a URL cannot be fetched, or '' when it answers below 400."""
    problem = ""
    for method in ("HEAD", "GET"):  # some servers refuse HEAD (405) but serve GET
        request = Request(url, method=method, headers={"User-Agent": f"kbsite-check/{__version__}"})
        try:
            with urlopen(request, timeout=timeout):
                return ""
        except HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}"
        except (URLError, OSError, ValueError) as exc:
            problem = str(getattr(exc, "reason", exc))
    return problem


@dataclass(frozen=True, slots=True)
class CheckOptions:
    site_dir: Path
    output: Path | None = None  # None: build into a temporary folder
    build: bool = True
    drafts: bool = False
    base_url: str | None = None
    external: bool = False
    timeout: float = 10.0


def run_check(options: CheckOptions) -> CheckReport:
    """Build the site (unless told not to) and check it; raise KbsiteError if the build fails."""
    from kbsite.build import Builder, BuildOptions

    config = load_config(options.site_dir, base_url=options.base_url)
    if not options.build:
        output = (options.output or config.output_dir).resolve()
        if not (output / "index.html").is_file():
            message = "no built site here; run kbsite build first, or drop --no-build"
            raise KbsiteError([error(display_path(output), 0, message)])
        return check_output(config, output, options)
    temp = None if options.output else Path(tempfile.mkdtemp(prefix="kbsite-check-"))
    output = options.output or (temp or Path()) / "site"
    try:
        build = BuildOptions(
            options.site_dir, output=output, drafts=options.drafts, base_url=options.base_url
        )
        result = Builder(build).build()
        report = check_output(config, result.output, options, warnings=result.warnings)
    except BaseException:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
        raise
    failed = bool(report.errors or report.build_problems)
    if temp and not failed:
        shutil.rmtree(temp, ignore_errors=True)
    return replace(report, kept=bool(temp and failed))


def check_output(
    config: SiteConfig,
    output: Path,
    options: CheckOptions,
    warnings: Sequence[Diagnostic] = (),
) -> CheckReport:
    """Check a built site in `output`."""

    sources = note_sources(config, drafts=options.drafts)
    pages, internal, external, problems = check_pages(config, output, sources)
    feeds = sorted(p.relative_to(output).as_posix() for p in output.rglob("atom.xml"))
    for feed in feeds:
        problems += check_feed(config, output, feed)
    sitemap_urls, sitemap_problems = check_sitemap(config, output)
    problems += sitemap_problems
    if options.external:
        problems += fetch_external(external, options.timeout)
    return CheckReport(
        output=output,
        pages=pages,
        internal=internal,
        feeds=len(feeds),
        sitemap_urls=sitemap_urls,
        external=tuple(external),
        diagnostics=(*warnings, *sorted(problems)),
    )
