"""A note's body reaches the page that shows it, read from the render cache as the page is
written (in the build's process or in a page worker): what the build plans holds no body and
no way to read one, and a site's own templates still find `entry.html` and `intro.html`."""

from __future__ import annotations

import gc
import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import kbsite.build
from kbsite.build import Builder, BuildOptions
from kbsite.load.content import Note
from kbsite.workers import Tuning
from tests.conftest import Run, WriteSite
from tests.helpers import note

FOLDER_SITE = """\
title: 知识库
base_url: https://user.github.io/kb/
language: zh-CN
timezone: Asia/Shanghai
categories: auto
urls: path
search: false
"""

# Templates of the site's own that show bodies the way the theme's do, and nothing else.
OWN_TEMPLATES = {
    "templates/note.html": "<article>{{ entry.html | safe }}</article>\n",
    "templates/index.html": "<div class=intro>{{ intro.html | safe }}</div>\n",
    "templates/category.html": (
        "{% if intro is defined %}<div class=intro>{{ intro.html | safe }}</div>{% endif %}\n"
    ),
}


def folder_site(write_site: WriteSite, templates: dict[str, str]) -> Path:
    """A folder-tree site: READMEs shown above the home page's and a category's list."""
    return write_site(
        {
            "content/README.md": "# 首页\n\n欢迎，先读 [注意力](models/attention.md#定义)。\n",
            "content/models/README.md": "# 模型\n\n本类的导读 $x^2$。\n",
            "content/models/attention.md": note(
                "注意力", "models", "2026-01-02", "## 定义\n\n见 [低秩](lowrank.md)，公式 $a_1$。\n"
            ),
            "content/models/lowrank.md": note(
                "低秩", "models", "2026-01-03", "回到 [注意力](attention.md)。"
            ),
            **templates,
        },
        site_yaml=FOLDER_SITE,
    )


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize("forked", [False, True], ids=["in process", "page workers"])
def test_a_sites_own_templates_get_the_bodies_their_pages_show(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool
) -> None:
    site = folder_site(write_site, OWN_TEMPLATES)
    out = tmp_path / "out"
    options = BuildOptions(site_dir=site, output=out, jobs=1)
    if forked:  # every page rendered by a forked worker, reading bodies on its own
        monkeypatch.setattr(kbsite.build, "can_fork", lambda: True)  # whatever threads pytest runs
        options = BuildOptions(site_dir=site, output=out, jobs=2, tuning=Tuning(parallel_pages=1))
    Builder(options).build()
    page = read(out, "models/attention/index.html")
    assert re.fullmatch(r"<article>.*</article>\n", page, re.S)
    assert 'id="定义"' in page and "<math" in page
    # the body's links point at site URLs (the rewrites applied to the stored HTML)
    assert 'href="/kb/models/lowrank/"' in page
    assert 'href="/kb/models/attention/#%E5%AE%9A%E4%B9%89"' in read(out, "index.html")
    assert "本类的导读" in read(out, "models/index.html")


def test_the_theme_shows_each_body_once_where_it_belongs(
    write_site: WriteSite, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    Builder(BuildOptions(site_dir=folder_site(write_site, {}), output=out, jobs=1)).build()
    assert read(out, "models/attention/index.html").count('id="定义"') == 1
    assert 'id="定义"' not in read(out, "models/lowrank/index.html")  # not its neighbour's
    assert "欢迎" in read(out, "index.html") and "欢迎" not in read(out, "models/index.html")


def test_a_template_asking_a_listed_note_for_its_body_names_its_line(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    """Lists carry no bodies (10,000 of them would not fit in memory): a template that asks
    stops the build with its file and line, never a traceback or an empty page."""
    cards = "{% for e in entries %}\n{{ e.html }}\n{% endfor %}\n"
    site = folder_site(write_site, {"templates/partials/cards.html": cards})
    result = run("build", cwd=site)
    assert result.status == 1
    assert re.search(r"templates/partials/cards\.html:2: template error: .*'html'", result.err)
    assert "Traceback" not in result.err


def test_what_the_build_places_is_plain_data(write_site: WriteSite, tmp_path: Path) -> None:
    """No open store or reader hides in an entry: every one pickles, without the render cache
    (which a bound method of the store would drag along, and fail on its connection)."""
    builder = Builder(BuildOptions(site_dir=folder_site(write_site, {}), output=tmp_path / "o"))
    builder.build()
    entries = builder.entries
    assert len(entries) == 4
    assert pickle.loads(pickle.dumps(entries)) == entries
    assert b"RenderStore" not in pickle.dumps(entries)


@pytest.mark.parametrize("one_build", [True, False])
def test_a_single_build_lets_go_of_the_notes_text_before_writing_pages(
    write_site: WriteSite, tmp_path: Path, one_build: bool
) -> None:
    """`kbsite build` builds once: while its pages are written (and Pagefind indexes them)
    no note's Markdown is held any more, 41 MB at 5,000 notes (issue 21's memory). A Builder
    kept for more builds (serve) keeps its parsed notes, text and all, for the next one."""
    site = folder_site(write_site, {})
    held: list[int] = []

    def progress(stage: str, _done: int, _total: int) -> None:
        if stage == "pages" and not held:
            held.append(sum(1 for o in gc.get_objects() if isinstance(o, Note) and o.body))

    options = BuildOptions(site_dir=site, output=tmp_path / "out", jobs=1, one_build=one_build)
    Builder(options, progress=progress).build()
    assert held == ([0] if one_build else [4])  # two notes and two READMEs
    assert "公式" in read(tmp_path / "out", "models/attention/index.html")
