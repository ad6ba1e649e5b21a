"""MathJax habits KaTeX rejects, read as MathJax reads them (issue 20, item 6)."""

from __future__ import annotations

import pytest

from kbsite.render.math.formulas import Formulas
from kbsite.render.math.tex import MathError
from kbsite.render.math.texcompat import mathjax_compat


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (r"\text{a_b & c 50% #1}", r"\text{a\_b \& c 50\% \#1}"),
        (r"\textbf{lr_max}", r"\textbf{lr\_max}"),
        (r"\text{if $x_1 > 0$, y_1}", r"\text{if $x_1 > 0$, y\_1}"),  # math inside stays math
        (r"\text{a\_b}", r"\text{a\_b}"),  # escaped already
        (r"\mbox{a_b}", r"\text{a\_b}"),
        (r"t_\max", r"t_{\max}"),
        (r"Q^\vec{a}", r"Q^{\vec{a}}"),
        (r"Q^\vec a", r"Q^{\vec a}"),
        (r"x^\sqrt[3]{2}", r"x^{\sqrt[3]{2}}"),
        (r"\mathbb{E}_\operatorname*{arg}{x}", r"\mathbb{E}_{\operatorname*{arg}}{x}"),
        (r"x_\max^\hat{y}", r"x_{\max}^{\hat{y}}"),
        (r"\require{cancel} \cancel{x}", r"\cancel{x}"),
        (
            r"\begin{multline} a \\ b \end{multline}",
            r"\begin{equation}\begin{gathered} a \\ b \end{gathered}\end{equation}",
        ),
        (
            r"\begin{multline*} a \end{multline*}",
            r"\begin{equation*}\begin{gathered} a \end{gathered}\end{equation*}",
        ),
    ],
)
def test_mathjax_habits_are_rewritten(written: str, read: str) -> None:
    assert mathjax_compat(written) == read


@pytest.mark.parametrize(
    "tex",
    [r"x^\prime", r"x_\alpha", r"x_\mathrm{a}", r"x^\frac12", r"\text{a} b_c", r"a \_ b", "x"],
)
def test_what_katex_renders_already_is_left_alone(tex: str) -> None:
    assert mathjax_compat(tex) == tex


@pytest.mark.parametrize(
    ("tex", "shown"),
    [
        (r"\text{lr_max & 50%}", "<mtext>lr_max\u00a0&amp;\u00a050%</mtext>"),
        (r"t_\max", "<msub><mi>t</mi><mrow><mi>max</mi><mo>\u2061</mo></mrow></msub>"),
        (r"x^\prime", "′"),
        (r"Q^\vec{a}", '<msup><mi>Q</mi><mover accent="true"><mi>a</mi>'),
        (r"\require{cancel} x", "<mi>x</mi>"),
    ],
)
def test_mathjax_habits_render(formulas: Formulas, tex: str, shown: str) -> None:
    html = formulas.render_tex(tex, display=False)
    assert shown in html
    # The annotation keeps the TeX as written, for copying and for screen readers.
    assert f'<annotation encoding="application/x-tex">{tex.replace("&", "&amp;")}<' in html


def test_a_rewritten_formula_that_still_fails_names_what_cannot_render(formulas: Formulas) -> None:
    with pytest.raises(MathError) as caught:
        formulas.render_tex(r"\text{a_b} + \foo", display=False)
    # Not "got '_'": that part renders once rewritten; KaTeX quotes the rewrite it was given.
    assert (
        caught.value.message
        == r"Undefined control sequence: \foo at position 15: \text{a\_b} + \foo"
    )
