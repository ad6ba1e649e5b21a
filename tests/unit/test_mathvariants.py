"""Styled math letters become Unicode characters, which Chromium (MathML Core) draws styled."""

from __future__ import annotations

import pytest

from kbsite.render.math.formulas import Formulas
from kbsite.render.math.variants import unicode_variants


@pytest.mark.parametrize(
    ("tex", "shown"),
    [
        (r"\mathbb{R}", "ℝ"),  # a hole of the block: the Letterlike Symbols character
        (r"\mathbb{E}", "𝔼"),
        (r"\mathcal{L}", "ℒ"),
        (r"\mathcal{N}", "𝒩"),
        (r"\mathbf{x}", "𝐱"),
        (r"\mathbf{1}", "𝟏"),
        (r"\mathfrak{S}", "𝔖"),
        (r"\mathfrak{R}", "ℜ"),
        (r"\mathsf{A}", "𝖠"),
        (r"\mathtt{x}", "𝚡"),
        (r"\boldsymbol{\theta}", "𝜽"),
    ],
)
def test_styled_letters_are_characters_not_attributes(
    formulas: Formulas, tex: str, shown: str
) -> None:
    html = formulas.render_tex(tex, display=False)
    assert f">{shown}</m" in html
    assert 'mathvariant="' not in html.split("<annotation")[0].replace('mathvariant="normal"', "")


def test_what_has_no_styled_character_keeps_its_attribute() -> None:
    assert unicode_variants('<mi mathvariant="bold">∇</mi>') == '<mi mathvariant="bold">∇</mi>'
    assert unicode_variants('<mi mathvariant="normal">d</mi>') == '<mi mathvariant="normal">d</mi>'
    assert unicode_variants('<mi mathvariant="script">Σ</mi>') == '<mi mathvariant="script">Σ</mi>'
    assert unicode_variants('<mo mathvariant="bold">+</mo>') == '<mo mathvariant="bold">+</mo>'


def test_other_attributes_stay_and_the_tex_annotation_is_untouched(formulas: Formulas) -> None:
    assert unicode_variants('<mi class="v" mathvariant="bold" id="x">AB</mi>') == (
        '<mi class="v" id="x">𝐀𝐁</mi>'
    )
    html = formulas.render_tex(r"\mathbb{R}^{d}", display=True)
    assert '<annotation encoding="application/x-tex">\\mathbb{R}^{d}</annotation>' in html
