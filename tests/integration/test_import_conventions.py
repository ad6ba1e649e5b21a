"""One synthetic blog per importer holding every convention of issue 23: import, build, read.

The built note pages may show no template syntax, no TeX source as text and no literal `**`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import Run

BLOGS = Path(__file__).resolve().parent.parent / "fixtures" / "blogs" / "conventions"
TEMPLATE = re.compile(r"\{%|\{\{[<%]|\{\{ |\{:")
TEX = re.compile(r"\$|\\[A-Za-z]+")
# Elements whose text is code or MathML (TeX in <annotation>), not prose a reader sees as text.
SKIPPED = {"code", "pre", "math", "script", "style", "template"}


class ProseText(HTMLParser):
    """Collect the visible text of a page outside code and math."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += tag in SKIPPED

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in SKIPPED

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def prose(page: Path) -> str:
    parser = ProseText()
    parser.feed(page.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def import_and_build(tool: str, tmp_path: Path, run: Callable[..., Run]) -> tuple[Path, Run]:
    site = tmp_path / "site"
    imported = run("import", tool, str(BLOGS / tool), "--site", str(site))
    assert imported.status == 0 and "Traceback" not in imported.err
    built = run("build", "--site", str(site), "--quiet")
    assert built.status == 0, built.err
    return site, imported


@pytest.mark.parametrize("tool", ["hexo", "hugo", "jekyll"])
def test_built_notes_show_no_template_syntax_tex_or_stars(
    tool: str, tmp_path: Path, run: Callable[..., Run]
) -> None:
    site, _ = import_and_build(tool, tmp_path, run)
    pages = sorted((site / "public").glob("*/*/index.html"))
    pages = [p for p in pages if p.parent.parent.name not in ("tags", "archive", "search")]
    assert len(pages) == 2
    for page in pages:
        text = prose(page)
        assert not TEMPLATE.findall(text), page
        assert not TEX.findall(text), page
        assert "**" not in text, page


def test_hexo_blog(tmp_path: Path, run: Callable[..., Run]) -> None:
    site, imported = import_and_build("hexo", tmp_path, run)
    source = BLOGS / "hexo/source/_posts"
    # The same file name in two subfolders: both kept, the later by path renamed.
    assert (
        f"not converted: {source}/生成模型/ddpm.md: sheng-cheng-mo-xing/ddpm is taken by "
        f"{source}/基础/ddpm.md; written as sheng-cheng-mo-xing/ddpm-2 instead"
    ) in imported.err.splitlines()
    page = (site / "public/sheng-cheng-mo-xing/ddpm-2/index.html").read_text(encoding="utf-8")
    assert '<div class="callout admonition warning">' in page
    assert '<img src="/pic/arch.png" alt="网络结构">' in page  # /PIC/Arch.png on the blog
    assert '<img src="/images/loss.png" alt="损失">' in page  # \images\loss.png
    assert '<a href="/sheng-cheng-mo-xing/ddpm/">基础篇</a>' in page  # {% post_link %}
    # Hexo's :title is the path under _posts: the old URL keeps the subfolder.
    assert (site / "public/2022/06/27/生成模型/ddpm/index.html").is_file()
    note = (site / "content/sheng-cheng-mo-xing/ddpm-2.md").read_text(encoding="utf-8")
    assert "extra:\n  subtitle: 从噪声到图像\n" in note and "show_toc" not in note


def test_hugo_blog(tmp_path: Path, run: Callable[..., Run]) -> None:
    site, imported = import_and_build("hugo", tmp_path, run)
    assert imported.err == ""
    page = (site / "public/qiang-hua-xue-xi/policy-iteration/index.html").read_text("utf-8")
    assert page.count('<span class="math inline"><span class="katex">') >= 2  # `$x$`
    assert '<div class="math display"><span class="katex">' in page  # `$$ … $$`
    assert "<code>`$x$`</code>" in page  # code about math stays code
    assert '<details class="callout admonition tip">' in page
    assert '<summary class="callout-title admonition-title">小技巧</summary>' in page
    assert '<figure class="pseudocode">\n<figcaption>策略迭代</figcaption>' in page
    assert '<strong class="pseudocode-keyword">for</strong>' in page
    assert "<figcaption>马尔可夫决策过程</figcaption>" in page
    assert '<a href="/qiang-hua-xue-xi/value-iteration/">价值迭代</a>' in page  # ref


def test_jekyll_blog(tmp_path: Path, run: Callable[..., Run]) -> None:
    site, imported = import_and_build("jekyll", tmp_path, run)
    post = BLOGS / "jekyll/_posts/2018-01-23-bandit.md"
    assert (
        f"not converted: {post}:15: kramdown attribute lists ({{: class=…}}, {{:.name}}, "
        "{: style=…}) dropped: they name the old theme's CSS (2 times)"
    ) in imported.err.splitlines()
    page = (site / "public/qiang-hua-xue-xi/bandit/index.html").read_text(encoding="utf-8")
    assert '<img src="/notes/assets/img/bandit.png" alt="老虎机">' in page  # relative_url, Img
    assert '<a href="/notes/qiang-hua-xue-xi/ucb/">UCB</a>' in page  # {% post_url %}
    assert "TOC" not in prose(site / "public/qiang-hua-xue-xi/bandit/index.html")
