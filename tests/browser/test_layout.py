"""What the theme does with the screen, measured in the browser (boxes, computed styles,
pixels): a phone's first screen, the footer, the card grid, dark figures and code, type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Open
from .pixels import read_png

pytestmark = pytest.mark.browser

PHONE = 390
NOTE = (
    "/large-model/flash-attention/"  # a heading "IO复杂度", tags "#注意力" and "#CUDA", wide code
)
FIGURE_NOTE = "/large-model/lora/"  # an SVG diagram drawn on white


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found, selector
    return dict(found)


def test_phone_header_is_one_row_with_menu_and_search_behind_one_button(open_page: Open) -> None:
    page = open_page("/", PHONE).page
    header = box(page, ".site-header")
    assert header["height"] <= 60, header  # one row (three rows, 138 px, before issue 22)
    assert not page.locator(".site-menu").is_visible()
    assert not page.locator(".site-search .search-input").is_visible()
    button = page.locator(".nav-toggle")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert page.locator(".site-menu a").first.is_visible()
    assert page.locator(".site-search .search-input").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator(".site-menu").is_visible()


def test_phone_header_slides_away_scrolling_down_and_back_scrolling_up(open_page: Open) -> None:
    page = open_page("/reinforcement-learning/ppo/", PHONE).page
    page.mouse.move(200, 500)
    for _ in range(4):
        page.mouse.wheel(0, 300)
    page.wait_for_function("document.querySelector('.site-header').classList.contains('is-hidden')")
    page.wait_for_timeout(300)  # the slide's transition
    hidden = box(page, ".site-header")
    assert hidden["y"] + hidden["height"] <= 1, hidden
    page.mouse.wheel(0, -120)
    page.wait_for_function(
        "!document.querySelector('.site-header').classList.contains('is-hidden')"
    )
    page.wait_for_timeout(300)
    shown = box(page, ".site-header")
    assert page.evaluate("scrollY") > 500 and abs(shown["y"]) <= 1, shown  # sticky, in view


def test_phone_home_shows_two_card_titles_above_the_fold(open_page: Open) -> None:
    page = open_page("/", PHONE).page
    titles = page.locator(".card-title")
    second = titles.nth(1).bounding_box()
    assert second and second["y"] + second["height"] <= 844, second  # 896 px before issue 22


def test_heading_anchors_show_on_hover_focus_or_tap_not_always(open_page: Open) -> None:
    opacity = "e => getComputedStyle(e).opacity"
    phone = open_page(NOTE, PHONE).page
    anchors = phone.locator(".note-body h2 .heading-anchor")
    assert all(o == "0" for o in anchors.evaluate_all(f"as => as.map({opacity})"))
    heading = phone.locator(".note-body h2").nth(1)
    heading.tap()
    assert heading.locator(".heading-anchor").evaluate(opacity) == "1"
    assert anchors.nth(0).evaluate(opacity) == "0"

    wide = open_page(NOTE, 1280).page
    first = wide.locator(".note-body h2").first
    assert first.locator(".heading-anchor").evaluate(opacity) == "0"
    first.hover()
    assert first.locator(".heading-anchor").evaluate(opacity) == "1"
    wide.mouse.move(0, 0)
    second = wide.locator(".note-body h2 .heading-anchor").nth(2)
    second.focus()
    assert second.evaluate(opacity) == "1"


@pytest.mark.parametrize(
    ("path", "width"),
    [
        ("/", 1280),
        ("/", 800),
        ("/page/2/", 1280),
        ("/page/2/", 800),
        ("/large-model/", 1280),  # four notes
        ("/large-model/", 800),
        ("/reinforcement-learning/", 800),  # three notes
    ],
)
def test_card_grid_never_leaves_a_lone_card(open_page: Open, path: str, width: int) -> None:
    page = open_page(path, width).page
    boxes = page.locator(".card").evaluate_all(
        "cs => cs.map(c => { const r = c.getBoundingClientRect(); return [r.top, r.left, r.right] })"
    )
    rows: dict[float, list[tuple[float, float]]] = {}
    for top, left, right in boxes:
        rows.setdefault(round(top), []).append((left, right))
    grid = box(page, ".cards")
    lines = [rows[top] for top in sorted(rows)]
    assert len(boxes) > 1
    for line in lines:  # every row, the last included, spans the grid's width
        assert min(left for left, _ in line) == pytest.approx(grid["x"], abs=1)
        assert max(right for _, right in line) == pytest.approx(grid["x"] + grid["width"], abs=1)
    assert len(lines[-1]) >= 2 or all(len(line) == 1 for line in lines), lines  # no lone card


@pytest.mark.parametrize("width", [1280, PHONE])
@pytest.mark.parametrize("path", ["/reinforcement-learning/", "/tags/", "/404.html", "/search/"])
def test_footer_sits_at_the_bottom_of_short_pages(open_page: Open, path: str, width: int) -> None:
    page = open_page(path, width, height=1300).page
    assert page.evaluate("document.documentElement.scrollHeight") <= 1300  # a short page
    footer = box(page, ".site-footer")
    assert footer["y"] + footer["height"] == pytest.approx(1300, abs=1), footer


def test_not_found_title_is_in_the_text_colour(open_page: Open) -> None:
    page = open_page("/404.html").page
    colour = "e => getComputedStyle(e).color"
    assert page.locator(".not-found h1").evaluate(colour) == page.locator("body").evaluate(colour)


@pytest.mark.parametrize("width", [1280, PHONE])
def test_search_title_is_aligned_with_its_column(open_page: Open, width: int) -> None:
    page = open_page("/search/", width).page
    assert box(page, ".search-header h1")["x"] == pytest.approx(
        box(page, ".search-page")["x"], abs=1
    )


def test_cards_on_a_category_page_leave_out_the_category(open_page: Open) -> None:
    category = open_page("/large-model/").page
    folder = Path(__file__).resolve().parents[2] / "content" / "large-model"
    notes = [p for p in folder.iterdir() if p.suffix in (".md", ".ipynb")]
    assert category.locator(".card").count() == len(notes)  # the notes and the notebook
    assert category.locator(".card .card-category").count() == 0
    home = open_page("/").page
    assert home.locator(".card .card-category").count() == home.locator(".card").count()


def test_dark_figures_sit_on_a_soft_plate_and_inline_svg_follows_the_theme(open_page: Open) -> None:
    light = open_page(FIGURE_NOTE, theme="light").page
    dark = open_page(FIGURE_NOTE, theme="dark").page
    for page in (light, dark):
        page.locator(".note-body img").first.scroll_into_view_if_needed()
    brightest_light = brightest(light)
    brightest_dark = brightest(dark)
    assert brightest_light >= 250  # drawn on white paper, shown as drawn in the light theme
    assert 170 <= brightest_dark <= 225, brightest_dark  # a soft plate, not a white box
    # an inline SVG drawn with currentColor takes the text colour, in both themes
    for page in (light, dark):
        stroke = page.evaluate("""() => {
          const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
          svg.innerHTML = '<path d="M0 0L10 10" stroke="currentColor"/>';
          document.querySelector('.note-body p').append(svg);
          return getComputedStyle(svg.firstChild).stroke;
        }""")
        assert stroke == page.evaluate("getComputedStyle(document.body).color")


def brightest(page: Any) -> float:
    """Return the brightness the most pixels of the first figure have (its paper)."""
    image = read_png(page.locator(".note-body img").first.screenshot())
    counts: dict[int, int] = {}
    for y in range(0, image.height, 3):
        for x in range(0, image.width, 3):
            level = round(sum(image.pixel(x, y)) / 3)
            counts[level] = counts.get(level, 0) + 1
    return max(counts, key=lambda level: counts[level])


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_code_that_overflows_shows_a_scroll_cue(open_page: Open, theme: str) -> None:
    page = open_page(NOTE, PHONE, theme).page
    pre = page.locator(".code-block pre").filter(has_text="__global__").first
    pre.scroll_into_view_if_needed()
    width, client = pre.evaluate("p => [p.scrollWidth, p.clientWidth]")
    assert width > client + 100, (width, client)  # this block overflows its column

    def edges() -> tuple[float, float, float]:
        image = read_png(pre.screenshot())
        return (
            image.column_median(1),
            image.column_median(image.width // 2),
            image.column_median(image.width - 3),
        )

    left, _, right = edges()
    assert abs(right - left) >= 12, (left, right)  # the edge with more code is shaded
    pre.evaluate("p => { p.scrollLeft = p.scrollWidth }")
    left_end, _, right_end = edges()
    assert abs(left_end - right_end) >= 12 and abs(right_end - left) <= 4, (left_end, right_end)


def platform_fonts(page: Any, selector: str) -> set[str]:
    """Return the font families Chromium used to draw an element's text."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"] for font in fonts}


def test_latin_is_not_drawn_in_dejavu_beside_cjk(open_page: Open) -> None:
    page = open_page(NOTE).page
    for selector in (".note-title", ".card-title a, .note-nav-title", ".note-body p"):
        used = platform_fonts(page, selector)
        assert used and "DejaVu Sans" not in used, (selector, used)


# The gap Chromium's text-autospace puts between "IO" and "复", in em.
SPACING = """e => {
  const text = [...e.childNodes].find(n => n.nodeType === 3);
  const range = document.createRange();
  range.setStart(text, 0);
  range.setEnd(text, 3);
  const spaced = range.getBoundingClientRect().width;
  e.style.textAutospace = 'no-autospace';
  const tight = range.getBoundingClientRect().width;
  e.style.textAutospace = '';
  return (spaced - tight) / parseFloat(getComputedStyle(e).fontSize);
}"""


def test_han_latin_spacing_is_the_same_in_a_heading_and_the_toc(open_page: Open) -> None:
    page = open_page(NOTE).page
    heading = page.locator(".note-body h2", has_text="IO复杂度").evaluate(SPACING)
    entry = page.locator(".toc a", has_text="IO复杂度").evaluate(SPACING)
    assert heading == pytest.approx(entry, abs=0.01), (heading, entry)
    assert heading > 0.05  # a visible gap in both, where the browser supports text-autospace


def test_tag_chips_draw_the_hash_alike_before_han_and_latin(open_page: Open) -> None:
    page = open_page(NOTE).page
    hash_width = """a => { const r = document.createRange(); r.setStart(a, 0); r.setEnd(a, 1);
      return r.getBoundingClientRect().width }"""  # the "#" and any gap after it
    han = page.locator(".note-tags a", has_text="#注意力").evaluate(hash_width)
    latin = page.locator(".note-tags a", has_text="#CUDA").evaluate(hash_width)
    assert han == pytest.approx(latin, abs=0.3), (han, latin)  # 13.1 vs 11.4 px before issue 22


def test_phone_category_chips_show_the_pages_own(open_page: Open) -> None:
    page = open_page("/multimodal/", PHONE).page  # the last chip of a row wider than the phone
    assert page.evaluate(
        "(u => u.scrollWidth > u.clientWidth)(document.querySelector('.category-nav ul'))"
    )
    chip = box(page, ".category-nav a[aria-current]")
    assert chip["x"] >= 0 and chip["x"] + chip["width"] <= PHONE, chip
