"""KaTeX's MathML lowered for MathML Core: table cells, enclosures, accents, TeX's spacing."""

from __future__ import annotations

import re

import pytest

from kbsite.render.math.formulas import Formulas
from kbsite.render.math.mathcore import THIN, lower_mathml


def _body(html: str) -> str:
    """The MathML between <semantics> and the TeX annotation."""
    return html[html.index("<semantics>") + 11 : html.index("<annotation")]


def _cells(html: str) -> list[str]:
    return re.findall(r'<mtd style="([^"]*)"', html)


def test_aligned_columns_are_right_then_left_with_spacing_as_padding(formulas: Formulas) -> None:
    html = formulas.render_tex(r"\begin{aligned} a &= b \\ &= c + d \end{aligned}", display=True)
    assert _cells(html) == [
        "text-align:right;text-align:-webkit-right;padding:0 0 0.125em 0",
        "text-align:left;padding:0 0 0.125em 0",
        "text-align:right;text-align:-webkit-right;padding:0.125em 0 0 0",
        "text-align:left;padding:0.125em 0 0 0",
    ]
    # Firefox spaces tables by these attributes: 0, or it would add its spacing to the padding.
    assert '<mtable rowspacing="0" columnalign="right left" columnspacing="0">' in html


def test_cases_are_left_aligned_with_a_gap_between_columns(formulas: Formulas) -> None:
    html = formulas.render_tex(
        r"\begin{cases} 1 & x > 0 \\ 0 & \text{else} \end{cases}", display=True
    )
    assert _cells(html) == [
        "text-align:left;padding:0 0.5em 0.18em 0",
        "text-align:left;padding:0 0 0.18em 0.5em",
        "text-align:left;padding:0.18em 0.5em 0 0",
        "text-align:left;padding:0.18em 0 0 0.5em",
    ]


def test_array_lines_become_borders_and_centred_columns_get_no_alignment(
    formulas: Formulas,
) -> None:
    html = formulas.render_tex(
        r"\begin{array}{c|c} A & B \\ \hline C & D \end{array}", display=True
    )
    first, second, third, _fourth = _cells(html)
    assert first == "padding:0 0.5em 0.08em 0;border-right:0.05em solid;border-bottom:0.05em solid"
    assert second == "padding:0 0 0.08em 0.5em;border-bottom:0.05em solid"
    assert third == "padding:0.08em 0.5em 0 0;border-right:0.05em solid"


def test_a_tag_spans_the_line_with_the_number_at_the_right(formulas: Formulas) -> None:
    html = formulas.render_tex(r"x = 1 \tag{3}", display=True)
    assert 'display="block" style="display:block math"' in html
    assert '<semantics style="width:100%">' in html
    assert '<mtable width="100%" style="width:100%">' in html
    assert html.count('<mtd width="50%" style="width:50%">') == 2
    assert "<mtext>(3)</mtext>" in html


@pytest.mark.parametrize(
    ("tex", "style"),
    [
        (r"\boxed{x}", "border:0.04em solid;padding:0.2em 0.3em"),
        (r"\cancel{x}", "background:linear-gradient(to top right,"),
        (r"\bcancel{x}", "background:linear-gradient(to bottom right,"),
        (r"\xcancel{x}", "background:linear-gradient(to top right,"),
        (r"\sout{x}", "background:linear-gradient(transparent"),
    ],
)
def test_enclosures_are_drawn_with_css_on_an_mrow(formulas: Formulas, tex: str, style: str) -> None:
    html = formulas.render_tex(tex, display=False)
    assert "<menclose" not in html
    assert f'<mrow style="{style}' in html


def test_operator_names_get_a_thin_space_before_an_ordinary_not_before_a_paren(
    formulas: Formulas,
) -> None:
    body = _body(formulas.render_tex(r"\log p + \log(x) + \sin\theta", display=False))
    assert f'<mi>log</mi><mo rspace="{THIN}">\u2061</mo><mi>p</mi>' in body
    assert "<mi>log</mi><mo>\u2061</mo><mo" in body
    assert f'<mi>sin</mi><mo rspace="{THIN}">\u2061</mo><mi>θ</mi>' in body


def test_a_thin_space_goes_after_the_limits_of_an_operator_name(formulas: Formulas) -> None:
    body = _body(formulas.render_tex(r"\max_x f", display=True))
    assert f'</munder><mspace width="{THIN}"/><mi>f</mi>' in body


def test_a_thin_space_before_an_operator_name_after_an_ordinary(formulas: Formulas) -> None:
    body = _body(formulas.render_tex(r"2\sin x + a\log b", display=False))
    assert f'<mn>2</mn><mspace width="{THIN}"/><mi>sin</mi>' in body
    assert f'<mi>a</mi><mspace width="{THIN}"/><mi>log</mi>' in body


def test_a_minus_after_a_relation_or_an_opening_is_unary(formulas: Formulas) -> None:
    body = _body(formulas.render_tex(r"y = -x + \left( -\frac{1}{2} \right) - z", display=True))
    assert body.count('<mo lspace="0" rspace="0">−</mo>') == 2
    assert body.count("<mo>−</mo>") == 1  # the binary one keeps its spacing


def test_operators_in_scripts_are_set_tight(formulas: Formulas) -> None:
    body = _body(formulas.render_tex(r"x_{t-1} + \sum_{i=1}^{n}", display=True))
    assert '<mi>t</mi><mo lspace="0" rspace="0">−</mo><mn>1</mn>' in body
    assert '<mi>i</mi><mo lspace="0" rspace="0">=</mo><mn>1</mn>' in body
    assert "<mo>+</mo>" in body


def test_accent_marks_math_fonts_lack_are_replaced_and_wide_ones_stretch(
    formulas: Formulas,
) -> None:
    body = _body(
        formulas.render_tex(r"\bar\alpha_t \acute{x} \widehat{xyz} \overline{AB}", display=True)
    )
    assert '<mo lspace="0" rspace="0">\u00af</mo>' in body  # not U+02C9 (CJK fonts have it)
    assert '<mo lspace="0" rspace="0">\u00b4</mo>' in body
    assert '<mo stretchy="true" lspace="0" rspace="0">\u0302</mo>' in body
    assert '<mrow style="border-top:0.04em solid;padding-top:0.1em"><mrow><mi>A</mi>' in body


def test_primes_sit_beside_their_base_not_in_a_superscript(formulas: Formulas) -> None:
    body = _body(formulas.render_tex(r"f''(x) + a'", display=False))
    assert "<msup>" not in body
    assert (
        '<mrow><mi>a</mi><mo mathvariant="normal" lspace="0em" rspace="0em">′</mo></mrow>' in body
    )


def test_the_xrightarrow_label_gets_its_padding_as_css(formulas: Formulas) -> None:
    body = _body(formulas.render_tex(r"\xrightarrow{f}", display=False))
    assert '<mrow style="padding:0 0.3em 0 0.3em"><mi>f</mi></mrow>' in body


def test_what_needs_nothing_is_returned_as_it_is() -> None:
    html = '<span class="katex"><math><semantics><mi>x</mi></semantics></math></span>'
    assert lower_mathml(html) is html
    broken = '<span class="katex"><math><mtable><mtr></math></span>'
    assert lower_mathml(broken) == broken


def test_unchanged_elements_keep_katexs_bytes() -> None:
    html = (
        '<span class="katex"><math display="block"><semantics><mtable rowspacing="0.16em">'
        '<mtr><mtd class ="mtr-glue"></mtd><mtd><mi>x</mi></mtd></mtr></mtable>'
        '<annotation encoding="application/x-tex">a &amp; b &lt; c</annotation></semantics>'
        "</math></span>"
    )
    lowered = lower_mathml(html)
    assert '<annotation encoding="application/x-tex">a &amp; b &lt; c</annotation>' in lowered
    assert '<mtd class="mtr-glue" style="width:50%"></mtd>' in lowered
    assert lower_mathml(lowered) == lowered  # idempotent: lowering twice changes nothing


def test_a_script_katex_writes_as_two_elements_is_grouped_in_an_mrow(formulas: Formulas) -> None:
    # KaTeX writes `t_{\max}` with three children in msub, which MathML Core cannot lay out.
    body = _body(formulas.render_tex(r"t_{\max}", display=False))
    assert body == "<mrow><msub><mi>t</mi><mrow><mi>max</mi><mo>\u2061</mo></mrow></msub></mrow>"
