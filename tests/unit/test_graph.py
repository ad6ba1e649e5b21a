"""Backlinks with the sentence around each link, and related-note ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbsite.build import Builder, BuildOptions
from kbsite.config.siteconfig import load_config
from kbsite.load.content import load_content
from kbsite.site.graph import Graph, build_graph, link_sentence
from kbsite.site.index import Entry
from tests.conftest import WriteSite
from tests.helpers import note

LM, CV = "Large Model", "Computer Vision"


def graph_of(site: Path, tmp_path: Path) -> tuple[Graph, dict[str, Entry]]:
    builder = Builder(BuildOptions(site_dir=site, output=tmp_path / "out", cache=False, jobs=1))
    builder.build()
    entries = list(builder.entries)
    config = load_config(site)
    content, _ = load_content(config, {}, jobs=1)
    texts = {n.rel_path: n.body for n in content.notes}
    return build_graph(config, entries, texts), {e.note.rel_path: e for e in entries}


def test_sentence_is_the_plain_text_around_the_link() -> None:
    lines = [
        "第一句没有链接。低秩适配见 **[[LoRA|LoRA 原理]]** 的推导，",
        "其中 $W_0$ 冻结。后面一句无关。",
    ]
    assert link_sentence(lines, 0, "wiki:LoRA") == "低秩适配见 LoRA 原理 的推导， 其中 W_0 冻结。"


def test_sentence_finds_the_right_markdown_link_on_a_line() -> None:
    lines = ["- 对比 [DETR](../cv/detr.md#匈牙利匹配) 与 [LoRA](lora.md)。下一句。"]
    href = "../cv/detr.md#%E5%8C%88%E7%89%99%E5%88%A9%E5%8C%B9%E9%85%8D"
    assert link_sentence(lines, 0, href) == "对比 DETR 与 LoRA。"


def test_sentence_reads_formulas_references_and_citations_as_the_page_does() -> None:
    """A backlink's sentence shows what the reader saw: `ΔW`, not `$\\Delta W$`; "定理 1", not
    `@thm-lowrank`; no `[@hu2021lora]`; an e-mail address stays as written."""
    lines = [
        "由 @thm-lowrank 可知 $\\Delta W = BA$ 足够 [@hu2021lora; @aghajanyan2020]，"
        "见 [[LoRA]]，问题请寄 me@fig-x.org。",
    ]
    sentence = link_sentence(lines, 0, "wiki:LoRA", {"thm-lowrank": "定理 1"})
    assert sentence == "由 定理 1 可知 ΔW = BA 足够，见 LoRA，问题请寄 me@fig-x.org。"
    unknown = link_sentence(["如 @fig-arch 所示，见 [[LoRA]]。"], 0, "wiki:LoRA")
    assert unknown == "如 @fig-arch 所示，见 LoRA。"  # a label the note lacks stays as written


def test_backlinks_list_markdown_and_wiki_links_with_their_sentences(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(
        {
            "content/large-model/lora.md": note("LoRA", LM, "2026-01-01", "低秩。"),
            "content/large-model/dpo.md": note(
                "DPO", LM, "2026-01-03", "策略用 [[LoRA]] 训练。其余不变。"
            ),
            "content/computer-vision/detr.md": note(
                "DETR",
                CV,
                "2026-01-02",
                "标题\n\n检测器也能用 [低秩适配](../large-model/lora.md) 微调。",
            ),
            "content/computer-vision/vit.md": note("ViT", CV, "2026-01-04", "无链接。"),
        }
    )
    graph, entries = graph_of(site, tmp_path)
    lora = entries["large-model/lora.md"].site_path
    assert [(b.entry.title, b.sentence) for b in graph.backlinks[lora]] == [
        ("DPO", "策略用 LoRA 训练。"),  # newest first
        ("DETR", "检测器也能用 低秩适配 微调。"),
    ]
    assert entries["computer-vision/vit.md"].site_path not in graph.backlinks
    html = (tmp_path / "out/large-model/lora/index.html").read_text(encoding="utf-8")
    assert '<p class="backlink-context">策略用 LoRA 训练。</p>' in html


def test_related_notes_rank_shared_tags_then_links_then_category_ties_by_path(
    write_site: WriteSite, tmp_path: Path
) -> None:
    files = {
        "content/large-model/a.md": note("A", LM, "2026-01-01", "见 [[F]]。", tags="[x, y]"),
        "content/large-model/b.md": note("B", LM, "2026-01-01", "正文。", tags="[x, y]"),
        "content/computer-vision/c.md": note("C", CV, "2026-01-01", "正文。", tags="[x, y]"),
        "content/computer-vision/d.md": note("D", CV, "2026-01-01", "正文。", tags="[y]"),
        "content/large-model/e.md": note("E", LM, "2026-01-01", "正文。", tags="[z]"),
        "content/computer-vision/f.md": note("F", CV, "2026-01-01", "正文。"),
        "content/large-model/g.md": note("G", LM, "2026-01-01", "正文。"),
    }
    site = write_site(files)
    graph, entries = graph_of(site, tmp_path)
    related = graph.related[entries["large-model/a.md"].site_path]
    # B: 2 tags + category (7); C: 2 tags (6); D: 1 tag (3); F: link (2); E, G: category (1)
    assert [e.title for e in related] == ["B", "C", "D", "F", "E"]
    again, _ = graph_of(site, tmp_path)
    assert again.related == graph.related  # deterministic


def test_related_notes_stay_linear_with_a_tag_on_every_note(
    write_site: WriteSite, tmp_path: Path
) -> None:
    files = {
        f"content/large-model/n{i:03d}.md": note(f"N{i}", LM, "2026-01-01", "正文。", tags="[all]")
        for i in range(40)
    }
    site = write_site(files)
    graph, entries = graph_of(site, tmp_path)
    assert all(len(items) == 5 for items in graph.related.values())
    first = graph.related[entries["large-model/n010.md"].site_path]
    assert [e.title for e in first] == ["N0", "N1", "N2", "N3", "N4"]


def test_related_notes_count_wide_tags_among_candidates_found_through_others(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tag on more notes than MAX_TAG_FANOUT finds no candidates but still scores the ones
    found through other tags and the category: checked against a plain reference ranking."""
    import kbsite.site.graph

    monkeypatch.setattr(kbsite.site.graph, "MAX_TAG_FANOUT", 6)
    files = {}
    for i in range(24):
        tags = ["wide"] * (i % 3 != 1) + [f"t{i % 3}"] * (i % 2) + [f"u{i % 4}"] * (i % 3 != 0)
        category, folder = (LM, "large-model") if i % 5 else (CV, "computer-vision")
        tag_list = "[" + ", ".join(dict.fromkeys(tags)) + "]"
        files[f"content/{folder}/n{i:02d}.md"] = note(
            f"N{i}", category, "2026-01-01", "正文。", tags=tag_list
        )
    site = write_site(files)
    graph, entries = graph_of(site, tmp_path)
    placed = sorted(entries.values(), key=lambda e: e.note.source)
    by_tag: dict[str, list[Entry]] = {}
    for e in placed:
        for t in e.tags:
            by_tag.setdefault(t.slug, []).append(e)
    assert len(by_tag["wide"]) > 6  # wide: finds no candidates
    for e in placed:
        slugs = {t.slug for t in e.tags}
        same = [o for o in placed if o.category == e.category][:6]
        found = same + [o for s in slugs if len(by_tag[s]) <= 6 for o in by_tag[s]]
        scored = {
            o.site_path: (
                -(3 * len(slugs & {t.slug for t in o.tags}) + (o.category == e.category)),
                o.note.source,
            )
            for o in found
            if o is not e
        }
        expected = sorted(scored, key=scored.__getitem__)[:5]
        assert [o.site_path for o in graph.related[e.site_path]] == expected, e.title
