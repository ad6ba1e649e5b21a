"""Numbered theorems, figures, tables and equations, their @references, and sidenotes (issue 19,
items 3-6), as the renderer writes them."""

from __future__ import annotations

import textwrap

from kbsite.render.markdown import RenderedMarkdown, render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.options import label_names
from kbsite.render.syntax.sidenotes import strip_sidenotes


def render(formulas: Formulas, body: str, **options: object) -> RenderedMarkdown:
    return render_markdown(
        textwrap.dedent(body),
        math=formulas,
        path="content/n.md",
        first_line=5,
        **options,  # type: ignore[arg-type]
    )


def messages(result: RenderedMarkdown) -> list[str]:
    return [str(d) for d in result.diagnostics]


def test_theorems_count_per_kind_in_reading_order(formulas: Formulas) -> None:
    result = render(
        formulas,
        """
        ::: {#thm-a}
        甲
        :::

        ::: {#def-b}
        乙
        :::

        ::: {#thm-c}
        丙
        :::
        """,
    )
    assert [(la.id, la.kind, la.number) for la in result.labels] == [
        ("thm-a", "thm", "1"),
        ("def-b", "def", "1"),
        ("thm-c", "thm", "2"),
    ]
    assert '<span class="theorem-label">定理 2</span>' in result.html


def test_a_theorems_title_line_names_it_and_stays_out_of_the_toc(formulas: Formulas) -> None:
    result = render(formulas, "## 背景\n\n::: {#thm-x}\n## 低秩\n内容\n:::\n")
    assert [h.text for h in result.toc] == ["背景"]
    assert '<span class="theorem-name">（低秩）</span>' in result.html
    assert "<h2" not in result.html.split('id="thm-x"')[1]


def test_labels_read_in_the_sites_language(formulas: Formulas) -> None:
    result = render(
        formulas,
        "::: {#lem-x}\n## Key step\nBody.\n:::\n\nBy @lem-x.\n",
        label_names=label_names("en"),
    )
    assert '<span class="theorem-label">Lemma 1</span>' in result.html
    assert '<span class="theorem-name"> (Key step)</span>' in result.html
    assert '<a class="xref" href="#lem-x">Lemma 1</a>' in result.html


def test_a_proof_ends_with_a_tombstone_even_after_a_list(formulas: Formulas) -> None:
    html = render(formulas, "::: {.proof}\n显然。\n:::\n\n::: {.proof}\n- 一\n:::\n").html
    assert html.count('<span class="qed" aria-hidden="true">∎</span>') == 2
    assert '显然。<span class="qed"' in html
    assert '<p class="qed-line">' in html


def test_fenced_divs_nest_and_an_unclosed_one_stays_text(formulas: Formulas) -> None:
    html = render(
        formulas, "::: {#thm-out}\n::: {.proof}\n内\n:::\n外\n:::\n\n::: {#thm-open}\n没有结尾\n"
    ).html
    assert html.index('class="proof"') > html.index('id="thm-out"')
    assert "<p>外</p>\n</div>" in html
    assert "::: {#thm-open}" in html


def test_a_line_of_colons_in_a_code_fence_does_not_close_the_div(formulas: Formulas) -> None:
    html = render(formulas, "::: {#exm-a}\n```text\n:::\n```\n后文\n:::\n").html
    assert "<code>:::\n</code>" in html
    assert html.endswith("<p>后文</p>\n</div>\n")


def test_figures_and_tables_get_numbered_captions(formulas: Formulas) -> None:
    result = render(
        formulas,
        """
        ![结构](a.svg){#fig-a}

        | x |
        |---|
        | 1 |

        : 结果 {#tbl-r}

        如 @fig-a 与 @tbl-r。
        """,
    )
    assert '<figcaption><span class="figure-label">图 1</span> 结构</figcaption>' in result.html
    assert (
        '<figcaption><span class="figure-label">表 1</span> 结果</figcaption>\n<table>'
        in result.html
    )
    assert '<a class="xref" href="#fig-a">图 1</a>' in result.html
    assert {"fig-a", "tbl-r"} <= set(result.anchors)


def test_equation_ids_share_the_counter_of_labelled_environments(formulas: Formulas) -> None:
    result = render(
        formulas,
        r"""
        $$
        \begin{equation}a\label{eq:a}\end{equation}
        $$

        $$ b $$ {#eq-b}

        $$
        c
        $$
        {#eq-c}

        见 @eq-b 与 \eqref{eq-c}。
        """,
    )
    assert [(la.id, la.number) for la in result.labels] == [
        ("eq:a", "1"),
        ("eq-b", "2"),
        ("eq-c", "3"),
    ]
    assert '<a class="xref" href="#eq-b">式 (2)</a>' in result.html
    assert '<a class="eqref" href="#eq-c">(3)</a>' in result.html
    assert "{#eq" not in result.html


def test_an_unknown_reference_warns_at_its_line_and_reads_as_written(formulas: Formulas) -> None:
    result = render(formulas, "::: {#thm-lowrank}\n甲\n:::\n\n第一行\n见 @thm-lowrnk。\n")
    assert '<span class="xref xref-unknown">@thm-lowrnk?</span>' in result.html
    assert messages(result) == [
        "content/n.md:10: warning: markdown: no theorem, figure, table or equation "
        "'thm-lowrnk' in this note (did you mean 'thm-lowrank'?)"
    ]


def test_an_id_defined_twice_warns_and_references_go_to_the_first(formulas: Formulas) -> None:
    result = render(formulas, "::: {#thm-a}\n甲\n:::\n\n::: {#thm-a}\n乙\n:::\n")
    assert messages(result) == [
        "content/n.md:9: warning: markdown: label 'thm-a' is defined twice in this note; "
        "links go to the first"
    ]
    assert [(la.id, la.number) for la in result.labels] == [("thm-a", "1")]
    assert "甲" in result.labels[0].preview


def test_emails_usernames_and_citation_keys_stay_text(formulas: Formulas) -> None:
    result = render(formulas, "写信给 me@thm-x.org，或 @alice，见 @hu2021lora 与 @figure。")
    html = result.html
    assert 'href="mailto:me@thm-x.org"' in html
    assert "@alice" in html and "@hu2021lora" in html and "@figure" in html
    assert 'class="xref' not in html
    assert result.diagnostics == ()


def test_a_reference_ends_at_the_first_han_character(formulas: Formulas) -> None:
    html = render(formulas, "![图](a.svg){#fig-arch}\n\n如@fig-arch所示。").html
    assert '如<a class="xref" href="#fig-arch">图 1</a>所示' in html


def test_excerpts_read_a_reference_as_its_label(formulas: Formulas) -> None:
    result = render(formulas, "![图](a.svg){#fig-arch}\n\n如 @fig-arch 所示。")
    assert "".join(run.text for run in result.excerpt_text).endswith("如 图 1 所示。")


def test_label_previews_hold_the_target_without_ids(formulas: Formulas) -> None:
    result = render(formulas, "::: {#thm-a}\n## 名\n内容 $x$\n:::\n")
    (label,) = result.labels
    assert "内容" in label.preview and "定理 1" in label.preview
    assert "id=" not in label.preview


# --- sidenotes -------------------------------------------------------------------------------

FOOTNOTES = """
正文[^a]，表格里的不算：

| 列 |
|---|
| 格[^b] |

再引用一次[^a]，以及一个列表脚注[^c]。

[^a]: 第一条 *注释*。

[^b]: 表格中的。

[^c]: 含列表：

    - 一项
"""


def test_a_footnote_is_written_beside_its_first_reference_only(formulas: Formulas) -> None:
    result = render(formulas, FOOTNOTES, sidenotes=True)
    html = result.html
    assert result.has_sidenotes
    assert html.count('<span class="sidenote"') == 1
    assert (
        '<span class="sidenote" data-pagefind-ignore><span class="sidenote-number">1</span> '
        "第一条 <em>注释</em>。</span>"
    ) in html
    # the table's and the list's stay at the end, where wide screens still show them
    assert '<li id="fn1" class="footnote-item has-sidenote">' in html
    assert '<li id="fn2" class="footnote-item">' in html
    assert 'class="footnotes all-side"' not in html


def test_footnotes_end_writes_no_sidenotes(formulas: Formulas) -> None:
    result = render(formulas, FOOTNOTES, sidenotes=False)
    assert not result.has_sidenotes
    assert "sidenote" not in result.html


def test_strip_sidenotes_gives_back_the_footnotes_only_page(formulas: Formulas) -> None:
    side = render(
        formulas, "甲[^1]乙 $x$[^2]。\n\n[^1]: 注 $y_1$。\n\n[^2]: 二。\n", sidenotes=True
    )
    end = render(
        formulas, "甲[^1]乙 $x$[^2]。\n\n[^1]: 注 $y_1$。\n\n[^2]: 二。\n", sidenotes=False
    )
    assert 'class="footnotes all-side"' in side.html
    stripped = strip_sidenotes(side.html)
    assert "sidenote" not in stripped.replace("has-sidenote", "").replace("all-side", "")
    assert stripped.replace(" has-sidenote", "").replace(" all-side", "") == end.html
