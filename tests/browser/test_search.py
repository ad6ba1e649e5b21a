"""Search on the built example site: Chinese and English queries, keys, the /search/ page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import SiteServer

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield tab
        assert errors == []
    finally:
        context.close()


def first_titles(page: Any, selector: str, count: int = 3) -> list[str]:
    page.wait_for_selector(f"{selector} .search-result-title")
    titles: list[str] = page.locator(f"{selector} .search-result-title").all_inner_texts()
    return titles[:count]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("低秩", "LoRA：大模型的低秩适配"),
        ("LoRA", "LoRA：大模型的低秩适配"),
        ("匈牙利", "DETR：把目标检测当作集合预测"),
    ],
)
def test_header_box_finds_the_note_first(
    page: Any, site_server: SiteServer, query: str, expected: str
) -> None:
    page.goto(site_server.url("/"))
    page.keyboard.press("/")  # focuses the search box
    assert page.evaluate("document.activeElement.id") == "site-search-input"
    page.keyboard.type(query)
    titles = first_titles(page, "#site-search-results")
    assert titles[0] == expected
    excerpt = page.locator("#site-search-results .search-result-excerpt mark").first
    assert excerpt.inner_text() in query or query.lower() in excerpt.inner_text().lower()


def test_attention_in_chinese_finds_attention_notes(page: Any, site_server: SiteServer) -> None:
    page.goto(site_server.url("/"))
    page.keyboard.press("/")
    page.keyboard.type("注意力")
    titles = first_titles(page, "#site-search-results", 3)
    assert any("注意力" in title or "Attention" in title for title in titles), titles


def test_arrow_keys_and_enter_open_a_result(page: Any, site_server: SiteServer) -> None:
    page.goto(site_server.url("/"))
    page.keyboard.press("/")
    page.keyboard.type("LoRA")
    first_titles(page, "#site-search-results")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    selected = page.locator("#site-search-results [aria-selected=true] a")
    href = selected.get_attribute("href")
    assert href == "/notes/large-model/lora/"
    page.keyboard.press("Enter")
    page.wait_for_url(site_server.url("/large-model/lora/"))


def test_search_page_filters_by_category(page: Any, site_server: SiteServer) -> None:
    page.goto(site_server.url("/search/?q=%E6%A8%A1%E5%9E%8B"))  # 模型
    first_titles(page, "#search-page-results")
    page.select_option("#search-category", "Computer Vision")
    page.wait_for_function(
        "[...document.querySelectorAll('#search-page-results .search-result-category')]"
        ".every(e => e.textContent === 'Computer Vision')"
    )
    categories = page.locator("#search-page-results .search-result-category").all_inner_texts()
    assert categories and set(categories) == {"Computer Vision"}
    assert "category=Computer+Vision" in page.url
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/computer-vision/" in url)


def test_hover_preview_shows_the_linked_note(page: Any, site_server: SiteServer) -> None:
    page.goto(site_server.url("/large-model/dpo/"))
    link = page.locator(".note-body a[href='/notes/large-model/lora/']").first
    if not page.evaluate("matchMedia('(hover: hover)').matches"):
        pytest.skip("this Chromium reports no hover-capable pointer")
    link.hover()
    card = page.locator(".preview-card")
    card.wait_for(state="visible")
    assert "LoRA：大模型的低秩适配" in card.inner_text()
