"""`kbsite build` on small real sites: what a reader and a feed reader get."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest

from kbsite.build import Builder, BuildOptions
from kbsite.config.siteconfig import load_config
from kbsite.urls import SITE_SEGMENTS
from kbsite.write.templates import THEME_DIR
from tests.conftest import Run, WriteSite
from tests.helpers import build_with_seed, note

LM, CV = "Large Model", "Computer Vision"


def small_site(write_site: WriteSite) -> Path:
    return write_site(
        {
            "content/large-model/lora.md": note(
                "LoRA：低秩适配",
                LM,
                "2026-01-11 09:30",
                """
                冻结预训练权重 $W_0$，只训练低秩增量 $\\Delta W = BA$。这样显存占用大幅下降，适合在单卡上微调大模型。

                ## 低秩分解

                $$
                h = W_0 x + BAx
                $$

                见 [DETR 的匹配](../computer-vision/detr.md#匈牙利匹配)，以及下图：

                ![旁路](lora.svg)

                ```python
                print("hi")
                ```
                """,
                tags="[LoRA, 微调]",
            ),
            "content/large-model/lora.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "content/large-model/dpo.md": note(
                "DPO", LM, "2026-02-01", "直接偏好优化。", tags="微调"
            ),
            "content/large-model/secret.md": note(
                "草稿", LM, "2026-03-01", "未完成。", draft="true"
            ),
            "content/computer-vision/detr.md": note(
                "DETR",
                CV,
                "2026-01-20",
                "## 匈牙利匹配\n\n二分图匹配。",
                summary="检测即集合预测。",
            ),
            "content/computer-vision/iou.md": note("IoU", CV, "2026-01-20", "交并比。"),
        }
    )


def read(site: Path, rel: str) -> str:
    return (site / "public" / rel).read_text(encoding="utf-8")


def test_builds_every_page_of_the_site(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = small_site(write_site)
    result = run("build", cwd=site)
    assert result.status == 0, result.err
    assert re.fullmatch(
        r"Built 4 notes into \d+ pages \(\d+ files\) in public/ in \d+\.\d\d s\n", result.out
    )
    public = site / "public"
    for rel in [
        "index.html",
        "page/2/index.html",
        "large-model/index.html",
        "computer-vision/index.html",
        "large-model/lora/index.html",
        "tags/index.html",
        "tags/lora/index.html",
        "tags/wei-diao/index.html",
        "archive/index.html",
        "404.html",
        "atom.xml",
        "large-model/atom.xml",
        "sitemap.xml",
        "robots.txt",
        ".nojekyll",
        "large-model/lora.svg",
        "css/highlight.css",
    ]:
        assert (public / rel).is_file(), rel
    assert not (public / "large-model/secret").exists()


def test_home_lists_newest_first_with_excerpt_category_and_date(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    assert run("build", cwd=site).status == 0
    home = read(site, "index.html")
    titles = re.findall(r'<h3 class="card-title"><a href="([^"]+)">([^<]+)</a>', home)
    # paginate: 2 -> the two newest; detr and iou share a date, broken by source path
    assert titles == [("/notes/large-model/dpo/", "DPO"), ("/notes/computer-vision/detr/", "DETR")]
    assert "检测即集合预测。" in home
    assert '<time datetime="2026-02-01T00:00:00+08:00">2026-02-01</time>' in home
    page2 = read(site, "page/2/index.html")
    assert re.findall(r'card-title"><a href="[^"]+">([^<]+)<', page2) == ["IoU", "LoRA：低秩适配"]
    assert 'href="/notes/"' in page2  # link back to the newer page


def test_generated_excerpt_is_plain_text_ending_in_ellipsis(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    body = "这是一段很长的中文正文，用来测试摘要。" * 30
    site = write_site({"content/large-model/long.md": note("长文", LM, "2026-01-01", body)})
    assert run("build", cwd=site).status == 0
    excerpt = re.search(r'<p class="card-excerpt">([^<]*)</p>', read(site, "index.html"))
    assert excerpt is not None
    text = excerpt[1]
    assert text.endswith("...")
    assert 100 <= len(text) <= 170


def test_note_page_has_math_code_and_resolved_links(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    assert run("build", cwd=site).status == 0
    page = read(site, "large-model/lora/index.html")
    assert "<math" in page and 'display="block"' in page
    assert "$" not in re.sub(r"<annotation.*?</annotation>", "", page)
    assert (
        'href="/notes/computer-vision/detr/#%E5%8C%88%E7%89%99%E5%88%A9%E5%8C%B9%E9%85%8D"' in page
    )
    assert 'src="/notes/large-model/lora.svg"' in page
    assert 'class="highlight"' in page
    assert 'id="低秩分解"' in page
    assert '<a href="/notes/tags/lora/"><span class="tag-hash">#</span>LoRA</a>' in page


def test_feeds_parse_with_absolute_links_and_full_content(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    assert run("build", cwd=site).status == 0
    feed = feedparser.parse((site / "public/atom.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Test Notes"
    assert [e.title for e in feed.entries] == ["DPO", "DETR", "IoU", "LoRA：低秩适配"]
    lora = feed.entries[3]
    assert lora.link == "https://user.github.io/notes/large-model/lora/"
    assert "https://user.github.io/notes/large-model/lora.svg" in lora.content[0].value
    assert "<math" in lora.content[0].value
    category = feedparser.parse((site / "public/computer-vision/atom.xml").read_bytes())
    assert not category.bozo
    assert [e.title for e in category.entries] == ["DETR", "IoU"]


def test_sitemap_lists_only_existing_pages_under_base_url(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    assert run("build", cwd=site).status == 0
    urls = re.findall(r"<loc>([^<]+)</loc>", read(site, "sitemap.xml"))
    assert "https://user.github.io/notes/large-model/lora/" in urls
    for url in urls:
        assert url.startswith("https://user.github.io/notes/")
        rel = url.removeprefix("https://user.github.io/notes/")
        assert (site / "public" / rel / "index.html").is_file(), url
    assert "Sitemap: https://user.github.io/notes/sitemap.xml" in read(site, "robots.txt")


def test_drafts_only_with_flag(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = small_site(write_site)
    assert run("build", "--drafts", cwd=site).status == 0
    assert "未完成。" in read(site, "large-model/secret/index.html")


def test_base_url_override(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = small_site(write_site)
    assert run("build", "--base-url", "https://example.org/", cwd=site).status == 0
    home = read(site, "index.html")
    assert 'href="/large-model/lora/"' in read(site, "page/2/index.html")
    assert '<link rel="canonical" href="https://example.org/">' in home


def test_same_input_gives_byte_identical_output(write_site: WriteSite, tmp_path: Path) -> None:
    site = small_site(write_site)
    first = build_with_seed(site, tmp_path / "out1", "1")
    assert first == build_with_seed(site, tmp_path / "out2", "2")


def test_the_kbsite_command_reports_and_exits_with_the_builds_status(
    write_site: WriteSite,
) -> None:
    """The command ends its process at once after main() (no slow interpreter shutdown): what
    it printed to a pipe must still arrive, and the status must be the build's."""
    site = small_site(write_site)
    command = [sys.executable, "-m", "kbsite", "build"]
    # Buffered, as output to a pipe is unless PYTHONUNBUFFERED says otherwise.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    good = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, check=False)
    assert (good.returncode, good.stderr) == (0, "")
    assert good.stdout.startswith("Built 4 notes into ")
    (site / "content/large-model/dpo.md").write_text("---\ndate: [\n---\nx\n", encoding="utf-8")
    bad = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.endswith("kbsite: 1 error; nothing was written\n")


def test_failed_build_leaves_last_good_site(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = small_site(write_site)
    assert run("build", cwd=site).status == 0
    before = read(site, "large-model/lora/index.html")
    (site / "content/large-model/dpo.md").write_text("---\ndate: [\n---\nx\n", encoding="utf-8")
    result = run("build", cwd=site)
    assert result.status == 1
    assert result.err.startswith("content/large-model/dpo.md:3:1: invalid YAML")
    assert read(site, "large-model/lora/index.html") == before
    assert sorted(p.name for p in site.iterdir()) == [
        ".kbsite-cache",
        "content",
        "public",
        "site.yaml",
    ]


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (".", "is the site folder itself"),
        ("..", "contains the site folder"),
        ("content", "is inside content/"),
        ("content/large-model", "is inside content/"),
        ("mine", "is not empty and was not made by kbsite"),
    ],
)
def test_refuses_dangerous_output_folders(
    write_site: WriteSite, run: Callable[..., Run], output: str, reason: str
) -> None:
    site = small_site(write_site)
    (site / "mine").mkdir()
    (site / "mine/thesis.tex").write_text("precious", encoding="utf-8")
    result = run("build", "--output", output, cwd=site)
    assert result.status == 1
    assert reason in result.err
    assert (site / "mine/thesis.tex").read_text(encoding="utf-8") == "precious"
    assert (site / "content/large-model/lora.md").exists()


def test_keeps_git_and_cname_and_removes_stale_files(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    assert run("build", cwd=site).status == 0
    (site / "public/CNAME").write_text("notes.example.org\n", encoding="utf-8")
    (site / "public/.git").mkdir()
    (site / "public/.git/HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    (site / "content/computer-vision/iou.md").unlink()
    assert run("build", cwd=site).status == 0
    assert not (site / "public/computer-vision/iou").exists()
    assert (site / "public/CNAME").read_text(encoding="utf-8") == "notes.example.org\n"
    assert (site / "public/.git/HEAD").exists()


def test_site_templates_and_static_override_the_theme(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    (site / "templates").mkdir()
    (site / "templates/note.html").write_text(
        '{% extends "base.html" %}{% block content %}<p class="mine">{{ entry.title }}</p>{% endblock %}',
        encoding="utf-8",
    )
    (site / "static/css").mkdir(parents=True)
    (site / "static/css/kbsite.css").write_text("body{color:red}", encoding="utf-8")
    assert run("build", cwd=site).status == 0
    assert '<p class="mine">DPO</p>' in read(site, "large-model/dpo/index.html")
    assert read(site, "css/kbsite.css") == "body{color:red}"
    assert 'class="masthead' in read(site, "index.html")  # other templates still the theme's


def test_template_error_names_template_file_and_line(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    (site / "templates").mkdir()
    (site / "templates/note.html").write_text("line one\n{% if %}\n", encoding="utf-8")
    result = run("build", cwd=site)
    assert result.status == 1
    assert re.match(r".*templates/note\.html:2: template syntax: .+", result.err)
    assert "Traceback" not in result.err


def test_new_creates_a_note_that_builds(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = write_site()
    result = run("new", "扩散模型简介", "--category", "large-model", cwd=site)
    assert result.status == 0, result.err
    path = site / "content/large-model/kuo-san-mo-xing-jian-jie.md"
    assert result.out == f"Created {path}\n" or result.out.endswith("kuo-san-mo-xing-jian-jie.md\n")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "扩散模型简介"\ncategory: Large Model\ndate: ')
    assert run("build", cwd=site).status == 0
    assert "扩散模型简介" in read(site, "large-model/kuo-san-mo-xing-jian-jie/index.html")
    again = run("new", "扩散模型简介", "--category", "Large Model", cwd=site)
    assert again.status == 1 and "exists" in again.err
    unknown = run("new", "x", "--category", "Large Modle", cwd=site)
    assert unknown.status == 1
    assert "unknown category 'Large Modle' (did you mean 'Large Model'?)" in unknown.err


def test_help_and_version(run: Callable[..., Run]) -> None:
    from kbsite import __version__

    for args in (["--help"], ["build", "--help"], ["new", "--help"]):
        with pytest.raises(SystemExit) as info:
            run(*args)
        assert info.value.code == 0
    with pytest.raises(SystemExit):
        run("--version")
    assert __version__


def test_missing_site_yaml_is_a_clear_error(tmp_path: Path, run: Callable[..., Run]) -> None:
    result = run("build", cwd=tmp_path)
    assert result.status == 1
    assert result.err.startswith(
        "site.yaml: no site.yaml here; run kbsite in the folder that holds site.yaml, or pass --site DIR"
    )


def test_srcset_candidates_resolve_like_src(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = write_site(
        {
            "content/large-model/a.md": note(
                "A",
                LM,
                "2026-01-01",
                '<img src="fig.svg" srcset="fig.svg 1x, fig@2x.svg 2x" alt="图">',
            ),
            "content/large-model/fig.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "content/large-model/fig@2x.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        }
    )
    assert run("build", cwd=site).status == 0
    page = read(site, "large-model/a/index.html")
    assert 'srcset="/notes/large-model/fig.svg 1x, /notes/large-model/fig@2x.svg 2x"' in page
    feed = read(site, "atom.xml")
    assert (
        'srcset="https://user.github.io/notes/large-model/fig.svg 1x, https://user.github.io/notes/large-model/fig@2x.svg 2x"'
        in feed
    )
    broken = note("B", LM, "2026-01-02", '<img src="fig.svg" srcset="nope.svg 2x" alt="">')
    (site / "content/large-model/b.md").write_text(broken, encoding="utf-8")
    result = run("build", "--strict", cwd=site)  # a warning; --strict fails on it
    assert result.status == 1
    assert "content/large-model/b.md:7: image: broken image 'nope.svg'" in result.err


def test_an_output_folder_inside_a_file_is_refused(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = small_site(write_site)
    (site / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    result = run("build", "--output", "notes.txt/public", cwd=site)
    assert result.status == 1
    assert "the output folder would be inside" in result.err
    assert "notes.txt, which is a file" in result.err
    assert "Traceback" not in result.err


def test_a_full_disk_stops_the_build_with_the_systems_message_and_keeps_the_site(
    write_site: WriteSite,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import errno
    import shutil

    from kbsite.cli import main

    site = small_site(write_site)
    monkeypatch.chdir(site)
    assert main(["build", "--quiet", "--jobs", "1"]) == 0
    before = read(site, "large-model/lora/index.html")
    (site / "content/large-model/lora.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>", "utf-8"
    )

    def full(source: object, target: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(shutil, "copyfile", full)
    assert main(["build", "--quiet", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device; the build stopped" in err
    assert "lora.svg" in err
    assert "Traceback" not in err
    assert read(site, "large-model/lora/index.html") == before
    assert [p.name for p in site.iterdir() if p.name.startswith(".public")] == []


def test_heading_anchor_labels_speak_the_sites_language_even_from_a_warm_cache(
    write_site: WriteSite, tmp_path: Path
) -> None:
    """The permalink of a heading is labelled for screen readers in the site's language: the
    label is a render option, so a language change must not reuse renderings of the other."""
    body = "## Section one\n\nText.\n"
    site = write_site({"content/large-model/a.md": note("A", "Large Model", "2026-01-01", body)})
    options = BuildOptions(site_dir=site, output=tmp_path / "out", jobs=1)  # cache on
    page = tmp_path / "out/large-model/a/index.html"

    Builder(options).build()
    assert 'aria-label="本节链接：Section one"' in page.read_text(encoding="utf-8")

    config = site / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("zh-CN", "en"), encoding="utf-8")
    Builder(options).build()
    html = page.read_text(encoding="utf-8")
    assert 'aria-label="Link to this section: Section one"' in html
    assert "本节链接" not in html


def test_the_site_own_pages_stay_in_the_segments_categories_may_not_take(tmp_path: Path) -> None:
    """Every top folder of a built site is a category's or one of urls.SITE_SEGMENTS: a new
    page type must claim its segment there, or a category could overwrite it."""
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "out"
    Builder(BuildOptions(site_dir=root, output=out, cache=False)).build()
    config = load_config(root)
    categories = {c.slug for c in config.categories}
    theme = {p.name for p in (THEME_DIR / "static").iterdir()}
    folders = {p.name for p in out.iterdir() if p.is_dir()} - categories - theme
    assert folders <= SITE_SEGMENTS, folders - SITE_SEGMENTS
