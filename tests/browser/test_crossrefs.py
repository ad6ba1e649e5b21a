"""What a reader sees of numbered blocks, references and sidenotes (issue 19, items 3-6), in
Chromium on the example site: sidenotes beside the line citing them at 1400 px and at the end on
a phone, hover previews of theorems and equations within and across notes, and screenshots."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from .conftest import SCREENSHOTS, Open

pytestmark = pytest.mark.browser

NOTE = "/large-model/attention-is-all-you-need/"  # theorems, proofs, figure, tables, sidenotes
LINKING = "/large-model/flash-attention/"  # links to the note's definition across notes
WIDE, PHONE = 1400, 390

# For each sidenote: its box, the box of the line holding its reference (the text just before
# the reference mark), and the box of the paragraph it sits in.
_SIDENOTES = """() => [...document.querySelectorAll(".sidenote")].map((side) => {
  const mark = side.previousElementSibling;
  const range = document.createRange();
  range.selectNode(mark);
  range.setStart(mark.previousSibling, Math.max(0, mark.previousSibling.length - 1));
  range.setEnd(mark.previousSibling, mark.previousSibling.length);
  const line = range.getBoundingClientRect();
  const box = side.getBoundingClientRect();
  const text = side.closest("p, li").getBoundingClientRect();
  return {top: box.top, bottom: box.bottom, left: box.left, right: box.right,
          height: box.height, line: line.top, lineBottom: line.bottom, textRight: text.right};
})"""


def sidenotes(page: Any) -> list[dict[str, float]]:
    found: list[dict[str, float]] = page.evaluate(_SIDENOTES)
    return found


@pytest.mark.parametrize("js", [True, False])
def test_sidenotes_sit_beside_their_line_in_the_margin(open_page: Open, js: bool) -> None:
    page = open_page(NOTE, WIDE, js=js).page
    found = sidenotes(page)
    assert len(found) == 3
    viewport = page.viewport_size["width"]
    for note in found:
        assert note["height"] > 0
        # level with the reference's line: the top of the note within a few px of the line's
        assert abs(note["top"] - note["line"]) <= 6, note
        assert note["left"] >= note["textRight"] + 16, note  # in the margin, clear of the text
        assert note["right"] <= viewport, note
    for upper, lower in itertools.pairwise(found):
        assert lower["top"] >= upper["bottom"], (upper, lower)  # never on each other
    # the copies at the end are hidden, and the TOC moved to the left of the text
    assert not page.locator(".footnotes").is_visible()
    toc = page.locator(".toc").bounding_box()
    body = page.locator(".note-body").bounding_box()
    assert toc and body and toc["x"] + toc["width"] <= body["x"]


def test_sidenotes_do_not_overlap_when_references_are_close(open_page: Open) -> None:
    """Two references in one line: clear: right stacks the second note under the first."""
    page = open_page(NOTE, WIDE).page
    page.evaluate(
        """() => {
          const first = document.querySelector(".sidenote");
          const second = document.querySelectorAll(".sidenote")[1];
          first.after(" 紧接着", second.previousElementSibling.cloneNode(true), second.cloneNode(true));
        }"""
    )
    first, crowded = sidenotes(page)[:2]
    assert abs(crowded["line"] - first["line"]) < 1  # both cited on one line
    assert crowded["top"] >= first["bottom"] - 0.5, (first, crowded)  # stacked under it
    assert crowded["left"] == first["left"]


def test_phones_read_footnotes_at_the_end(open_page: Open) -> None:
    page = open_page(NOTE, PHONE).page
    assert page.locator(".sidenote").first.bounding_box() is None  # not displayed
    footnotes = page.locator(".footnotes")
    assert footnotes.is_visible()
    items = page.locator(".footnote-item")
    assert items.count() == 3 and items.first.is_visible()
    last_text = page.locator(".note-body > .theorem").last.bounding_box()
    end = footnotes.bounding_box()
    assert last_text and end and end["y"] > last_text["y"]


def hover_preview(page: Any, selector: str) -> Any:
    link = page.locator(selector).first
    link.scroll_into_view_if_needed()
    link.hover()
    card = page.locator("#kbsite-preview")
    card.wait_for(state="visible", timeout=3000)
    below = card.bounding_box()
    above = link.bounding_box()
    assert below and above and below["y"] >= above["y"] + above["height"]
    return card


def test_hovering_a_reference_previews_its_theorem(open_page: Open) -> None:
    page = open_page(NOTE, WIDE).page
    card = hover_preview(page, 'a.xref[href="#prp-variance"]')
    assert "命题 1" in card.inner_text() and "点积的方差" in card.inner_text()
    assert card.locator("[id]").count() == 0  # a copy: no id twice on the page
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "crossref-preview.png"))


def test_hovering_an_eqref_previews_its_equation(open_page: Open) -> None:
    page = open_page(NOTE, WIDE).page
    card = hover_preview(page, 'a.eqref[href="#eq:multihead"]')
    assert card.locator("math").count() == 1
    assert "(2)" in card.inner_text()


def test_hovering_a_link_to_another_notes_label_previews_it(open_page: Open) -> None:
    page = open_page(LINKING, WIDE).page
    link = page.locator('a.wikilink[href$="#def-attention"]')
    assert link.inner_text() == "Attention Is All You Need 定义 1"
    card = hover_preview(page, 'a.wikilink[href$="#def-attention"]')
    text = card.inner_text()
    assert "定义 1" in text and "缩放点积注意力" in text
    assert card.locator("math").count() >= 1


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, PHONE])
def test_screenshots_of_numbered_blocks(open_page: Open, width: int, theme: str) -> None:
    """The visual review set; and the theorem's rule and label stand out from the page."""
    page = open_page(NOTE, width, theme).page
    theorem = page.locator("#prp-variance")
    theorem.scroll_into_view_if_needed()
    styles = theorem.evaluate(
        """(el) => ({rule: getComputedStyle(el).borderLeftWidth,
                     bg: getComputedStyle(el).backgroundColor,
                     page: getComputedStyle(document.body).backgroundColor})"""
    )
    assert styles["rule"] == "3px" and styles["bg"] != styles["page"]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"crossrefs-{width}-{theme}.png"))
