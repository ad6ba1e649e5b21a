"""The render stage: cache keys, the on-disk store, and summaries as plain text."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from kbsite.config.siteconfig import parse_config
from kbsite.load.content import Note, parse_note
from kbsite.render.excerpt import readable_inline
from kbsite.render.math.formulas import Formulas
from kbsite.render.notes import render_key, render_notes
from kbsite.render.options import RenderOptions
from kbsite.render.store import UNUSED_FOR, RenderStore
from tests.helpers import run_python

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=Path("/s")
)


def make_note(body: str, summary: str = "") -> Note:
    extra = f"summary: {summary}\n" if summary else ""
    note, _ = parse_note("cv/a.md", f"---\ndate: 2026-01-01\n{extra}---\n{body}\n", CONFIG)
    return note


def test_summary_math_reads_as_text_and_currency_stays() -> None:
    assert readable_inline("冻结 $W_0$，只训练 $\\Delta W = BA$，价格 $5 和 $10。") == (
        "冻结 W_0，只训练 ΔW = BA，价格 $5 和 $10。"
    )


def test_cache_key_follows_text_and_settings() -> None:
    a, b = make_note("正文 $x$"), make_note("正文 $y$")
    assert render_key(a, RenderOptions(160)) != render_key(b, RenderOptions(160))
    assert render_key(a, RenderOptions(160)) != render_key(a, RenderOptions(80))
    assert render_key(a, RenderOptions(160)) == render_key(
        make_note("正文 $x$"), RenderOptions(160)
    )


def test_store_survives_a_new_process_and_an_unwritable_folder(
    formulas: Formulas, tmp_path: Path
) -> None:
    note = make_note("## 小节\n\n正文 $x^2$。")
    store = RenderStore(tmp_path / "cache" / "render.sqlite3")
    (meta,), rendered = render_notes([note], store, RenderOptions(160), math=formulas, jobs=1)
    assert rendered == 1
    assert "<math" in store.html(meta.key)
    again = RenderStore(tmp_path / "cache" / "render.sqlite3")  # as a later `kbsite build` would
    (cached,), rendered = render_notes([note], again, RenderOptions(160), math=formulas, jobs=1)
    assert (cached, rendered) == (meta, 0)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    fallback = RenderStore(blocked / "cache" / "render.sqlite3")
    (meta2,), _ = render_notes([note], fallback, RenderOptions(160), math=formulas, jobs=1)
    assert "<math" in fallback.html(meta2.key)  # kept in memory instead


def test_a_damaged_cache_file_is_rendered_around_then_replaced(
    formulas: Formulas, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    note = make_note("正文 $x$。")
    path = tmp_path / "render.sqlite3"
    first = RenderStore(path)
    (meta,), _ = render_notes([note], first, RenderOptions(160), math=formulas, jobs=1)
    first.close()
    path.write_bytes(b"garbage" * 1000)
    damaged = RenderStore(path)
    (again,), rendered = render_notes([note], damaged, RenderOptions(160), math=formulas, jobs=1)
    assert rendered == 1 and again == meta
    assert "<math" in damaged.html(meta.key)  # kept in memory for this build
    assert "cannot use the render cache" in caplog.text
    assert not path.exists()  # removed, so the next build starts a sound file
    (third,), rendered = render_notes(
        [note], RenderStore(path), RenderOptions(160), math=formulas, jobs=1
    )
    assert rendered == 1 and third == meta
    (fourth,), rendered = render_notes(
        [note], RenderStore(path), RenderOptions(160), math=formulas, jobs=1
    )
    assert rendered == 0 and fourth == meta


def test_one_cache_file_however_many_notes(formulas: Formulas, tmp_path: Path) -> None:
    notes = [
        parse_note(f"cv/n{i}.md", f"---\ndate: 2026-01-01\n---\n正文 {i} $x_{i}$。\n", CONFIG)[0]
        for i in range(3)
    ]
    store = RenderStore(tmp_path / "render.sqlite3")
    metas, rendered = render_notes(notes, store, RenderOptions(160), math=formulas, jobs=1)
    assert rendered == 3
    assert len({m.key for m in metas}) == 3
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "render.sqlite3"
    ]


def test_workers_are_spawned_while_other_threads_run(formulas: Formulas, tmp_path: Path) -> None:
    """serve renders a large batch (a `git checkout`) with threads running: no fork then."""
    notes = [
        parse_note(f"cv/n{i}.md", f"---\ndate: 2026-01-01\n---\n正文 {i} $x_{{{i}}}$。\n", CONFIG)[
            0
        ]
        for i in range(70)
    ]
    alone, _ = render_notes(notes, RenderStore(None), RenderOptions(160), math=formulas, jobs=1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        store = RenderStore(tmp_path / "render.sqlite3")
        spawned, rendered = render_notes(notes, store, RenderOptions(160), math=formulas, jobs=2)
    finally:
        stop.set()
        other.join()
    assert rendered == 70 and spawned == alone
    assert "<math" in store.html(spawned[69].key)


def test_a_parallel_build_renders_every_formula_in_one_request_ahead_of_the_notes() -> None:
    """In a fresh process (forking is only safe without other threads, and this test process
    may have some): the build asks the formula process once, before its workers fork, and
    the workers find every formula rendered; no KaTeX engine ever runs in the build."""
    script = """
import os, sys, threading
import kbsite.render.math.formulaserver as fs, kbsite.render.notes as r
from kbsite.render.math.formulas import Formulas
from pathlib import Path
from kbsite.config.siteconfig import parse_config
from kbsite.load.content import parse_note
from kbsite.render.options import RenderOptions
from kbsite.render.store import RenderStore
config = parse_config("title: T\\nbase_url: https://e.com/\\ncategories: [{name: CV, slug: cv}]\\n", root=Path("/s"))
notes = [parse_note(f"cv/n{i}.md", f"---\\ndate: 2026-01-01\\n---\\n共享 $x^2$ 与 $y_{{{i}}}$。\\n", config)[0] for i in range(80)]
asked = Path(sys.argv[1])
def counted(original):
    def render(self, formulas):
        with asked.open("a") as f:
            f.write(f"{os.getpid()} {len(formulas)}\\n")
        return original(self, formulas)
    return render
# Every request, from this process or a worker, to the formula process.
fs.FormulaProcess.render = counted(fs.FormulaProcess.render)
fs.FormulaClient.render = counted(fs.FormulaClient.render)
math = Formulas()
r.render_notes(notes, RenderStore(None), RenderOptions(160), math=math, jobs=2)
assert math.is_known(("x^2", False)) and math.is_known(("y_{79}", False))
assert asked.read_text().split() == [str(os.getpid()), "81"], asked.read_text()
assert "pykatex" not in sys.modules and "py_mini_racer" not in sys.modules
assert threading.active_count() == 1  # so the pages' workers may fork later
print("ok")
"""
    with tempfile.TemporaryDirectory() as folder:
        out = run_python(script, str(Path(folder) / "asked"))
    assert out.strip() == "ok"


def test_forked_workers_render_without_the_v8_process_and_still_get_what_the_scan_missed() -> None:
    """Forked workers inherit every rendering, so the formula process (V8: a third of a
    5,000-note build's peak memory) ends before they start. A formula the scan cannot see (in a
    pseudocode block) is rendered by a formula process the worker starts: the same bytes."""
    script = r"""
import sys
from pathlib import Path
from kbsite.config.siteconfig import parse_config
from kbsite.load.content import parse_note
from kbsite.render.math.formulas import Formulas
from kbsite.render.notes import render_notes
from kbsite.render.options import RenderOptions
from kbsite.render.store import RenderStore
config = parse_config("title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=Path("/s"))
body = "正文 $x_{%d}$。\n\n```pseudocode\n\\STATE $\\theta_{%d} \\gets \\theta - \\eta g$\n```\n"
notes = [parse_note(f"cv/n{i}.md", "---\ndate: 2026-01-01\n---\n" + body % (i, i), config)[0] for i in range(70)]
folder = Path(sys.argv[1])
math = Formulas()
math.start(v8_now=True)  # as `kbsite build` starts it for a large cold build
running = []
forked = RenderStore(folder / "forked.sqlite3")
metas, _ = render_notes(notes, forked, RenderOptions(160), math=math, jobs=2,
                        meanwhile=lambda: running.append(math.process()))
alone = RenderStore(folder / "alone.sqlite3")
again, _ = render_notes(notes, alone, RenderOptions(160), math=Formulas(), jobs=1)
assert running == [None], running
assert metas == again
assert "θ" in forked.html(metas[69].key) and "<math" in forked.html(metas[69].key)
assert all(forked.html(m.key) == alone.html(m.key) for m in metas)
print("ok")
"""
    with tempfile.TemporaryDirectory() as folder:
        out = run_python(script, folder)
    assert out.strip() == "ok"


def test_a_program_read_from_stdin_renders_in_one_process() -> None:
    """Spawned workers re-run the main module from its file; a program piped into `python -`
    has none, so with a thread running (no fork) it renders in-process instead of crashing."""
    script = """
import threading
from pathlib import Path
from kbsite.config.siteconfig import parse_config
from kbsite.load.content import parse_note
from kbsite.render.math.formulas import Formulas
from kbsite.render.notes import render_notes
from kbsite.render.options import RenderOptions
from kbsite.render.store import RenderStore
config = parse_config("title: T\\nbase_url: https://e.com/\\ncategories: [{name: CV, slug: cv}]\\n", root=Path("/s"))
notes = [parse_note(f"cv/n{i}.md", f"---\\ndate: 2026-01-01\\n---\\n正文 {i}。\\n", config)[0] for i in range(70)]
stop = threading.Event()
thread = threading.Thread(target=stop.wait)
thread.start()
try:
    print(render_notes(notes, RenderStore(None), RenderOptions(160), math=Formulas(), jobs=2)[1])
finally:
    stop.set()
    thread.join()
"""
    result = subprocess.run(
        [sys.executable, "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == "70", result.stderr


def test_renderings_unused_for_a_month_are_dropped_and_used_ones_kept(
    formulas: Formulas, tmp_path: Path
) -> None:
    path = tmp_path / "render.sqlite3"
    old, reused, fresh = (make_note(f"正文 {word}。") for word in ("旧", "复用", "新"))
    first = RenderStore(path)
    (old_meta, reused_meta), _ = render_notes(
        [old, reused], first, RenderOptions(160), math=formulas, jobs=1
    )
    first.close()
    month_ago = int(time.time()) - UNUSED_FOR - 3600
    with sqlite3.connect(path) as db:
        db.execute("UPDATE renders SET used = ?", (month_ago,))
    store = RenderStore(path)  # a later build: one note kept, one new, one gone
    metas, _ = render_notes([reused, fresh], store, RenderOptions(160), math=formulas, jobs=1)
    store.retain({m.key for m in metas})
    store.close()
    with sqlite3.connect(path) as db:
        rows = dict(db.execute("SELECT key, used FROM renders"))
    assert old_meta.key not in rows
    assert set(rows) == {m.key for m in metas} and reused_meta.key in rows
    assert min(rows.values()) > month_ago  # marked as used by this build


def test_a_title_with_math_is_rendered_for_its_heading_and_readable_elsewhere(
    formulas: Formulas,
) -> None:
    from kbsite.render.markdown import render_title

    title = "$\\epsilon$-Greedy 与 $\\beta_t$ 的参数化"
    html = render_title(title, math=formulas)
    assert html.count("<math") == 2 and "<a " not in html and html.endswith("的参数化")
    assert readable_inline(title) == "ε-Greedy 与 β_t 的参数化"
    assert (
        render_title(math=formulas, title="没有公式的标题，价格 $5 和 $10") == ""
    )  # shown as it is
