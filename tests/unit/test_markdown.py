"""Tests for kbsite.render.markdown: HTML by fixture, then links, toc, text runs and diagnostics."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import replace
from pathlib import Path

import pytest

from kbsite.errors import Severity
from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.tokeninfo import Heading, Link, TextRun

FIXTURES = Path(__file__).parent.parent / "fixtures" / "markdown"
CASES = sorted(p.stem for p in FIXTURES.glob("*.md"))


def render(formulas: Formulas, body: str) -> str:
    """Render and return only the html, for short assertions."""
    return render_markdown(body, math=formulas, path="content/n.md", first_line=1).html


@pytest.mark.parametrize("name", CASES)
def test_fixture(formulas: Formulas, name: str) -> None:
    source = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    expected = (FIXTURES / f"{name}.html").read_text(encoding="utf-8")
    actual = render_markdown(source, math=formulas, path=f"content/{name}.md", first_line=1).html
    diff = "\n".join(
        difflib.unified_diff(expected.splitlines(), actual.splitlines(), "expected", "actual")
    )
    assert actual == expected, diff


def test_every_fixture_has_expected_output() -> None:
    assert len(CASES) >= 15
    assert all((FIXTURES / f"{name}.html").is_file() for name in CASES)


# --- math ------------------------------------------------------------------------------------


def test_currency_is_not_math(formulas: Formulas) -> None:
    out = render(
        formulas, "costs $5 and $10\n\n| GPT-4 | $10 | $30 |\n|---|---|---|\n| a | b | c |"
    )
    assert "math" not in out
    assert "<p>costs $5 and $10</p>" in out


def test_emphasis_markers_inside_math_are_left_alone(formulas: Formulas) -> None:
    out = render(formulas, "$a_1 * b_2$ and $c_1 * d_2$")
    assert "<em>" not in out
    assert out.count('<span class="math inline">') == 2
    assert '<annotation encoding="application/x-tex">a_1 * b_2</annotation>' in out


def test_bracket_escapes_that_are_not_math_stay_escapes(formulas: Formulas) -> None:
    out = render(formulas, r"\[1\] Vaswani et al. and \( alone")
    assert out == "<p>[1] Vaswani et al. and ( alone</p>\n"


def test_bad_tex_shows_source_and_warns_at_its_file_line(formulas: Formulas) -> None:
    body = "Intro.\n\nFirst line\nsecond $\\nope{x}$ here\n\n$$\n\\frac{a\n$$\n"
    result = render_markdown(body, math=formulas, path="content/cv/detr.md", first_line=6)
    assert '<code class="math-error" title="Undefined control sequence: \\nope' in result.html
    assert ">\\nope{x}</code>" in result.html
    assert [str(d) for d in result.diagnostics] == [
        "content/cv/detr.md:9: warning: math: cannot render formula: "
        "Undefined control sequence: \\nope at position 1: \\nope{x}",
        "content/cv/detr.md:11: warning: math: cannot render formula: "
        "Unexpected end of input in a macro argument, expected '}' at end of input: \\frac{a",
    ]
    assert all(d.severity is Severity.WARNING for d in result.diagnostics)


def test_bad_tex_in_math_fence_warns_at_the_fence(formulas: Formulas) -> None:
    result = render_markdown(
        "text\n\n```math\n\\bad\n```\n", math=formulas, path="n.md", first_line=3
    )
    assert [(d.location.line, d.key) for d in result.diagnostics] == [(5, "math")]


def test_good_notes_have_no_diagnostics(formulas: Formulas) -> None:
    source = (FIXTURES / "math_display.md").read_text(encoding="utf-8")
    assert render_markdown(source, math=formulas, path="n.md", first_line=1).diagnostics == ()


# --- headings --------------------------------------------------------------------------------


def test_toc_has_levels_one_to_four_with_unique_unicode_ids(formulas: Formulas) -> None:
    source = (FIXTURES / "headings.md").read_text(encoding="utf-8")
    toc = render_markdown(source, math=formulas, path="n.md", first_line=1).toc
    assert [h.html for h in toc[:4]] == [
        "笔记",
        "注意力机制",
        "注意力机制",
        "3.1 Multi-Head Attention",
    ]
    assert toc[4].html.startswith('损失 <span class="math inline"><span class="katex"><math')
    assert toc[4].html.endswith("</math></span></span> 与 <code>loss()</code>")
    assert [replace(h, html="") for h in toc] == [
        Heading(1, "笔记", "笔记"),
        Heading(2, "注意力机制", "注意力机制"),
        Heading(2, "注意力机制-1", "注意力机制"),
        Heading(3, "31-multi-head-attention", "3.1 Multi-Head Attention"),
        Heading(4, "损失-l_2-与-loss", "损失 L_2 与 loss()"),
        Heading(2, "section", "？！"),
        Heading(2, "lora-论文", "LoRA 论文"),
    ]


def test_toc_shows_a_headings_math_rendered_and_its_links_as_text(formulas: Formulas) -> None:
    source = "## $\\epsilon$-Greedy [[other]] [链接](x.md)[^1]\n\n[^1]: 注。\n"
    [heading] = render_markdown(source, math=formulas, path="n.md", first_line=1).toc
    assert heading.text == "\\epsilon-Greedy other 链接"
    assert "<mi>ϵ</mi>" in heading.html and "\\epsilon" not in heading.html.split("<annotation")[0]
    assert heading.html.endswith("-Greedy other 链接")  # no <a> inside the TOC's <a>, no footnote


def test_generated_ids_do_not_repeat_across_three_duplicates(formulas: Formulas) -> None:
    out = render(formulas, "## A\n\n## A\n\n## A")
    assert [part.split('"')[0] for part in out.split('<h2 id="')[1:]] == ["a", "a-1", "a-2"]


# --- links -----------------------------------------------------------------------------------


def test_links_and_images_are_collected_with_file_lines(formulas: Formulas) -> None:
    body = (
        "Intro [a](a.md) and\n"
        "![图](img/x.png) then https://example.com/p\n"
        "\n"
        "## 标题\n"
        "\n"
        '<img src="fig/b&amp;c.png">\n'
        "\n"
        "> [q](q.md#注意)[^1]\n"
        "\n"
        "[^1]: 见 <https://ref.org>\n"
    )
    links = render_markdown(body, math=formulas, path="n.md", first_line=10).links
    assert links == (
        Link("a.md", 10, "link"),
        Link("img/x.png", 11, "image"),
        Link("https://example.com/p", 11, "link"),
        Link("fig/b&c.png", 15, "image"),
        Link("q.md#%E6%B3%A8%E6%84%8F", 17, "link"),
        Link("https://ref.org", 19, "link"),
    )


def test_every_link_appears_in_html_as_escaped_attribute(formulas: Formulas) -> None:
    source = "".join(
        (FIXTURES / f"{name}.md").read_text(encoding="utf-8") + "\n\n"
        for name in ("links", "raw_html", "footnotes", "inline_gfm")
    )
    result = render_markdown(source, math=formulas, path="n.md", first_line=1)
    assert len(result.links) == 11
    for link in result.links:
        attr = "href" if link.kind == "link" else "src"
        assert f'{attr}="{html.escape(link.href)}"' in result.html, link


def test_own_anchors_and_footnote_references_are_not_links(formulas: Formulas) -> None:
    links = render_markdown(
        "## 标题\n\n文[^n]\n\n[^n]: 注", math=formulas, path="n.md", first_line=1
    ).links
    assert links == ()


# --- text runs -------------------------------------------------------------------------------


def test_text_runs_keep_prose_and_formulas_and_drop_code(formulas: Formulas) -> None:
    body = (
        "# 标题\n\n"
        "LoRA 把 $W_0 + BA$ 冻结，用 `r=8` 训练。[论文](https://x.org)<br>完 https://y.org\n\n"
        "```python\nsecret = 1\n```\n\n"
        "    indented secret\n\n"
        "| 列 | 值 |\n|---|---|\n| a | b |\n\n"
        "> 引用\n\n"
        "- 项[^1]\n\n"
        "[^1]: footnote secret\n"
    )
    runs = render_markdown(body, math=formulas, path="n.md", first_line=1).text
    assert runs == (
        TextRun("标题", False, heading=True),  # left out of excerpts, read in reading time
        TextRun("\n\nLoRA 把 ", False),
        TextRun("W_0 + BA", True),
        TextRun(" 冻结，用 r=8 训练。论文完 \n\n列 值 a b 引用\n\n项", False),
    )


def test_display_math_is_an_atomic_run(formulas: Formulas) -> None:
    runs = render_markdown(
        "前\n\n$$\nE = mc^2\n$$\n\n后", math=formulas, path="n.md", first_line=1
    ).text
    assert runs == (TextRun("前\n\n", False), TextRun("E = mc^2", True), TextRun("\n\n后", False))


def test_more_marker_ends_the_excerpt_text_but_not_the_html(formulas: Formulas) -> None:
    source = (FIXTURES / "more.md").read_text(encoding="utf-8")
    result = render_markdown(source, math=formulas, path="n.md", first_line=1)
    assert result.excerpt_text == (TextRun("摘要在这里。", False),)
    # reading time still counts the whole note
    assert result.text == (TextRun("摘要在这里。", False), TextRun("正文在这里。", False))
    assert "<p>正文在这里。</p>" in result.html


def test_inline_more_marker_also_ends_the_excerpt_text(formulas: Formulas) -> None:
    result = render_markdown("前 <!-- more --> 后\n\n再", math=formulas, path="n.md", first_line=1)
    assert result.excerpt_text == (TextRun("前", False),)
    assert result.text == (TextRun("前", False), TextRun(" 后\n\n再", False))


def test_anchors_cover_every_heading_level_and_footnotes(formulas: Formulas) -> None:
    body = "## 二级\n\n##### 五级\n\n脚注[^a]。\n\n[^a]: 说明。\n"
    result = render_markdown(body, math=formulas, path="n.md", first_line=1)
    assert result.anchors == ("二级", "五级", "fn1")
    assert [h.id for h in result.toc] == ["二级"]


def test_rendering_is_pure(formulas: Formulas) -> None:
    source = (FIXTURES / "headings.md").read_text(encoding="utf-8")
    first = render_markdown(source, math=formulas, path="n.md", first_line=4)
    assert render_markdown(source, math=formulas, path="n.md", first_line=4) == first


def test_windows_and_old_mac_line_ends_and_nul_read_as_newlines_and_replacement(
    formulas: Formulas,
) -> None:
    """markdown-it's normalizing, which kbsite skips for text without CR or NUL."""
    crlf = "# 标题\r\n\r\n段落一\r第二行\0结束\r\n\r\n- a\r\n- b\r\n"
    lf = "# 标题\n\n段落一\n第二行\ufffd结束\n\n- a\n- b\n"
    html = render_markdown(crlf, math=formulas, path="x.md", first_line=1).html
    assert html == render_markdown(lf, math=formulas, path="x.md", first_line=1).html
    assert "\r" not in html and "<li>b</li>" in html


def test_a_bare_environment_that_cannot_render_is_reported_at_its_line(formulas: Formulas) -> None:
    body = "前文\n\n\\begin{align}\na &= \\foo \\\\\nb\n\\end{align}\n"
    result = render_markdown(body, math=formulas, path="content/x.md", first_line=5)
    assert [(d.location.line, d.key) for d in result.diagnostics] == [(7, "math")]
    assert '<code class="math-error"' in result.html


# --- math blocks own their lines (issue 23) ----------------------------------------------------


def shown(formulas: Formulas, source: str) -> str:
    html = render_markdown(source, math=formulas, path="n.md", first_line=1).html
    return re.sub(r"<math.*?</math>", "[M]", html, flags=re.S).strip()


def test_a_dollar_block_under_its_sentence_ends_the_paragraph_and_is_not_markdown(
    formulas: Formulas,
) -> None:
    # The line of "=" made a setext heading of the sentence and the TeX before it.
    assert shown(formulas, "推导如下：\n$$\nx\n=\ny\n$$\n后文。") == (
        '<p>推导如下：</p>\n<div class="math display"><span class="katex">[M]</span></div>\n'
        "<p>后文。</p>"
    )
    blank_lines = "推导：\n$$\n\\begin{aligned}\na &= b \\\\\n\nc &= d\n\\end{aligned}\n$$\n"
    assert shown(formulas, blank_lines).count('<div class="math display">') == 1
    assert "$$" not in shown(formulas, blank_lines)


def test_blogdowns_code_span_math_stays_one_code_span(formulas: Formulas) -> None:
    # `$$ ... $$` in backticks (blogdown): kbsite import turns it into math; as written it is
    # code, never a block opened by its closing line.
    assert shown(formulas, "`$$\nB(t) = P_0\n$$`\n\n后文 `$$\nx\n$$`\n") == (
        "<p><code>$$ B(t) = P_0 $$</code></p>\n<p>后文 <code>$$ x $$</code></p>"
    )


def test_dollar_blocks_in_lists_and_quotes(formulas: Formulas) -> None:
    assert shown(formulas, "> 引文\n> $$\n> x\n> $$\n").count('<div class="math display">') == 1
    assert shown(formulas, "- 第一项\n  $$\n  x = 1\n  $$\n- 第二项\n").count("math display") == 1


def test_double_dollars_mid_sentence_are_inline_math_and_display_on_their_own_line(
    formulas: Formulas,
) -> None:
    assert shown(formulas, "其中 $$x^2$$ 是平方。") == (
        '<p>其中 <span class="math inline"><span class="katex">[M]</span></span> 是平方。</p>'
    )
    assert shown(formulas, "文字\n$$x^2$$\n后文").count('<div class="math display">') == 1


def test_double_dollars_ending_a_sentence_with_the_tex_on_lines_of_its_own_are_display(
    formulas: Formulas,
) -> None:
    # Ported from the notes-md branch: 见下式 $$ / TeX / $$ is a display formula, not inline.
    html = shown(formulas, "公式 $x$ 与 $$\n\\frac{a}{b}\n$$\n后文")
    assert html.count('<span class="math display">') == 1
    assert html.count('<span class="math inline">') == 1


def test_a_lone_dollar_line_opens_and_closes_display_math_as_docsify_reads_it(
    formulas: Formulas,
) -> None:
    assert shown(formulas, "文字\n$\nx = y\n$\n后") == (
        '<p>文字</p>\n<div class="math display"><span class="katex">[M]</span></div>\n<p>后</p>'
    )
    assert (
        shown(formulas, "价格 $5 和 $10，一个 $ 符号。") == "<p>价格 $5 和 $10，一个 $ 符号。</p>"
    )


def test_bare_aligned_cases_and_matrices_are_display_math_as_in_mathjax(formulas: Formulas) -> None:
    for env in ("aligned", "cases", "pmatrix", "array"):
        args = "{cc}" if env == "array" else ""
        source = f"定义：\n\\begin{{{env}}}{args}\na & b \\\\\nc & d\n\\end{{{env}}}\n"
        result = render_markdown(source, math=formulas, path="n.md", first_line=1)
        assert shown(formulas, source).endswith(
            '<div class="math display"><span class="katex">[M]</span></div>'
        )
        assert result.diagnostics == ()


def test_spaced_dollars_are_math_as_mathjax_reads_them_and_prices_stay_text(
    formulas: Formulas,
) -> None:
    assert (
        shown(formulas, "设 $ x $ 为变量，$ \\theta = 1$ 也是。").count('class="math inline"') == 2
    )
    # Real docsify notes write spaced math without any TeX sign in it (easy-rl, chapter 3).
    assert (
        shown(formulas, "执行两次动作得到 $(s,a,r,s',a') $才可以").count('class="math inline"') == 1
    )
    for text in ("价格 $5 和 $10。", "costs $ 5 and $ 10", "转义 \\$ x $ 不是"):
        assert "math" not in shown(formulas, text)


def test_a_space_before_the_closing_dollar_only_is_math_too(formulas: Formulas) -> None:
    assert shown(formulas, "E步：$q^{t+1} = F(q) $ M步").count('class="math inline"') == 1
