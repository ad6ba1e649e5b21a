"""Jinja, faster where a page spends its time: calls to kbsite's own template functions, the
escaping of printed values, and template globals. Each overrides a Jinja internal
(Context.call, the `escape` a compiled template looks up, make_globals) or uses markupsafe's
private C escaping; tests/unit/test_templates.py renders pages both ways and compares them.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from types import CodeType
from typing import Any

import jinja2
import markupsafe

from kbsite.accel import enabled


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


class FastEnvironment(jinja2.Environment):
    """A Jinja environment whose templates call kbsite's own functions directly (`plain_functions`,
    set by the caller) and print escaped values as plain strings: the same pages, faster."""

    context_class = _Context
    template_class = _Template
    plain_functions: frozenset[object] = frozenset()

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, not Jinja's ChainMap over the environment's: each
        render and include copies them into a new context, and copying a ChainMap is slow.
        make_environment sets every global before any template loads, as Jinja advises."""
        return {**self.globals, **(d or {})}


def environment_class() -> type[jinja2.Environment]:
    """The Environment class a site's templates render with: Jinja's own with
    KBSITE_NO_ACCEL=1."""
    return FastEnvironment if enabled() else jinja2.Environment
