"""What serve keeps between builds: its page fingerprints, with which a rebuild after a save
writes again only the files whose inputs changed (and the folder still equals a clean build),
and the snapshot of the last build, plain read-only data the next build does not touch."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Hashable
from pathlib import Path

import pytest

from kbsite.build import Builder, BuildOptions
from kbsite.render.store import RenderStore
from kbsite.serve.pagekeys import PageFingerprints
from tests.conftest import SITE_YAML, WriteSite
from tests.helpers import note

LM, CV = "Large Model", "Computer Vision"


class Recorded(PageFingerprints):
    """serve's fingerprints, noting every file the build wrote (rendered) again."""

    def __init__(self) -> None:
        super().__init__()
        self.rewritten: list[str] = []

    def written(self, rel: str, made_from: Hashable) -> None:
        self.rewritten.append(rel)
        super().written(rel, made_from)


def notes(count: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for i in range(count):
        category, folder = (LM, "large-model") if i % 2 else (CV, "computer-vision")
        body = f"第 {i} 篇，公式 $x_{{{i}}}^2$。\n\n## 小节\n"
        files[f"content/{folder}/n{i}.md"] = note(
            f"笔记 {i}", category, f"2026-01-{1 + i:02d}", body, tags=f"[t{i % 3}]"
        )
    return files


def tree(root: Path) -> dict[str, bytes]:
    """Every file of a built site, the marker of who built it aside."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name != ".kbsite-output"
    }


def serve_builder(site: Path, live: Path) -> tuple[Builder, Recorded]:
    """A Builder as serve makes one (its folder updated in place, its fingerprints asked),
    and the record of the files it rewrites."""
    kept = Recorded()
    options = BuildOptions(site_dir=site, output=live, incremental_output=True, jobs=1)
    return Builder(options, kept=kept), kept


def clean(site: Path, out: Path) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    Builder(BuildOptions(site_dir=site, output=out, cache=False, jobs=1)).build()
    return tree(out)


def test_a_body_edit_renders_again_only_the_files_that_show_the_note(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(notes(20))
    live = tmp_path / "live"
    builder, kept = serve_builder(site, live)
    first = builder.build()
    assert len(set(kept.rewritten)) == len(kept.rewritten) > first.pages
    kept.rewritten.clear()
    assert builder.build().changed == () and kept.rewritten == []
    path = site / "content/large-model/n11.md"
    path.write_text(path.read_text(encoding="utf-8").replace("第 11 篇", "改过的第 11 篇"), "utf-8")
    builder.build()
    rewritten = set(kept.rewritten)
    assert "large-model/n11/index.html" in rewritten
    # its neighbours in the category show it (newer/older), as do the feeds and previews
    assert {"large-model/n9/index.html", "large-model/n13/index.html", "atom.xml"} <= rewritten
    assert "previews.json" in rewritten
    # lists by title and date, counts, other notes: as they were
    assert not rewritten & {"archive/index.html", "tags/index.html", "sitemap.xml", "404.html"}
    assert "computer-vision/n4/index.html" not in rewritten
    assert len(rewritten) < first.pages / 3
    assert tree(live) == clean(site, tmp_path / "clean")


def test_what_every_page_shows_renders_every_page_again(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(notes(8))
    live = tmp_path / "live"
    builder, kept = serve_builder(site, live)
    first = builder.build()
    written_first = set(kept.rewritten)
    # a category count (shown on every page's menu) changes with a new note ...
    kept.rewritten.clear()
    (site / "content/computer-vision/new.md").write_text(note("新", CV, "2025-01-01"), "utf-8")
    builder.build()
    assert written_first <= set(kept.rewritten)
    assert tree(live) == clean(site, tmp_path / "clean")
    # ... and the site's title with site.yaml
    kept.rewritten.clear()
    (site / "site.yaml").write_text(SITE_YAML.replace("Test Notes", "新标题"), encoding="utf-8")
    again = builder.build()
    assert len(set(kept.rewritten)) > first.pages
    assert again.changed
    assert tree(live) == clean(site, tmp_path / "clean")


def test_the_snapshot_serve_keeps_is_read_only_and_not_the_builds(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(notes(6))
    options = BuildOptions(site_dir=site, output=tmp_path / "live", incremental_output=True)
    builder = Builder(dataclasses.replace(options, jobs=1), kept=PageFingerprints())
    snapshot = builder.build().snapshot
    assert snapshot is not None
    values = {f.name: getattr(snapshot, f.name) for f in dataclasses.fields(snapshot)}
    assert not [
        name for name, value in values.items() if isinstance(value, dict | list | set | RenderStore)
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.entries = {}  # type: ignore[misc]
    for name in ("shared", "entries", "pages", "targets"):
        with pytest.raises(TypeError):
            values[name]["x"] = None
    entries, targets = dict(snapshot.entries), dict(snapshot.targets)
    path = site / "content/large-model/n3.md"
    path.write_text(path.read_text(encoding="utf-8").replace("笔记 3", "新标题"), "utf-8")
    assert builder.build().snapshot != snapshot
    assert (dict(snapshot.entries), dict(snapshot.targets)) == (entries, targets)
    assert snapshot.render_cache is not None and snapshot.render_cache.is_file()
