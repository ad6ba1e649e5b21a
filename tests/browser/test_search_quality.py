"""Search precision as a Chinese reader expects it, on the built example site (issue 21).

For each query, the notes whose text holds it as written are found by reading every note page
in Chromium (the article as shown, code blocks aside, plus each formula's TeX), independently
of the index. The /search/ page must then list exactly those notes first (recall and
precision), mark the whole query in each one's excerpt (注意力, not 注意), and show excerpts
that start at a sentence, carry no TeX, code or private marks, and never the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.conftest import SiteServer

pytestmark = pytest.mark.browser

QUERIES = [
    "注意力", "低秩", "强化学习", "扩散模型", "KV Cache", "\\Delta W", "自注意力", "交叉注意力",
    "匈牙利", "显存", "带宽", "微调", "对比学习", "奖励模型", "策略梯度", "价值函数",
    "重要性采样", "体渲染", "去噪", "归一化流", "投机解码", "Q-Former", "损失函数",
    "Transformer", "位置编码", "目标检测", "kv cache", "O(N^2 d)",
    "DQN的两项改动", "神经SDF的训练",  # Latin written against Chinese, no space between
]  # fmt: skip
# A query that is TeX is found in a formula, which the excerpt shows as readable text.
READABLE = {"\\Delta W": "ΔW", "O(N^2 d)": "O(N² d)"}

# Every note page's title, headings, and text as a reader sees it: the article without chrome,
# headings or code blocks, whitespace between CJK characters dropped (a wrapped line), plus
# the TeX of each formula.
NOTE_TEXTS = """async (urls) => {
  const cjk = /([\\u2e80-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff])\\s+(?=[\\u2e80-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff])/g;
  const out = {};
  for (const url of urls) {
    const html = await (await fetch(url)).text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const article = doc.querySelector("[data-pagefind-body]");
    const title = article.querySelector("h1").textContent.trim();
    const tex = [...article.querySelectorAll("annotation")].map((a) => a.textContent);
    const headings = [...article.querySelectorAll("h2, h3, h4, h5, h6")].map(
      (h) => h.textContent.replace(cjk, "$1"));
    article.querySelectorAll("[data-pagefind-ignore], .heading-anchor, pre, .code-lang, math, h1, h2, h3, h4, h5, h6")
      .forEach((el) => el.remove());
    const text = article.textContent.replace(cjk, "$1").replace(/\\s+/g, " ");
    out[url] = { title, text, tex, headings };
  }
  return out;
}"""


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield page
        assert errors == []
    finally:
        context.close()


@pytest.fixture(scope="module")
def notes(tab: Any, site_server: SiteServer) -> dict[str, dict[str, Any]]:
    """Title, text and TeX of every note page of the example site."""
    urls = sorted(
        "/notes/" + path.parent.relative_to(site_server.root).as_posix() + "/"
        for path in site_server.root.glob("*/*/index.html")
        if (path.read_text("utf-8").find("data-pagefind-body") >= 0)
    )
    tab.goto(site_server.url("/"))
    texts: dict[str, dict[str, Any]] = tab.evaluate(NOTE_TEXTS, urls)
    assert len(texts) >= 15
    return texts


def holds(note: dict[str, Any], query: str) -> bool:
    """Whether a note's title, a heading, its text or a formula's TeX holds the query as
    written."""
    wanted = query.lower()
    shown = [note["title"], note["text"], *note["headings"]]
    if any(wanted in text.lower() for text in shown):
        return True
    tight = re.sub(r"\s+", "", wanted)
    return any(tight in re.sub(r"\s+", "", tex.lower()) for tex in note["tex"])


def search_page(tab: Any, site_server: SiteServer, query: str) -> list[dict[str, Any]]:
    """The results the /search/ page lists for a query, in order."""
    tab.goto(site_server.url("/search/?q=" + quote(query)))
    tab.wait_for_function(  # the count of results, or the "no results" line
        """() => {
          const page = document.querySelector('.search-page');
          const status = page.querySelector('.search-status').textContent;
          return /\\d/.test(status) || status === page.dataset.noResults;
        }""",
        timeout=15_000,
    )
    results: list[dict[str, Any]] = tab.evaluate(
        """() => [...document.querySelectorAll('#search-page-results .search-result')].map(li => ({
          url: new URL(li.querySelector('a').href).pathname,
          title: li.querySelector('.search-result-title').textContent,
          excerpt: li.querySelector('.search-result-excerpt').textContent,
          marks: [...li.querySelectorAll('.search-result-excerpt mark')].map(m => m.textContent),
        }))"""
    )
    return results


@pytest.mark.parametrize("query", QUERIES)
def test_notes_holding_the_query_come_first_with_it_marked(
    tab: Any, site_server: SiteServer, notes: dict[str, dict[str, Any]], query: str
) -> None:
    expected = {url for url, note in notes.items() if holds(note, query)}
    assert expected, f"no example note holds {query!r}: pick another query"
    results = search_page(tab, site_server, query)
    urls = [r["url"] for r in results]
    missing = expected - set(urls)
    assert not missing, f"{query!r}: recall: not found {sorted(missing)}"
    first = urls[: len(expected)]
    assert set(first) == expected, f"{query!r}: a note without it ranks above one with it: {urls}"
    shown = READABLE.get(query, query).lower()
    for result in results[: len(expected)]:
        note = notes[result["url"]]
        in_text = shown in note["text"].lower() or query in READABLE
        if in_text:  # else it is only in the title or a heading, which excerpts leave out
            assert shown in [m.lower() for m in result["marks"]], (query, result)


def test_excerpts_are_clean_text(
    tab: Any, site_server: SiteServer, notes: dict[str, dict[str, Any]]
) -> None:
    """Excerpts start at a sentence, never hold TeX, code, the index's marks or the title."""
    seen = 0
    for query in QUERIES:
        for result in search_page(tab, site_server, query):
            excerpt, title = result["excerpt"], notes[result["url"]]["title"]
            seen += 1
            assert not re.search(r"\\[A-Za-z]+|[\ue000-\ue0ff]", excerpt), (query, excerpt)
            assert not excerpt.startswith(("，", "。", "、", "；", "：", ".", ",")), excerpt
            assert not excerpt.startswith(title), (query, excerpt)
            for code in ("import torch", "def ", "return ", "#include"):
                assert code not in excerpt, (query, excerpt)
            # no double spaces, nor the index's spaces between characters (a formula ending
            # in a character may leave one: 字节数 以)
            spaced = re.search(r"[\u4e00-\u9fff]( [\u4e00-\u9fff]){2}", excerpt)
            tidy = "  " not in excerpt and not spaced
            assert tidy, (query, excerpt)
    assert seen > 60


def test_header_box_marks_the_whole_query(tab: Any, site_server: SiteServer) -> None:
    """注意力 is marked whole (Pagefind alone marked 注意), and notes with only 注意 (the
    everyday "note that") come after every note with 注意力."""
    tab.goto(site_server.url("/"))
    tab.keyboard.press("/")
    tab.keyboard.type("注意力")
    tab.wait_for_selector("#site-search-results .search-result-excerpt mark")
    marks = tab.evaluate(
        """() => [...document.querySelectorAll('#site-search-results .search-result')]
          .map(li => [...li.querySelectorAll('mark')].map(m => m.textContent))"""
    )
    whole = [bool(found) and set(found) == {"注意力"} for found in marks]
    assert sum(whole) >= 5 and whole == sorted(whole, reverse=True), marks
