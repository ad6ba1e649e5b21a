"""Wiki links: the markdown-it rule, and resolution by path, title, slug or file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbsite.config.siteconfig import SiteConfig
from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.syntax.wikilinks import WikiTarget, parse_wiki_href, wiki_href
from kbsite.render.tokeninfo import Link
from kbsite.site.links import resolve_links
from kbsite.site.linktarget import LinkTarget
from kbsite.site.wikiindex import build_wiki_index

CONFIG = SiteConfig(root=Path("/site"), title="T", base_url="https://u.github.io/notes/")
NOTES = {
    "large-model/lora.md": LinkTarget("/large-model/lora-low-rank-adaptation/", ("基本形式",)),
    "computer-vision/detr.md": LinkTarget("/computer-vision/detr/", ("匈牙利匹配", "loss")),
    "a/attention.md": LinkTarget("/a/attention/", ()),
    "b/attention.md": LinkTarget("/b/attention/", ()),
}
INDEX = build_wiki_index(
    [
        ("large-model/lora.md", "LoRA：大模型的低秩适配", "lora-low-rank-adaptation"),
        ("computer-vision/detr.md", "DETR", "detr"),
        ("a/attention.md", "注意力", "attention"),
        ("b/attention.md", "注意力", "attention-notes"),
    ]
)


def resolve(href: str) -> tuple[dict[str, str], list[str]]:
    rewrites, problems = resolve_links(
        config=CONFIG,
        source="content/x/note.md",
        rel_path="x/note.md",
        links=(Link(href, 7, "link"),),
        notes=NOTES,
        assets=frozenset(),
        wiki=INDEX,
    )
    return dict(rewrites), [str(p) for p in problems]


def test_renders_wiki_links_with_labels_and_records_them(formulas: Formulas) -> None:
    body = "见 [[LoRA]]、[[lora|LoRA 原理]] 与 [[DETR#匈牙利匹配]]。\n"
    result = render_markdown(body, math=formulas, path="content/x.md", first_line=4)
    assert '<a href="wiki:LoRA" class="wikilink">LoRA</a>' in result.html
    assert '<a href="wiki:lora" class="wikilink">LoRA 原理</a>' in result.html
    assert ">DETR › 匈牙利匹配</a>" in result.html
    assert [(link.href, link.line) for link in result.links] == [
        ("wiki:LoRA", 4),
        ("wiki:lora", 4),
        ("wiki:DETR#%E5%8C%88%E7%89%99%E5%88%A9%E5%8C%B9%E9%85%8D", 4),
    ]


@pytest.mark.parametrize("body", ["![[figure.png]]", "`[[code]]`", "$[[a]]$", "[[]]", "[[a\nb]]"])
def test_leaves_embeds_code_math_and_malformed_brackets_alone(
    formulas: Formulas, body: str
) -> None:
    result = render_markdown(body, math=formulas, path="content/x.md", first_line=1)
    assert "wikilink" not in result.html
    assert not any(link.href.startswith("wiki:") for link in result.links)


def test_href_round_trips_names_with_reserved_characters() -> None:
    target = WikiTarget("C# 与 50% 的 a/b", "小节 1")
    assert parse_wiki_href(wiki_href(target)) == target
    assert parse_wiki_href("../a.md") is None


@pytest.mark.parametrize(
    ("written", "url"),
    [
        ("LoRA：大模型的低秩适配", "/notes/large-model/lora-low-rank-adaptation/"),  # title
        ("lora：大模型的低秩适配", "/notes/large-model/lora-low-rank-adaptation/"),  # any case
        ("lora-low-rank-adaptation", "/notes/large-model/lora-low-rank-adaptation/"),  # slug
        ("lora", "/notes/large-model/lora-low-rank-adaptation/"),  # file name
        ("LoRA.md", "/notes/large-model/lora-low-rank-adaptation/"),
        ("computer-vision/detr", "/notes/computer-vision/detr/"),  # path
        ("DETR#匈牙利匹配", "/notes/computer-vision/detr/#匈牙利匹配"),  # heading text
        ("detr#Loss", "/notes/computer-vision/detr/#loss"),  # heading, any case
    ],
)
def test_resolves_by_title_slug_file_name_path_and_heading(written: str, url: str) -> None:
    href = wiki_href(WikiTarget(*written.partition("#")[::2]))
    rewrites, problems = resolve(href)
    assert (rewrites, problems) == ({href: url}, [])


def test_missing_target_is_a_warning_with_file_line_and_a_suggestion() -> None:
    href = wiki_href(WikiTarget("DETRR"))
    rewrites, problems = resolve(href)
    assert problems == [
        "content/x/note.md:7: warning: wiki: wiki link [[DETRR]]: no note has this title, "
        "slug or file name (did you mean 'DETR'?)"
    ]
    assert rewrites == {href: "/notes/search/?q=DETRR"}


def test_ambiguous_target_is_a_warning_and_links_the_first_by_path() -> None:
    href = wiki_href(WikiTarget("注意力"))
    rewrites, problems = resolve(href)
    assert rewrites == {href: "/notes/a/attention/"}
    assert problems == [
        "content/x/note.md:7: warning: wiki: wiki link [[注意力]] matches 2 notes by title: "
        "content/a/attention.md, content/b/attention.md; linking the first (write the "
        "path, e.g. [[a/attention]], to choose)"
    ]


def test_a_slug_outranks_a_file_name() -> None:
    href = wiki_href(WikiTarget("attention"))
    assert resolve(href) == ({href: "/notes/a/attention/"}, [])


def test_missing_heading_is_a_warning_listing_the_headings() -> None:
    href = wiki_href(WikiTarget("DETR", "二分图"))
    rewrites, problems = resolve(href)
    assert rewrites == {href: "/notes/computer-vision/detr/"}
    assert problems == [
        "content/x/note.md:7: warning: wiki: wiki link [[DETR#二分图]]: no heading '二分图' in "
        "content/computer-vision/detr.md (its headings: 匈牙利匹配, loss)"
    ]
