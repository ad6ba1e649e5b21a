"""Arbitrary text and front matter: every stage succeeds or reports errors with file and line."""

from __future__ import annotations

import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slugify import slugify

from kbsite.config.siteconfig import category_slug, parse_config
from kbsite.errors import KbsiteError
from kbsite.load.content import parse_note
from kbsite.load.dates import DateError, parse_date
from kbsite.render.excerpt import make_excerpt, reading_minutes
from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.tokeninfo import TextRun
from kbsite.site.index import tag_for

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/\ntimezone: Asia/Shanghai\n"
    "categories:\n  - name: Large Model\n  - name: 计算机视觉\n",
    root=Path("/site"),
)
AUTO = parse_config("title: T\nbase_url: https://e.com/\ncategories: auto\n", root=Path("/s"))
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like notes: Chinese, Latin, Markdown and TeX punctuation, and odd characters.
ALPHABET = st.sampled_from(
    list("中文注意力机制。，！？「」") + list(string.ascii_letters + string.digits)
    + list(" \t\n\n\n#*_`$\\{}[]()<>!|-+=~:>%&\"'/^.,;@") + ["\r", "\x00", "\ufeff", "🤖", "\u200b"]
)  # fmt: skip
TEXT = st.text(ALPHABET, max_size=400)
KEYS = st.sampled_from(
    [
        "title",
        "category",
        "categories",
        "date",
        "updated",
        "lastmod",
        "tags",
        "summary",
        "description",
        "draft",
        "published",
        "slug",
        "permalink",
        "url",
        "aliases",
        "redirect_from",
        "layout",
        "tilte",
    ]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 3000), st.floats(allow_nan=True),
    st.sampled_from(["2026-01-11", "2026/1/2 9:30", "2026-02-30", "Large Model", "计算机视觉", "/a/b/", "x: y", "'", "- a", "[a, [b]]", "{a: 1}", "&a x", "*a"]),
    TEXT,
)  # fmt: skip
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3), max_leaves=6)


def check_diagnostics(error: KbsiteError, source: str, text: str) -> None:
    """Every diagnostic names the file, and a line within it (1-based)."""
    lines = text.count("\n") + text.count("\r") + 2
    assert error.diagnostics
    for diagnostic in error.diagnostics:
        assert diagnostic.location.path == source
        assert 1 <= diagnostic.location.line <= lines, diagnostic


def yaml_line(key: str, value: object) -> str:
    if isinstance(value, list):
        return f"{key}:\n" + "".join(f"  - {item!r}\n" for item in value)
    return f"{key}: {value}\n"


@FAST
@given(st.lists(st.tuples(KEYS, VALUES), max_size=8), TEXT, st.sampled_from(["---", "+++"]))
def test_parse_note_accepts_or_reports_with_a_line(
    fields: list[tuple[str, object]], body: str, fence: str
) -> None:
    if fence == "---":
        front = "".join(yaml_line(k, v) for k, v in fields)
    else:
        front = "".join(f"{k} = {v!r}\n" for k, v in fields)
    text = f"{fence}\n{front}{fence}\n{body}"
    for config in (CONFIG, AUTO):
        try:
            note, warnings = parse_note("large-model/n.md", text, config)
        except KbsiteError as exc:
            check_diagnostics(exc, "content/large-model/n.md", text)
            continue
        assert note.slug and note.slug == slugify(note.slug)
        assert note.title.strip()
        assert note.date is None or 1000 <= note.date.year <= 9998  # None: undated (issue 23)
        assert all(a.startswith("/") for a in note.aliases)
        for warning in warnings:
            assert warning.location.path == "content/large-model/n.md"


@FAST
@given(TEXT)
def test_parse_note_of_any_text(text: str) -> None:
    try:
        parse_note("large-model/n.md", text, CONFIG)
    except KbsiteError as exc:
        check_diagnostics(exc, "content/large-model/n.md", text)


@FAST
@given(TEXT, st.integers(1, 50))
def test_render_markdown_never_raises(formulas: Formulas, body: str, first_line: int) -> None:
    result = render_markdown(body, math=formulas, path="content/n.md", first_line=first_line)
    last = first_line + body.count("\n") + body.count("\r") + 1
    for item in (*result.links, *result.diagnostics):
        line = item.line if hasattr(item, "line") else item.location.line
        assert first_line <= line <= last
    assert 0 <= result.excerpt_runs <= len(result.text)
    reading_minutes(result.text)


@FAST
@given(st.lists(st.tuples(TEXT, st.booleans()), max_size=8), st.integers(20, 400))
def test_excerpt_fits_its_limit(runs: list[tuple[str, bool]], limit: int) -> None:
    text_runs = [TextRun(text, atomic) for text, atomic in runs]
    excerpt = make_excerpt(text_runs, limit)
    assert len(excerpt) <= limit


@FAST
@given(st.text(max_size=80))
def test_slugs_are_url_safe_or_empty(name: str) -> None:
    slug = slugify(name)
    assert slug == slugify(slug)
    assert all(c in string.ascii_lowercase + string.digits + "-" for c in slug)
    tag = tag_for(name)
    assert tag.slug and "/" not in tag.slug and tag.slug.strip() == tag.slug
    category = category_slug(name)
    assert "/" not in category and category.strip() == category


@FAST
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.none(), st.booleans()))
def test_parse_date_returns_a_date_or_date_error(value: object) -> None:
    try:
        parsed = parse_date(value, CONFIG.tzinfo)
    except DateError:
        return
    assert parsed.tzinfo is not None
    parsed.timestamp()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.tuples(KEYS, VALUES), max_size=5), TEXT), max_size=3))
def test_a_whole_build_succeeds_or_reports_errors(
    notes: list[tuple[list[tuple[str, object]], str]],
) -> None:
    import tempfile

    from kbsite.build import Builder, BuildOptions

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "site.yaml").write_text(
            "title: T\nbase_url: https://e.com/x/\ncategories:\n  - name: Large Model\n",
            encoding="utf-8",
        )
        (site / "content/large-model").mkdir(parents=True)
        for number, (fields, body) in enumerate(notes):
            front = "".join(yaml_line(k, v) for k, v in fields)
            text = f"---\ndate: 2026-01-0{number + 1}\n{front}---\n{body}"
            (site / f"content/large-model/n{number}.md").write_text(text, encoding="utf-8")
        try:
            Builder(BuildOptions(site_dir=site, jobs=1, cache=False)).build()
        except KbsiteError as exc:
            assert all(d.location.path for d in exc.diagnostics)
