"""The default theme as a reader sees it: the example site in Chromium, phone and desktop, light
and dark. Screenshots land in tests/browser/screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, Open, SiteServer

pytestmark = pytest.mark.browser

# Every page type: the screenshots of these, at both widths in both themes, are the visual
# review set (tests/browser/screenshots/, git-ignored): look at them after changing the theme.
PAGES = {
    "home": "/",
    "note": "/reinforcement-learning/dqn/",  # math, code, a table, footnotes and a TOC
    "notebook": "/large-model/lora-rank-experiment/",  # a plot, a DataFrame, a traceback
    "category": "/large-model/",
    "tags": "/tags/",
    "tag": "/tags/lora/",
    "archive": "/archive/",
    "search": "/search/",
    "404": "/404.html",
    "paper-note": "/large-model/lora/",  # a paper card, citations, a bibliography (issue 19)
    "references": "/references/",
    "papers": "/papers/",
}
WIDTHS = {"wide": 1280, "phone": 390}
THEMES = ("light", "dark")


def serious_axe_violations(page: Any) -> list[str]:
    """Run axe-core on the page; describe each serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            nodes = [" ".join(node["target"]) for node in violation["nodes"][:5]]
            problems.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} {nodes}"
            )
    return problems


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly_fits_and_passes_axe(
    open_page: Open, name: str, width: str, theme: str
) -> None:
    visit = open_page(PAGES[name], WIDTHS[width], theme)
    page = visit.page
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = f"{name}-{WIDTHS[width]}-{theme}"
    page.screenshot(path=SCREENSHOTS / f"{shot}.png", full_page=True, animations="disabled")
    page.screenshot(path=SCREENSHOTS / f"{shot}-first-screen.png", animations="disabled")

    assert visit.console_errors == []
    assert visit.failed == []
    assert visit.foreign_requests() == []
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page body scrolls sideways by {overflow}px"
    assert serious_axe_violations(page) == []


def test_math_renders_with_size_and_display_math_stays_in_its_box(open_page: Open) -> None:
    for width in WIDTHS.values():
        page = open_page(PAGES["note"], width).page
        sizes = page.eval_on_selector_all(
            ".note-body math",
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height] })",
        )
        assert len(sizes) > 10
        assert all(w > 0 and h > 0 for w, h in sizes), sizes
        # a display formula may be wider than a phone, but then its own box scrolls
        boxes = page.eval_on_selector_all(
            ".math.display", "els => els.map(e => e.getBoundingClientRect().right)"
        )
        inner_width = page.evaluate("innerWidth")
        assert boxes and all(right <= inner_width for right in boxes)


@pytest.mark.parametrize("theme", THEMES)
def test_code_is_highlighted(open_page: Open, theme: str) -> None:
    page = open_page("/large-model/lora/", theme=theme).page  # a Python block
    plain = page.eval_on_selector(".code-block pre code", "e => getComputedStyle(e).color")
    colours = page.eval_on_selector_all(
        ".code-block pre code span[class]", "els => els.map(e => getComputedStyle(e).color)"
    )
    highlighted = set(colours) - {plain}
    assert len(highlighted) >= 3, (plain, set(colours))


@pytest.mark.parametrize("width", WIDTHS)
def test_toc_links_jump_to_their_headings(open_page: Open, width: str) -> None:
    page = open_page(PAGES["note"], WIDTHS[width]).page
    ids = page.eval_on_selector_all(
        ".toc a", "els => els.map(a => decodeURIComponent(a.hash.slice(1)))"
    )
    assert len(ids) >= 3
    for heading_id in ids:
        if not page.eval_on_selector(".toc details", "d => d.open"):
            page.click(".toc summary")  # folded on phones
        page.click(f".toc a[href='#{heading_id}']")
        top = page.evaluate(f"document.getElementById({heading_id!r}).getBoundingClientRect().top")
        assert 0 <= top < page.evaluate("innerHeight") / 2, (heading_id, top)


def test_toc_is_sticky_beside_the_text_when_wide_and_folded_on_phones(open_page: Open) -> None:
    # a note without footnotes: the TOC is a column at the right
    page = open_page("/large-model/flash-attention/", 1280).page
    toc, body = page.locator(".toc").bounding_box(), page.locator(".note-body").bounding_box()
    assert toc and body and toc["x"] > body["x"] + body["width"]  # its own column
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    assert 0 <= page.locator(".toc").bounding_box()["y"] < 100  # still in view
    # with sidenotes (issue 19) the margin at the right is theirs: the TOC moves to the left
    page = open_page(PAGES["note"], 1280).page
    toc, body = page.locator(".toc").bounding_box(), page.locator(".note-body").bounding_box()
    assert toc and body and toc["x"] + toc["width"] < body["x"]
    page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    assert 0 <= page.locator(".toc").bounding_box()["y"] < 100

    phone = open_page(PAGES["note"], 390).page
    assert phone.eval_on_selector(".toc details", "d => d.open") is False
    phone.click(".toc summary")
    assert phone.locator(".toc a").first.is_visible()


def test_theme_toggle_persists_across_reload(open_page: Open) -> None:
    page = open_page(PAGES["note"], theme="light").page
    background = "getComputedStyle(document.body).backgroundColor"
    light = page.evaluate(background)
    page.click(".theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    dark = page.evaluate(background)
    assert dark != light
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(background) == dark
    page.click(".theme-toggle")
    page.reload()
    assert page.evaluate(background) == light


def test_toggle_leaves_a_system_dark_theme_for_light(open_page: Open) -> None:
    page = open_page(PAGES["home"], theme="dark").page
    page.click(".theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"


def test_copy_button_copies_the_code(open_page: Open) -> None:
    visit = open_page(PAGES["note"])
    page = visit.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    button = page.locator(".code-block .copy-button").first
    button.click()
    expect(button).to_have_text("已复制")  # zh-CN site; the label comes from i18n.py
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator(".code-block pre code").first.inner_text()


def test_pages_read_fully_without_javascript(open_page: Open) -> None:
    note = open_page(PAGES["note"], 390, js=False).page
    assert len(note.locator(".note-body").inner_text()) > 1000
    assert note.locator(".toc a").first.is_visible()  # the TOC is open without the script
    assert note.locator(".note-body math").first.is_visible()
    assert not note.locator(".theme-toggle").is_visible()  # nothing that would not work
    home = open_page(PAGES["home"], 390, js=False).page
    assert home.locator(".card").count() >= 10
    assert home.locator(".card-title").first.is_visible()


def test_heading_anchors_and_head_metadata(open_page: Open, site_server: SiteServer) -> None:
    page = open_page(PAGES["note"]).page
    anchors = page.eval_on_selector_all(
        ".note-body h2",
        "hs => hs.map(h => [h.id, h.querySelector('.heading-anchor')?.getAttribute('href')])",
    )
    assert anchors and all(href == f"#{hid}" for hid, href in anchors)
    assert page.get_attribute("html", "lang") == "zh-CN"
    head = {
        "link[rel=canonical]": "href",
        "meta[property='og:title']": "content",
        "meta[name='twitter:card']": "content",
        "link[rel=alternate][type='application/atom+xml']": "href",
        "link[rel=icon]": "href",
        "meta[name=description]": "content",
    }
    for selector, attribute in head.items():
        assert page.get_attribute(selector, attribute), selector
    canonical = page.get_attribute("link[rel=canonical]", "href")
    assert canonical == "https://example.github.io/notes/reinforcement-learning/dqn/"
