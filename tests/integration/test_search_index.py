"""The search index is whole or the build fails, and a rebuild indexes only the shards whose
notes changed (issue 21)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kbsite.build import Builder, BuildOptions
from kbsite.write.search import build_search_index
from kbsite.write.searchshards import SHARD_NOTES, IncompleteIndex, check_index
from tests.conftest import SITE_YAML, WriteSite
from tests.helpers import note

SEARCH_ON = SITE_YAML.replace("search: false", "search: true")
CATEGORIES = ("Large Model", "Computer Vision")


def notes(count: int) -> dict[str, str]:
    """Small notes with Chinese text and a formula, spread over both categories."""
    return {
        f"content/{('large-model', 'computer-vision')[i % 2]}/n{i:03d}.md": note(
            f"笔记 {i}",
            CATEGORIES[i % 2],
            f"2026-01-{i % 28 + 1:02d}",
            f"注意力机制与低秩适配，第 {i} 篇。$W_{{{i}}} = BA$\n\n## 小节\n\n梯度下降。",
        )
        for i in range(count)
    }


def index_tree(out: Path) -> dict[str, bytes]:
    root = out / "pagefind"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_whole(files: dict[str, bytes]) -> None:
    """Every file a shard lists is there with its size; every compressed file unpacks; each
    entry names a meta file that exists."""
    count = json.loads(files["shards.json"])["shards"]
    for number in range(count):
        folder = f"{number}/" if number else ""
        state = json.loads(files[folder + "kbsite-shard.json"])
        for rel, size in state["files"].items():
            assert len(files[folder + rel]) == size, folder + rel
        entry = json.loads(files[folder + "pagefind-entry.json"])
        for language in entry["languages"].values():
            assert f"{folder}pagefind.{language['hash']}.pf_meta" in files
    for rel, data in files.items():
        if rel.endswith((".pf_meta", ".pf_fragment", ".pf_index", ".pf_filter")):
            assert gzip.decompress(data).startswith(b"pagefind_dcd"), rel
    assert len(files["wasm.unknown.pagefind"]) > 60_000


def test_four_builds_at_once_ten_times_give_whole_identical_indexes(
    write_site: WriteSite, tmp_path: Path
) -> None:
    """Pagefind answered before its last writes landed and was ended at once: under load, 2 of
    20 builds exited 0 with an empty pagefind-entry.json or a short wasm file (issue 21)."""
    site = write_site(notes(12), site_yaml=SEARCH_ON)
    reference: dict[str, bytes] | None = None
    for round_ in range(10):
        outputs = [tmp_path / f"r{round_}" / f"b{i}" / "public" for i in range(4)]
        command = [sys.executable, "-m", "kbsite", "build", "--quiet", "--no-cache"]
        builds = [
            subprocess.Popen(
                [*command, "--site", str(site), "--output", str(out)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for out in outputs
        ]
        for build in builds:
            output, _ = build.communicate(timeout=300)
            assert build.returncode == 0, output.decode()
        for out in outputs:
            files = index_tree(out)
            if reference is None:
                assert_whole(files)
                reference = files
            assert files == reference, f"round {round_}: {out} differs from the first index"


def test_a_one_note_edit_indexes_only_its_shard_and_equals_a_clean_build(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(notes(SHARD_NOTES + 20), site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    options = BuildOptions(site_dir=site, output=out, jobs=2)
    Builder(options).build()
    before = index_tree(out)
    assert json.loads(before["shards.json"]) == {"shards": 2}
    assert_whole(before)
    edited = site / "content/computer-vision/n001.md"
    edited.write_text(edited.read_text("utf-8") + "\n新增：量化感知训练。\n", "utf-8")
    result = Builder(options).build()
    changed = {rel for rel in result.changed if rel.startswith("pagefind/")}
    first = json.loads(before["kbsite-shard.json"])["urls"]
    other = "pagefind/1/" if "/computer-vision/n001/" in first else "pagefind/"
    assert changed and not any(_in_shard(rel, other) for rel in changed), changed
    after = index_tree(out)
    assert_whole(after)
    Builder(BuildOptions(site_dir=site, output=tmp_path / "fresh", jobs=1)).build()
    assert after == index_tree(tmp_path / "fresh")


def test_an_index_file_cut_short_is_made_again(write_site: WriteSite, tmp_path: Path) -> None:
    site = write_site(notes(3), site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    Builder(BuildOptions(site_dir=site, output=out, jobs=1)).build()
    wasm = out / "pagefind/wasm.unknown.pagefind"
    whole = wasm.read_bytes()
    wasm.write_bytes(whole[:65536])  # what the race of issue 21 left
    Builder(BuildOptions(site_dir=site, output=out, jobs=1)).build()
    assert wasm.read_bytes() == whole


def test_build_search_index_reports_every_file_it_wrote(tmp_path: Path) -> None:
    root = tmp_path / "site"
    page = root / "a/index.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '<!doctype html><html lang="zh-CN"><body><article data-pagefind-body>'
        "<h1>注意力</h1><p>注意力机制。</p></article></body></html>",
        encoding="utf-8",
    )
    index = build_search_index(root, ["a/index.html"], jobs=1)
    on_disk = sorted(
        p.relative_to(root).as_posix() for p in (root / "pagefind").rglob("*") if p.is_file()
    )
    assert list(index.files) == on_disk
    assert (index.shards, index.indexed, index.pages) == (1, 1, 1)


def _in_shard(rel: str, folder: str) -> bool:
    """Tell whether an index file belongs to the shard in `folder` (pagefind/ or pagefind/k/)."""
    inner = rel.removeprefix(folder)
    if folder == "pagefind/":
        return inner != rel and not inner.split("/")[0].isdigit() and inner != "shards.json"
    return inner != rel


def test_check_index_names_each_file_missing_or_cut_short(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(notes(3), site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    Builder(BuildOptions(site_dir=site, output=out, jobs=1)).build()
    bundle = out / "pagefind"
    assert "pagefind-entry.json" in check_index(bundle)
    (bundle / "pagefind-entry.json").write_bytes(b"")
    (bundle / "wasm.unknown.pagefind").unlink()
    with pytest.raises(IncompleteIndex) as raised:
        check_index(bundle)
    assert [p.split(" (")[0] for p in raised.value.problems] == [
        "pagefind-entry.json",
        "wasm.unknown.pagefind",
    ]
    assert raised.value.problems[1].startswith("wasm.unknown.pagefind (missing, ")
    assert raised.value.problems[0].startswith("pagefind-entry.json (0 bytes, ")
