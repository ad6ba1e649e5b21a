"""Front matter as Hexo, Jekyll, Hugo and Obsidian write it: keys, TOML, dates, aliases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kbsite.config.siteconfig import SiteConfig, parse_config
from kbsite.errors import KbsiteError
from kbsite.load.content import Note, parse_note, settle_categories
from kbsite.load.dates import DateError, parse_date

CONFIG = parse_config(
    "title: T\nbase_url: https://e.com/\ntimezone: Asia/Shanghai\n"
    "categories:\n  - name: Large Model\n  - name: Computer Vision\n    slug: cv\n",
    root=Path("/site"),
)
AUTO = parse_config(
    "title: T\nbase_url: https://e.com/\ntimezone: Asia/Shanghai\ncategories: auto\n",
    root=Path("/site"),
)
SHANGHAI = timezone(timedelta(hours=8))


def parse(text: str, rel: str = "large-model/lora.md", config: SiteConfig = CONFIG) -> Note:
    note, _ = parse_note(rel, text, config)
    return note


def warnings(text: str, rel: str = "large-model/lora.md", config: SiteConfig = CONFIG) -> list[str]:
    _, found = parse_note(rel, text, config)
    return [str(d) for d in found]


def errors(text: str, rel: str = "large-model/lora.md", config: SiteConfig = CONFIG) -> list[str]:
    with pytest.raises(KbsiteError) as info:
        parse_note(rel, text, config)
    return [str(d) for d in info.value.diagnostics]


# --- categories -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "categories: Computer Vision",
        "categories: [Computer Vision, Detection]",
        "categories:\n  - [Computer Vision, Detection]\n  - [Large Model]",
        "categories:\n  - cv\n  - Detection",
    ],
)
def test_categories_as_string_list_or_hexo_hierarchy(written: str) -> None:
    note = parse(f"---\ndate: 2026-01-01\n{written}\n---\nx\n")
    assert note.category == "Computer Vision"


def test_empty_categories_fall_back_to_the_folder() -> None:
    assert parse("---\ndate: 2026-01-01\ncategories: []\n---\nx\n").category == "Large Model"


def test_category_and_categories_singular_wins_with_a_warning() -> None:
    text = "---\ndate: 2026-01-01\ncategories: [Large Model]\ncategory: cv\n---\nx\n"
    assert parse(text).category == "Computer Vision"
    assert warnings(text) == [
        "content/large-model/lora.md:3:1: warning: categories: both `category` and "
        "`categories` are given; using `category`"
    ]


def test_unknown_category_in_categories_points_at_its_line() -> None:
    assert errors("---\ndate: 2026-01-01\ncategories: [Visoin]\n---\nx\n") == [
        "content/large-model/lora.md:3:1: categories: unknown category 'Visoin'; "
        "declared in site.yaml: Large Model, Computer Vision"
    ]


def test_auto_categories_accept_any_name_and_order_by_note_count() -> None:
    texts = {
        "a/1.md": "---\ndate: 2026-01-01\ncategories: 强化学习\n---\nx\n",
        "a/2.md": "---\ndate: 2026-01-01\ncategory: NLP\n---\nx\n",
        "a/3.md": "---\ndate: 2026-01-01\ncategory: nlp\n---\nx\n",
        "b/4.md": "---\ndate: 2026-01-01\n---\nx\n",
        "c/5.md": "---\ndate: 2026-01-01\ncategory: Agents\n---\nx\n",
    }
    notes = [parse(text, rel, AUTO) for rel, text in texts.items()]
    config, settled = settle_categories(AUTO, notes)
    assert [(c.name, c.slug) for c in config.categories] == [
        ("NLP", "nlp"),
        ("Agents", "agents"),
        ("b", "b"),
        ("强化学习", "qiang-hua-xue-xi"),
    ]
    assert [n.category for n in settled] == ["强化学习", "NLP", "NLP", "b", "Agents"]


def test_declared_categories_are_left_alone_by_settle() -> None:
    note = parse("---\ndate: 2026-01-01\n---\nx\n")
    assert settle_categories(CONFIG, [note]) == (CONFIG, [note])


def test_auto_rejects_a_category_without_letters() -> None:
    assert errors("---\ndate: 2026-01-01\ncategory: '---'\n---\nx\n", config=AUTO) == [
        "content/large-model/lora.md:3:1: category: cannot make a URL slug from category "
        "'---'; use a name with letters or digits"
    ]


def test_site_yaml_categories_must_be_a_list_or_auto() -> None:
    with pytest.raises(KbsiteError) as info:
        parse_config("title: T\nbase_url: https://e.com/\ncategories: all\n", root=Path("/s"))
    assert [str(d) for d in info.value.diagnostics] == [
        "site.yaml:3:1: categories: expected a list of categories or `auto`, got 'all'"
    ]


# --- tags, summary, draft, updated ----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("tags: [LoRA, 微调]", ("LoRA", "微调")),
        ("tags: LoRA", ("LoRA",)),
        ("tags: LoRA, 微调，PEFT、量化", ("LoRA", "微调", "PEFT", "量化")),
        ("tags:\n  - LoRA\n  - 2024\n  - '#PEFT'", ("LoRA", "2024", "PEFT")),
        ("tags: 2024", ("2024",)),
        ("tags:", ()),
    ],
)
def test_tags_as_list_text_or_comma_list(written: str, expected: tuple[str, ...]) -> None:
    assert parse(f"---\ndate: 2026-01-01\n{written}\n---\nx\n").tags == expected


@pytest.mark.parametrize("key", ["summary", "description", "excerpt"])
def test_summary_description_or_excerpt(key: str) -> None:
    assert parse(f"---\ndate: 2026-01-01\n{key}: 一句话。\n---\nx\n").summary == "一句话。"


def test_summary_wins_over_description() -> None:
    note = parse("---\ndate: 2026-01-01\ndescription: meta\nsummary: 摘要\n---\nx\n")
    assert note.summary == "摘要"


@pytest.mark.parametrize(
    ("written", "draft"),
    [
        ("draft: true", True),
        ("draft: false", False),
        ("published: false", True),
        ("published: true", False),
        ("draft: 'true'", True),
        ("draft: false\npublished: false", True),
    ],
)
def test_draft_or_published(written: str, draft: bool) -> None:
    assert parse(f"---\ndate: 2026-01-01\n{written}\n---\nx\n").draft is draft


@pytest.mark.parametrize("key", ["updated", "lastmod", "last_modified_at", "modified"])
def test_updated_under_other_tools_names(key: str) -> None:
    note = parse(f"---\ndate: 2026-01-01\n{key}: 2026-02-03 10:00\n---\nx\n")
    assert note.updated == datetime(2026, 2, 3, 10, 0, tzinfo=SHANGHAI)


def test_empty_title_falls_back_to_heading() -> None:
    assert parse("---\ntitle:\ndate: 2026-01-01\n---\n# 标题\n\nx\n").title == "标题"


def test_created_is_a_date_for_obsidian() -> None:
    note = parse("---\ncreated: 2026-01-02\n---\nx\n")
    assert note.date == datetime(2026, 1, 2, tzinfo=SHANGHAI)


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-01-11", datetime(2026, 1, 11, tzinfo=SHANGHAI)),
        ("'2026-01-11 09:30'", datetime(2026, 1, 11, 9, 30, tzinfo=SHANGHAI)),
        ('"2026-01-11 9:30:05"', datetime(2026, 1, 11, 9, 30, 5, tzinfo=SHANGHAI)),
        ("2026/01/11 09:30", datetime(2026, 1, 11, 9, 30, tzinfo=SHANGHAI)),
        ("2026-01-11 09:30:00 +0800", datetime(2026, 1, 11, 9, 30, tzinfo=SHANGHAI)),
        ("2026-01-11T01:30:00Z", datetime(2026, 1, 11, 1, 30, tzinfo=UTC)),
        ("2026-01-11T09:30:00.000+08:00", datetime(2026, 1, 11, 9, 30, tzinfo=SHANGHAI)),
        (
            "2026-01-11T09:30:00-07:00",
            datetime(2026, 1, 11, 9, 30, tzinfo=timezone(timedelta(hours=-7))),
        ),
        ("2026年1月11日", datetime(2026, 1, 11, tzinfo=SHANGHAI)),
        ("Sun, 11 Jan 2026 09:30:00 +0800", datetime(2026, 1, 11, 9, 30, tzinfo=SHANGHAI)),
    ],
)
def test_dates_as_hexo_jekyll_hugo_write_them(written: str, expected: datetime) -> None:
    note = parse(f"---\ndate: {written}\n---\nx\n")
    assert note.date == expected


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "0999-01-01", "2026-01-11 25:00"])
def test_unreadable_dates_raise_date_error(value: str) -> None:
    with pytest.raises(DateError):
        parse_date(value, SHANGHAI)


def test_date_from_a_jekyll_file_name_and_slug_without_it() -> None:
    note = parse("---\ntitle: T\n---\nx\n", rel="cv/2024-03-05-detr-notes.md")
    assert (note.date, note.slug) == (datetime(2024, 3, 5, tzinfo=SHANGHAI), "detr-notes")


# --- TOML -----------------------------------------------------------------------------------


def test_toml_front_matter() -> None:
    note = parse(
        '+++\ntitle = "DETR 笔记"\ndate = 2026-01-11T09:30:00+08:00\ndraft = false\n'
        'categories = ["Computer Vision"]\ntags = ["DETR", "检测"]\n'
        "lastmod = 2026-02-01\n[params]\nmath = true\n+++\n\n正文\n"
    )
    assert (note.title, note.category, note.tags) == (
        "DETR 笔记",
        "Computer Vision",
        ("DETR", "检测"),
    )
    assert note.date == datetime(2026, 1, 11, 9, 30, tzinfo=SHANGHAI)
    assert note.updated == datetime(2026, 2, 1, tzinfo=SHANGHAI)
    assert note.body_line == 11


def test_toml_error_lines_count_from_the_top_of_the_file() -> None:
    assert errors('+++\ntitle = "A"\ndate = \n+++\nx\n') == [
        "content/large-model/lora.md:3: invalid TOML: Invalid value"
    ]
    assert errors('+++\ntitle = "A"\ndate = 2026-01-01\ntags = [a]\n\n+++\nx\n') == [
        "content/large-model/lora.md:4:9: invalid TOML: Invalid value"
    ]


def test_toml_value_errors_point_at_the_key() -> None:
    assert errors('+++\ndate = 2026-01-01\ndraft = "maybe"\n+++\nx\n') == [
        "content/large-model/lora.md:3:1: draft: expected true or false, got text"
    ]


def test_toml_unclosed() -> None:
    assert errors('+++\ntitle = "A"\n\nbody\n') == [
        "content/large-model/lora.md:1: front matter opened with '+++' is never closed; "
        "add a '+++' line after it"
    ]


# --- slugs, permalinks, aliases --------------------------------------------------------------


def test_permalink_last_segment_is_the_slug_and_old_path_an_alias() -> None:
    note = parse("---\ndate: 2026-01-01\npermalink: /2020/01/my-post/\n---\nx\n")
    assert (note.slug, note.aliases) == ("my-post", ("/2020/01/my-post/",))


def test_slug_wins_over_permalink_which_still_redirects() -> None:
    note = parse("---\ndate: 2026-01-01\nslug: a\npermalink: /posts/b.html\n---\nx\n")
    assert (note.slug, note.aliases) == ("a", ("/posts/b.html",))


def test_permalink_with_placeholders_warns_and_keeps_the_file_name() -> None:
    text = "---\ndate: 2026-01-01\npermalink: /:year/:title/\n---\nx\n"
    assert parse(text).slug == "lora"
    assert warnings(text) == [
        "content/large-model/lora.md:3:1: warning: permalink: cannot use permalink "
        "'/:year/:title/' (placeholders are not supported); using the file name; "
        "set `slug:` to choose the URL"
    ]


def test_aliases_are_normalised_site_paths() -> None:
    note = parse(
        "---\ndate: 2026-01-01\naliases:\n  - /old/lora\n  - posts/lora.html\n  - /old/lora/\n"
        "  - LoRA 笔记\nredirect_from: /x/\n---\nx\n"
    )
    assert note.aliases == ("/old/lora/", "/posts/lora.html")


def test_redirect_from_jekyll() -> None:
    assert parse("---\ndate: 2026-01-01\nredirect_from: /x/y\n---\nx\n").aliases == ("/x/y/",)


def test_bad_aliases_are_errors_at_their_line() -> None:
    assert errors(
        "---\ndate: 2026-01-01\naliases:\n  - https://old.com/a/\n  - /a/../../b/\n  - [x]\n---\nx\n"
    ) == [
        "content/large-model/lora.md:4:5: aliases.0: alias 'https://old.com/a/' must be a path "
        "on this site, such as /2020/01/old-post/",
        "content/large-model/lora.md:5:5: aliases.1: alias '/a/../../b/' is not a usable page path",
        "content/large-model/lora.md:6:5: aliases.2: expected a URL path, got a list",
    ]


def test_page_bundle_index_takes_its_folder_name() -> None:
    assert (
        parse("---\ndate: 2026-01-01\n---\nx\n", rel="cv/detr-notes/index.md").slug == "detr-notes"
    )


# --- YAML as people write it -----------------------------------------------------------------


def test_tabs_in_yaml_are_read_as_spaces_with_a_warning() -> None:
    text = "---\ntitle: A\ndate: 2026-01-01\ntags:\n\t- LoRA\n\t- PEFT\n---\nx\n"
    assert parse(text).tags == ("LoRA", "PEFT")
    assert warnings(text) == [
        "content/large-model/lora.md:5: warning: tab in YAML read as two spaces; "
        "YAML allows only spaces here"
    ]


def test_yaml_alias_bombs_and_recursion_do_not_hang() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    note = parse(f"---\ndate: 2026-01-01\n{bomb}---\nx\n")
    assert note.title == "lora"
    recursive = parse("---\ndate: 2026-01-01\nr: &r [*r]\n---\nx\n")
    assert recursive.title == "lora"


def test_deeply_nested_yaml_is_read_or_reported_never_a_crash() -> None:
    deep = "[" * 5000 + "]" * 5000
    try:
        parse(f"---\ndate: 2026-01-01\nx: {deep}\n---\nx\n")
    except KbsiteError as exc:
        assert all(d.location.path == "content/large-model/lora.md" for d in exc.diagnostics)
