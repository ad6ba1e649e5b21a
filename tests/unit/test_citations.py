"""Pandoc citations rendered through the public render API (kbsite.render.markdown) with a
real bibliography: styles, syntax, what is left to other rules, warnings with lines."""

from __future__ import annotations

import re

import pytest

from kbsite.load.bibtex import parse_bibtex
from kbsite.render.cite.settings import CiteSettings
from kbsite.render.markdown import RenderedMarkdown, render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.syntax.citations import NoteCitations

BIB = r"""
@inproceedings{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2017}, eprint = {1706.03762}, archivePrefix = {arXiv}
}
@inproceedings{ho2020denoising,
  title = {Denoising Diffusion Probabilistic Models},
  author = {Ho, Jonathan and Jain, Ajay},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2020}
}
@article{carion2020detr,
  title = {End-to-End Object Detection with Transformers},
  author = {Carion, Nicolas},
  journal = {ECCV}, year = {2020}, doi = {10.1007/978-3-030-58452-8_13}
}
@misc{unused2024, title = {Never Cited}, author = {Nobody, A.}, year = {2024}}
"""
FILE = parse_bibtex(BIB, path="refs.bib")


def render(
    formulas: Formulas, body: str, style: str = "numeric", locale: str = "en-US"
) -> RenderedMarkdown:
    settings = CiteSettings.make(style, locale, (FILE,), ("refs.bib",), "References", "Cited by")
    citations = NoteCitations(settings.entries_for(()), settings)
    return render_markdown(body, math=formulas, path="note.md", first_line=5, citations=citations)


def citations(html: str) -> list[str]:
    """The text of each citation, tags dropped."""
    found = re.findall(r'<span class="citation"[^>]*>(.*?)</a></span>', html)
    return [re.sub(r"<[^>]+>", "", text) for text in found]


def entries(html: str) -> list[str]:
    return re.findall(r'<li class="bib-entry" id="ref-([^"]+)"', html)


def test_numeric_numbers_works_in_order_of_first_citation(formulas: Formulas) -> None:
    result = render(
        formulas, "A [@ho2020denoising]; B [@vaswani2017attention; @ho2020denoising, p. 3]."
    )
    assert citations(result.html) == ["[1]", "[1, p. 3], [2]"]  # IEEE sorts by number
    assert entries(result.html) == ["ho2020denoising", "vaswani2017attention"]
    assert result.cited == ("ho2020denoising", "vaswani2017attention")
    assert result.diagnostics == ()


def test_author_year_orders_the_bibliography_by_author(formulas: Formulas) -> None:
    result = render(
        formulas, "[@vaswani2017attention] then [@carion2020detr].", style="author-year"
    )
    assert citations(result.html) == ["(Vaswani et al., 2017)", "(Carion, 2020)"]
    assert entries(result.html) == ["carion2020detr", "vaswani2017attention"]


def test_in_text_and_author_suppressed_citations(formulas: Formulas) -> None:
    body = "@ho2020denoising 提出 DDPM；原文 [-@ho2020denoising, p. 4] 给出推导。"
    assert citations(render(formulas, body, style="author-year").html) == [
        "Ho &amp; Jain (2020)",
        "(2020, p. 4)",
    ]
    assert (
        citations(render(formulas, body, style="numeric", locale="zh-CN").html)[0]
        == "Ho 和 Jain [1]"
    )


def test_an_in_text_citation_may_carry_a_locator_in_brackets(formulas: Formulas) -> None:
    body = "@ho2020denoising [p. 33] 说；@ho2020denoising [链接](https://example.org)。"
    result = render(formulas, body, style="author-year")
    assert citations(result.html) == ["Ho &amp; Jain (2020, p. 33)", "Ho &amp; Jain (2020)"]
    assert '<a href="https://example.org">链接</a>' in result.html


def test_gb_t_7714_is_superscript_numbers_and_chinese_labels(formulas: Formulas) -> None:
    result = render(
        formulas, "扩散模型[@ho2020denoising]。", style="gb-t-7714-2015", locale="zh-CN"
    )
    assert '<a class="cite-ref" href="#ref-ho2020denoising"><sup>[1]</sup></a>' in result.html
    assert "HO J, JAIN A. Denoising Diffusion Probabilistic Models" in result.html


def test_gb_t_7714_sets_western_works_in_english_and_chinese_works_in_chinese(
    formulas: Formulas,
) -> None:
    """GB/T 7714-2015 writes a foreign work in its own conventions ("et al.", "Vol."), a
    Chinese one with Chinese terms ("等"); citeproc-py has one locale per style, so each
    entry comes from the bibliography in its language, numbered alike."""
    bib = parse_bibtex(
        BIB.replace("{Ho, Jonathan and Jain, Ajay}", "{Ho, J. and Jain, A. and Abbeel, P.}")
        + r"""
@article{li2023zh,
  title = {大模型低秩微调综述},
  author = {李, 明 and 王, 芳 and 张, 伟 and 赵, 强},
  journal = {计算机学报}, volume = {46}, year = {2023}
}""",
        path="refs.bib",
    )
    settings = CiteSettings.make(
        "gb-t-7714-2015", "zh-CN", (bib,), ("refs.bib",), "参考文献", "引用于"
    )
    result = render_markdown(
        "扩散模型[@ho2020denoising]，综述[@li2023zh]。",
        math=formulas,
        path="note.md",
        first_line=1,
        citations=NoteCitations(settings.entries_for(()), settings),
    )
    text = re.sub(r"<[^>]+>", "", result.html)
    assert "[1]HO J, JAIN A, ABBEEL P. Denoising" in text  # three authors: no "et al." yet
    # 李, 明 is written 李明; a journal article is [J] even without a URL or DOI
    assert "[2]李明, 王芳, 张伟, 等. 大模型低秩微调综述[J]. 计算机学报, 2023, 46" in text
    assert "Vol." not in text.split("[2]")[1] and "等" not in text.split("[2]")[0]


def test_prefixes_and_suffixes_are_kept(formulas: Formulas) -> None:
    result = render(formulas, "[see @ho2020denoising, chap. 2, for details]")
    assert citations(result.html) == ["see [1, Ch. 2] for details"]


def test_the_bibliography_links_doi_and_arxiv_and_points_to_references(formulas: Formulas) -> None:
    html = render(formulas, "[@carion2020detr; @vaswani2017attention]").html
    assert '<a href="https://doi.org/10.1007/978-3-030-58452-8_13">' in html
    assert '<a href="https://arxiv.org/abs/1706.03762">' in html
    assert 'href="/references/#ref-carion2020detr"' in html
    assert "Never Cited" not in html  # only works the note cites
    assert "data-pagefind-ignore" in html.split('<section class="bibliography"')[1][:40]


def test_the_bibliography_comes_before_the_footnotes(formulas: Formulas) -> None:
    html = render(formulas, "正文[^1]，引用 [@ho2020denoising]。\n\n[^1]: 脚注。").html
    assert html.index('class="bibliography"') < html.index('class="footnotes')


@pytest.mark.parametrize(
    "text",
    [
        "写信到 someone@example.org 询问。",
        "感谢 @username 的建议。",
        "代码 `@ho2020denoising` 不是引用。",
        "见 @fig-arch 与 @thm-lowrank。",
        "见 [@fig-arch] 与 [-@eq-elbo]。",
        "一个链接 [@ho2020denoising](https://example.org)。",
        "邮箱 me@ho2020denoising 不算。",
    ],
)
def test_leaves_what_is_not_a_citation_to_other_rules(formulas: Formulas, text: str) -> None:
    result = render(formulas, text)
    assert 'class="citation' not in result.html
    # `@fig-arch` is the cross-reference rule's: it warns that this note has no such figure.
    assert all("theorem, figure, table or equation" in d.message for d in result.diagnostics)
    assert 'class="bibliography"' not in result.html


def test_an_unknown_key_in_brackets_warns_with_its_line_and_shows_as_key_question(
    formulas: Formulas,
) -> None:
    result = render(formulas, "第一段。\n\n第二段\n引用 [@ho2020denoisng; @carion2020detr]。")
    assert [str(d) for d in result.diagnostics] == [
        "note.md:8: warning: markdown: unknown citation key 'ho2020denoisng': not in the "
        "bibliography (did you mean 'ho2020denoising'?); shown as @ho2020denoisng?"
    ]
    assert '<span class="citation-unknown">@ho2020denoisng?</span>' in result.html
    assert citations(result.html) == ["[1]"]  # the known work is still cited


def test_without_a_bibliography_brackets_warn_and_in_text_stays_text(formulas: Formulas) -> None:
    result = render_markdown(
        "@ho2020denoising 与 [@ho2020denoising]", math=formulas, path="n.md", first_line=1
    )
    assert result.html.startswith('<p>@ho2020denoising 与 <span class="citation-unknown">')
    assert "no bibliography is set" in result.diagnostics[0].message


def test_the_bibliography_is_in_the_table_of_contents_and_its_ids_are_anchors(
    formulas: Formulas,
) -> None:
    result = render(formulas, "## 方法\n\n引用 [@ho2020denoising]。")
    assert [(h.id, h.text) for h in result.toc] == [
        ("方法", "方法"),
        ("bibliography", "References"),
    ]
    assert {"bibliography", "ref-ho2020denoising"} <= set(result.anchors)
    assert (
        render(formulas, "没有标题的短笔记 [@ho2020denoising]。").toc == ()
    )  # no TOC made for it alone
