"""CJK-friendly emphasis (kbsite.render.syntax.cjkemphasis): Chinese emphasis beside full-width
punctuation works, and text without CJK characters parses exactly as CommonMark has it."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.syntax.cjkemphasis import cjk_emphasis_plugin

COMMONMARK = MarkdownIt("commonmark")
FRIENDLY = MarkdownIt("commonmark").use(cjk_emphasis_plugin)


@pytest.mark.parametrize(
    ("source", "html"),
    [
        (
            "这是**“优胜劣汰，去除冗余”的后处理步骤**。",
            "这是<strong>“优胜劣汰，去除冗余”的后处理步骤</strong>。",
        ),
        ("**“中文”**后", "<strong>“中文”</strong>后"),
        ("**中文**。", "<strong>中文</strong>。"),
        ("*强调*，然后", "<em>强调</em>，然后"),
        ("用**《注意力机制》**一书", "用<strong>《注意力机制》</strong>一书"),
        ("中**文", "中**文"),  # a lone run stays text
        # Cases the notes-md branch tested (its implementation was not kept: same output on
        # these and on the five real corpora, 78 <strong> and no literal `**` either way).
        ("文字**中文。**后面", "文字<strong>中文。</strong>后面"),
        ("注意**（可选）**参数", "注意<strong>（可选）</strong>参数"),
        ("强调**这个`code`**吗", "强调<strong>这个<code>code</code></strong>吗"),
        ("英文**bold（粗体）**后", "英文<strong>bold（粗体）</strong>后"),
    ],
)
def test_emphasis_beside_cjk_punctuation(formulas: Formulas, source: str, html: str) -> None:
    assert (
        render_markdown(source, math=formulas, path="n.md", first_line=1).html == f"<p>{html}</p>\n"
    )


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=list(string.ascii_letters[:4] + " *_\"'().,!?-\n"), max_size=40))
def test_text_without_cjk_parses_as_commonmark(text: str) -> None:
    assert FRIENDLY.render(text) == COMMONMARK.render(text)
