"""The Jinja environment: the packaged theme under the site's own template overrides."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from kbsite import __version__
from kbsite.accel.jinja import environment_class
from kbsite.config.i18n import strings_for
from kbsite.config.siteconfig import SiteConfig
from kbsite.urls import absolute_url, url_maker
from kbsite.write.explorer import ExplorerNav


def _theme_dir() -> Path:
    """The theme that ships inside the package, found through importlib.resources. Jinja's
    loader and the copying of static files read it as files on disk, which an installed kbsite
    (a wheel's files in site-packages, or an editable checkout) always is."""
    folder = resources.files("kbsite.write") / "theme"
    if not isinstance(folder, Path):
        raise ImportError(f"kbsite's theme must be files on disk, not {folder!r}")
    return folder


THEME_DIR = _theme_dir()


def make_environment(
    config: SiteConfig, *, live_reload: bool = False, compiled: Path | None = None
) -> jinja2.Environment:
    """Build the environment once per build; templates compile once and are reused, and with
    `compiled` (a folder) kept compiled between builds."""
    search_path = [str(config.root / "templates"), str(THEME_DIR / "templates")]
    env = environment_class()(
        loader=_ThemeLoader(search_path),
        bytecode_cache=_CompiledTemplates.at(compiled) if compiled else None,
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Not a stat of each template file for every page: serve makes a new environment when
        # a template changes (kbsite.build), and a build never sees one change.
        auto_reload=False,
        # A plain dict, not Jinja's locked LRU: a theme has some twenty templates, and a page
        # looks up about ten (its own and each include) for every render.
        cache_size=-1,
    )
    strings = strings_for(config.language)
    url_for = url_maker(config)
    env.globals.update(
        site=config,
        strings=strings,
        kbsite_version=__version__,
        live_reload=live_reload,
        url_for=url_for,
        absolute_url=lambda path: absolute_url(config, path),
    )
    env.filters["date"] = _format_date
    env.filters["iso"] = lambda value: value.isoformat()
    env.globals["t"] = lambda key, **kw: strings[key].format(**kw)
    env.globals["explorer_nav"] = ExplorerNav(url_for)
    # kbsite's own template functions: plain Python, taking nothing from the context.
    env.plain_functions = frozenset(  # type: ignore[attr-defined]  # FastEnvironment reads it
        env.globals[name] for name in ("t", "url_for", "absolute_url")
    )
    return env


def compile_templates(env: jinja2.Environment) -> None:
    """Compile every page template now (~40 ms for the theme's), so that processes forked
    afterwards share them instead of each compiling its own."""
    for name in env.list_templates(extensions=["html"]):
        with contextlib.suppress(jinja2.TemplateError):  # a broken unused one is not our concern
            env.get_template(name)


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by earlier builds, so a build does not compile the theme's ~20 again
    (60 ms of a small site's 0.5 s build, in each worker process that renders pages).

    Jinja checks each entry against its template's source, and the folder's name carries the
    renderer's identity (kbsite's code, hence these environment settings), so an entry never
    outlives what it was compiled from. A cache must never fail a build: files that cannot be
    written are skipped.
    """

    @classmethod
    def at(cls, folder: Path) -> _CompiledTemplates | None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        return cls(str(folder))

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class _ThemeLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that remembers the names it did not find.

    Jinja caches templates it loaded, not ones it missed: every page's optional
    `{% include "partials/custom_head.html" ignore missing %}` searched both template folders
    again (a tenth of a page's render time). A template added later is seen, as any template
    change is: serve makes a new environment when the template files change.
    """

    def __init__(self, searchpath: list[str]) -> None:
        super().__init__(searchpath)
        self._missing: set[str] = set()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if template in self._missing:
            raise jinja2.TemplateNotFound(template)
        try:
            return super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            self._missing.add(template)
            raise


def _format_date(value: datetime, fmt: str = "%Y-%m-%d") -> str:
    return value.strftime(fmt)


def render_page(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> str:
    """Render one template with its page context."""
    return env.get_template(template).render(context)


def templates_signature(config: SiteConfig) -> Hashable:
    """Name, mtime and size of every template file, the site's overrides first."""
    found = []
    for folder in (config.root / "templates", THEME_DIR / "templates"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def static_files(config: SiteConfig) -> dict[str, Path]:
    """Theme static files, overridden file by file by the site's own static/."""
    copies: dict[str, Path] = {}
    for folder in (THEME_DIR / "static", config.root / "static"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    copies[path.relative_to(folder).as_posix()] = path
    return copies


def compiled_folder(cache: Path, renderer: str) -> Path:
    """The folder for compiled templates in the build cache, named after the renderer
    (kbsite's code and versions); folders of other renderers (an upgrade) are removed."""
    folder = cache / f"templates-{renderer}"
    for old in cache.glob("templates-*"):
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return folder
