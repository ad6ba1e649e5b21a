"""The loader: front matter keys, defaults, dates, encodings and errors with file lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import kbsite.load.content
from kbsite.config.siteconfig import SiteConfig, parse_config
from kbsite.errors import KbsiteError
from kbsite.load.content import Note, load_content, parse_note
from kbsite.workers import Tuning

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/\ntimezone: Asia/Shanghai\n"
    "categories:\n  - name: Large Model\n  - name: Computer Vision\n    slug: cv\n",
    root=Path("/site"),
)
SHANGHAI = timezone(timedelta(hours=8))


def parse(text: str, rel: str = "large-model/lora.md", config: SiteConfig = CONFIG) -> Note:
    note, _ = parse_note(rel, text, config)
    return note


def errors(text: str, rel: str = "large-model/lora.md") -> list[str]:
    with pytest.raises(KbsiteError) as info:
        parse_note(rel, text, CONFIG)
    return [str(d) for d in info.value.diagnostics]


def test_reads_every_front_matter_key() -> None:
    note = parse(
        "---\ntitle: LoRA：低秩适配\ncategory: Large Model\ndate: 2026-01-11 09:30\n"
        "updated: 2026-02-01\nsummary: 一句话。\ntags: [LoRA, 微调]\ndraft: true\nslug: my-lora\n"
        "---\n\n正文\n"
    )
    assert note.title == "LoRA：低秩适配"
    assert note.category == "Large Model"
    assert note.date == datetime(2026, 1, 11, 9, 30, tzinfo=note.date.tzinfo)
    assert note.date.utcoffset() == timedelta(hours=8)
    assert note.updated is not None and note.updated.date().isoformat() == "2026-02-01"
    assert (note.summary, note.tags, note.draft, note.slug) == (
        "一句话。",
        ("LoRA", "微调"),
        True,
        "my-lora",
    )
    assert note.body == "\n正文\n"
    assert note.body_line == 11


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-01-11", datetime(2026, 1, 11, tzinfo=SHANGHAI)),
        ("2026-01-11 09:30", datetime(2026, 1, 11, 9, 30, tzinfo=SHANGHAI)),
        ("2026-01-11 09:30:05", datetime(2026, 1, 11, 9, 30, 5, tzinfo=SHANGHAI)),
        (
            "2026-01-11T09:30:00+02:00",
            datetime(2026, 1, 11, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2026-01-11T01:30:00Z", datetime(2026, 1, 11, 1, 30, tzinfo=UTC)),
        ("'2026-1-5 9:05'", datetime(2026, 1, 5, 9, 5, tzinfo=SHANGHAI)),
    ],
)
def test_reads_dates_timezone_aware(written: str, expected: datetime) -> None:
    note = parse(f"---\ncategory: Large Model\ndate: {written}\n---\nx\n")
    assert note.date == expected
    assert note.date.tzinfo is not None


def test_title_defaults_to_first_heading_then_file_name() -> None:
    note = parse("---\ndate: 2026-01-01\n---\n\n# 扩散模型简介\n\n正文\n")
    assert note.title == "扩散模型简介"
    assert "扩散模型简介" not in note.body  # the heading became the title, not a second h1
    assert note.body_line == 6
    assert (
        parse("---\ndate: 2026-01-01\n---\n正文\n", rel="large-model/flash-attn.md").title
        == "flash-attn"
    )


def test_category_defaults_to_folder_by_name_or_slug() -> None:
    assert parse("---\ndate: 2026-01-01\n---\nx\n", rel="cv/detr.md").category == "Computer Vision"
    assert (
        parse("---\ndate: 2026-01-01\n---\nx\n", rel="large-model/a.md").category == "Large Model"
    )


def test_tags_as_comma_separated_text() -> None:
    note = parse("---\ndate: 2026-01-01\ntags: LoRA, 微调，PEFT, LoRA\n---\nx\n")
    assert note.tags == ("LoRA", "微调", "PEFT")


def test_accepts_bom_and_crlf() -> None:
    note = parse("\ufeff---\r\ntitle: 标题\r\ndate: 2026-01-01\r\n---\r\n正文\r\n")
    assert (note.title, note.body) == ("标题", "正文\n")


def warnings_of(text: str, rel: str = "large-model/lora.md") -> tuple[Note, list[str]]:
    note, found = parse_note(rel, text, CONFIG)
    return note, [str(d) for d in found]


def test_note_without_front_matter_is_undated() -> None:
    # The build dates it from git history, or warns that it is undated (load_content).
    assert warnings_of("# 标题\n\n正文\n") == (parse("# 标题\n\n正文\n"), [])
    assert parse("# 标题\n\n正文\n").date is None


def test_unknown_category_lists_known_ones() -> None:
    assert errors(
        "---\ntitle: D\ncategory: Computer Visoin\ndate: 2026-01-01\n---\nx\n", rel="cv/d.md"
    ) == [
        "content/cv/d.md:3:1: category: unknown category 'Computer Visoin' "
        "(did you mean 'Computer Vision'?); declared in site.yaml: Large Model, Computer Vision"
    ]


def test_unknown_folder_category() -> None:
    assert errors("---\ndate: 2026-01-01\n---\nx\n", rel="misc/d.md") == [
        "content/misc/d.md:1: category: unknown category 'misc'; declared in site.yaml: "
        "Large Model, Computer Vision (taken from the note's folder)"
    ]


def test_bad_date_and_empty_note_are_warnings_reported_together() -> None:
    # Both cost only their note (issue 23): the note is undated, and left out as empty.
    note, found = warnings_of("---\ntitle: A\ndate: 2026-02-30\ntags: [a]\n---\n\n")
    assert sorted(found) == [
        "content/large-model/lora.md:3:1: warning: date: invalid date '2026-02-30': day is out "
        "of range for month; use 2026-01-11, 2026-01-11 09:30, or 2026-01-11T09:30:00+08:00; "
        "the date is ignored",
        "content/large-model/lora.md:6: warning: note has no text, so it is left out; write "
        "something below the front matter",
    ]
    assert note.date is None and not note.body.strip()


def test_unreadable_date_format() -> None:
    note, found = warnings_of("---\ndate: yesterday\n---\nx\n")
    assert found == [
        "content/large-model/lora.md:2:1: warning: date: cannot read date 'yesterday'; use "
        "2026-01-11, 2026-01-11 09:30, or 2026-01-11T09:30:00+08:00; the date is ignored"
    ]
    assert note.date is None


def test_yaml_syntax_error_line_counts_from_top_of_file() -> None:
    assert errors("---\ntitle: A\ndate: 2026-01-01\ntitle: [x\n---\nbody\n") == [
        "content/large-model/lora.md:5:1: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 4)"
    ]


def test_wrong_types_are_errors() -> None:
    assert errors("---\ndate: 2026-01-01\ndraft: maybe\ntags: {a: 1}\n---\nx\n") == [
        "content/large-model/lora.md:3:1: draft: expected true or false, got text",
        "content/large-model/lora.md:4:1: tags: expected a list or comma-separated text, got a mapping",
    ]


def test_unclosed_front_matter() -> None:
    assert errors("---\ntitle: A\n\nbody\n") == [
        "content/large-model/lora.md:1: front matter opened with '---' is never closed; "
        "add a '---' line after it"
    ]


def test_misspelled_key_is_a_warning_other_tools_keys_are_silent() -> None:
    note, warnings = parse_note(
        "large-model/a.md", "---\ndate: 2026-01-01\ntilte: A\nlayout: post\n---\nx\n", CONFIG
    )
    assert [str(w) for w in warnings] == [
        "content/large-model/a.md:3:1: warning: tilte: unknown key (did you mean 'title'?)"
    ]
    assert note.title == "a"


def test_load_content_reports_every_file_and_copies_assets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path
    (root / "content/cv").mkdir(parents=True)
    (root / "content/cv/good.md").write_text("---\ndate: 2026-01-01\n---\nok\n", encoding="utf-8")
    (root / "content/cv/fig.svg").write_text("<svg/>", encoding="utf-8")
    (root / "content/cv/bad.md").write_bytes(b"---\ndate: 2026-01-01\n---\n\xff\xfe oops\n")
    (root / "content/cv/.hidden.md").write_text("ignored", encoding="utf-8")
    (root / "content/cv/draft.md~").write_text("editor backup", encoding="utf-8")
    config = parse_config(
        "title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=root
    )
    monkeypatch.chdir(root)
    content, problems = load_content(config)
    assert [n.rel_path for n in content.notes] == ["cv/good.md"]
    assert [a.rel_path for a in content.assets] == ["cv/fig.svg"]
    assert [str(p) for p in problems] == [
        "content/cv/bad.md:4: not valid UTF-8; re-save the file as UTF-8"
    ]


def test_parsing_in_worker_processes_gives_the_same_notes_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "content/cv").mkdir(parents=True)
    for i in range(12):
        text = f"---\ntitle: 笔记 {i}\ndate: 2026-01-{i + 1:02d}\n---\n正文 {i}\n"
        (tmp_path / f"content/cv/n{i:02d}.md").write_text(text, encoding="utf-8")
    (tmp_path / "content/cv/n05.md").write_text("---\ndate: 2026-13-01\n---\n", encoding="utf-8")
    config = parse_config(
        "title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=tmp_path
    )
    monkeypatch.chdir(tmp_path)
    alone = load_content(config, jobs=1)
    forked = load_content(config, jobs=2, tuning=Tuning(parallel_reads=4))
    assert forked == alone
    assert [n.rel_path for n in forked[0].notes][:5] == [f"cv/n{i:02d}.md" for i in range(5)]
    assert "cv/n05.md" not in [n.rel_path for n in forked[0].notes]  # it has no text
    assert str(min(forked[1])).startswith("content/cv/n05.md:2:1: warning: date:")


def test_note_bodies_are_the_bodies_the_build_parses(tmp_path: Path) -> None:
    """The formula process's first look at the notes (kbsite.load.content.note_bodies): each note's
    body as parse_note reads it, without the YAML parsed; files that are not notes skipped."""
    content = tmp_path / "content"
    (content / "cv" / ".drafts").mkdir(parents=True)
    texts = {
        "cv/detr.md": "---\ntitle: DETR\ncategory: CV\ndate: 2024-01-02\n---\n二分匹配 $\\sigma$。\n",
        "cv/crlf.md": "\ufeff---\r\ntitle: W\r\ndate: 2024-01-02\r\n---\r\n第一行\r\n第二行 $x$\r\n",
        "cv/toml.md": "+++\ntitle = 'T'\ndate = 2024-01-02\n+++\n正文 $$y$$\n",
    }
    for rel, text in texts.items():
        (content / rel).write_bytes(text.encode("utf-8"))
    (content / "cv" / "latin1.md").write_bytes("---\ntitle: café\n---\n$z$\n".encode("latin-1"))
    (content / "cv" / ".hidden.md").write_text("---\n---\n$h$\n", encoding="utf-8")
    (content / "cv" / ".drafts" / "d.md").write_text("---\n---\n$d$\n", encoding="utf-8")
    (content / "cv" / "detr.png").write_bytes(b"\x89PNG")
    config = parse_config("title: T\nbase_url: https://e.com/\ncategories: [CV]\n", root=tmp_path)
    bodies = dict(kbsite.load.content.note_bodies(content))
    assert list(bodies) == ["cv/crlf.md", "cv/detr.md", "cv/toml.md"]  # the build's order
    for rel, text in texts.items():
        assert bodies[rel] == parse_note(rel, text, config)[0].body
    assert bodies["cv/crlf.md"] == "第一行\n第二行 $x$\n"
