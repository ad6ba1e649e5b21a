"""The folder tree (explorer) of a folder-tree site: a page holds only its own branch, opens
with the current note marked, fills another folder from explorer.json (fetched once) when the
reader opens it, and fits a 390 px phone (issue 23)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS, Open, SiteServer, Visit, serve_directory

pytestmark = pytest.mark.browser

KB = Path(__file__).resolve().parents[1] / "sites_folders/knowledge_base"
LINEAR = "/ji-qi-xue-xi/xian-xing-mo-xing/xian-xing-hui-gui/"
CURRENT = ".explorer [aria-current='page']"
RL = ".explorer details[data-folder='强化学习']"
CHAPTER2 = ".explorer details[data-folder='强化学习/chapter2']"


@pytest.fixture(scope="module")
def kb_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    """The knowledge-base test site, built under /notes/ (the browser fixtures' subpath)."""
    from kbsite.build import Builder, BuildOptions

    root = tmp_path_factory.mktemp("kb") / "kb"
    shutil.copytree(KB, root)
    config = root / "site.yaml"
    yaml = config.read_text(encoding="utf-8").replace("github.io/kb/", "github.io/notes/")
    config.write_text(yaml, encoding="utf-8")
    Builder(BuildOptions(site_dir=root, output=root / "public")).build()
    with serve_directory(root / "public") as server:
        yield server


def tree_requests(visit: Visit) -> list[str]:
    return [url for url in visit.requests if url.endswith("/explorer.json")]


def test_the_page_holds_its_branch_and_fills_other_folders_from_one_fetch(
    open_page: Open, kb_site: SiteServer
) -> None:
    visit = open_page(LINEAR, site=kb_site)
    page = visit.page
    current = page.locator(CURRENT)
    assert current.inner_text() == "线性回归"
    nav, link = page.locator(".explorer").bounding_box(), current.bounding_box()
    assert nav is not None and link is not None and link["height"] > 0
    assert nav["x"] <= link["x"] and link["x"] + link["width"] <= nav["x"] + nav["width"] + 1
    assert link["y"] + link["height"] <= 800  # in view in the sidebar without scrolling
    # The other branch is in the page closed and empty: no request until it is opened.
    assert page.locator(f"{RL} ul").count() == 0 and tree_requests(visit) == []
    page.locator(f"{RL} > summary").click()
    page.wait_for_selector(f"{RL} > ul a.explorer-folder-page")
    page.locator(f"{CHAPTER2} > summary").click()
    page.wait_for_selector(f"{CHAPTER2} > ul a.explorer-note")
    assert "第 2 章的论文" in page.locator(CHAPTER2).inner_text()
    opened = page.locator(f"{CHAPTER2} a.explorer-note").first.bounding_box()
    assert opened is not None and opened["height"] > 0
    assert len(tree_requests(visit)) == 1  # two folders opened, one fetch
    assert visit.console_errors == [] and visit.failed == []


def test_a_folder_without_a_readme_has_a_listing_the_explorer_links(
    open_page: Open, kb_site: SiteServer
) -> None:
    visit = open_page("/qiang-hua-xue-xi/chapter2/dai-ma/dqnshi-xian/", site=kb_site)
    page = visit.page
    folder = page.locator(".explorer details[data-folder='强化学习/chapter2/代码']")
    assert folder.get_attribute("open") is not None
    page.locator(
        ".explorer details[data-folder='强化学习/chapter2/代码'] a.explorer-folder-page"
    ).click()
    page.wait_for_url("**/chapter2/dai-ma/")
    assert page.locator("h1").inner_text() == "代码"
    assert page.locator(".card-title a").inner_text() == "DQN 实现"
    # Leaving the first page may abort its own pending requests (the favicon): not a failure.
    assert [f for f in visit.failed if not f.endswith("net::ERR_ABORTED")] == []


def test_on_a_phone_the_explorer_is_folded_and_opens_within_the_screen(
    open_page: Open, kb_site: SiteServer
) -> None:
    for theme in ("light", "dark"):
        visit = open_page(LINEAR, width=390, theme=theme, site=kb_site)
        page = visit.page
        assert page.locator(".explorer > details").get_attribute("open") is None
        page.locator("#explorer-title").click()
        current = page.locator(CURRENT)
        current.scroll_into_view_if_needed()
        box = current.bounding_box()
        assert box is not None and box["height"] > 0 and box["x"] + box["width"] <= 390
        page.locator(f"{RL} > summary").click()
        page.wait_for_selector(f"{RL} > ul")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # nothing overflows the phone's width
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"explorer-390-{theme}.png"))
        assert visit.console_errors == [] and visit.failed == []
