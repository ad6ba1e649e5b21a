"""The render stage: cache keys, the on-disk store, and summaries as plain text."""

from __future__ import annotations

from pathlib import Path

from kbsite.config import parse_config
from kbsite.content import Note, parse_note
from kbsite.render import RenderStore, plain_summary, render_key, render_notes

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=Path("/s")
)


def make_note(body: str, summary: str = "") -> Note:
    extra = f"summary: {summary}\n" if summary else ""
    note, _ = parse_note("cv/a.md", f"---\ndate: 2026-01-01\n{extra}---\n{body}\n", CONFIG)
    return note


def test_summary_math_reads_as_text_and_currency_stays() -> None:
    assert plain_summary("冻结 $W_0$，只训练 $\\Delta W = BA$，价格 $5 和 $10。") == (
        "冻结 W_0，只训练 ΔW = BA，价格 $5 和 $10。"
    )


def test_cache_key_follows_text_and_settings() -> None:
    a, b = make_note("正文 $x$"), make_note("正文 $y$")
    assert render_key(a, 160) != render_key(b, 160)
    assert render_key(a, 160) != render_key(a, 80)
    assert render_key(a, 160) == render_key(make_note("正文 $x$"), 160)


def test_store_survives_a_new_process_and_an_unwritable_folder(tmp_path: Path) -> None:
    note = make_note("## 小节\n\n正文 $x^2$。")
    store = RenderStore(tmp_path / "cache")
    (meta,), rendered = render_notes([note], store, 160, jobs=1)
    assert rendered == 1
    assert "<math" in store.html(meta.key)
    again = RenderStore(tmp_path / "cache")  # as a later `kbsite build` would
    (cached,), rendered = render_notes([note], again, 160, jobs=1)
    assert (cached, rendered) == (meta, 0)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    fallback = RenderStore(blocked / "cache")
    (meta2,), _ = render_notes([note], fallback, 160, jobs=1)
    assert "<math" in fallback.html(meta2.key)  # kept in memory instead


def test_corrupt_cache_entry_is_rendered_again(tmp_path: Path) -> None:
    note = make_note("正文。")
    store = RenderStore(tmp_path)
    (meta,), _ = render_notes([note], store, 160, jobs=1)
    for path in tmp_path.rglob("*.pickle"):
        path.write_bytes(b"garbage")
    (again,), rendered = render_notes([note], RenderStore(tmp_path), 160, jobs=1)
    assert rendered == 1 and again == meta
