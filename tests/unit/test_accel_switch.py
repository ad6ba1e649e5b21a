"""KBSITE_NO_ACCEL=1 leaves the libraries' own code in place: README's test command runs the
suite a second time with it set, and this test, run in both, checks that each run has what the
switch says (tests/integration/test_accel.py compares the sites the two build)."""

from __future__ import annotations

from pathlib import Path

import jinja2
import markupsafe
from pygments.lexer import RegexLexer

from kbsite.accel import enabled
from kbsite.accel.jinja import FastEnvironment
from kbsite.config.siteconfig import parse_config
from kbsite.render.highlight import _lexer
from kbsite.render.markdown import make_markdown
from kbsite.write.templates import make_environment

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=Path("/s")
)


def test_this_run_has_what_the_switch_says() -> None:
    # Made afresh, as a new process makes them: the cached ones may come from a test that
    # turned the pieces on for itself (tests/conftest.py's accel_on).
    md = make_markdown.__wrapped__()
    lexer = _lexer.__wrapped__("python")
    env = make_environment(CONFIG)
    escape = env.from_string("{{ x }}").root_render_func.__globals__["escape"]
    ruler = md.block.ruler
    markdown_its_chain = [rule.fn for rule in ruler.__rules__ if rule.enabled]
    if enabled():
        assert len(ruler.getRules("")) == 1  # fastblock's dispatch
        assert "get_tokens_unprocessed" in vars(lexer)  # fastlex's loop, on the instance
        assert type(env) is FastEnvironment and escape is not markupsafe.escape
    else:
        assert ruler.getRules("") == markdown_its_chain
        assert "get_tokens_unprocessed" not in vars(lexer)
        assert type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed
        assert type(env) is jinja2.Environment and escape is markupsafe.escape
