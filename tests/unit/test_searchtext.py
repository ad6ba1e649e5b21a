"""The copy of a note page Pagefind indexes (kbsite.write.searchtext)."""

from __future__ import annotations

from kbsite.write.searchtext import (
    CODE,
    CODE_END,
    FORMULA,
    FORMULA_END,
    HEADING,
    HEADING_END,
    TEX,
    indexed_html,
)

HEAD = '<html lang="zh-CN"><head><title>注意力</title></head><body><nav>导航菜单</nav>'


def article(body: str) -> str:
    return f"{HEAD}<article data-pagefind-body>{body}</article></body></html>"


def indexed_body(body: str) -> str:
    page = indexed_html(article(body))
    assert page.startswith(HEAD)  # nothing before the article changes
    return (
        page[len(HEAD) :]
        .removeprefix("<article data-pagefind-body>")
        .removesuffix("</article></body></html>")
    )


def test_splits_cjk_into_characters_also_across_inline_tags() -> None:
    assert indexed_body("<p>自注意力与<strong>交叉注意力</strong></p>") == (
        "<p> 自 注 意 力 与 <strong> 交 叉 注 意 力 </strong></p>"
    )


def test_puts_spaces_around_cjk_punctuation_and_leaves_latin_alone() -> None:
    assert indexed_body("<p>模型（Low-Rank）的，显存</p>") == (
        "<p> 模 型 （ Low-Rank ） 的 ， 显 存 </p>"
    )


def test_keeps_filter_values_attributes_and_scripts_as_written() -> None:
    """The category select matches filter values exactly; attributes are no text."""
    body = (
        '<p data-pagefind-filter="category" title="大模型">大模型</p>'
        "<script>var s = '中文';</script><p>中文</p>"
    )
    assert indexed_body(body) == (
        '<p data-pagefind-filter="category" title="大模型">大模型</p>'
        "<script>var s = '中文';</script><p> 中 文 </p>"
    )


def test_a_formula_is_its_readable_text_then_its_tex_between_marks() -> None:
    math = (
        '<math><semantics><mrow><mi>Δ</mi></mrow><annotation encoding="application/x-tex">'
        "\\Delta W &lt; Q^*</annotation></semantics></math>"
    )
    assert indexed_body(f"<p>变化{math}。</p>") == (
        f"<p> 变 化 <span> {FORMULA} ΔW &lt; Q* {TEX} \\Delta W &lt; Q^* {FORMULA_END} </span> 。 </p>"
    )


def test_code_blocks_and_section_headings_sit_between_marks() -> None:
    body = '<h2 id="a">小结</h2><pre class="highlight"><code>x = 1</code></pre>'
    assert indexed_body(body) == (
        f' {HEADING} <h2 id="a"> 小 结  {HEADING_END} </h2>'
        f' {CODE} <pre class="highlight"><code>x = 1</code> {CODE_END} </pre>'
    )


def test_the_title_meta_keeps_the_title_as_written() -> None:
    body = '<h1 class="note-title" data-pagefind-meta="title">LoRA：低秩</h1>'
    assert indexed_body(body) == (
        '<h1 class="note-title" data-pagefind-meta="title:LoRA：低秩">LoRA ： 低 秩 </h1>'
    )


def test_a_page_without_an_indexed_article_is_unchanged() -> None:
    page = f"{HEAD}<p>中文</p></body></html>"
    assert indexed_html(page) == page
