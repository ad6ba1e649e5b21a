"""Tests for kbsite.render.excerpt: cutting by characters, formulas whole, reading time per script."""

from __future__ import annotations

import pytest

from kbsite.render.excerpt import make_excerpt, readable_math, reading_minutes
from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.tokeninfo import TextRun


def plain(text: str) -> TextRun:
    return TextRun(text, False)


def formula(tex: str) -> TextRun:
    return TextRun(tex, True)


def test_short_text_is_returned_whole_without_ellipsis() -> None:
    assert make_excerpt([plain("短文本。")], limit=10) == "短文本。"


def test_whitespace_is_collapsed_and_wrapped_chinese_lines_are_joined() -> None:
    runs = [plain("  注意力机制\n是一种   方法。\n\nIt  works\nwell.\n\n标题\n\n正文  ")]
    # A line break between Chinese characters is a wrap; a space the author typed stays;
    # a blank line (a block end) is a space unless fullwidth punctuation ends the block.
    assert make_excerpt(runs) == "注意力机制是一种 方法。It works well. 标题 正文"


def test_chinese_is_counted_in_characters() -> None:
    text = "甲乙丙丁戊己庚辛壬癸" * 3  # 30 characters, no sentence end
    excerpt = make_excerpt([plain(text)], limit=12)
    assert excerpt == "甲乙丙丁戊己庚辛壬..."
    assert len(excerpt) == 12


def test_latin_words_and_numbers_are_never_split() -> None:
    runs = [plain("LoRA reduces trainable parameters by 10000 times")]
    assert make_excerpt(runs, limit=30) == "LoRA reduces trainable..."
    assert make_excerpt(runs, limit=42) == "LoRA reduces trainable parameters by..."


def test_formula_that_would_cross_the_limit_is_dropped_whole() -> None:
    runs = [plain("其中"), formula(r"W_0 + \Delta W = W_0 + BA"), plain("是更新后的权重")]
    assert make_excerpt(runs, limit=20) == "其中..."


def test_formula_that_fits_is_kept_readable() -> None:
    runs = [plain("其中 "), formula(r"\theta^*"), plain(" 是最优参数，通过梯度下降求得，收敛很快")]
    assert make_excerpt(runs, limit=20) == "其中 θ* 是最优参数，通过梯度下..."


def test_prefers_to_end_at_a_sentence_end_late_in_the_budget() -> None:
    runs = [plain("第一句话在这里结束。第二句话比较长一些，还没有结束就被截断了")]
    assert make_excerpt(runs, limit=15) == "第一句话在这里结束。..."


def test_ignores_a_sentence_end_too_early_in_the_budget() -> None:
    runs = [plain("短句。后面是一段很长很长很长很长很长的文字没有句号")]
    assert make_excerpt(runs, limit=15) == "短句。后面是一段很长很长..."


def test_latin_period_counts_only_before_a_space() -> None:
    runs = [plain("Accuracy rose to 91.5 on GLUE. Then the second sentence runs on and on")]
    assert make_excerpt(runs, limit=40) == "Accuracy rose to 91.5 on GLUE...."
    assert make_excerpt([plain("Version 3.14159265 is the one we use today")], 20) == "Version..."


def test_trailing_comma_is_dropped_before_the_ellipsis() -> None:
    assert make_excerpt([plain("模型很大，显存不够用的时候怎么办")], limit=8) == "模型很大..."


def test_excerpt_from_rendered_note_leaves_out_code(formulas: Formulas) -> None:
    body = "# 标题\n\n```python\nsecret()\n```\n\n正文 `code` 内容。"
    runs = render_markdown(body, math=formulas, path="n.md", first_line=1).text
    assert make_excerpt(runs) == "正文 code 内容。"  # the heading is left out too


def test_headings_never_run_into_the_sentence_after_them(formulas: Formulas) -> None:
    body = "## 背景\n\n注意力的复杂度是 $O(N^2 d)$。\n\n## Method $x$\n\nWe use $W^{T} x$.\n"
    runs = render_markdown(body, math=formulas, path="n.md", first_line=1).text
    assert make_excerpt(runs) == "注意力的复杂度是 O(N² d)。We use Wᵀ x."
    assert make_excerpt(
        render_markdown("# 只有标题\n", math=formulas, path="n.md", first_line=1).text
    ) == ("只有标题")


@pytest.mark.parametrize(
    ("tex", "readable"),
    [
        (r"\theta^* = \arg\min_\theta \mathcal{L}(\theta)", "θ* = argmin_θ L(θ)"),
        (r"\frac{QK^T}{\sqrt{d_k}}", "(QKᵀ)/(√d_k)"),
        (r"O(N^2 d) + x^{(i)} + e^{-x} + a^b", "O(N² d) + x⁽ⁱ⁾ + e^(-x) + a^b"),
        # A group with no superscript form stays one: ℝ^(N+1), never ℝ^N+1.
        (r"E \in \mathbb{R}^{(P^2 C) \times D}", "E ∈ ℝ^((P² C) × D)"),
        (r"x \in \mathbb{R}^{N+1}, \mathbb{E}_{x}[f]", "x ∈ ℝ^(N+1), E_x[f]"),
        (r"\mathrm{softmax}\left(\frac{\frac{a}{b}}{c}\right)", "softmax((a/b)/c)"),
        (r"\begin{aligned} a &= b \\ c &= \frac12 \end{aligned}", "a = b c = 1/2"),
        (r"\{x \mid x \in \mathbb{R}\}", "{x | x ∈ ℝ}"),
        (r"\alpha\,\beta\;\Omega", "α β Ω"),
        (r"W_0 + \Delta W \cdot \log p", "W_0 + ΔW · log p"),
    ],
)
def test_readable_math(tex: str, readable: str) -> None:
    assert readable_math(tex) == readable


def test_reading_time_counts_han_and_latin_separately() -> None:
    assert reading_minutes([plain("字" * 450)]) == 1
    assert reading_minutes([plain("字" * 451)]) == 2
    assert reading_minutes([plain("word " * 220)]) == 1
    assert reading_minutes([plain("字" * 450 + " word" * 220)]) == 2
    assert reading_minutes([plain("字" * 900), plain("word " * 219)]) == 3


def test_reading_time_is_at_least_one_minute() -> None:
    assert reading_minutes([]) == 1
    assert reading_minutes([plain("短")]) == 1


def test_one_chinese_character_does_not_flip_an_english_note() -> None:
    english = plain("attention " * 600)  # 2.7 minutes of English
    assert reading_minutes([english]) == 3
    assert reading_minutes([english, plain("注意力")]) == 3


def test_transpose_and_set_symbols_read_as_unicode() -> None:
    from kbsite.render.excerpt import readable_math

    assert readable_math(r"\frac{QK^\top}{\sqrt{d_k}}") == "(QKᵀ)/(√d_k)"
    assert readable_math(r"A \cap B \subseteq C \cup D") == "A ∩ B ⊆ C ∪ D"
