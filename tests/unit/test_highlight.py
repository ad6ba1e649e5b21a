"""Tests for kbsite.render.highlight: code blocks and the Pygments stylesheet."""

from __future__ import annotations

import re

from kbsite.render.highlight import DARK_STYLE, LIGHT_STYLE, pygments_css, render_code_block


def test_known_language_is_highlighted_with_css_classes() -> None:
    html = render_code_block('x = "<b>"  # note\n', "python")
    assert html == (
        '<div class="code-block" data-lang="python"><div class="code-lang">python</div>'
        '<pre class="highlight"><code><span class="n">x</span> <span class="o">=</span> '
        '<span class="s2">"&lt;b&gt;"</span>  <span class="c1"># note</span>\n'
        "</code></pre></div>\n"
    )


def test_unknown_language_is_plain_escaped_code_with_its_label() -> None:
    html = render_code_block("a < b\n", "mermaid")
    assert html == (
        '<div class="code-block" data-lang="mermaid"><div class="code-lang">mermaid</div>'
        '<pre class="highlight"><code>a &lt; b\n</code></pre></div>\n'
    )


def test_no_language_has_no_label() -> None:
    html = render_code_block("\nplain & simple\n", "")
    assert html == (
        '<div class="code-block"><pre class="highlight"><code>\nplain &amp; simple\n'
        "</code></pre></div>\n"
    )


def test_language_label_is_escaped() -> None:
    assert 'data-lang="&lt;x&gt;"' in render_code_block("x\n", "<x>")


def test_stylesheet_has_light_rules_and_both_dark_selectors() -> None:
    css = pygments_css()
    assert ".highlight .c1 { color: #3D7B7B; font-style: italic }" in css
    dark_media = "@media (prefers-color-scheme: dark) {\n  :root:not([data-theme=light]) .highlight"
    assert dark_media in css
    assert "[data-theme=dark] .highlight .c1 { color: #8B949E; font-style: italic }" in css
    # Rules without the .highlight scope would restyle every <pre> on the page.
    assert all(".highlight" in line for line in css.splitlines() if "{ " in line)


def _contrast(fg: str, bg: str) -> float:
    def luminance(hex_colour: str) -> float:
        h = hex_colour.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _colour(css: str, selector: str, prop: str) -> str:
    match = re.search(re.escape(selector) + r" \{[^}]*?" + prop + r": (#[0-9A-Fa-f]+)", css)
    assert match, f"{selector} {prop} missing"
    return match[1]


def test_comments_are_readable_in_both_schemes() -> None:
    css = pygments_css()
    for prefix in (".highlight", "[data-theme=dark] .highlight"):
        bg = _colour(css, prefix, "background")
        fg = _colour(css, f"{prefix} .c1", "color")
        assert _contrast(fg, bg) >= 4.5, (prefix, fg, bg)


def test_every_light_colour_is_overridden_in_dark() -> None:
    css = pygments_css()
    light = set(re.findall(r"^\.highlight (\.\w+) \{[^}]*color:", css, re.M))
    dark = set(re.findall(r"^\[data-theme=dark\] \.highlight (\.\w+) \{[^}]*color:", css, re.M))
    assert light - dark == set(), f"light colours leak into dark mode ({LIGHT_STYLE}/{DARK_STYLE})"
