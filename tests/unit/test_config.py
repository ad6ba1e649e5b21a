"""site.yaml validation: every problem named with its key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbsite.config.siteconfig import parse_config
from kbsite.errors import KbsiteError

ROOT = Path("/site")


def errors_of(text: str) -> list[str]:
    with pytest.raises(KbsiteError) as info:
        parse_config(text, root=ROOT)
    return [str(d) for d in info.value.diagnostics]


def test_reads_a_complete_config() -> None:
    config = parse_config(
        "title: 笔记\nbase_url: https://user.github.io/notes\nlanguage: en\npaginate: 5\n"
        "categories:\n  - name: Large Model\n  - name: 3D Model\n    slug: three-d\n"
        "    description: 三维。\nmenu:\n  - title: About\n    url: /about/\n",
        root=ROOT,
    )
    assert config.base_url == "https://user.github.io/notes/"
    assert config.base_path == "/notes/"
    assert [(c.name, c.slug) for c in config.categories] == [
        ("Large Model", "large-model"),
        ("3D Model", "three-d"),
    ]
    assert config.categories[1].description == "三维。"
    assert config.menu[0].url == "/about/"
    assert config.paginate == 5
    assert config.language == "en"


def test_defaults() -> None:
    config = parse_config("title: T\nbase_url: https://example.com\n", root=ROOT)
    assert (config.language, config.paginate, config.summary_length, config.output) == (
        "zh-CN",
        12,
        160,
        "public",
    )
    assert config.base_path == "/"


def test_rejects_unknown_key_with_suggestion_and_line() -> None:
    assert errors_of("title: T\nbase_url: https://e.com/\npaginat: 3\n") == [
        "site.yaml:3:1: paginat: unknown key (did you mean 'paginate'?); known keys: title, "
        "description, author, base_url, language, timezone, paginate, summary_length, output, "
        "categories, menu, search, math, urls, footnotes, bibliography, citation_style, notebook_scripts"
    ]


def test_rejects_wrong_types() -> None:
    assert errors_of("title: T\nbase_url: https://e.com/\npaginate: many\nmenu: x\n") == [
        "site.yaml:3:1: paginate: expected a whole number, got text",
        "site.yaml:4:1: menu: expected a list, got text",
    ]


@pytest.mark.parametrize(
    "url", ["user.github.io/notes", "ftp://host/", "https://", "https://h/?q=1", "/notes/"]
)
def test_rejects_malformed_base_url(url: str) -> None:
    (message,) = errors_of(f"title: T\nbase_url: '{url}'\n")
    assert message.startswith(f"site.yaml:2:1: base_url: malformed base_url '{url}'")


def test_reports_all_problems_at_once_sorted_by_line() -> None:
    messages = errors_of(
        "language: zh\ntimezone: Mars/Olympus\ncategories:\n  - name: A\n    slug: A B\n"
    )
    assert messages == [
        "site.yaml:1: base_url: missing required key 'base_url'",
        "site.yaml:1: title: missing required key 'title'",
        "site.yaml:1:1: language: unsupported language 'zh'; supported: zh-CN, en",
        "site.yaml:2:1: timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as "
        "Asia/Shanghai or UTC)",
        "site.yaml:5:5: categories.0.slug: slug 'A B' is not URL-safe; try 'a-b'",
    ]


def test_rejects_unknown_category_field_and_duplicates() -> None:
    messages = errors_of(
        "title: T\nbase_url: https://e.com/\ncategories:\n  - name: CV\n    descripton: x\n"
        "  - name: A\n    slug: a\n  - name: a\n"
    )
    assert messages == [
        "site.yaml:5:5: categories.0.descripton: unknown key (did you mean 'description'?); "
        "known keys: name, slug, description",
        "site.yaml:8:5: categories.2: category 'a' is declared twice (first at line 6)",
    ]


def test_bad_yaml_names_the_line() -> None:
    assert errors_of("title: T\nbase_url: [\n") == [
        "site.yaml:3:1: invalid YAML: did not find expected node content"
    ]
    assert errors_of("title: T\ntags: [a, b\nbase_url: x\n") == [
        "site.yaml:3:9: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence started at line 2)"
    ]


def test_base_url_override_is_validated() -> None:
    config = parse_config(
        "title: T\nbase_url: https://e.com/\n", root=ROOT, base_url="http://127.0.0.1:8000/x"
    )
    assert config.base_url == "http://127.0.0.1:8000/x/"
    with pytest.raises(KbsiteError) as info:
        parse_config("title: T\nbase_url: https://e.com/\n", root=ROOT, base_url="nope")
    assert str(info.value.diagnostics[0]).startswith("--base-url: malformed base_url 'nope'")


def test_reads_site_wide_math_macros() -> None:
    config = parse_config(
        "title: T\nbase_url: https://e.com/\nmath:\n  macros:\n"
        '    "\\\\E": "\\\\mathbb{E}"\n    norm: "\\\\lVert #1 \\\\rVert"\n',
        root=ROOT,
    )
    assert config.math_macros == (("E", r"\mathbb{E}"), ("norm", r"\lVert #1 \rVert"))


def test_rejects_bad_math_macros_with_their_lines() -> None:
    assert errors_of(
        "title: T\nbase_url: https://e.com/\nmath:\n  macro: {}\n  macros:\n"
        '    "\\\\x1": "y"\n    ok: 3\n'
    ) == [
        "site.yaml:4:3: math.macro: unknown key (did you mean 'macros'?); known keys: macros",
        "site.yaml:6:5: math.macros.\\x1: macro name '\\x1' must be letters, such as \\E or \\norm",
        "site.yaml:7:5: math.macros.ok: expected the macro's TeX as text, got a number",
    ]


def test_bibliography_files_must_exist_and_the_style_be_known(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text("", encoding="utf-8")
    text = (
        "title: T\nbase_url: https://e.com/\nbibliography:\n  - refs.bib\n  - missing.bib\n"
        "citation_style: author-date\n"
    )
    with pytest.raises(KbsiteError) as caught:
        parse_config(text, root=tmp_path)
    assert [str(d) for d in caught.value.diagnostics] == [
        "site.yaml:5:5: bibliography.1: no bibliography file 'missing.bib' (paths are relative "
        "to the site folder)",
        "site.yaml:6:1: citation_style: unknown citation style 'author-date' (did you mean "
        "'author-year'?); use numeric, author-year, gb-t-7714-2015",
    ]


def test_the_citation_style_defaults_to_the_language(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text("", encoding="utf-8")
    base = "title: T\nbase_url: https://e.com/\nbibliography: refs.bib\n"
    assert parse_config(base, root=tmp_path).style == "gb-t-7714-2015"
    english = parse_config(base + "language: en\n", root=tmp_path)
    assert (english.style, english.bibliography) == ("author-year", ("refs.bib",))
    chosen = parse_config(base + "citation_style: numeric\n", root=tmp_path)
    assert chosen.style == "numeric"


def test_a_category_may_not_take_a_page_of_the_site_itself() -> None:
    """/tags/, /papers/, /page/2/ ... are the site's own: a category there would overwrite
    them. A slug written out is an error; one made from the name steps aside."""
    head = "title: T\nbase_url: https://e.com/\ncategories:\n"
    assert errors_of(head + "  - {name: 标签, slug: tags}\n") == [
        "site.yaml:4:16: categories.0.slug: slug 'tags' is the site's own /tags/ page; "
        "try 'tags-notes'"
    ]
    config = parse_config(head + "  - name: Papers\n  - name: Page\n", root=ROOT)
    assert [c.slug for c in config.categories] == ["papers-notes", "page-notes"]
    auto = parse_config("title: T\nbase_url: https://e.com/\ncategories: auto\n", root=ROOT)
    found = auto.category_for("Archive")
    assert found is not None and found.slug == "archive-notes"
