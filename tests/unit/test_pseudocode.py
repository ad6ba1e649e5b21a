"""Algorithms (```pseudocode, Hugo's pseudocode shortcode) and blogs' callout tags."""

from __future__ import annotations

from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.syntax.algorithmic import render_algorithm


def messages(formulas: Formulas, body: str) -> list[str]:
    result = render_markdown(body, math=formulas, path="content/n.md", first_line=5)
    return [str(d) for d in result.diagnostics]


def test_steps_are_numbered_and_nested_blocks_indented(formulas: Formulas) -> None:
    source = "\\FOR{每个样本}\n\\STATE 更新\n\\ENDFOR\n\\RETURN 参数"
    algorithm = render_algorithm(source, formulas)
    assert algorithm.problems == ()
    assert '<li value="2" style="--indent: 1">更新</li>' in algorithm.html
    assert '<li value="4"><strong class="pseudocode-keyword">return</strong> 参数</li>' in (
        algorithm.html
    )


def test_formulas_go_through_katex_like_other_math(formulas: Formulas) -> None:
    html = render_algorithm("\\STATE $x \\gets 1$", formulas).html
    assert '<span class="math inline"><span class="katex"><math' in html
    assert "\\gets" not in html.split("<annotation")[0]


def test_a_formula_katex_rejects_is_marked_and_reported_at_the_block(formulas: Formulas) -> None:
    body = "正文。\n\n```pseudocode\n\\STATE $\\frac{1}{$\n```\n"
    result = render_markdown(body, math=formulas, path="content/n.md", first_line=5)
    assert '<code class="math-error"' in result.html
    (problem,) = [str(d) for d in result.diagnostics]
    assert problem.startswith("content/n.md:7: warning: markdown: pseudocode: formula cannot be")


def test_the_shortcode_is_read_with_a_warning_naming_the_fence(formulas: Formulas) -> None:
    body = "{{< pseudocode >}}\n\\STATE 初始化\n\\UNKNOWN 别的\n{{< /pseudocode >}}\n"
    assert messages(formulas, body) == [
        "content/n.md:5: warning: markdown: Hugo shortcode {{< pseudocode >}} read as an "
        "algorithm; kbsite's syntax is a ```pseudocode fence; pseudocode: unknown command "
        "\\UNKNOWN is shown as text"
    ]


def test_hexo_note_and_hugo_admonition_are_callouts_with_a_warning(formulas: Formulas) -> None:
    body = "{% note danger %}\n小心。\n{% endnote %}\n\n{{< admonition tip 技巧 >}}\n试试。\n{{< /admonition >}}\n"
    html = render_markdown(body, math=formulas, path="content/n.md", first_line=5).html
    assert '<div class="callout admonition danger">' in html
    assert '<p class="callout-title admonition-title">技巧</p>' in html
    assert messages(formulas, body) == [
        "content/n.md:5: warning: markdown: Hexo tag {% note %} read as a callout; "
        "kbsite's syntax is `> [!danger]`",
        "content/n.md:9: warning: markdown: Hugo shortcode {{< admonition >}} read as a "
        "callout; kbsite's syntax is `> [!tip]`",
    ]
