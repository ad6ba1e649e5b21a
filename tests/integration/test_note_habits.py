"""Notes as researchers write them for MathJax, docsify or Typora build into clean pages:
CJK emphasis is bold, `$$` blocks own their lines, links to headings as written resolve."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.conftest import Run, WriteSite
from tests.helpers import note

LM = "Large Model"

RL = """
# TD（λ）与策略梯度

[目录](#目录) 先读 [TD（λ）](#TD（λ）)，再读 [策略梯度](<#Policy Gradient>)、[同一节](#policy-gradient)。

## 目录

这是**“优胜劣汰，去除冗余”的后处理步骤**，也是**“重点”**后面的内容，**中文**。*强调*，完毕。

## TD（λ）

回报的定义如下：
$$
G_t^\\lambda = (1-\\lambda) \\sum_{n=1}^{\\infty} \\lambda^{n-1} G_t^{(n)}
=
\\mathbb{E}[G]
$$
其中 $ \\lambda \\in [0, 1] $，价格 $5 和 $10 不是公式。

推导中有空行：
$$
\\begin{aligned}
a &= b \\\\

c &= d
\\end{aligned}
$$

kramdown 的行内写法 $$x^2$$ 在句中，docsify 的写法：
$
V(s) = \\mathbb{E}[G_t \\mid S_t = s]
$

\\begin{cases}
1, & x > 0 \\\\
0, & \\text{其他}
\\end{cases}

- 列表中的公式：
  $$
  \\nabla J(\\theta)
  $$

> 引用中的公式：
> $$
> \\pi(a \\mid s)
> $$

## Policy Gradient

见 [[价值函数#Bellman Equation]] 与 [下一篇](value.md#Bellman-Equation)。
"""

VALUE = """
# 价值函数

## Bellman Equation

$$V(s) = r + \\gamma V(s')$$

回到 [TD（λ）](rl.md#TD（λ）)。
"""


class Page(HTMLParser):
    """The ids, #links and visible note text (formulas and code left out) of a page."""

    SKIP = frozenset({"math", "code", "pre", "script", "style", "annotation"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.in_note = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "article":
            self.in_note += 1
        if tag == "a" and a.get("href") and self.in_note:
            self.hrefs.append(str(a["href"]))
        if tag not in ("br", "img", "hr", "meta", "link", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.in_note -= 1
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.in_note and not self.SKIP.intersection(self.stack):
            self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_real_note_habits_build_into_clean_pages(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = write_site(
        {
            "content/large-model/rl.md": note("强化学习笔记", LM, "2026-01-11 09:30", RL),
            "content/large-model/value.md": note("价值函数", LM, "2026-01-12 09:30", VALUE),
        }
    )
    result = run("build", cwd=site)
    assert result.status == 0, result.err
    assert "warning" not in result.err, result.err
    public = site / "public"
    notes = {p: parse(p) for p in (public / "large-model").glob("*/index.html")}
    assert len(notes) == 2
    for path, page in notes.items():
        text = "".join(page.text)
        for literal in ("**", "$$", "\\begin", "\\lambda", "\\mathbb"):
            assert literal not in text, (path, literal, text)
        for href in page.hrefs:
            parts = urlsplit(href)
            if not parts.fragment or parts.scheme:
                continue
            target = path if not parts.path else public / parts.path.split("/notes/", 1)[1]
            target = target / "index.html" if target.is_dir() else target
            assert unquote(parts.fragment) in parse(target).ids, (path, href)
    rl = next(page for path, page in notes.items() if "/rl/" in str(path))
    assert {"#tdλ", "#policy-gradient", "#目录"} <= set(rl.hrefs)
    html = (public / "large-model" / "rl" / "index.html").read_text(encoding="utf-8")
    assert "<strong>“优胜劣汰，去除冗余”的后处理步骤</strong>" in html
    assert "<strong>“重点”</strong>后面" in html
    assert html.count('<div class="math display">') == 6
    assert '<span class="math inline">' in html and "<h1>" not in re.sub(r"<h1 [^>]*>", "", html)
    assert run("check", cwd=site).status == 0
