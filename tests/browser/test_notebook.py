"""The example notebook as a reader sees it (issue 24): its plot, DataFrame, streams and
traceback at 1280 and 390 px, in light and dark, measured in Chromium."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import WriteSite

from .conftest import SCREENSHOTS, Open, SiteServer, serve_directory

pytestmark = pytest.mark.browser

NOTEBOOK = "/large-model/lora-rank-experiment/"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_outputs_fit_the_column_and_read_in_both_themes(
    open_page: Open, width: int, theme: str
) -> None:
    visit = open_page(NOTEBOOK, width, theme)
    page = visit.page
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"notebook-outputs-{width}-{theme}.png", full_page=True)
    assert visit.console_errors == [] and visit.failed == []
    body = page.locator(".note-body").bounding_box()
    plot = page.locator(".nb-image img").first
    plot.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('.nb-image img').complete")
    box = plot.bounding_box()
    assert body is not None and box is not None
    assert box["x"] >= body["x"] - 1 and box["x"] + box["width"] <= body["x"] + body["width"] + 1
    natural = page.evaluate(
        "[...['naturalWidth', 'naturalHeight']].map(k => document.querySelector('.nb-image img')[k])"
    )
    shown = plot.evaluate("e => [e.width, e.height]")  # the image itself, without its plate
    assert abs(shown[1] / shown[0] - natural[1] / natural[0]) < 0.01  # not squashed on a phone
    if width == 1280:
        assert box["width"] == pytest.approx(natural[0] + (16 if theme == "dark" else 0), abs=1)
    # dark: the plot, drawn for white paper, sits on a light plate
    plate = plot.evaluate("e => getComputedStyle(e).backgroundColor")
    assert plate == ("rgb(255, 255, 255)" if theme == "dark" else "rgba(0, 0, 0, 0)")
    # the DataFrame: inside the column; on a phone it scrolls in its own box
    table = page.locator(".nb-html table").bounding_box()
    assert table is not None and table["x"] + table["width"] <= body["x"] + body["width"] + 1
    sizes = page.locator(".nb-html table").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert (sizes[0] > sizes[1]) == (width == 390)
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # stderr and the traceback are marked; the traceback's colours differ from the text's
    colour = "e => getComputedStyle(e).backgroundColor"
    stdout = page.locator(".nb-stdout pre").first.evaluate(colour)
    assert page.locator(".nb-stderr pre").evaluate(colour) != stdout
    red = page.locator(".nb-error .ansi-red").first.evaluate("e => getComputedStyle(e).color")
    text = page.locator(".nb-error pre").evaluate("e => getComputedStyle(e).color")
    assert red != text


def test_code_cells_copy_and_the_notebook_downloads(open_page: Open) -> None:
    visit = open_page(NOTEBOOK)
    page = visit.page
    cell = page.locator(".nb-cell").first
    assert cell.locator(".nb-prompt").inner_text() == "In [1]:"
    assert cell.locator(".copy-button").count() == 1
    href = page.locator("a.notebook-download").get_attribute("href")
    assert href is not None and href.endswith("/large-model/lora-rank-experiment.ipynb")
    response = page.request.get(visit.origin + href)
    assert response.status == 200
    assert json.loads(response.body())["nbformat"] == 4


def test_a_wiki_link_to_the_notebook_previews_it_on_hover(open_page: Open) -> None:
    page = open_page("/large-model/lora/").page
    if not page.evaluate("matchMedia('(hover: hover)').matches"):
        pytest.skip("this Chromium reports no hover-capable pointer")
    link = page.locator(f".note-body a.wikilink[href='/notes{NOTEBOOK}']")
    assert link.inner_text() == "LoRA 秩的实验"
    link.hover()
    card = page.locator(".preview-card")
    card.wait_for(state="visible")
    assert "LoRA 秩的实验：奇异值谱与截断误差" in card.inner_text()
    assert "内在秩" in card.inner_text()  # the excerpt, from the first Markdown cell


@pytest.fixture
def every_output_site(write_site: WriteSite) -> Iterator[SiteServer]:
    """A site of one notebook with every kind of output (tests/integration/test_notebooks.py)."""
    from kbsite.build import Builder, BuildOptions
    from tests.integration.test_notebooks import every_output

    site = write_site({"content/large-model/demo.ipynb": every_output()})
    Builder(BuildOptions(site_dir=site)).build()
    with serve_directory(site / "public") as server:
        yield server


def test_long_outputs_scroll_and_folded_ones_open_on_click(
    open_page: Open, every_output_site: SiteServer
) -> None:
    page = open_page("/large-model/demo/", 390, site=every_output_site).page
    long = page.locator("pre.nb-scrolled")
    sizes = long.evaluate(
        "e => [e.clientHeight, e.scrollHeight, parseFloat(getComputedStyle(e).lineHeight)]"
    )
    assert sizes[0] < sizes[1]  # 60 lines: it scrolls in its box
    assert 29 <= sizes[0] / sizes[2] <= 31.5  # showing 30 of them
    assert long.get_attribute("tabindex") == "0"  # reachable by keyboard to scroll
    folded = page.locator("details.nb-hidden")
    assert not folded.locator("pre").is_visible()
    folded.locator("summary").click()
    assert folded.locator("pre").inner_text() == "藏起来的输出\n"
    svg = page.locator(".nb-image img[src$='.svg']").bounding_box()
    assert svg is not None and (svg["width"], svg["height"]) == (120, 80)
    formula = page.locator(".nb-latex math").bounding_box()
    assert formula is not None and formula["width"] > 5 and formula["height"] > 20  # a fraction
