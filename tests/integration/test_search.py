"""The build's search step (Pagefind), `search: false`, and `--strict` for wiki-link warnings."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kbsite.build import Builder, BuildOptions
from kbsite.serve.pagekeys import PageFingerprints
from kbsite.write.searchtext import FORMULA, FORMULA_END, TEX
from tests.conftest import SITE_YAML, Run, WriteSite
from tests.helpers import note

LM, CV = "Large Model", "Computer Vision"
SEARCH_ON = SITE_YAML.replace("search: false", "search: true")
NOTES = {
    "content/large-model/lora.md": note(
        "LoRA：低秩适配", LM, "2026-01-01", "冻结权重，只训练低秩增量 $\\Delta W = BA$。"
    ),
    "content/computer-vision/detr.md": note(
        "DETR", CV, "2026-01-02", "## 匈牙利匹配\n\n二分图匹配，见 [[LoRA：低秩适配]]。"
    ),
}


def fragments(out: Path) -> list[dict[str, object]]:
    found = []
    for path in sorted((out / "pagefind/fragment").iterdir()):
        raw = gzip.decompress(path.read_bytes())
        found.append(json.loads(raw[len(b"pagefind_dcd") :]))
    return found


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_build_writes_a_pagefind_index_of_note_bodies_only(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(NOTES, site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    result = Builder(BuildOptions(site_dir=site, output=out, jobs=1)).build()
    assert (out / "pagefind/pagefind.js").is_file()
    assert (out / "pagefind/pagefind-ui.js").is_file()  # the UI comes with the index, no CDN
    assert "pagefind/pagefind-entry.json" in result.changed
    pages = {f["url"]: f for f in fragments(out)}
    assert sorted(pages) == ["/computer-vision/detr/", "/large-model/lora/"]  # no list pages
    lora = pages["/large-model/lora/"]
    assert lora["meta"]["title"] == "LoRA：低秩适配"  # type: ignore[index]
    assert lora["filters"] == {"category": [LM]}
    content = str(lora["content"]).replace("\u200b", "")  # Pagefind marks word breaks
    # a formula by its readable text, then its TeX source, between marks for the excerpts
    # (kbsite.write.searchtext); not its MathML glyphs
    assert f"{FORMULA} ΔW = BA {TEX} \\Delta W = BA {FORMULA_END}" in content
    assert "冻 结 权 重" in content  # every CJK character a word
    assert "发布于" not in content and "Test Notes" not in content  # no chrome
    search_page = (out / "search/index.html").read_text(encoding="utf-8")
    assert 'data-pagefind="/notes/pagefind/pagefind.js"' in search_page
    assert '<option value="Large Model">' in search_page


def test_search_index_is_byte_identical_across_builds(
    write_site: WriteSite, tmp_path: Path
) -> None:
    # Pagefind writes filter values in hash-map order; kbsite canonicalizes them.
    site = write_site(NOTES, site_yaml=SEARCH_ON)
    trees = []
    for name in ("one", "two", "three"):
        Builder(BuildOptions(site_dir=site, output=tmp_path / name, jobs=1)).build()
        trees.append(tree(tmp_path / name))
    assert trees[0] == trees[1] == trees[2]


def test_search_false_builds_no_index_no_search_page_and_no_box(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(NOTES)  # the tests' site.yaml says search: false
    out = tmp_path / "out"
    Builder(BuildOptions(site_dir=site, output=out, jobs=1)).build()
    assert not (out / "pagefind").exists()
    assert not (out / "search").exists()
    assert "site-search" not in (out / "index.html").read_text(encoding="utf-8")


def test_serve_indexes_in_place_what_a_build_indexes(write_site: WriteSite, tmp_path: Path) -> None:
    """serve's index, updated after an edit, is the index a clean build of the edited site
    writes; the rebuild reports the index files it rewrote."""
    site = write_site(NOTES, site_yaml=SEARCH_ON)
    live = tmp_path / "live"
    options = BuildOptions(site_dir=site, output=live, incremental_output=True, jobs=1)
    serve = Builder(options, kept=PageFingerprints())
    serve.build()
    assert 'class="site-search"' in (live / "index.html").read_text(encoding="utf-8")
    assert serve.build().changed == ()  # nothing changed: nothing indexed again
    lora = site / "content/large-model/lora.md"
    lora.write_text(lora.read_text("utf-8").replace("冻结权重", "冻结全部权重"), "utf-8")
    changed = serve.build().changed
    assert "pagefind/pagefind-entry.json" in changed
    clean = tmp_path / "clean"
    Builder(BuildOptions(site_dir=site, output=clean, jobs=1)).build()
    assert tree(live / "pagefind") == tree(clean / "pagefind")


def test_missing_pagefind_binary_is_a_clear_error(
    write_site: WriteSite, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pagefind.service

    monkeypatch.setattr(pagefind.service, "get_executable", lambda: None)
    site = write_site(NOTES, site_yaml=SEARCH_ON)
    result = run("build", "--site", str(site))
    assert result.status == 1
    assert (
        "site.yaml: search: the Pagefind search indexer is not installed; install it with "
        '`pip install "pagefind[extended]"`, or set `search: false` in site.yaml'
    ) in result.err
    assert "Traceback" not in result.err


def test_strict_turns_wiki_link_warnings_into_errors(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = write_site(
        {"content/large-model/a.md": note("A", LM, "2026-01-01", "见 [[不存在的笔记]]。")}
    )
    relaxed = run("build", "--site", str(site), "--quiet")
    message = (
        "content/large-model/a.md:7: warning: wiki: wiki link [[不存在的笔记]]: no note has "
        "this title, slug or file name"
    )
    assert relaxed.status == 0 and message in relaxed.err
    strict = run("build", "--site", str(site), "--quiet", "--strict")
    assert strict.status == 1
    assert message.replace("warning: ", "") in strict.err


def test_rebuild_indexes_again_only_when_a_page_changed(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(NOTES, site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    options = BuildOptions(site_dir=site, output=out, jobs=1)
    Builder(options).build()
    index = {p: p.stat().st_ino for p in (out / "pagefind").rglob("*") if p.is_file()}
    assert Builder(options).build().changed == ()
    assert {p: p.stat().st_ino for p in (out / "pagefind").rglob("*") if p.is_file()} == index
    lora = site / "content/large-model/lora.md"
    lora.write_text(lora.read_text(encoding="utf-8") + "\n新增：量化感知训练。\n", "utf-8")
    edited = Builder(options).build()
    assert "large-model/lora/index.html" in edited.changed
    assert any(rel.startswith("pagefind/fragment/") for rel in edited.changed)
    assert any("量 化 感 知" in str(f["content"]) for f in fragments(out))  # a word a character
    Builder(BuildOptions(site_dir=site, output=tmp_path / "fresh", jobs=1)).build()
    assert tree(out) == tree(tmp_path / "fresh")
    assert [p.name for p in out.iterdir() if p.name.startswith(".pagefind")] == []


def test_a_build_stopped_while_indexing_leaves_the_old_site_whole(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild indexes its staged site before swapping it in: stopped during Pagefind
    (Ctrl-C), the site keeps its old pages and their index, and the next build makes both."""
    import kbsite.write.search

    site = write_site(NOTES, site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    options = BuildOptions(site_dir=site, output=out, jobs=1)
    Builder(options).build()
    before = tree(out)
    lora = site / "content/large-model/lora.md"
    lora.write_text(lora.read_text(encoding="utf-8") + "\n新增：量化感知训练。\n", "utf-8")

    def stopped(*_args: object, **_kwargs: object) -> object:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(kbsite.write.search, "build_search_index", stopped)
        with pytest.raises(KeyboardInterrupt):
            Builder(options).build()
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    again = Builder(options).build()
    assert "large-model/lora/index.html" in again.changed
    assert any("量 化 感 知" in str(f["content"]) for f in fragments(out))
    assert Builder(options).build().changed == ()  # and then nothing is left to do
    Builder(BuildOptions(site_dir=site, output=tmp_path / "fresh", jobs=1)).build()
    assert tree(out) == tree(tmp_path / "fresh")


def test_an_index_an_earlier_kbsite_left_is_indexed_again(
    write_site: WriteSite, tmp_path: Path
) -> None:
    """An index from before shards (no shards.json), marked stale or cut short by the Pagefind
    race of issue 21, is replaced by a whole one, though no page changed."""
    from kbsite.write.search import STALE_MARK

    site = write_site(NOTES, site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    options = BuildOptions(site_dir=site, output=out, jobs=1)
    Builder(options).build()
    (out / "pagefind/shards.json").unlink()
    (out / "pagefind/kbsite-shard.json").unlink()
    (out / "pagefind" / STALE_MARK).touch()
    (out / "pagefind/pagefind-entry.json").write_bytes(b"")
    again = Builder(options).build()
    assert "pagefind/pagefind-entry.json" in again.changed
    assert not (out / "pagefind" / STALE_MARK).exists()
    Builder(BuildOptions(site_dir=site, output=tmp_path / "fresh", jobs=1)).build()
    assert tree(out) == tree(tmp_path / "fresh")


def test_search_indexes_a_notes_citations_text_but_not_its_bibliography(
    write_site: WriteSite, tmp_path: Path
) -> None:
    bib = "@misc{ho2020denoising, title = {Denoising Diffusion Probabilistic Models},\n"
    bib += (
        "  author = {Ho, Jonathan}, year = 2020, eprint = {2006.11239}, archivePrefix = {arXiv}}\n"
    )
    body = "扩散模型的去噪过程 [@ho2020denoising]，逐步还原数据。"
    files = {
        **NOTES,
        "refs.bib": bib,
        "content/large-model/ddpm.md": note("DDPM", LM, "2026-01-03", body),
    }
    site = write_site(files, site_yaml=SEARCH_ON + "bibliography: refs.bib\n")
    out = tmp_path / "out"
    Builder(BuildOptions(site_dir=site, output=out, jobs=1)).build()
    pages = {f["url"]: f for f in fragments(out)}
    assert "/references/" not in pages and "/papers/" not in pages
    # The indexed copy spaces out CJK characters (kbsite.write.searchtext): read it unspaced.
    content = "".join(str(pages["/large-model/ddpm/"]["content"]).replace("\u200b", "").split())
    assert "逐步还原数据" in content
    assert "Denoising" not in content and "参考文献" not in content and "arxiv" not in content
