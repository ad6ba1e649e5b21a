"""Citations as a reader meets them (issue 19): the hover card of a citation, the link to its
entry, and the venue filter of /papers/, with and without JavaScript."""

from __future__ import annotations

import pytest

from .conftest import Open

pytestmark = pytest.mark.browser

LORA = "/large-model/lora/"  # cites five works in GB/T 7714-2015 and is a paper note


def test_hovering_a_citation_shows_its_full_entry_beside_it(open_page: Open) -> None:
    page = open_page(LORA, 1280).page
    citation = page.locator('.citation[data-cites="vaswani2017attention"]').first
    citation.scroll_into_view_if_needed()
    citation.hover()
    card = page.locator("#kbsite-cite-preview")
    card.wait_for(state="visible")
    assert "Attention Is All You Need" in card.inner_text()
    assert "VASWANI A" in card.inner_text()
    cited, shown = citation.bounding_box(), card.bounding_box()
    assert cited is not None and shown is not None
    assert 0 <= shown["y"] - (cited["y"] + cited["height"]) <= 16  # just below the citation
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= 1280
    page.mouse.move(5, 5)
    card.wait_for(state="hidden")


def test_a_citation_of_two_works_shows_both(open_page: Open) -> None:
    page = open_page(LORA, 1280).page
    citation = page.locator('.citation[data-cites="dettmers2023qlora hu2022lora"]')
    citation.scroll_into_view_if_needed()
    citation.hover()
    card = page.locator("#kbsite-cite-preview")
    card.wait_for(state="visible")
    assert card.locator(".cite-card-entry").count() == 2
    assert "QLoRA" in card.inner_text() and "Low-Rank Adaptation" in card.inner_text()


def test_a_citation_leads_to_its_entry_and_the_entry_to_the_references_page(
    open_page: Open,
) -> None:
    page = open_page(LORA, 390).page  # a phone: no hover, the link is the way
    page.locator('.citation[data-cites="aghajanyan2021intrinsic"] a').click()
    entry = page.locator("#ref-aghajanyan2021intrinsic")
    box = entry.bounding_box()
    assert box is not None and 0 <= box["y"] < 844
    assert entry.locator('a[href="https://doi.org/10.18653/v1/2021.acl-long.568"]').count() == 1
    entry.locator(".bib-cited-by").click()
    page.wait_for_url("**/references/#ref-aghajanyan2021intrinsic")
    work = page.locator("#ref-aghajanyan2021intrinsic")
    assert "LoRA" in work.locator(".work-citing").inner_text()


def test_papers_filter_by_venue_in_the_page(open_page: Open) -> None:
    page = open_page("/papers/", 1280).page
    items = page.locator(".paper-item")
    total = items.count()
    assert total >= 4
    page.locator('.venue-chip[data-venue="ECCV"]').click()
    shown = [i for i in range(total) if items.nth(i).is_visible()]
    assert shown and all(items.nth(i).get_attribute("data-venue") == "ECCV" for i in shown)
    assert len(shown) < total
    for year in page.locator(".paper-year").all():  # no year left standing empty
        assert year.is_hidden() or year.locator(".paper-item:visible").count() > 0
    page.locator('.venue-chip[data-venue=""]').click()
    assert all(items.nth(i).is_visible() for i in range(total))


def test_papers_without_javascript_is_a_plain_list(open_page: Open) -> None:
    page = open_page("/papers/", 390, js=False).page
    assert page.locator(".venue-filter").is_hidden()
    items = page.locator(".paper-item")
    assert items.count() >= 4
    assert all(items.nth(i).is_visible() for i in range(items.count()))
