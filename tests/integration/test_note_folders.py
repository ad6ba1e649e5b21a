"""Knowledge-base layouts (issue 23, item 2): a docsify/GitBook-style folder of notes without
front matter or dates, in deep folders with a README.md or index.md in many of them, built
with `urls: path` (tests/sites_folders/knowledge_base, written in Chinese for these tests)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run, WriteSite

KB = Path(__file__).resolve().parent.parent / "sites_folders/knowledge_base"
LINEAR = "ji-qi-xue-xi/xian-xing-mo-xing/xian-xing-hui-gui"
FOLDER_SITE = """\
title: 知识库
base_url: https://user.github.io/kb/
language: zh-CN
categories: auto
urls: path
search: false
"""


def copy_kb(tmp_path: Path) -> Path:
    site = tmp_path / "kb"
    shutil.copytree(KB, site)
    return site


def read(site: Path, rel: str) -> str:
    return (site / "public" / rel).read_text(encoding="utf-8")


def git(site: Path, *args: str, when: str = "") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    identity = ["-c", "user.name=Tester", "-c", "user.email=t@example.com"]
    subprocess.run(["git", *identity, *args], cwd=site, env=env, check=True, capture_output=True)


def test_urls_mirror_the_folder_tree_and_readmes_are_folder_pages(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = copy_kb(tmp_path)
    result = run("build", "--quiet", cwd=site)
    # Undated notes are what a note folder is: no warning for them on a folder-tree site.
    assert (result.status, result.err) == (0, "")
    public = site / "public"
    pages = sorted(p.parent.relative_to(public).as_posix() for p in public.rglob("index.html"))
    assert pages == [
        ".",
        "archive",
        "ji-qi-xue-xi",
        "ji-qi-xue-xi/shu-mo-xing",
        "ji-qi-xue-xi/shu-mo-xing/jue-ce-shu",
        "ji-qi-xue-xi/xian-xing-mo-xing",
        "ji-qi-xue-xi/xian-xing-mo-xing/luo-ji-hui-gui",
        LINEAR,
        "qiang-hua-xue-xi",
        "qiang-hua-xue-xi/chapter10",
        "qiang-hua-xue-xi/chapter10/paper",
        "qiang-hua-xue-xi/chapter2",
        "qiang-hua-xue-xi/chapter2/dai-ma",  # no README.md: a listing kbsite makes
        "qiang-hua-xue-xi/chapter2/dai-ma/dqnshi-xian",
        "qiang-hua-xue-xi/chapter2/paper",
        "tags",
        "wei-fen-lei",
    ]
    # A subfolder's README.md and index.md are its page; the top folder's is its category's.
    assert "线性模型假设输出" in read(site, "ji-qi-xue-xi/xian-xing-mo-xing/index.html")
    assert "决策树、随机森林" in read(site, "ji-qi-xue-xi/shu-mo-xing/index.html")
    category = read(site, "ji-qi-xue-xi/index.html")
    assert '<div class="note-body category-intro">' in category
    assert "这一部分记录监督学习的基本模型" in category
    # Links between notes follow the folder URLs.
    assert f'<a href="/kb/{LINEAR}/">线性回归</a>' in category
    # The README.md at the top of content/ is the home page's text, not a page at /readme/.
    home = read(site, "index.html")
    assert '<div class="note-body category-intro home-intro">' in home
    assert "按文件夹整理的学习笔记" in home
    assert '<a href="/kb/ji-qi-xue-xi/">机器学习</a>' in home


def test_docsify_navigation_files_are_left_out_with_one_line(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = copy_kb(tmp_path)
    result = run("build", cwd=site)
    assert (result.status, result.err.count("warning")) == (0, 0)
    assert (
        "Left out 2 navigation files of other note tools (_coverpage.md, _sidebar.md): "
        "kbsite makes its own"
    ) in result.out.splitlines()
    public = site / "public"
    assert not [p for p in public.rglob("*") if "sidebar" in p.name or "coverpage" in p.name]
    assert "开始阅读" not in (public / "index.html").read_text(encoding="utf-8")


def test_a_folder_without_a_readme_gets_a_listing_of_what_it_holds(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = copy_kb(tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    listing = read(site, "qiang-hua-xue-xi/chapter2/dai-ma/index.html")
    assert "<h1>代码</h1>" in listing
    assert '<a href="/kb/qiang-hua-xue-xi/chapter2/dai-ma/dqnshi-xian/">DQN 实现</a>' in listing
    # The explorer links it as the folder's page.
    note_page = read(site, "qiang-hua-xue-xi/chapter2/dai-ma/dqnshi-xian/index.html")
    assert (
        '<a class="explorer-folder-page" href="/kb/qiang-hua-xue-xi/chapter2/dai-ma/">代码</a>'
        in note_page
    )


def test_undated_notes_are_listed_by_title_and_left_out_of_the_feed(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = copy_kb(tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    listing = read(site, "ji-qi-xue-xi/index.html")
    titles = re.findall(r'<h3 class="card-title"><a href="[^"]*">([^<]*)</a>', listing)
    assert titles == sorted(titles, key=str.lower) and "决策树" in titles
    assert listing.count('<span class="undated">未注明日期</span>') == len(titles)
    assert "<entry>" not in read(site, "atom.xml")
    assert "<time" not in read(site, f"{LINEAR}/index.html").split('class="note-meta"')[1][:200]


def test_the_explorer_marks_the_page_and_opens_the_folders_above_it(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = copy_kb(tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    page = read(site, f"{LINEAR}/index.html")
    nav = page[page.index('<nav class="explorer"') : page.index("</nav>", page.index("explorer"))]
    assert f'href="/kb/{LINEAR}/" aria-current="page">线性回归</a>' in nav
    assert nav.count('aria-current="page"') == 1
    opened = re.findall(r'<details data-folder="([^"]*)" open>', nav)
    assert opened == ["机器学习", "机器学习/线性模型"]
    assert 'class="note has-explorer' in page
    # Only this page's branch is in it: another top folder is there, closed and empty.
    assert (
        '<details data-folder="强化学习"><summary class="explorer-folder">强化学习</summary>' in nav
    )
    assert "chapter2" not in nav and "决策树" not in nav
    assert 'data-tree="/kb/explorer.json"' in nav
    # The other folders' lists are in one shared file. Numbers sort by value, the folder's
    # own page first in its list.
    lists = json.loads(read(site, "explorer.json"))
    assert "" not in lists and "机器学习/线性模型" in lists
    rl = lists["强化学习"]
    assert rl.index("chapter2") < rl.index("chapter10")
    chapter = lists["强化学习/chapter2"]
    assert chapter.index("explorer-folder-page") < chapter.index("第 2 章的论文")


def test_git_history_dates_undated_notes(tmp_path: Path, run: Callable[..., Run]) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    site = copy_kb(tmp_path)
    git(site, "init", "-q")
    git(site, "add", ".")
    git(site, "commit", "-q", "-m", "notes", when="2024-03-01T10:00:00+08:00")
    linear = site / "content/机器学习/线性模型/线性回归.md"
    linear.write_text(linear.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    git(site, "commit", "-q", "-am", "edit", when="2025-06-02T09:00:00+08:00")
    # A note not committed yet stays undated: its file's time is never its date.
    (site / "content/机器学习/新笔记.md").write_text("# 新笔记\n\n草稿。\n", encoding="utf-8")
    assert run("build", "--quiet", cwd=site).status == 0
    meta = read(site, f"{LINEAR}/index.html").split('class="note-meta"')[1][:600]
    assert '<time datetime="2024-03-01T10:00:00+08:00">2024-03-01</time>' in meta
    assert '<time datetime="2025-06-02T09:00:00+08:00">2025-06-02</time>' in meta
    feed = read(site, "atom.xml")
    assert feed.count("<entry>") == 13 and "新笔记" not in feed
    home = read(site, "index.html") + read(site, "page/2/index.html")
    titles = re.findall(r'<h3 class="card-title"><a href="[^"]*">([^<]*)</a>', home)
    assert titles[-1] == "新笔记"  # undated, after the dated notes


def test_a_blog_warns_about_an_undated_note_outside_git(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = copy_kb(tmp_path)
    config = (site / "site.yaml").read_text(encoding="utf-8").replace("urls: path\n", "")
    (site / "site.yaml").write_text(config, encoding="utf-8")
    result = run("build", "--quiet", cwd=site)
    assert result.status == 0
    assert (
        "content/机器学习/线性模型/线性回归.md:1: warning: date: missing date, so the note is "
        "listed undated (after dated notes, not in the feed); add a line such as "
        "`date: 2026-01-11` to the front matter"
    ) in result.err.splitlines()
    # By category and file name, README.md in several folders collides: each gets a URL.
    assert (site / "public/ji-qi-xue-xi/readme/index.html").is_file()
    assert (site / "public/ji-qi-xue-xi/xian-xing-mo-xing/readme/index.html").is_file()


def test_a_second_page_for_the_top_folder_gets_a_url_of_its_own(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    files = {
        "content/README.md": "# 首页\n\n你好。\n",
        "content/index.md": "# 索引\n\n另一个。\n",
        "content/a/笔记.md": "# 笔记\n\n正文。\n",
    }
    site = write_site(files, site_yaml=FOLDER_SITE)
    result = run("build", "--quiet", cwd=site)
    assert result.status == 0
    assert result.err.splitlines()[0] == (
        "content/index.md:1: warning: slug: URL / is also used by content/README.md, so this "
        "note is at /index/; set `slug:` in its front matter to choose its URL"
    )
    assert "你好。" in read(site, "index.html")
    assert "另一个。" in read(site, "index/index.html")
