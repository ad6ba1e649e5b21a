"""`kbsite import`: fixture blogs in Hexo, Jekyll and Hugo conventions become sites that build."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from kbsite.config.siteconfig import load_config
from kbsite.load.content import load_content
from tests.conftest import SITE_YAML, Run, WriteSite

BLOGS = Path(__file__).resolve().parent.parent / "fixtures" / "blogs"

# tool -> {title: (category, date, tags, aliases)} as the source blog states them
EXPECTED = {
    "hexo": {
        "LoRA：大模型的低秩适配": (
            "深度学习",
            "2024-03-05T10:20:30+08:00",
            ("LoRA", "PEFT"),
            ("/2024/03/05/lora/",),
        ),
        "注意力机制": (
            "深度学习",
            "2024-01-02T08:00:00+08:00",
            ("注意力", "Transformer"),
            ("/2024/01/02/attention/",),
        ),
    },
    "jekyll": {
        "扩散模型简介": (
            "生成模型",
            "2023-05-01T12:00:00+08:00",
            ("diffusion", "扩散"),
            ("/生成模型/2023/05/01/diffusion/",),
        ),
        "VAE 与 ELBO": (
            "生成模型",
            "2023-06-10T00:00:00+08:00",
            ("VAE",),
            ("/生成模型/2023/06/10/vae/",),
        ),
    },
    "hugo": {
        "DETR：端到端目标检测": (
            "计算机视觉",
            "2024-02-10T09:30:00+08:00",
            ("DETR", "检测"),
            ("/2024/02/detr/",),
        ),
        "CLIP 对比学习": (
            "多模态",
            "2024-04-01T09:00:00+08:00",
            ("CLIP", "对比学习"),
            ("/posts/old-clip/", "/2024/04/clip/"),
        ),
    },
}
IMAGES = {
    "hexo": ["shen-du-xue-xi/lora/lora.png", "images/attn.png"],
    "jekyll": ["assets/img/ddpm.png"],
    "hugo": [
        "ji-suan-ji-shi-jue/detr/hungarian.png",
        "ji-suan-ji-shi-jue/detr/arch.png",
        "img/clip.png",
    ],
}


def tree_digest(root: Path) -> str:
    """Hash every path, byte, mode and modification time under root."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_mode}\0{stat.st_mtime_ns}\0".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("tool", ["hexo", "jekyll", "hugo"])
def test_import_builds_the_same_posts_dates_categories_tags_and_images(
    tool: str, tmp_path: Path, run: Callable[..., Run]
) -> None:
    source = BLOGS / tool
    before = tree_digest(source)
    site = tmp_path / "site"
    result = run("import", tool, str(source), "--site", str(site))
    assert result.status == 0, result.err
    assert tree_digest(source) == before, "import must never modify SRC_DIR"
    assert "Traceback" not in result.err
    built = run("build", "--site", str(site), "--quiet")
    assert built.status == 0, built.err
    assert " error" not in built.err
    config = load_config(site)
    content, problems = load_content(config)
    assert not [p for p in problems if p.is_error]
    found = {n.title: (n.category, n.date.isoformat(), n.tags, n.aliases) for n in content.notes}
    assert found == EXPECTED[tool]
    for image in IMAGES[tool]:
        assert (site / "public" / image).is_file(), image


def test_import_reports_what_it_could_not_convert(tmp_path: Path, run: Callable[..., Run]) -> None:
    source = BLOGS / "hexo"
    result = run("import", "hexo", str(source), "--site", str(tmp_path / "s"))
    lines = result.err.splitlines()
    assert (
        f"not converted: {source}/source/_drafts/wip.md: a Hexo draft; not imported (publish it first)"
        in lines
    )
    assert (
        f"not converted: {source}/source/_posts/lora.md: front matter `mathjax:` dropped "
        "(kbsite does without) (1 time)"
    ) in lines
    assert (
        f"not converted: {source}/source/_posts/lora.md: kbsite gives a note one category: "
        "kept '深度学习', not 微调"
    ) in lines
    assert "Imported 2 posts and 2 files" in result.out


def test_import_into_an_existing_site_declares_new_categories_and_never_overwrites(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = write_site({"content/large-model/a.md": "---\ntitle: A\ndate: 2026-01-01\n---\nx\n"})
    source = BLOGS / "hugo"
    first = run("import", "hugo", str(source), "--site", str(site))
    assert first.status == 0
    text = (site / "site.yaml").read_text(encoding="utf-8")
    assert text.startswith(SITE_YAML.rstrip("\n"))
    assert text.endswith(
        "  - name: 多模态\n    slug: duo-mo-tai\n  - name: 计算机视觉\n    slug: ji-suan-ji-shi-jue\n"
    )
    clip = site / "content/duo-mo-tai/clip.md"
    clip.write_text(clip.read_text(encoding="utf-8") + "\n我的修改。\n", encoding="utf-8")
    second = run("import", "hugo", str(source), "--site", str(site))
    assert "content/duo-mo-tai/clip.md already exists; skipped" in second.err
    assert clip.read_text(encoding="utf-8").endswith("我的修改。\n")
    assert run("build", "--site", str(site), "--quiet").status == 0


def test_jekyll_date_from_file_name_and_space_separated_tags(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = tmp_path / "s"
    run("import", "jekyll", str(BLOGS / "jekyll"), "--site", str(site))
    text = (site / "content/sheng-cheng-mo-xing/vae.md").read_text(encoding="utf-8")
    assert "date: '2023-06-10'\n" in text and "layout:" not in text
    diffusion = (site / "content/sheng-cheng-mo-xing/diffusion.md").read_text(encoding="utf-8")
    assert "tags:\n- diffusion\n- 扩散\n" in diffusion


def test_import_of_a_post_without_date_leaves_it_undated(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    blog = tmp_path / "blog"
    post = blog / "source/_posts/no-date.md"
    post.parent.mkdir(parents=True)
    post.write_text("---\ntitle: 无日期\ncategories: 笔记\n---\n正文。\n", encoding="utf-8")
    stamp = datetime(2022, 7, 8, 9, 10, 11).timestamp()
    os.utime(post, (stamp, stamp))  # the day it was copied: never the note's date
    result = run("import", "hexo", str(blog), "--site", str(tmp_path / "s"))
    assert (
        f"not converted: {post}: no date in the front matter or file name: imported undated "
        "(1 time)"
    ) in result.err.splitlines()
    text = (tmp_path / "s/content/bi-ji/no-date.md").read_text(encoding="utf-8")
    assert "date" not in text and "2022" not in text


def test_import_needs_a_folder(tmp_path: Path, run: Callable[..., Run]) -> None:
    result = run("import", "hexo", str(tmp_path / "missing"), "--site", str(tmp_path / "s"))
    assert result.status == 2
    assert "is not a folder" in result.err


def test_categories_auto_builds_any_category(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    yaml = "title: T\nbase_url: https://e.com/\ncategories: auto\n"
    site = write_site(
        {"content/x/a.md": "---\ntitle: A\ndate: 2026-01-01\ncategories: 强化学习\n---\n正文。\n"},
        site_yaml=yaml,
    )
    assert run("build", "--site", str(site), "--quiet").status == 0
    assert (site / "public/qiang-hua-xue-xi/a/index.html").is_file()


def test_aliases_get_redirect_pages(write_site: WriteSite, run: Callable[..., Run]) -> None:
    text = "---\ntitle: A\ndate: 2026-01-01\naliases: [/2020/01/old/, /old.html]\n---\n正文。\n"
    site = write_site({"content/large-model/a.md": text})
    assert run("build", "--site", str(site), "--quiet").status == 0
    for page in ("public/2020/01/old/index.html", "public/old.html"):
        redirect = (site / page).read_text(encoding="utf-8")
        assert '<meta http-equiv="refresh" content="0; url=/notes/large-model/a/">' in redirect
        assert (
            '<link rel="canonical" href="https://user.github.io/notes/large-model/a/">' in redirect
        )
    sitemap = (site / "public/sitemap.xml").read_text(encoding="utf-8")
    assert "old" not in sitemap


@pytest.mark.parametrize("style", ["category", "path"])
def test_an_old_url_equal_to_the_new_one_gets_no_redirect(
    write_site: WriteSite, run: Callable[..., Run], style: str
) -> None:
    # The note's URL is decided when the site is planned (kbsite.site.urlplan), not when it is
    # read: in either URL style, a permalink that is that URL must not replace the note's page.
    text = "---\ntitle: A\ndate: 2026-01-01\nurl: /large-model/a/\n---\n正文。\n"
    site = write_site({"content/large-model/a.md": text})
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"urls: {style}\n", encoding="utf-8")
    result = run("build", "--site", str(site), "--quiet")
    assert result.status == 0, result.err
    page = (site / "public/large-model/a/index.html").read_text(encoding="utf-8")
    assert "正文。" in page
    assert 'http-equiv="refresh"' not in page


def test_alias_may_not_replace_a_page(write_site: WriteSite, run: Callable[..., Run]) -> None:
    text = "---\ntitle: A\ndate: 2026-01-01\naliases: [/archive/]\n---\n正文。\n"
    site = write_site({"content/large-model/a.md": text})
    result = run("build", "--site", str(site), "--quiet")
    assert result.status == 1
    assert (
        "a.md:1: aliases: alias /archive/ would replace the site's own archive/index.html"
        in result.err
    )


def test_categories_auto_works_with_new_and_check(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    yaml = "title: T\nbase_url: https://e.com/\ncategories: auto\nsearch: false\n"
    site = write_site(
        {"content/x/a.md": "---\ntitle: A\ndate: 2026-01-01\ncategories: 强化学习\n---\n正文。\n"},
        site_yaml=yaml,
    )
    assert run("new", "新笔记", "--category", "多模态", "--site", str(site)).status == 0
    assert (site / "content/duo-mo-tai/xin-bi-ji.md").is_file()
    result = run("check", "--site", str(site))
    assert result.status == 0, result.err
