"""Live reload as a writer sees it, in Debian's chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kbsite.serve.preview import Preview, ServeOptions
from tests.conftest import WriteSite
from tests.helpers import note

from .conftest import SCREENSHOTS

LM = "Large Model"
BODY = "冻结预训练权重，只训练低秩增量。\n\n" + "\n\n".join(
    f"第 {n} 段：低秩适配。" for n in range(60)
)

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(browser: Any) -> Iterator[object]:
    """A page in its own context of the session's Chromium (one Playwright per process: a
    second sync_playwright() beside the session's fails)."""
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def preview(write_site: WriteSite) -> Iterator[Preview]:
    site = write_site({"content/large-model/lora.md": note("LoRA", LM, "2026-01-11", BODY)})
    with Preview(ServeOptions(site, port=0)) as running:
        running.start()
        yield running


def test_page_follows_edits_and_shows_errors(browser_page: object, preview: Preview) -> None:
    from playwright.sync_api import Page, expect

    page = browser_page
    assert isinstance(page, Page)
    lora = preview.options.site_dir / "content/large-model/lora.md"
    page.goto(preview.url + "large-model/lora/")
    page.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
    page.mouse.wheel(0, 900)
    page.wait_for_function("window.scrollY > 500")
    scrolled = page.evaluate("window.scrollY")

    lora.write_text(note("LoRA", LM, "2026-01-11", BODY.replace("冻结", "先冻结")), "utf-8")
    expect(page.locator("article")).to_contain_text("先冻结预训练权重", timeout=10_000)
    page.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
    assert abs(page.evaluate("window.scrollY") - scrolled) < 40  # scroll survived the reload

    lora.write_text(
        "---\ntitle: LoRA\ncategory: [Large Model\ndate: 2026-01-11\n---\n\n坏了\n", "utf-8"
    )
    overlay = page.locator("kbsite-error-overlay")
    expect(overlay).to_be_visible(timeout=10_000)
    expect(overlay).to_contain_text("content/large-model/lora.md:")
    expect(overlay).to_contain_text("kbsite：构建失败")  # the site is zh-CN: so is the overlay
    expect(overlay).to_contain_text("1 个问题")
    expect(page.locator("article")).to_contain_text("先冻结预训练权重")  # last good page stays
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "error-overlay.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(SCREENSHOTS / "error-overlay-dark.png"))

    lora.write_text(note("LoRA", LM, "2026-01-11", BODY.replace("冻结", "已修复，冻结")), "utf-8")
    expect(overlay).to_have_count(0, timeout=10_000)
    expect(page.locator("article")).to_contain_text("已修复，冻结预训练权重")


def test_css_change_applies_without_reload(browser_page: object, preview: Preview) -> None:
    from playwright.sync_api import Page

    page = browser_page
    assert isinstance(page, Page)
    static = preview.options.site_dir / "static/css"
    static.mkdir(parents=True)
    (static / "kbsite.css").write_text("body { background: rgb(1, 2, 3); }\n", "utf-8")
    page.goto(preview.url)  # the theme's stylesheet is now the site's own override
    page.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
    page.evaluate("window.__kbsiteMarker = 'still here'")
    (static / "kbsite.css").write_text("body { background: rgb(200, 10, 20); }\n", "utf-8")
    page.wait_for_function(
        "getComputedStyle(document.body).backgroundColor === 'rgb(200, 10, 20)'", timeout=10_000
    )
    assert page.evaluate("window.__kbsiteMarker") == "still here"  # no reload happened


def test_an_edit_reloads_its_page_once_and_other_pages_not_at_all(
    browser_page: object, write_site: WriteSite
) -> None:
    """The quick page comes first, then the rebuild's event for the cards and previews.json:
    the edited note's tab reloads once, a tab on another note not at all."""
    from playwright.sync_api import Page, expect

    page = browser_page
    assert isinstance(page, Page)
    site = write_site(
        {
            "content/large-model/lora.md": note("LoRA", LM, "2026-01-11", BODY),
            "content/large-model/dpo.md": note(
                "DPO", LM, "2026-01-12", "偏好优化，不需要奖励模型。"
            ),
        }
    )
    with Preview(ServeOptions(site, port=0)) as preview:
        preview.start()
        assert page.context.browser is not None
        other = page.context.browser.new_page()
        other.goto(preview.url + "large-model/dpo/")
        other.evaluate("window.__kbsiteMarker = 'never reloaded'")
        page.goto(preview.url + "large-model/lora/")
        for tab in (page, other):
            tab.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
        page.evaluate("sessionStorage.setItem('loads', '0')")
        page.add_init_script(
            "sessionStorage.setItem('loads', String(Number(sessionStorage.getItem('loads')) + 1))"
        )
        # The start of the body: the excerpt changes, so cards and previews.json change too.
        lora = site / "content/large-model/lora.md"
        lora.write_text(note("LoRA", LM, "2026-01-11", "新的开头。" + BODY), "utf-8")
        expect(page.locator("article")).to_contain_text("新的开头", timeout=10_000)
        page.wait_for_timeout(1500)  # the rebuild's own event has come and gone by now
        assert page.evaluate("sessionStorage.getItem('loads')") == "1"
        assert other.evaluate("window.__kbsiteMarker") == "never reloaded"
        assert preview.last_report is not None and preview.last_report.quick_page
        assert "previews.json" in preview.last_report.changed
        other.context.close()


def test_overlay_speaks_the_sites_language(browser_page: object, write_site: WriteSite) -> None:
    from playwright.sync_api import Page, expect

    from tests.conftest import SITE_YAML

    page = browser_page
    assert isinstance(page, Page)
    english = SITE_YAML.replace("language: zh-CN", "language: en")
    site = write_site(
        {"content/large-model/lora.md": note("LoRA", LM, "2026-01-11", BODY)}, english
    )
    with Preview(ServeOptions(site, port=0)) as running:
        running.start()
        page.goto(running.url + "large-model/lora/")
        page.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
        lora = site / "content/large-model/lora.md"
        lora.write_text("---\ntitle: [\n---\n", "utf-8")
        overlay = page.locator("kbsite-error-overlay")
        expect(overlay).to_contain_text("kbsite: the build failed", timeout=10_000)
        expect(overlay).to_contain_text("1 problem")
        expect(overlay).to_contain_text("Dismiss")


def test_a_saved_notebook_reloads_in_place_and_a_broken_one_shows_the_overlay(
    browser_page: object, write_site: WriteSite
) -> None:
    """Issue 24: Jupyter saves; the page follows, keeping its scroll position."""
    from playwright.sync_api import Page, expect

    from tests.helpers import code_cell, markdown_cell, notebook, stream

    def saved(output: str) -> str:
        cells = [markdown_cell(f"# 实验\n\n{BODY}")]
        return notebook(*cells, code_cell("train()", stream(output)))

    site = write_site({"content/large-model/run.ipynb": saved("损失 0.50\n")})
    path = site / "content/large-model/run.ipynb"
    page = browser_page
    assert isinstance(page, Page)
    with Preview(ServeOptions(site, port=0)) as running:
        running.start()
        page.goto(running.url + "large-model/run/")
        page.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
        page.mouse.wheel(0, 900)
        page.wait_for_function("window.scrollY > 500")
        scrolled = page.evaluate("window.scrollY")
        path.write_text(saved("损失 0.12\n"), "utf-8")
        expect(page.locator(".nb-stdout")).to_contain_text("损失 0.12", timeout=10_000)
        page.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
        assert abs(page.evaluate("window.scrollY") - scrolled) < 40  # scroll survived the reload
        path.write_text('{"cells": [', "utf-8")
        overlay = page.locator("kbsite-error-overlay")
        expect(overlay).to_contain_text("content/large-model/run.ipynb:1:12", timeout=10_000)
        expect(overlay).to_contain_text("not a valid notebook: invalid JSON")
        expect(page.locator(".nb-stdout")).to_contain_text("损失 0.12")  # the last good page
