"""Render pages with Jinja: one at a time, or across processes forked after planning."""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

import jinja2

from kbsite.errors import Diagnostic, KbsiteError, error
from kbsite.site.pages import Page
from kbsite.urls import output_file
from kbsite.workers import start_worker, worker_job
from kbsite.write.bodies import BodySource, page_context
from kbsite.write.files import same_bytes, stage_file
from kbsite.write.templates import compile_templates, render_page


class Staging(Protocol):
    root: Path
    compare_to: Path | None  # the built site, when only files that differ are to be staged
    wants_digests: bool  # record() needs each page's digest (serve's manifest)

    def record(self, rel: str, staged: bool, digest: str) -> None: ...


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...


def render(
    env: jinja2.Environment, shared: Mapping[str, Any], page: Page, bodies: BodySource
) -> bytes:
    """Render one page, reading the body it shows from `bodies`; turn template mistakes into
    diagnostics with file and line."""
    context = {"page": page, "page_path": page.site_path, **shared, **page_context(page, bodies)}
    try:
        return render_page(env, page.template, context).encode("utf-8")
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or page.template
        raise KbsiteError([error(where, exc.lineno, f"template syntax: {exc.message}")]) from None
    except jinja2.TemplateError as exc:
        raise KbsiteError([_template_error(exc, page.template)]) from None


@dataclass(frozen=True, slots=True)
class _PageJob:
    """What each page worker is started with; fork hands the objects over without pickling."""

    env: jinja2.Environment
    shared: dict[str, Any]
    pages: list[Page]
    bodies: BodySource  # the render store: each worker reads through its own connection
    root: Path  # the staging folder
    compare_to: Path | None
    digests: bool


def _render_page_range(start: int, stop: int) -> list[tuple[str, bool, str]]:
    """Worker: render pages[start:stop] straight into the staging folder (only those that
    differ from the built site, when there is one); return (file, staged, digest) triples, the
    digest empty unless the writer wants it."""
    job = worker_job(_PageJob)
    env, shared, pages, root = job.env, job.shared, job.pages, job.root
    compare_to, digests = job.compare_to, job.digests
    written = []
    for page in pages[start:stop]:
        rel = output_file(page.site_path)
        data = render(env, shared, page, job.bodies)
        staged = compare_to is None or not same_bytes(compare_to / rel, data)
        if staged:
            stage_file(root, rel, data)
        digest = hashlib.blake2b(data, digest_size=16).hexdigest() if digests else ""
        written.append((rel, staged, digest))
    return written


def render_pages_parallel(
    env: jinja2.Environment,
    shared: dict[str, Any],
    pages: list[Page],
    bodies: BodySource,
    writer: Staging,
    jobs: int,
    report: Progress,
    meanwhile: Callable[[], None] = lambda: None,
) -> None:
    """Render pages across processes forked after planning, so they share the site's data;
    each reads from `bodies` the note bodies its pages show. Run `meanwhile` in this process
    while they do."""
    compile_templates(env)  # once here, not in each worker
    # Small tasks: the last one to finish leaves the other cores idle only briefly.
    step = max(50, len(pages) // (jobs * 24))
    ranges = [(i, min(i + step, len(pages))) for i in range(0, len(pages), step)]
    job = _PageJob(env, shared, pages, bodies, writer.root, writer.compare_to, writer.wants_digests)
    with ProcessPoolExecutor(
        jobs, mp_context=get_context("fork"), initializer=start_worker, initargs=(job,)
    ) as pool:
        futures = [pool.submit(_render_page_range, start, stop) for start, stop in ranges]
        meanwhile()
        done = 0
        for future in futures:
            written = future.result()
            for rel, staged, digest in written:
                writer.record(rel, staged, digest)
            done += len(written)
            report("pages", done, len(pages))


def _template_error(exc: jinja2.TemplateError, template: str) -> Diagnostic:
    """Point at the template line a rendering error came from, found in the traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml")):
            return error(frame.filename, frame.lineno or 0, f"template error: {exc}")
    return error(template, 0, f"template error: {exc}")
