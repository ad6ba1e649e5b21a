"""Caches never change what is built: incremental and parallel builds equal a clean build."""

from __future__ import annotations

import gc
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

import kbsite.build
import kbsite.errors
import kbsite.render.notes
import kbsite.write.output
import kbsite.write.outputdir
import kbsite.write.templates
from kbsite.build import Builder, BuildOptions
from kbsite.serve.pagekeys import PageFingerprints
from kbsite.serve.quickpage import warm_up, write_quick_page
from kbsite.workers import Tuning
from tests.conftest import WriteSite
from tests.helpers import note

# Small thresholds, so a site of a few dozen notes takes the parallel paths for notes and
# pages (and, where a test forks, for reading the notes).
SMALL_SITE_TUNING = Tuning(parallel_reads=10, parallel_renders=10, parallel_pages=10)

LM, CV = "Large Model", "Computer Vision"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".kbsite-output"
    }


def clean_build(site: Path, out: Path, **options: object) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    Builder(BuildOptions(site_dir=site, output=out, cache=False, jobs=1, **options)).build()  # type: ignore[arg-type]
    return tree(out)


def many_notes(count: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for i in range(count):
        category, folder = (LM, "large-model") if i % 2 else (CV, "computer-vision")
        body = f"第 {i} 篇，公式 $x_{{{i}}}^2$。\n\n## 小节\n\n```python\nprint({i})\n```\n"
        if i:
            body += f"\n见 [上一篇](../{'large-model' if (i - 1) % 2 else 'computer-vision'}/n{i - 1}.md#小节)。\n"
        files[f"content/{folder}/n{i}.md"] = note(
            f"笔记 {i}", category, f"2026-01-{1 + i % 28:02d}", body, tags=f"[t{i % 3}]"
        )
    return files


def test_serve_builds_after_edits_equal_a_clean_build(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(many_notes(12))
    live = tmp_path / "live"
    options = BuildOptions(site_dir=site, output=live, incremental_output=True, jobs=1)
    builder = Builder(options, kept=PageFingerprints())
    builder.build()
    edits = [
        lambda: (site / "content/large-model/n3.md").write_text(
            note("改过的标题", LM, "2026-02-01", "新正文 $y$。\n\n## 小节\n"), encoding="utf-8"
        ),
        lambda: (site / "content/computer-vision/new.md").write_text(
            note("新笔记", CV, "2026-03-01", "新的。"), encoding="utf-8"
        ),
        lambda: (site / "content/large-model/n5.md").unlink(),
        lambda: (site / "content/large-model/n7.md").rename(
            site / "content/large-model/renamed.md"
        ),
        lambda: (
            (site / "templates").mkdir()
            or (site / "templates/404.html").write_text(
                "{% extends 'base.html' %}{% block content %}gone{% endblock %}", encoding="utf-8"
            )
        ),
        # An optional template the theme looked for and missed before: now it is found.
        lambda: (
            (site / "templates/partials").mkdir()
            or (site / "templates/partials/custom_head.html").write_text(
                '<meta name="x-custom-head" content="1">', encoding="utf-8"
            )
        ),
    ]
    for number, edit in enumerate(edits):
        edit()
        if number == 3:  # n8 linked to n7, which moved: fix the link as a writer would
            text = (site / "content/computer-vision/n8.md").read_text(encoding="utf-8")
            (site / "content/computer-vision/n8.md").write_text(
                text.replace("n7.md", "renamed.md"), encoding="utf-8"
            )
        if number == 2:
            text = (site / "content/computer-vision/n6.md").read_text(encoding="utf-8")
            (site / "content/computer-vision/n6.md").write_text(
                text.replace("n5.md", "n3.md"), encoding="utf-8"
            )
        result = builder.build()
        assert tree(live) == clean_build(site, tmp_path / "clean"), f"after edit {number}"
        assert result.changed, f"edit {number} changed nothing"
    assert 'name="x-custom-head"' in (live / "index.html").read_text(encoding="utf-8")


def test_quick_page_is_the_page_the_rebuild_writes(write_site: WriteSite, tmp_path: Path) -> None:
    """serve writes an edited note's page before rebuilding; the rebuild must agree byte for
    byte, or the browser would reload twice (or show a page the site does not have)."""
    site = write_site(many_notes(8))
    live = tmp_path / "live"
    options = BuildOptions(site_dir=site, output=live, incremental_output=True, live_reload=True)
    builder = Builder(replace(options, jobs=1), kept=PageFingerprints())
    snapshot = builder.build().snapshot
    assert snapshot is not None
    path = site / "content/large-model/n3.md"
    text = path.read_text(encoding="utf-8")
    # A new section, a link to it and a formula: anchors, links and math all change.
    path.write_text(
        text + "\n见[新节](#新节)。\n\n## 新节\n\n$z^2$ 与 **粗体**。\n", encoding="utf-8"
    )
    written = write_quick_page(snapshot, path)
    assert written == "large-model/n3/index.html"
    quick = (live / written).read_bytes()
    assert "新节".encode() in quick
    result = builder.build()
    assert written not in result.changed  # same bytes: no second reload for this page
    assert (live / written).read_bytes() == quick
    assert tree(live) == clean_build(site, tmp_path / "clean", live_reload=True)


def test_templates_compiled_by_one_build_are_reused_by_the_next(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled templates are kept in the cache: a second build compiles none, an edited
    override is compiled again and shows, and an upgrade's (another renderer's) folder goes."""
    import jinja2

    compiled: list[str | None] = []
    compile_template = jinja2.Environment.compile

    def counted(
        self: jinja2.Environment, source: str, name: str | None = None, *a: object
    ) -> object:
        compiled.append(name)
        return compile_template(self, source, name, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    site = write_site(many_notes(3))
    stale = site / ".kbsite-cache/templates-0000000000000000"
    stale.mkdir(parents=True)
    options = BuildOptions(site_dir=site, output=tmp_path / "out", jobs=1)
    Builder(options).build()
    assert "note.html" in compiled and "base.html" in compiled
    assert not stale.exists()
    compiled.clear()
    Builder(options).build()
    assert compiled == []
    (site / "templates/partials").mkdir(parents=True)
    footer = (kbsite.write.templates.THEME_DIR / "templates/partials/footer.html").read_text(
        "utf-8"
    )
    (site / "templates/partials/footer.html").write_text(footer + "<!-- 改过 -->\n", "utf-8")
    Builder(options).build()
    assert compiled == ["partials/footer.html"]
    assert "<!-- 改过 -->" in (tmp_path / "out/index.html").read_text(encoding="utf-8")
    compiled.clear()
    Builder(replace(options, cache=False)).build()  # --no-cache: compiles, keeps nothing
    assert "note.html" in compiled


def test_a_cache_folder_that_cannot_take_compiled_templates_does_not_stop_a_build(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(many_notes(3))
    cache = site / ".kbsite-cache"
    cache.mkdir()
    (cache / f"templates-{kbsite.render.notes.renderer_salt()}").write_text("a file, not a folder")
    Builder(BuildOptions(site_dir=site, output=tmp_path / "out", jobs=1)).build()
    assert tree(tmp_path / "out") == clean_build(site, tmp_path / "clean")


def test_a_forked_build_compiles_templates_and_makes_lexers_once_before_forking(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes inherit what the build's own process prepared before forking them,
    instead of each compiling every template and lexer again (~40 and ~30 ms a worker)."""
    import os

    import kbsite.render.highlight

    monkeypatch.setattr(kbsite.build, "can_fork", lambda: True)  # whatever threads pytest runs
    monkeypatch.setattr(kbsite.render.notes, "can_fork", lambda: True)
    notes = many_notes(30)
    notes["content/large-model/n3.md"] = str(notes["content/large-model/n3.md"]) + (
        "\n```rust\nfn main() {}\n```\n"
    )
    site = write_site(notes)
    kbsite.render.highlight._lexer.cache_clear()  # other tests of this process may have made them
    kbsite.render.highlight.render_code_block.cache_clear()
    log = tmp_path / "made.log"  # appended to by this process and its forked workers
    load_template = kbsite.write.templates._ThemeLoader.load
    make_lexer = kbsite.render.highlight.get_lexer_by_name

    def record(what: str) -> None:
        with log.open("a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {what}\n")

    def counted_load(
        self: kbsite.write.templates._ThemeLoader, env: object, name: str, *a: object
    ) -> object:
        template = load_template(self, env, name, *a)  # type: ignore[arg-type]
        record(f"template {name}")  # found and compiled (an optional one may be missing)
        return template

    monkeypatch.setattr(kbsite.write.templates._ThemeLoader, "load", counted_load)
    monkeypatch.setattr(
        kbsite.render.highlight,
        "get_lexer_by_name",
        lambda lang, **kw: record(f"lexer {lang}") or make_lexer(lang, **kw),
    )
    options = BuildOptions(
        site_dir=site, output=tmp_path / "out", jobs=2, cache=False, tuning=SMALL_SITE_TUNING
    )
    Builder(options).build()
    made = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [m for m in made if m[0] != str(os.getpid())] == []  # none in a worker
    things = [what for _pid, what in made]
    assert sorted(t for t in things if t.startswith("lexer")) == ["lexer python", "lexer rust"]
    assert "template note.html" in things and len(things) == len(set(things))
    assert tree(tmp_path / "out") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("warm", [True, False])
def test_after_warm_up_the_first_quick_page_loads_and_makes_nothing(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warm: bool
) -> None:
    """serve's first build renders notes and pages in worker processes, so its own process has
    loaded no template and made no highlighter: warm_up() does that before the first save,
    which would otherwise pay for it (60-150 ms against ~20). Without it (warm=False), the
    same quick page loads templates and makes lexers: what this test would catch."""
    import kbsite.render.highlight

    monkeypatch.setattr(kbsite.build, "can_fork", lambda: True)  # as in serve's first build
    monkeypatch.setattr(kbsite.render.notes, "can_fork", lambda: True)
    notes = many_notes(12)
    fences = "\n```rust\nfn main() {}\n```\n\n```haskell\nmain = pure ()\n```\n"
    notes["content/large-model/n3.md"] = str(notes["content/large-model/n3.md"]) + fences
    site = write_site(notes)
    kbsite.render.highlight._lexer.cache_clear()  # other tests of this process may have made them
    kbsite.render.highlight.render_code_block.cache_clear()
    options = BuildOptions(site_dir=site, output=tmp_path / "live", incremental_output=True)
    builder = Builder(
        replace(options, live_reload=True, jobs=2, tuning=SMALL_SITE_TUNING),
        kept=PageFingerprints(),
    )
    builder.build()
    # serve's second, watched build: nothing changed, nothing rendered
    snapshot = builder.build().snapshot
    assert snapshot is not None
    # The build made lexers and compiled templates here before forking its workers; forget
    # them, as a process whose first build did not fork would not have them.
    kbsite.render.highlight._lexer.cache_clear()
    kbsite.render.highlight.render_code_block.cache_clear()
    snapshot.env.cache.clear()  # type: ignore[union-attr]  # the build's environment
    if warm:
        warm_up(snapshot)
        # The collector's first full pass over the site's objects (builds run without it)
        # is made here, not in a later save.
        assert gc.get_count()[1:] == (0, 0)
    loaded: list[str] = []
    made: list[str] = []
    load_template = kbsite.write.templates._ThemeLoader.load
    make_lexer = kbsite.render.highlight.get_lexer_by_name

    def counted_load(
        self: kbsite.write.templates._ThemeLoader, env: object, name: str, *a: object
    ) -> object:
        template = load_template(self, env, name, *a)  # type: ignore[arg-type]
        loaded.append(name)  # compiled, or read from the compiled templates kept in the cache
        return template

    monkeypatch.setattr(kbsite.write.templates._ThemeLoader, "load", counted_load)
    monkeypatch.setattr(
        kbsite.render.highlight,
        "get_lexer_by_name",
        lambda lang, **kw: made.append(lang) or make_lexer(lang, **kw),
    )
    path = site / "content/large-model/n3.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    assert write_quick_page(snapshot, path) == "large-model/n3/index.html"
    if warm:
        assert (loaded, made) == ([], [])
    else:
        assert "note.html" in loaded and sorted(made) == ["haskell", "python", "rust"]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda text: text.replace("笔记 3", "新标题"), id="front matter"),
        pytest.param(lambda text: text + "\n[坏](missing.md)\n", id="broken link"),
        pytest.param(lambda text: text.replace("---", "--", 1), id="no front matter"),
        pytest.param(lambda text: text, id="no change"),
    ],
)
def test_quick_page_leaves_other_edits_to_the_rebuild(
    write_site: WriteSite, tmp_path: Path, edit: Callable[[str], str]
) -> None:
    site = write_site(many_notes(6))
    builder = Builder(
        BuildOptions(site_dir=site, output=tmp_path / "out", incremental_output=True, jobs=1),
        kept=PageFingerprints(),
    )
    snapshot = builder.build().snapshot
    assert snapshot is not None
    path = site / "content/large-model/n3.md"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert write_quick_page(snapshot, path) is None
    assert write_quick_page(snapshot, site / "content/large-model/unknown.md") is None


def test_unchanged_rebuild_renders_nothing_and_rewrites_nothing(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(many_notes(6))
    builder = Builder(
        BuildOptions(site_dir=site, output=tmp_path / "out", incremental_output=True, jobs=1),
        kept=PageFingerprints(),
    )
    first = builder.build()
    assert first.rendered == 6
    again = builder.build()
    assert (again.rendered, again.changed) == (0, ())
    (site / "content/large-model/n1.md").write_text(
        # The link to n0 stays, so n0's backlink (and page) stay the same.
        note(
            "笔记 1",
            LM,
            "2026-01-02",
            "只改了正文。\n\n## 小节\n\n见 [上一篇](../computer-vision/n0.md#小节)。\n",
        ),
        encoding="utf-8",
    )
    edited = builder.build()
    assert edited.rendered == 1
    assert "large-model/n1/index.html" in edited.changed
    assert "computer-vision/n0/index.html" not in edited.changed


def test_persistent_cache_is_reused_across_runs(write_site: WriteSite, tmp_path: Path) -> None:
    site = write_site(many_notes(5))
    options = BuildOptions(site_dir=site, output=tmp_path / "out", jobs=1)
    assert Builder(options).build().rendered == 5
    assert (site / ".kbsite-cache").is_dir()
    second = Builder(options).build()
    assert second.rendered == 0
    assert tree(tmp_path / "out") == clean_build(site, tmp_path / "clean")


def test_parallel_build_equals_sequential(write_site: WriteSite, tmp_path: Path) -> None:
    files = many_notes(30)
    # Shared formulas, display math and a formula KaTeX rejects, all rendered ahead by the
    # formula process and inherited by the note workers.
    files["content/computer-vision/n0.md"] = note(
        "公式",
        CV,
        "2026-02-01",
        "## 小节\n\n$$\n\\frac{a}{b}\n$$\n\n坏的 $\\frac{a$ 与好的 $x_{1}^2$。\n",
    )
    site = write_site(files)
    parallel = tmp_path / "parallel"
    options = BuildOptions(
        site_dir=site, output=parallel, cache=False, jobs=2, tuning=SMALL_SITE_TUNING
    )
    Builder(options).build()
    assert tree(parallel) == clean_build(site, tmp_path / "sequential")
    page = (parallel / "computer-vision" / "n0" / "index.html").read_text(encoding="utf-8")
    assert "<mfrac>" in page and 'class="math-error"' in page
    # Backlinks and related notes reach note pages that workers forked before they were found.
    page = (parallel / "large-model" / "n1" / "index.html").read_text(encoding="utf-8")
    assert 'class="backlinks"' in page and 'class="related"' in page


def built_once(site: Path, tmp_path: Path) -> tuple[Path, BuildOptions]:
    """Build `site` into tmp_path/out, as `kbsite build` would; return the folder and options."""
    out = tmp_path / "out"
    options = BuildOptions(site_dir=site, output=out, jobs=1)
    Builder(options).build()
    return out, options


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def test_rebuild_rewrites_only_files_whose_bytes_changed(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(many_notes(8))
    out, options = built_once(site, tmp_path)
    before = inodes(out)
    again = Builder(options).build()
    assert again.changed == ()
    assert again.files == len(before) - 1  # every file but the .kbsite-output marker
    assert inodes(out) == before  # not one file rewritten
    text = (site / "content/large-model/n3.md").read_text(encoding="utf-8")
    (site / "content/large-model/n3.md").write_text(text + "\n新的一段。\n", encoding="utf-8")
    (site / "content/large-model/n7.md").unlink()  # no note links to it
    edited = Builder(options).build()
    assert "large-model/n3/index.html" in edited.changed
    assert "large-model/n7/index.html" in edited.changed  # removed
    assert "computer-vision/n0/index.html" not in edited.changed
    after = inodes(out)
    assert after["computer-vision/n0/index.html"] == before["computer-vision/n0/index.html"]
    assert not (out / "large-model/n7").exists()  # its folder went with it
    assert tree(out) == clean_build(site, tmp_path / "clean")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging


def test_failed_rebuild_leaves_the_built_site_untouched(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(many_notes(4))
    out, options = built_once(site, tmp_path)
    before = tree(out)
    (site / "content/large-model/n1.md").write_text(note("改", LM, "2026-02-02", "新"), "utf-8")
    (site / "templates").mkdir()
    (site / "templates/note.html").write_text("{{ entry.nonexistent.deeper }}", encoding="utf-8")
    with pytest.raises(kbsite.errors.KbsiteError):
        Builder(options).build()
    assert tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_build_removes_staging_folders_a_killed_build_left(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(many_notes(3))
    _out, options = built_once(site, tmp_path)
    for name in (".out.new-k9x2", ".out.old-7hq1/out"):  # what kill -9 mid-build leaves
        (tmp_path / name / "notes").mkdir(parents=True)
        (tmp_path / name / "notes/index.html").write_text("half a site", encoding="utf-8")
    (tmp_path / ".other.new-keep").mkdir()  # another output's: not this build's business
    Builder(options).build()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [
        ".other.new-keep"
    ]


@pytest.mark.parametrize("first", [True, False])
def test_ctrl_c_while_the_site_is_moved_in_waits_for_a_whole_site(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: bool
) -> None:
    """Ctrl-C arriving while a build moves its files into place is held until the site is
    whole (a first build swaps in a folder; a rebuild moves changed files and deletes stale
    ones), then stops the command as usual."""
    import os
    import signal

    site = write_site(many_notes(4))
    out = tmp_path / "out"
    options = BuildOptions(site_dir=site, output=out)
    if not first:
        Builder(options).build()
        path = site / "content/large-model/n1.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
        (site / "content/large-model/n3.md").unlink()
    writer = kbsite.write.output.StagedOutput if first else kbsite.write.output.UpdatedOutput
    commit = writer.commit

    def interrupted_commit(self: kbsite.write.output.StagedOutput) -> list[str]:
        os.kill(os.getpid(), signal.SIGINT)  # as if Ctrl-C came just now
        time.sleep(0.05)  # the handler runs between bytecodes: give it the chance
        return commit(self)

    monkeypatch.setattr(writer, "commit", interrupted_commit)
    with pytest.raises(KeyboardInterrupt):
        Builder(options).build()
    monkeypatch.undo()
    assert tree(out) == clean_build(site, tmp_path / "clean")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_file_and_a_folder_may_swap_places(write_site: WriteSite, tmp_path: Path) -> None:
    site = write_site({**many_notes(3), "static/docs": "a file named like a folder\n"})
    out, options = built_once(site, tmp_path)
    (site / "static/docs").unlink()
    (site / "static/docs").mkdir()
    (site / "static/docs/index.html").write_text("<p>now a folder</p>\n", encoding="utf-8")
    Builder(options).build()
    assert (out / "docs/index.html").read_text(encoding="utf-8") == "<p>now a folder</p>\n"
    assert tree(out) == clean_build(site, tmp_path / "clean")


def test_serves_first_build_renders_pages_in_parallel_then_rebuilds_by_the_page(
    write_site: WriteSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forking is what serve's first build does (no other thread yet); this test process may
    # run threads left by other tests, which are idle.
    monkeypatch.setattr(kbsite.build, "can_fork", lambda: True)
    calls: list[int] = []
    parallel = kbsite.build.render_pages_parallel
    monkeypatch.setattr(
        kbsite.build,
        "render_pages_parallel",
        lambda *args: calls.append(len(args[2])) or parallel(*args),
    )
    site = write_site(many_notes(30))
    live = tmp_path / "live"
    options = BuildOptions(
        site_dir=site, output=live, incremental_output=True, jobs=2, tuning=SMALL_SITE_TUNING
    )
    builder = Builder(options, kept=PageFingerprints())
    first = builder.build()
    assert len(calls) == 1  # the first build; later ones go page by page
    assert len(first.changed) == first.files
    assert tree(live) == clean_build(site, tmp_path / "clean")
    assert builder.build().changed == ()  # every page's digest and inputs were recorded
    path = site / "content/large-model/n3.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    edited = builder.build()
    assert "large-model/n3/index.html" in edited.changed
    assert "computer-vision/n0/index.html" not in edited.changed
    assert tree(live) == clean_build(site, tmp_path / "clean")


def test_a_second_build_into_the_same_folder_waits_for_the_first(
    write_site: WriteSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = write_site(many_notes(3))
    out, options = built_once(site, tmp_path)
    path = site / "content/large-model/n1.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n后来的。\n", encoding="utf-8")
    finished = threading.Event()
    with kbsite.write.outputdir.output_lock(out):  # as another `kbsite build` holds it
        waiting = threading.Thread(target=lambda: Builder(options).build() and finished.set())
        waiting.start()
        deadline = time.monotonic() + 10
        while "another kbsite build is writing" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "another kbsite build is writing" in caplog.text
        assert not finished.is_set()
        assert "后来的" not in (out / "large-model/n1/index.html").read_text(encoding="utf-8")
    waiting.join(10)
    assert finished.is_set()
    assert "后来的" in (out / "large-model/n1/index.html").read_text(encoding="utf-8")


def retired_site(site: Path) -> Path:
    """The site the last rebuild retired, kept in the cache as the next one's staging folder."""
    [folder] = (site / ".kbsite-cache").glob("retired-site-*")
    return folder


def test_rebuilds_reuse_the_retired_site_and_never_touch_the_built_one(
    write_site: WriteSite, tmp_path: Path
) -> None:
    """Each rebuild stages into the site the last one retired (its unchanged files are hard
    links to the built ones): a page written there must be a new file, or the built site
    would change under a reader before the swap, and a stale file or folder must go."""
    site = write_site({**many_notes(6), "static/docs": "a file named like a folder\n"})
    out, options = built_once(site, tmp_path)
    path = site / "content/large-model/n3.md"
    docs = site / "static/docs"
    for round_ in range(4):
        before = tree(out)
        path.write_text(path.read_text(encoding="utf-8") + f"\n第 {round_} 次补充。\n", "utf-8")
        if docs.is_dir():  # a file and a folder trade places at every round
            shutil.rmtree(docs)
            docs.write_text(f"a file again, round {round_}\n", encoding="utf-8")
        else:
            docs.unlink()
            docs.mkdir()
            (docs / "index.html").write_text(f"<p>round {round_}</p>\n", encoding="utf-8")
        (site / f"static/extra-{round_}.txt").write_text("新文件\n", encoding="utf-8")
        (site / f"static/extra-{round_ - 1}.txt").unlink(missing_ok=True)
        unchanged = inodes(out)["computer-vision/n0/index.html"]
        result = Builder(options).build()
        assert "large-model/n3/index.html" in result.changed
        assert tree(out) == clean_build(site, tmp_path / "clean")
        assert tree(retired_site(site)) == before  # the old site, exactly as it was built
        assert inodes(out)["computer-vision/n0/index.html"] == unchanged
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_retired_site_left_in_any_state_costs_time_not_correctness(
    write_site: WriteSite, tmp_path: Path
) -> None:
    """A killed rebuild leaves the retired site half-updated: pages of either site, files
    from nowhere, a file where a folder goes. None of it reaches the next site."""
    site = write_site(many_notes(4))
    out, options = built_once(site, tmp_path)
    Builder(options).build()  # keeps the first site as the retired one
    spare = retired_site(site)
    (spare / "computer-vision/n0/index.html").write_text("<p>a page of no site</p>", "utf-8")
    (spare / "large-model/n1/index.html").unlink()
    (spare / "large-model/n1/index.html").mkdir()
    shutil.rmtree(spare / "large-model/n3")
    (spare / "large-model/n3").write_text("a file where a folder goes", encoding="utf-8")
    (spare / "orphan/deep").mkdir(parents=True)
    (spare / "orphan/deep/page.html").write_text("stale", encoding="utf-8")
    path = site / "content/large-model/n1.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    Builder(options).build()
    assert tree(out) == clean_build(site, tmp_path / "clean")
    assert not (out / "orphan").exists()


def test_a_failed_rebuild_into_the_retired_site_leaves_the_built_site_untouched(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(many_notes(4))
    out, options = built_once(site, tmp_path)
    Builder(options).build()  # the retired site now holds hard links to every built file
    before = tree(out)
    for i in range(4):
        path = site / f"content/{'large-model' if i % 2 else 'computer-vision'}/n{i}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n改了。\n", encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates/tag.html").write_text("{{ entry.nonexistent.deeper }}", encoding="utf-8")
    with pytest.raises(kbsite.errors.KbsiteError):
        Builder(options).build()  # note pages were staged before the tag pages failed
    assert tree(out) == before


def test_the_render_cache_keys_on_the_sites_math_macros(
    write_site: WriteSite, tmp_path: Path
) -> None:
    from tests.conftest import SITE_YAML

    files = {"content/large-model/e.md": note("期望", LM, "2026-01-01", "$\\E[X]$ 与 $\\R$。\n")}
    site = write_site(files, site_yaml=SITE_YAML + 'math:\n  macros:\n    E: "\\\\mathbb{E}"\n')
    out, options = built_once(site, tmp_path)
    page = out / "large-model/e/index.html"
    assert "\\mathbb{E}[X]</annotation>" in page.read_text(encoding="utf-8")
    yaml = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(yaml.replace("\\\\mathbb{E}", "\\\\operatorname{E}"), "utf-8")
    Builder(options).build()  # the note did not change; its cached HTML must not be kept
    assert "\\operatorname{E}[X]</annotation>" in page.read_text(encoding="utf-8")
    assert tree(out) == clean_build(site, tmp_path / "clean")
