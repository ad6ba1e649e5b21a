"""Links to headings as written: `#TD（λ）`, `#Policy Gradient`, `[[note#heading]]`, `a.md#小节`."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbsite.config.siteconfig import SiteConfig
from kbsite.render.anchors import heading_id, match_anchor
from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas
from kbsite.render.syntax.wikilinks import WikiTarget, wiki_href
from kbsite.render.tokeninfo import Link
from kbsite.site.links import resolve_links
from kbsite.site.linktarget import LinkTarget
from kbsite.site.wikiindex import build_wiki_index

IDS = ("tdλ", "policy-gradient", "策略梯度", "intro", "intro-1", "td-λ", "fn1")


@pytest.mark.parametrize(
    ("fragment", "found"),
    [
        ("TD（λ）", "tdλ"),  # full-width punctuation, upper case
        ("Policy Gradient", "policy-gradient"),  # as the heading reads
        ("policy-gradient", "policy-gradient"),  # the id itself
        ("Policy-Gradient", "policy-gradient"),
        ("policy_gradient", "policy-gradient"),  # looser: letters and digits only
        ("Policy  Gradient", "policy-gradient"),
        ("策略梯度", "策略梯度"),
        ("intro-1", "intro-1"),  # the second "Intro" by its numbered id
        ("Intro", "intro"),
        ("TD λ", "td-λ"),  # its own slug first...
        ("td_λ", "tdλ"),  # ...and of two loose matches, the first heading
        ("fn1", "fn1"),
        ("价值函数", None),
        ("", None),
        ("（）", None),
    ],
)
def test_a_fragment_finds_its_heading_whatever_the_case_spacing_or_punctuation(
    fragment: str, found: str | None
) -> None:
    assert match_anchor(fragment, IDS) == found


def test_heading_ids_are_github_style() -> None:
    assert heading_id(" TD（λ） ") == "tdλ"
    assert heading_id("Policy Gradient") == "policy-gradient"


BODY = """\
# TD（λ）

## Policy Gradient

见 [TD](#TD（λ）)、[PG](<#Policy Gradient>)、[pg](#policy-gradient)、[PG2](#Policy-Gradient)，
[脚注](#fn1)，[顶部](#top)，[自定义](#my-box) 和 [缺失](#价值函数)。

<div id="my-box"></div>
"""


def test_links_within_a_note_point_at_the_real_id_and_broken_ones_are_warned(
    formulas: Formulas,
) -> None:
    result = render_markdown(
        BODY + "\n脚注[^1]\n\n[^1]: 说明\n", math=formulas, path="content/n.md", first_line=3
    )
    html = result.html
    assert '<a href="#td%CE%BB">TD</a>' not in html
    assert '<a href="#tdλ">TD</a>' in html
    assert '<a href="#policy-gradient">PG</a>' in html
    assert (
        '<a href="#policy-gradient">pg</a>' in html and '<a href="#policy-gradient">PG2</a>' in html
    )
    assert '<a href="#fn1">脚注</a>' in html and '<a href="#top">顶部</a>' in html
    assert '<a href="#my-box">自定义</a>' in html
    assert [str(d) for d in result.diagnostics] == [
        "content/n.md:8: warning: link: link '#价值函数': no such heading in this note "
        "(its headings: tdλ, policy-gradient, fn1)"
    ]


CONFIG = SiteConfig(root=Path("/site"), title="T", base_url="https://u.github.io/notes/")
NOTES = {"rl/td.md": LinkTarget("/rl/td/", ("tdλ", "策略梯度", "policy-gradient"))}


def resolve(href: str) -> tuple[dict[str, str], list[str]]:
    rewrites, problems = resolve_links(
        config=CONFIG,
        source="content/rl/intro.md",
        rel_path="rl/intro.md",
        links=(Link(href, 9, "link"),),
        notes=NOTES,
        assets=frozenset(),
        wiki=build_wiki_index([("rl/td.md", "时序差分", "td")]),
    )
    return dict(rewrites), [str(p) for p in problems]


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("td.md#TD%EF%BC%88%CE%BB%EF%BC%89", "/notes/rl/td/#tdλ"),
        ("td.md#Policy%20Gradient", "/notes/rl/td/#policy-gradient"),
        (
            "td.md#%E7%AD%96%E7%95%A5%E6%A2%AF%E5%BA%A6",
            "/notes/rl/td/#%E7%AD%96%E7%95%A5%E6%A2%AF%E5%BA%A6",
        ),
        (wiki_href(WikiTarget("时序差分", "TD（λ）")), "/notes/rl/td/#tdλ"),
        (wiki_href(WikiTarget("td", "Policy Gradient")), "/notes/rl/td/#policy-gradient"),
    ],
)
def test_links_to_another_notes_heading_point_at_its_id(href: str, url: str) -> None:
    assert resolve(href) == ({href: url}, [])


def test_a_broken_anchor_in_another_note_is_a_warning_and_the_link_reaches_its_top() -> None:
    rewrites, problems = resolve("td.md#价值函数")
    assert rewrites == {"td.md#价值函数": "/notes/rl/td/"}
    assert problems == [
        "content/rl/intro.md:9: warning: link: link 'td.md#价值函数': no heading '#价值函数' in "
        "content/rl/td.md (its headings: tdλ, 策略梯度, policy-gradient)"
    ]


def test_an_id_written_in_raw_html_wins_over_a_heading_that_looks_alike(formulas: Formulas) -> None:
    body = '# Intro\n\n<a id="Intro"></a>\n\n[上面](#Intro)\n'
    result = render_markdown(body, math=formulas, path="content/n.md", first_line=1)
    assert '<a href="#Intro">上面</a>' in result.html
    assert result.diagnostics == ()
