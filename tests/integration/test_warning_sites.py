"""Each folder in tests/sites_warnings/ is a site with problems confined to single notes: the
build reports exactly them with file and line, writes the site and exits 0; `--strict` and
`kbsite check` fail on them, and a strict failure keeps the site last written (issue 23)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

CASES = Path(__file__).resolve().parent.parent / "sites_warnings"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def _copy(case: str, tmp_path: Path) -> tuple[Path, list[str]]:
    site = tmp_path / case
    shutil.copytree(CASES / case, site)
    expected = (site / "expected_warnings.txt").read_text(encoding="utf-8").splitlines()
    return site, expected


def _summary(expected: list[str]) -> str:
    notes = len({line.split(":", 1)[0] for line in expected})
    count = len(expected)
    return (
        f"kbsite: {count} problem{'s' if count != 1 else ''} in {notes} "
        f"note{'s' if notes != 1 else ''}; `kbsite build --strict` fails on them"
    )


@pytest.mark.parametrize("case", CASE_NAMES)
def test_writes_the_site_and_lists_the_problems(
    case: str, tmp_path: Path, run: Callable[..., Run]
) -> None:
    site, expected = _copy(case, tmp_path)
    assert expected and all(": warning: " in line for line in expected)
    result = run("build", "--quiet", cwd=site)
    assert result.status == 0
    assert result.err.splitlines() == [*expected, _summary(expected)]
    assert (site / "public/index.html").is_file()


@pytest.mark.parametrize("case", CASE_NAMES)
def test_strict_fails_on_them_and_keeps_the_last_site(
    case: str, tmp_path: Path, run: Callable[..., Run]
) -> None:
    site, expected = _copy(case, tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    home = site / "public/index.html"
    home.write_text("last good site", encoding="utf-8")  # as if built by an older version
    result = run("build", "--strict", cwd=site)
    assert result.status == 1
    errors = [line.replace(": warning: ", ": ", 1) for line in expected]
    count = len(errors)
    assert result.err.splitlines() == [
        *errors,
        f"kbsite: {count} error{'s' if count != 1 else ''}; nothing was written",
    ]
    assert home.read_text(encoding="utf-8") == "last good site"


@pytest.mark.parametrize("case", CASE_NAMES)
def test_check_fails_on_them(case: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    site, expected = _copy(case, tmp_path)
    result = run("check", cwd=site)
    assert result.status == 1
    lines = result.err.splitlines()
    assert lines[: len(expected)] == expected
    assert lines[-1] == _summary(expected).replace("kbsite:", "kbsite check:", 1)


def test_broken_links_are_marked_and_lead_nowhere(tmp_path: Path, run: Callable[..., Run]) -> None:
    site, _ = _copy("broken_links", tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    page = (site / "public/cv/detr/index.html").read_text(encoding="utf-8")
    assert '<a class="broken-link" title="失效链接：构建时未找到 vit.md">ViT</a>' in page
    assert (
        '<img src="missing.svg" alt="结构图" class="broken-link" '
        'title="失效链接：构建时未找到 missing.svg">'
    ) in page
    # A heading that is not there: the link still reaches the note, at its top.
    assert '<a href="/notes/cv/iou/">锚点</a>' in page
    assert '<a href="/notes/cv/iou/#giou">正确的锚点</a>' in page


def test_an_empty_note_is_left_out_and_links_to_it_marked(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site, _ = _copy("empty_note", tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    assert not (site / "public/cv/empty").exists()
    page = (site / "public/cv/detr/index.html").read_text(encoding="utf-8")
    assert '<a class="broken-link" title="失效链接：构建时未找到 empty.md">见这里</a>' in page


def test_colliding_names_get_distinct_urls_from_their_folders(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site, _ = _copy("url_collisions", tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    public = site / "public"
    assert "2021 年的论文笔记" in (public / "cv/paper/index.html").read_text(encoding="utf-8")
    assert "2022 年的论文笔记" in (public / "cv/2022/paper/index.html").read_text(encoding="utf-8")
    assert "<h1" in (public / "cv/pointnet/index.html").read_text(encoding="utf-8")
    page = (public / "cv/pointnet-2/index.html").read_text(encoding="utf-8")
    assert 'class="note-title" data-pagefind-meta="title">PointNet++</h1>' in page
    # Links between notes follow them to their new URLs.
    assert '<a href="/notes/cv/2022/paper/">2022 年的笔记</a>' in page
    assert '<a href="/notes/cv/pointnet/">PointNet</a>' in page


def test_a_note_without_category_goes_to_uncategorized_in_the_site_language(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site, _ = _copy("uncategorized", tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    page = (site / "public/wei-fen-lei/index.html").read_text(encoding="utf-8")
    assert "<h1>未分类</h1>" in page and "随笔" in page
    assert (site / "public/wei-fen-lei/sui-bi/index.html").is_file()


def test_an_unreadable_date_leaves_the_note_undated_outside_the_feed(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site, _ = _copy("bad_date", tmp_path)
    assert run("build", "--quiet", cwd=site).status == 0
    assert (site / "public/cv/detr/index.html").is_file()
    assert "/cv/detr/" not in (site / "public/atom.xml").read_text(encoding="utf-8")
    listing = (site / "public/cv/index.html").read_text(encoding="utf-8")
    assert '<span class="undated">未注明日期</span>' in listing
