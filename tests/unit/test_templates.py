"""The Jinja environment: kbsite's fast path for its own template functions changes nothing."""

from __future__ import annotations

from pathlib import Path

import jinja2

from kbsite.config import parse_config
from kbsite.templates import make_environment

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/notes/\nlanguage: zh-CN\n"
    "categories: [{name: CV, slug: cv}]\n",
    root=Path("/s"),
)
# Calls in a loop and in a block, where Jinja passes extra arguments meant for context
# functions; Jinja's own globals (range, cycler) and a context function still work.
SOURCE = (
    "{% for i in range(2) %}{{ t('copy') }}|{{ url_for('/a b/') }}|{% endfor %}"
    "{% block body %}{{ absolute_url('/x/') }}|{{ t('built_with', name='kbsite') }}{% endblock %}"
    "|{% set c = cycler('odd', 'even') %}{{ c.next() }}{{ c.next() }}|{{ where() }}"
)


@jinja2.pass_context
def where(context: jinja2.runtime.Context) -> str:
    return str(context.get("page_path"))


def test_own_functions_render_as_jinja_would_call_them() -> None:
    env = make_environment(CONFIG)
    env.globals["where"] = where
    plain = jinja2.Environment(autoescape=True)
    plain.globals.update(env.globals)
    context = {"page_path": "/p/"}
    expected = plain.from_string(SOURCE).render(context)
    assert env.from_string(SOURCE).render(context) == expected
    assert expected.startswith("复制|/notes/a%20b/|复制|")
    assert expected.endswith("|oddeven|/p/")
