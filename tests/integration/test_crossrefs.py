"""Numbered labels across notes and sidenotes, through real builds of small sites (issue 19,
items 3-6; issue 20, item 4's `[[note#eq:x]]`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import SITE_YAML, Run, WriteSite
from tests.helpers import build_with_seed, note

LM = "Large Model"

LORA = note(
    "LoRA",
    LM,
    "2026-01-11",
    r"""
    ::: {#thm-lowrank}
    ## 低秩
    增量 $\Delta W$ 的秩很低。
    :::

    $$
    \begin{equation}
    h = W_0 x + BAx \label{eq:update}
    \end{equation}
    $$

    ![旁路](bypass.svg){#fig-bypass}

    正文有一个脚注[^1]。

    [^1]: 旁注的内容。
    """,
)

ATTENTION = note(
    "注意力",
    LM,
    "2026-01-12",
    """
    由 [[LoRA#thm-lowrank]] 与 [[LoRA#eq:update]]，见 [[LoRA#fig-bypass]]；
    写了文字的 [[LoRA#thm-lowrank|这条定理]] 保持原样，[[LoRA#thm-nothing]] 警告。
    """,
)


def two_notes(write_site: WriteSite, site_yaml: str = SITE_YAML) -> Path:
    return write_site(
        {
            "content/large-model/lora.md": LORA,
            "content/large-model/bypass.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "content/large-model/attention.md": ATTENTION,
        },
        site_yaml=site_yaml,
    )


def page(site: Path, slug: str) -> str:
    return (site / "public" / "large-model" / slug / "index.html").read_text(encoding="utf-8")


def test_wiki_links_to_labels_read_kind_and_number(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = two_notes(write_site)
    result = run("build", cwd=site)
    assert result.status == 0, result.err
    html = page(site, "attention")
    base = "/notes/large-model/lora/"
    assert f'<a href="{base}#thm-lowrank" class="wikilink">LoRA 定理 1</a>' in html
    assert f'<a href="{base}#eq:update" class="wikilink">LoRA (1)</a>' in html
    assert f'<a href="{base}#fig-bypass" class="wikilink">LoRA 图 1</a>' in html
    assert f'<a href="{base}#thm-lowrank" class="wikilink">这条定理</a>' in html
    assert "content/large-model/attention.md:8: warning: wiki: wiki link [[LoRA#thm-nothing]]" in (
        result.out + result.err
    )


def test_previews_carry_each_labels_text_and_html_with_site_urls(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = two_notes(write_site)
    assert run("build", cwd=site).status == 0
    previews = json.loads((site / "public" / "previews.json").read_text(encoding="utf-8"))
    labels = previews["/notes/large-model/lora/"]["labels"]
    assert list(labels) == ["thm-lowrank", "eq:update", "fig-bypass"]
    assert labels["thm-lowrank"][0] == "定理 1" and "增量" in labels["thm-lowrank"][1]
    assert labels["eq:update"][0] == "式 (1)" and "<math" in labels["eq:update"][1]
    assert 'src="/notes/large-model/bypass.svg"' in labels["fig-bypass"][1]
    assert "labels" not in previews["/notes/large-model/attention/"]


def test_sidenotes_by_default_and_none_with_footnotes_end(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = two_notes(write_site)
    assert run("build", cwd=site).status == 0
    side = page(site, "lora")
    assert '<article class="note has-sidenotes"' in side
    assert '<span class="sidenote-number">1</span> 旁注的内容。</span>' in side
    feed = (site / "public" / "atom.xml").read_text(encoding="utf-8")
    assert "旁注的内容" in feed and "sidenote-number" not in feed

    site = two_notes(write_site, SITE_YAML + "footnotes: end\n")
    assert run("build", cwd=site).status == 0
    end = page(site, "lora")
    assert "sidenote" not in end and "has-sidenotes" not in end
    assert '<li id="fn1" class="footnote-item">' in end


def test_an_unknown_footnotes_place_is_an_error_at_its_line(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = two_notes(write_site, SITE_YAML + "footnotes: margin\n")
    result = run("build", cwd=site)
    assert result.status == 1
    assert (
        "site.yaml:16:1: footnotes: unknown footnote place 'margin'; use `side` or `end`"
        in result.err
    )


def test_labels_and_sidenotes_build_byte_identical(write_site: WriteSite, tmp_path: Path) -> None:
    site = two_notes(write_site)
    first = build_with_seed(site, tmp_path / "out1", "1")
    assert first == build_with_seed(site, tmp_path / "out2", "2")


def test_renumbering_a_note_updates_the_links_to_it(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = two_notes(write_site)
    assert run("build", cwd=site).status == 0
    lora = site / "content" / "large-model" / "lora.md"
    text = lora.read_text(encoding="utf-8")
    lora.write_text(
        text.replace("::: {#thm-lowrank}", "::: {#thm-first}\n甲\n:::\n\n::: {#thm-lowrank}"),
        encoding="utf-8",
    )
    assert run("build", cwd=site).status == 0  # the render cache keeps attention.md's HTML
    assert "LoRA 定理 2</a>" in page(site, "attention")


def test_a_label_link_by_file_name_reads_the_short_title(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    """`[[lora#eq:update]]` names the note by its file: it reads as a reader would cite the
    note, the title up to its subtitle ("LoRA (1)"), not the file name."""
    titled = LORA.replace("title: LoRA", "title: LoRA：大模型的低秩适配", 1)
    assert titled != LORA
    citing = note("引用", LM, "2026-01-12", "见 [[lora#eq:update]] 与 [[lora#thm-lowrank]]。")
    site = write_site(
        {
            "content/large-model/lora.md": titled,
            "content/large-model/bypass.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "content/large-model/citing.md": citing,
        },
    )
    result = run("build", cwd=site)
    assert result.status == 0, result.err
    html = page(site, "citing")
    base = "/notes/large-model/lora/"
    assert f'<a href="{base}#eq:update" class="wikilink">LoRA (1)</a>' in html
    assert f'<a href="{base}#thm-lowrank" class="wikilink">LoRA 定理 1</a>' in html
