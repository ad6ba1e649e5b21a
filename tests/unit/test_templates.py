"""The Jinja environment: kbsite's fast path for its own template functions changes nothing."""

from __future__ import annotations

from pathlib import Path

import jinja2
import markupsafe
import pytest

from kbsite.accel.jinja import FastEnvironment
from kbsite.config.siteconfig import parse_config
from kbsite.write.templates import make_environment

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


@pytest.mark.usefixtures("accel_on")  # compares kbsite.accel.jinja with Jinja, in both runs
def test_own_functions_render_as_jinja_would_call_them() -> None:
    env = make_environment(CONFIG)
    assert isinstance(env, FastEnvironment)
    env.globals["where"] = where
    plain = jinja2.Environment(autoescape=True)
    plain.globals.update(env.globals)
    context = {"page_path": "/p/"}
    expected = plain.from_string(SOURCE).render(context)
    assert env.from_string(SOURCE).render(context) == expected
    assert expected.startswith("复制|/notes/a%20b/|复制|")
    assert expected.endswith("|oddeven|/p/")


class Html:
    def __html__(self) -> str:
        return "<b>safe</b>"


# Printed values of every kind, in output, a {% set %} block, a macro, a filter and a loop.
ESCAPES = (
    "{{ text }}|{{ safe }}|{{ number }}|{{ html }}|{{ none }}|{{ text ~ safe }}|"
    "{% set block %}<i>{{ text }}</i>{% endset %}{{ block }}|{{ block | length }}|"
    "{% macro m(x) %}[{{ x }}]{% endmacro %}{{ m(text) }}|{{ m(text) | upper }}|"
    "{{ text | upper }}|{% for c in '<>' %}{{ c }}{% endfor %}|{{ text | e }}|{{ [text] }}"
)
VALUES = {
    "text": "a<b>&\"c'",
    "safe": markupsafe.Markup("<em>ok</em>"),
    "number": 3.5,
    "html": Html(),
    "none": None,
}


@pytest.mark.usefixtures("accel_on")
def test_printed_values_are_escaped_as_jinja_escapes_them(tmp_path: Path) -> None:
    """kbsite prints plain strings through markupsafe's escaping without wrapping each in a
    Markup: the page is the same, also for templates read back from the compiled folder."""
    expected = jinja2.Environment(autoescape=True).from_string(ESCAPES).render(VALUES)
    assert "a&lt;b&gt;&amp;&#34;c&#39;" in expected and "<em>ok</em>" in expected
    assert make_environment(CONFIG).from_string(ESCAPES).render(VALUES) == expected
    theme = tmp_path / "templates"
    theme.mkdir()
    (theme / "page.html").write_text(ESCAPES, encoding="utf-8")
    config = parse_config(
        "title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=tmp_path
    )
    for _ in range(2):  # compiled, then loaded from the compiled folder
        env = make_environment(config, compiled=tmp_path / "compiled")
        assert env.get_template("page.html").render(VALUES) == expected
    assert list((tmp_path / "compiled").iterdir())
