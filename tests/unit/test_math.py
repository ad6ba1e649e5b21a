"""Tests for kbsite.render.math.tex: TeX to MathML through KaTeX (kbsite.render.math.katexengine), cached."""

from __future__ import annotations

import pytest

from kbsite.render.math.formulas import Formulas
from kbsite.render.math.tex import MathError


def test_renders_inline_formula_as_mathml_only(formulas: Formulas) -> None:
    html = formulas.render_tex("a_1 * b_2", False)
    assert html.startswith('<span class="katex"><math xmlns="http://www.w3.org/1998/Math/MathML">')
    assert 'display="block"' not in html
    assert "katex-html" not in html  # no HTML output that would need KaTeX's CSS and fonts
    assert '<annotation encoding="application/x-tex">a_1 * b_2</annotation>' in html


def test_renders_display_formula_as_block_math(formulas: Formulas) -> None:
    html = formulas.render_tex(r"\begin{aligned} a &= b \\ c &= d \end{aligned}", True)
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert html.count("<mtr>") == 2


def test_chinese_in_math_renders_without_printing(
    formulas: Formulas, capfd: pytest.CaptureFixture[str]
) -> None:
    html = formulas.render_tex(r"x_{训练}", False)
    assert "<mtext>训练</mtext>" in html
    assert capfd.readouterr() == ("", "")  # KaTeX's strict "warn" mode would print here


def test_unknown_command_raises_math_error_with_clean_message(formulas: Formulas) -> None:
    with pytest.raises(MathError) as info:
        formulas.render_tex(r"\foobar + 1", False)
    assert info.value.message == r"Undefined control sequence: \foobar at position 1: \foobar + 1"


def test_failure_is_raised_again_from_the_cache(formulas: Formulas) -> None:
    for _ in range(2):
        with pytest.raises(MathError, match="Expected group after"):
            formulas.render_tex("x^", True)


def test_a_batch_that_fills_the_cache_still_returns_every_formula() -> None:
    """Storing a batch's new formulas may start the cache afresh; formulas of the batch that
    were cached before must still come back."""
    small = Formulas(max_results=2)
    try:
        small.render_many([("a^2", False)])
        out = small.render_many([("a^2", False), ("b^2", False), ("c^2", False)])
        assert small.known() == {("b^2", False), ("c^2", False)}  # started afresh
    finally:
        small.stop()
    assert [formula for formula, _ in out] == [("a^2", False), ("b^2", False), ("c^2", False)]
    assert all(ok and "<msup>" in html for _, (ok, html) in out)
