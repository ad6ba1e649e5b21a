"""Finding your place in a long note: the TOC marks the section being read whichever way the
reader moves (wheel down, wheel up, a jump by link, a page loaded at an anchor), keeps its mark
in view, and "back to top" comes back when the note is long."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers import note

from .conftest import Open, SiteServer, serve_directory

pytestmark = pytest.mark.browser

SITE_YAML = """\
title: 长笔记
base_url: https://user.github.io/notes/
language: zh-CN
search: false
categories:
  - name: Large Model
    slug: large-model
"""
# Sections of very different lengths (a short one between long ones, a short last one that the
# end of the page keeps below the line), and subsections, as a real derivation has.
SECTIONS = [3, 9, 1, 6, 12, 2, 8, 4, 10, 3, 7, 1, 9, 5, 11, 2, 6, 1]
PARAGRAPH = "注意力矩阵按块计算，中间结果留在片上 SRAM，softmax 的归一化在线更新。" * 4
PATH = "/large-model/long/"


def long_body() -> str:
    parts = ["开头的一段。\n"]
    for number, paragraphs in enumerate(SECTIONS, 1):
        level = "###" if number % 4 == 0 else "##"
        parts.append(f"{level} 第 {number} 节 IO 复杂度\n")
        parts += [f"{PARAGRAPH}（{number}.{p}）\n" for p in range(paragraphs)]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def long_note_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """A site with one long note of many sections, built and served."""
    from kbsite.build import Builder, BuildOptions

    root = tmp_path_factory.mktemp("long-note")
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    source = root / "content" / "large-model" / "long.md"
    source.parent.mkdir(parents=True)
    source.write_text(note("长笔记", "Large Model", "2026-01-11", long_body()), encoding="utf-8")
    output = root / "public"
    Builder(BuildOptions(site_dir=root, output=output)).build()
    with serve_directory(output) as server:
        yield server


# The rule the theme follows: the section being read is the last heading at or above the line a
# quarter down the viewport (none above the first heading).
EXPECTED = """() => {
  const line = innerHeight / 4;
  let found = null;
  for (const a of document.querySelectorAll('.toc a')) {
    const h = document.getElementById(decodeURIComponent(a.hash.slice(1)));
    if (h.getBoundingClientRect().top <= line) found = h.id; else break;
  }
  return found;
}"""
MARKED = """() => {
  const a = document.querySelector('.toc a[aria-current]');
  return a ? decodeURIComponent(a.hash.slice(1)) : null;
}"""


def wait_for_mark(page: Any, expected: str | None, where: str) -> None:
    """Wait (briefly: the mark follows on the next frame) until the TOC marks `expected`."""
    try:
        page.wait_for_function(f"id => ({MARKED})() === id", arg=expected, timeout=2000)
    except Exception:
        pytest.fail(f"{where}: marked {page.evaluate(MARKED)!r}, expected {expected!r}")


def settle(page: Any) -> None:
    """Let the scroll handler run (it updates on the next animation frame)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("width", [1280, 390])
def test_toc_marks_the_section_being_read_scrolling_both_ways(
    open_page: Open, long_note_site: SiteServer, width: int
) -> None:
    page = open_page(PATH, width, site=long_note_site).page
    assert page.evaluate(MARKED) is None  # at the top of the page, above the first heading
    ids = page.eval_on_selector_all(
        ".toc a", "as => as.map(a => decodeURIComponent(a.hash.slice(1)))"
    )
    assert len(ids) == len(SECTIONS)
    page.mouse.move(width / 3, 400)
    seen = set()
    for direction in ("down", "up"):  # to the end of the page, then back to the top
        for step in range(200):
            before = page.evaluate("scrollY")
            page.mouse.wheel(0, 230 if direction == "down" else -230)
            settle(page)
            expected = page.evaluate(EXPECTED)
            wait_for_mark(page, expected, f"wheel {direction}, stop {step}")
            seen.add(expected)
            if page.evaluate("scrollY") == before:
                break
    assert len(seen) >= len(SECTIONS) - 3  # the stops passed through nearly every section
    assert page.evaluate("scrollY") < 10 and page.evaluate(MARKED) is None  # back at the top


@pytest.mark.parametrize("width", [1280, 390])
def test_toc_marks_the_heading_jumped_to(
    open_page: Open, long_note_site: SiteServer, width: int
) -> None:
    page = open_page(PATH, width, site=long_note_site).page
    ids = page.eval_on_selector_all(
        ".toc a", "as => as.map(a => decodeURIComponent(a.hash.slice(1)))"
    )
    # forwards, backwards and across: every kind of jump, including the short last section
    order = [ids[5], ids[2], ids[-1], ids[8], ids[0], ids[-2], ids[12]]
    for target in order:
        page.evaluate("window.scrollTo(0, 0)")
        if not page.eval_on_selector(".toc details", "d => d.open"):
            page.click(".toc summary")  # folded on phones
        page.click(f".toc a[href='#{target}']")
        settle(page)
        wait_for_mark(page, target, f"jump to {target}")
        top = page.evaluate(f"document.getElementById({target!r}).getBoundingClientRect().top")
        assert 0 <= top < page.evaluate("innerHeight"), (target, top)
    # and a scroll after a jump goes back to the rule
    page.mouse.move(width / 3, 400)
    page.mouse.wheel(0, -600)
    settle(page)
    wait_for_mark(page, page.evaluate(EXPECTED), "wheel up after a jump")


@pytest.mark.parametrize("index", [3, 10, -1])
def test_toc_marks_the_anchor_a_page_loads_at(
    open_page: Open, long_note_site: SiteServer, index: int
) -> None:
    page = open_page(PATH, site=long_note_site).page
    ids = page.eval_on_selector_all(
        ".toc a", "as => as.map(a => decodeURIComponent(a.hash.slice(1)))"
    )
    target = ids[index]
    loaded = open_page(f"{PATH}#{target}", site=long_note_site).page
    settle(loaded)
    wait_for_mark(loaded, target, f"loaded at #{target}")


def test_toc_scrolls_itself_to_keep_the_mark_in_view(
    open_page: Open, long_note_site: SiteServer
) -> None:
    # a short window: the sticky TOC is taller than its box and scrolls inside it
    page = open_page(PATH, 1280, height=420, site=long_note_site).page
    toc = page.locator(".toc")
    assert page.evaluate("(t => t.scrollHeight > t.clientHeight)(document.querySelector('.toc'))")
    page.mouse.move(400, 200)
    for _ in range(80):
        page.mouse.wheel(0, 200)
        settle(page)
        mark = page.locator(".toc a[aria-current]")
        if not mark.count():
            continue
        box, at = toc.bounding_box(), mark.bounding_box()
        assert box and at
        assert box["y"] <= at["y"] and at["y"] + at["height"] <= box["y"] + box["height"], (box, at)
    assert page.evaluate("document.querySelector('.toc').scrollTop") > 0


@pytest.mark.parametrize("width", [1280, 390])
def test_back_to_top_shows_on_a_long_note_and_returns_to_the_top(
    open_page: Open, long_note_site: SiteServer, width: int
) -> None:
    page = open_page(PATH, width, site=long_note_site).page
    button = page.locator(".back-to-top")
    assert not button.is_visible()  # at the top there is nothing to go back to
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    settle(page)
    assert button.is_visible()
    box = button.bounding_box()
    assert box and box["y"] + box["height"] <= page.evaluate("innerHeight")  # fixed, in view
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    settle(page)
    box, footer = button.bounding_box(), page.locator(".site-footer").bounding_box()
    assert box and footer and box["y"] + box["height"] <= footer["y"]  # above the footer, not on it
    button.click()
    settle(page)
    assert page.evaluate("scrollY") == 0
    assert not button.is_visible()


def test_short_note_has_no_back_to_top(open_page: Open) -> None:
    page = open_page("/multimodal/llava/", 1280, height=1400).page
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    settle(page)
    assert not page.locator(".back-to-top").is_visible()
