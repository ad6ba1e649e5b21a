"""find_formulas guesses the formulas a note renders, so a parallel build renders each once."""

from __future__ import annotations

from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulafinder import Formula, find_formulas
from kbsite.render.math.formulas import Formulas
from tests.conftest import REPO


def rendered_formulas(body: str) -> set[Formula]:
    """The (TeX, display) pairs rendering `body` actually asks KaTeX for."""
    fresh = Formulas()
    try:
        render_markdown(body, math=fresh, path="n.md", first_line=1)
        return set(fresh.known())
    finally:
        fresh.stop()


def test_finds_inline_display_and_bracket_math() -> None:
    body = (
        "冻结 $W_0$，只训练 $\\Delta W = BA$，比例 \\(\\alpha / r\\)。\n\n"
        "$$\nh = W_0 x + BAx\n$$\n\n\\[\n\\sum_i x_i\n\\]\n"
    )
    assert find_formulas(body) == {
        ("W_0", False),
        ("\\Delta W = BA", False),
        ("\\alpha / r", False),
        ("h = W_0 x + BAx", True),
        ("\\sum_i x_i", True),
    }
    assert find_formulas(body) == rendered_formulas(body)


def test_currency_code_and_escaped_dollars_are_not_formulas() -> None:
    body = (
        "价格 $5 和 $10。\n\n转义 \\$x\\$。\n\n`$not$` 是代码。\n\n```python\ncost = '$a$'\n```\n\n"
        "~~~\n$$b$$\n~~~\n"
    )
    assert find_formulas(body) == set()
    assert rendered_formulas(body) == set()


def test_agrees_with_the_renderer_on_the_example_notes() -> None:
    for path in sorted((REPO / "content").rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        assert find_formulas(body) == rendered_formulas(body), path.relative_to(REPO)


def test_text_without_dollars_or_backslashes_is_skipped_at_once() -> None:
    assert find_formulas("纯文本，没有公式。" * 100) == set()


def test_finds_bare_environments_as_display_math() -> None:
    text = "前文\n\\begin{align*}\na &= b\n\\end{align*}\n后文 \\begin{equation} x\n"
    assert find_formulas(text) == {("\\begin{align*}\na &= b\n\\end{align*}", True)}
