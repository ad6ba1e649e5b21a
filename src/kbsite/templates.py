"""The Jinja environment: the packaged theme under the site's own template overrides."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import markupsafe

from kbsite import __version__
from kbsite.config.i18n import strings_for
from kbsite.config.siteconfig import SiteConfig
from kbsite.urls import absolute_url, url_maker

THEME_DIR = Path(__file__).parent / "theme"


def make_environment(
    config: SiteConfig, *, live_reload: bool = False, compiled: Path | None = None
) -> jinja2.Environment:
    """Build the environment once per build; templates compile once and are reused, and with
    `compiled` (a folder) kept compiled between builds."""
    search_path = [str(config.root / "templates"), str(THEME_DIR / "templates")]
    env = _Environment(
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
    env.globals.update(
        site=config,
        strings=strings,
        kbsite_version=__version__,
        live_reload=live_reload,
        url_for=url_maker(config),
        absolute_url=lambda path: absolute_url(config, path),
    )
    env.filters["date"] = _format_date
    env.filters["iso"] = lambda value: value.isoformat()
    env.globals["t"] = lambda key, **kw: strings[key].format(**kw)
    # kbsite's own template functions: plain Python, taking nothing from the context.
    env.plain_functions = frozenset(env.globals[name] for name in ("t", "url_for", "absolute_url"))
    return env


def compile_templates(env: jinja2.Environment) -> None:
    """Compile every page template now (~40 ms for the theme's), so that processes forked
    afterwards share them instead of each compiling its own."""
    for name in env.list_templates(extensions=["html"]):
        with contextlib.suppress(jinja2.TemplateError):  # a broken unused one is not our concern
            env.get_template(name)


class _Context(jinja2.runtime.Context):
    """Jinja's Context, calling kbsite's own template functions directly.

    Jinja routes every call in a template through Context.call, which first inspects the
    function for `pass_context` and the like; a page makes about 40 calls to `t()` and
    `url_for()`, and that inspection was a sixth of its render time.
    """

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if __obj in getattr(__self.environment, "plain_functions", ()):
            kwargs.pop("_loop_vars", None)  # what Jinja adds for functions that take a context
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


# markupsafe's C escaping, returning a plain str (escape() wraps each result in a Markup);
# older or pure-Python markupsafe: its escape().
_escape_str: Callable[[str], str] = getattr(markupsafe, "_escape_inner", markupsafe.escape)


def _escape_output(value: Any) -> str:
    """markupsafe.escape for what `{{ … }}` prints: the same text, as a plain str when the value
    is one (a page prints some 120 values, and creating a Markup for each was a tenth of its
    render time). Jinja uses this function only for printed values, which it joins into the
    page, so whether they are Markup does not matter."""
    if type(value) is str:
        return _escape_str(value)
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The compiled template's module namespace: where its code looks `escape` up.
        template.root_render_func.__globals__["escape"] = _escape_output
        return template


class _Environment(jinja2.Environment):
    context_class = _Context
    template_class = _Template
    plain_functions: frozenset[object] = frozenset()

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, not Jinja's ChainMap over the environment's: each
        render and include copies them into a new context, and copying a ChainMap is slow.
        make_environment sets every global before any template loads, as Jinja advises."""
        return {**self.globals, **(d or {})}


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
