"""`kbsite serve` searches what it last built: a save re-indexes its note's shard only, and
the search box of an open tab finds the new word (issue 21, item 6)."""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kbsite.write.searchshards import SHARD_NOTES
from tests.conftest import SITE_YAML, WriteSite
from tests.helpers import note, start_serve

pytestmark = pytest.mark.browser

NOTES = SHARD_NOTES + 20  # two shards: the one a save touches, and one it must leave alone
NEW_WORD = "斑马鱼胚胎"


def note_path(i: int) -> str:
    return f"content/large-model/n{i:03d}.md"


def note_text(i: int, extra: str = "") -> str:
    return note(f"第{i:03d}篇", "Large Model", "2026-01-01", f"共同的正文，低秩适配。{extra}")


@pytest.fixture
def served(write_site: WriteSite, tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """A site with search on, served by a real `kbsite serve` process: (site, URL, output)."""
    files: dict[str, str | bytes] = {note_path(i): note_text(i) for i in range(NOTES)}
    site = write_site(files, SITE_YAML.replace("search: false", "search: true"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = start_serve(site, scratch)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith(f"Built {NOTES} notes")
        found = re.search(r"Serving (\S+)", process.stdout.readline())
        assert found is not None
        (output,) = scratch.iterdir()
        yield site, found[1], output
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)
        assert "Traceback" not in err
    finally:
        process.kill()


def index_files(output: Path) -> dict[str, int]:
    """Every file of the served index and its modification time."""
    folder = output / "pagefind"
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


def shard_of(output: Path, url: str) -> str:
    """The folder under pagefind/ of the shard holding a note's URL ('' for shard 0)."""
    count = json.loads((output / "pagefind/shards.json").read_bytes())["shards"]
    for number in range(count):
        folder = f"{number}/" if number else ""
        state = json.loads((output / "pagefind" / folder / "kbsite-shard.json").read_bytes())
        if url in state["urls"]:
            return folder
    raise AssertionError(f"{url} is in no shard")


def search_titles(page: Any, query: str) -> list[str]:
    """Type a query into the header box; return the result titles, [] for none."""
    field = page.locator("#site-search-input")
    field.fill("")
    field.type(query)
    page.wait_for_selector("#site-search-results .search-result, #site-search-results .search-note")
    titles: list[str] = page.locator("#site-search-results .search-result-title").all_inner_texts()
    return titles


def test_a_saved_word_is_found_by_the_open_tab(
    browser: Any, served: tuple[Path, str, Path]
) -> None:
    site, url, output = served
    assert json.loads((output / "pagefind/shards.json").read_bytes())["shards"] == 2
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(url + "large-model/n005/")  # another note than the one saved: not reloaded
        page.wait_for_function("window.__kbsiteLive && window.__kbsiteLive.connected")
        page.evaluate("window.__kbsiteMarker = 'not reloaded'")
        assert search_titles(page, "低秩适配")  # the first build's index answers
        assert search_titles(page, NEW_WORD) == []
        saved_url = "/large-model/n007/"
        own = shard_of(output, saved_url)
        before = index_files(output)

        saved = time.monotonic()
        (site / note_path(7)).write_text(note_text(7, f"今天做了{NEW_WORD}实验。"), "utf-8")
        deadline = saved + 30
        titles: list[str] = []
        while not titles and time.monotonic() < deadline:
            titles = search_titles(page, NEW_WORD)
            if not titles:
                time.sleep(0.1)
        found_after = time.monotonic() - saved
        assert titles == ["第007篇"], titles
        mark = page.locator("#site-search-results .search-result-excerpt mark").first
        assert mark.inner_text() == NEW_WORD
        assert page.evaluate("window.__kbsiteMarker") == "not reloaded"
        print(f"found {found_after * 1000:.0f} ms after the save")

        after = index_files(output)
        changed = {rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel)}
        assert changed, "the index did not change"
        in_other = {rel for rel in changed if (m := re.match(r"\d+/", rel)) and m[0] != own}
        if own:
            in_other |= {rel for rel in changed if not re.match(r"\d+/", rel)}
        assert not in_other, f"the untouched shard was indexed again: {sorted(in_other)}"
    finally:
        page.close()
