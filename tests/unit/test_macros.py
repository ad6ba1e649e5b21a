"""TeX macros as MathJax keeps them: site-wide ones, and a note's own from where it defines
them to its end (kbsite.render.math.macros)."""

from __future__ import annotations

import re

import pytest

from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.math.macros import MacroError, Macros, expand, site_macros, take_definitions


def defined(*definitions: str) -> Macros:
    table: Macros = {}
    for tex in definitions:
        assert take_definitions(tex, table).strip() == ""
    return table


@pytest.mark.parametrize(
    ("definitions", "tex", "expanded"),
    [
        ((r"\newcommand{\R}{\mathbb{R}}",), r"x \in \R^n", r"x \in \mathbb{R}^n"),
        ((r"\newcommand\R{\mathbb{R}}",), r"\R", r"\mathbb{R}"),
        (
            (r"\renewcommand{\vec}[1]{\boldsymbol{#1}}",),
            r"\vec{x}+\vec y",
            r"\boldsymbol{x}+\boldsymbol{y}",
        ),
        ((r"\newcommand{\norm}[1]{\lVert #1 \rVert}",), r"\norm{x}y", r"\lVert x \rVert y"),
        (
            (r"\newcommand{\E}[1][X]{\mathbb{E}[#1]}",),
            r"\E + \E[Y]",
            r"\mathbb{E}[X] + \mathbb{E}[Y]",
        ),
        ((r"\def\KL#1#2{D(#1\|#2)}",), r"\KL{p}{q}", r"D(p\|q)"),
        ((r"\gdef\half{\frac12}",), r"\half", r"\frac12"),
        ((r"\DeclareMathOperator{\tr}{tr}",), r"\tr A", r"\operatorname{tr} A"),
        (
            (r"\DeclareMathOperator*{\argmax}{arg\,max}",),
            r"\argmax_x",
            r"\operatorname*{arg\,max}_x",
        ),
        # One macro may use another, defined before or after it.
        ((r"\newcommand{\x}{\y+1}", r"\newcommand{\y}{z}"), r"\x", r"z+1"),
        # \providecommand does not replace a definition.
        ((r"\newcommand{\a}{1}", r"\providecommand{\a}{2}"), r"\a", "1"),
        # A longer name is another command: \Rn is not \R followed by n.
        ((r"\newcommand{\R}{\mathbb{R}}",), r"\Rn \R", r"\Rn \mathbb{R}"),
    ],
)
def test_expands_definitions(definitions: tuple[str, ...], tex: str, expanded: str) -> None:
    assert expand(tex, defined(*definitions)) == expanded


def test_site_macros_count_their_arguments() -> None:
    table = site_macros([("\\E", r"\mathbb{E}"), ("norm", r"\lVert #1 \rVert")])
    assert expand(r"\E\norm{v}", table) == r"\mathbb{E}\lVert v \rVert"


def test_definitions_leave_the_rest_of_their_formula() -> None:
    table: Macros = {}
    assert take_definitions(r"\def\d{\mathrm{d}} \int f \d x", table) == r" \int f \d x"
    assert "d" in table


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\newcommand{\a}[x]{1}", "[x] is not a number of arguments"),
        (r"\newcommand{\a}", "has no body"),
        (r"\newcommand", "must be followed by the name it defines"),
        (r"\newcommand{\a}{1", "is not closed"),
    ],
)
def test_unreadable_definitions_say_why(tex: str, message: str) -> None:
    with pytest.raises(MacroError, match=re.escape(message)):
        take_definitions(tex, {})


def test_a_macro_that_calls_itself_is_stopped() -> None:
    with pytest.raises(MacroError, match="does not stop expanding"):
        expand(r"\a", defined(r"\def\a{x\a}"))


def tex_of(html: str) -> list[str]:
    return re.findall(r'<annotation encoding="application/x-tex">(.*?)</annotation>', html)


def test_a_notes_macros_hold_from_their_definition_to_its_end(formulas: Formulas) -> None:
    body = (
        "先用 $\\R$。\n\n"
        "$$\\newcommand{\\R}{\\mathcal{R}}\\newcommand{\\norm}[1]{\\lVert #1 \\rVert}$$\n\n"
        "然后 $\\R$ 与 $\\norm{v}$。\n\n## 小节 $\\norm{h}$\n"
    )
    result = render_markdown(body, math=formulas, path="n.md", first_line=1)
    # Before its definition \R is KaTeX's own; a definitions-only formula shows nothing.
    assert tex_of(result.html) == [
        r"\R",
        r"\mathcal{R}",
        r"\lVert v \rVert",
        r"\lVert h \rVert",
    ]
    assert result.html.count('class="math') == 4
    assert result.diagnostics == ()


def test_a_notes_macros_never_reach_another_note(formulas: Formulas) -> None:
    render_markdown("$\\newcommand{\\foo}{1}$\n", math=formulas, path="a.md", first_line=1)
    other = render_markdown("$\\foo$\n", math=formulas, path="b.md", first_line=1)
    assert [d.message for d in other.diagnostics] == [
        "cannot render formula: Undefined control sequence: \\foo at position 1: \\foo"
    ]


def test_site_macros_reach_every_note_and_a_note_may_redefine_them(formulas: Formulas) -> None:
    site = (("E", r"\mathbb{E}"),)
    plain = render_markdown(
        "$\\E[X]$\n", math=formulas, path="a.md", first_line=1, math_macros=site
    )
    assert tex_of(plain.html) == [r"\mathbb{E}[X]"]
    own = render_markdown(
        "$\\renewcommand{\\E}{\\operatorname{E}}\\E[X]$\n",
        math=formulas,
        path="b.md",
        first_line=1,
        math_macros=site,
    )
    assert tex_of(own.html) == [r"\operatorname{E}[X]"]


def test_a_formula_whose_macros_fail_is_shown_as_written_with_its_line(formulas: Formulas) -> None:
    result = render_markdown(
        "文字\n\n$\\def\\a{\\a}\\a$\n", math=formulas, path="n.md", first_line=5
    )
    assert 'class="math-error"' in result.html
    assert [str(d) for d in result.diagnostics] == [
        "n.md:7: warning: math: cannot expand macros: the macro \\a does not stop expanding "
        "(does it call itself?)"
    ]
