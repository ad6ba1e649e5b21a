"""Citations through real builds (issue 19): pages, /references/ and /papers/, the render
cache keyed by what each note cites, feeds, sitemap and byte-identical rebuilds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from kbsite.build import Builder, BuildOptions
from tests.conftest import SITE_YAML, WriteSite
from tests.helpers import note

BIB = """\
@inproceedings{ho2020denoising,
  title = {Denoising Diffusion Probabilistic Models},
  author = {Ho, Jonathan and Jain, Ajay and Abbeel, Pieter},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2020}, eprint = {2006.11239}, archivePrefix = {arXiv}
}
@inproceedings{vaswani2017attention,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2017}
}
"""
EXTRA_BIB = (
    "@misc{own2024, title = {A Work Only One Note Knows}, author = {Own, A.}, year = {2024}}\n"
)
LM = "Large Model"


DDPM = """\
---
title: 扩散模型
category: Large Model
date: 2026-01-03
cite: ho2020denoising
paper:
  venue: NeurIPS 2020
  code: https://github.com/x/y
---

@ho2020denoising 提出 DDPM [@vaswani2017attention]。
"""


def site_files() -> dict[str, str | bytes]:
    return {
        "bibliography/refs.bib": BIB,
        "notes/extra.bib": EXTRA_BIB,
        "content/large-model/ddpm.md": DDPM,
        "content/large-model/score.md": note(
            "分数匹配", LM, "2026-01-02", "与 DDPM 等价 [@ho2020denoising, p. 5]。"
        ),
        "content/large-model/attention.md": note(
            "注意力",
            LM,
            "2026-01-01",
            "只引用 Transformer [@vaswani2017attention; @own2024]。",
            bibliography="notes/extra.bib",
        ),
        "content/computer-vision/plain.md": note("无引用", "Computer Vision", "2026-01-04"),
    }


def build(site: Path, out: Path, builder: Builder | None = None) -> tuple[Builder, int]:
    builder = builder or Builder(BuildOptions(site_dir=site, output=out, jobs=1))
    return builder, builder.build().rendered


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".kbsite-output"
    }


def test_notes_cite_and_references_lists_each_work_with_its_notes(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(site_files(), SITE_YAML + "bibliography: bibliography/refs.bib\n")
    out = tmp_path / "out"
    build(site, out)
    ddpm = (out / "large-model/ddpm/index.html").read_text(encoding="utf-8")
    assert "Ho 等 <sup>[1]</sup>" in ddpm  # GB/T 7714-2015, the zh-CN default
    assert '<h2 class="bibliography-title" id="bibliography">参考文献</h2>' in ddpm
    assert 'href="/notes/references/#ref-ho2020denoising"' in ddpm  # under base_url's path
    assert '<aside class="paper-card"' in ddpm and "NeurIPS 2020" in ddpm
    attention = (out / "large-model/attention/index.html").read_text(encoding="utf-8")
    assert "A Work Only One Note Knows" in attention  # the note's own bibliography
    references = (out / "references/index.html").read_text(encoding="utf-8")
    works = re.findall(r'<li class="work" id="ref-([^"]+)"', references)
    assert works == ["ho2020denoising", "own2024", "vaswani2017attention"]  # by first author
    ho = references.split('id="ref-ho2020denoising"')[1].split("</li>")[0]
    assert re.findall(r'<a href="/notes/([^"]+)">', ho) == [
        "large-model/ddpm/",  # the note about the paper
        "large-model/ddpm/",  # citing notes, newest first
        "large-model/score/",
    ]
    papers = (out / "papers/index.html").read_text(encoding="utf-8")
    assert papers.count('class="paper-item"') == 1 and 'data-venue="NeurIPS"' in papers
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "/notes/references/</loc>" in sitemap and "/notes/papers/</loc>" in sitemap
    feed = (out / "atom.xml").read_text(encoding="utf-8")
    assert 'href="#ref-' not in feed  # in-note links made absolute for feed readers
    assert "https://user.github.io/notes/large-model/ddpm/#ref-ho2020denoising" in feed


def test_editing_an_entry_re_renders_exactly_the_notes_citing_it(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(site_files(), SITE_YAML + "bibliography: bibliography/refs.bib\n")
    out = tmp_path / "out"
    builder, rendered = build(site, out)
    assert rendered == 4
    bib = site / "bibliography/refs.bib"
    bib.write_text(BIB.replace("Attention Is All You Need", "Attention Is All We Need"), "utf-8")
    _builder, rendered = build(site, out, builder)
    assert rendered == 2  # ddpm.md and attention.md cite vaswani2017attention
    assert "Attention Is All We Need" in (out / "references/index.html").read_text("utf-8")
    incremental = tree(out)
    clean = tmp_path / "clean"
    Builder(BuildOptions(site_dir=site, output=clean, cache=False, jobs=1)).build()
    assert tree(clean) == incremental


def test_the_style_and_the_bibliography_key_the_render_cache(
    write_site: WriteSite, tmp_path: Path
) -> None:
    yaml = SITE_YAML + "bibliography: bibliography/refs.bib\n"
    site = write_site(site_files(), yaml)
    out = tmp_path / "out"
    builder, _ = build(site, out)
    (site / "site.yaml").write_text(yaml + "citation_style: author-year\n", "utf-8")
    _builder, rendered = build(site, out, builder)
    assert rendered == 3  # every note that cites; the note without citations is unchanged
    score = (out / "large-model/score/index.html").read_text(encoding="utf-8")
    assert "(Ho 等, 2020, 页 5)" in score


def test_rebuilds_are_byte_identical(write_site: WriteSite, tmp_path: Path) -> None:
    site = write_site(site_files(), SITE_YAML + "bibliography: bibliography/refs.bib\n")
    first, second = tmp_path / "a", tmp_path / "b"
    Builder(BuildOptions(site_dir=site, output=first, cache=False, jobs=1)).build()
    shutil.rmtree(site / ".kbsite-cache", ignore_errors=True)
    Builder(BuildOptions(site_dir=site, output=second, cache=False, jobs=1)).build()
    assert tree(first) == tree(second)


def test_worker_processes_render_citations_as_one_process_does(
    write_site: WriteSite, tmp_path: Path
) -> None:
    files = site_files()
    for i in range(70):  # over the parallel threshold (kbsite.render.notes)
        body = f"第 {i} 篇引用 [@ho2020denoising]，以及 @vaswani2017attention 的结构。"
        files[f"content/large-model/n{i}.md"] = note(f"笔记 {i}", LM, "2026-02-01", body)
    site = write_site(files, SITE_YAML + "bibliography: bibliography/refs.bib\n")
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    Builder(BuildOptions(site_dir=site, output=serial, cache=False, jobs=1)).build()
    result = Builder(BuildOptions(site_dir=site, output=parallel, cache=False, jobs=2)).build()
    assert result.rendered == 74
    assert tree(serial) == tree(parallel)
    assert "Vaswani 和 Shazeer <sup>[2]</sup>" in (
        parallel / "large-model/n7/index.html"
    ).read_text("utf-8")


def test_an_unknown_keys_warning_follows_the_keys_the_bibliography_gains(
    write_site: WriteSite, tmp_path: Path
) -> None:
    files = {
        **site_files(),
        "content/large-model/later.md": note("后来", LM, "2026-01-05", "见 [@song2021score]。"),
    }
    site = write_site(files, SITE_YAML + "bibliography: bibliography/refs.bib\n")
    out = tmp_path / "out"
    builder = Builder(BuildOptions(site_dir=site, output=out, jobs=1))
    assert any("song2021score" in d.message for d in builder.build().warnings)
    score = "@misc{song2021score, title = {Score-Based Generative Modeling}, author = {Song, Yang}, year = 2021}\n"
    (site / "bibliography/refs.bib").write_text(BIB + score, encoding="utf-8")
    result = builder.build()
    assert result.rendered == 1 and result.warnings == ()  # the note naming it, alone
    assert "Score-Based Generative Modeling" in (out / "large-model/later/index.html").read_text(
        "utf-8"
    )
