"""Rewriting the links of rendered HTML: every href, src and srcset, and nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbsite.site.links import _ATTR, _attributes, apply_rewrites

PIECES = st.sampled_from(
    ['href="', 'src="', 'srcset="', '"', " ", "\n", "\t", "\u3000", "\x1c", "\xa0", "a.md", "x",
     "=", "<a", ">", "data-", "&amp;", "图.png 2x, b.png"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map("".join))
def test_attributes_are_found_as_the_regex_finds_them(html: str) -> None:
    """The str.find shortcut must yield exactly the regex's matches, overlaps and all."""
    assert [m.span() for m in _attributes(html)] == [m.span() for m in _ATTR.finditer(html)]


def test_only_the_links_with_a_rewrite_change() -> None:
    html = (
        '<p><a href="a.md">A</a> <a href="https://e.org/a.md">e</a> <img src="p.png" '
        'srcset="p.png 1x, q.png 2x" alt="a.md"><code>href="a.md"</code></p>\n'
        '<a\nhref="a.md#x">x</a><a data-href="a.md">d</a>'
    )
    rewrites = (("a.md", "/notes/a/"), ("p.png", "/notes/p.png"), ("a.md#x", "/notes/a/#x"))
    assert apply_rewrites(html, rewrites) == (
        '<p><a href="/notes/a/">A</a> <a href="https://e.org/a.md">e</a> <img src="/notes/p.png" '
        'srcset="/notes/p.png 1x, q.png 2x" alt="a.md"><code>href="a.md"</code></p>\n'
        '<a\nhref="/notes/a/#x">x</a><a data-href="a.md">d</a>'
    )
    assert apply_rewrites(html, ()) is html
