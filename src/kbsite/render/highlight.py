"""Code blocks highlighted at build time with Pygments, and their light/dark stylesheet."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from kbsite.accel.fastlex import accelerate

# Both pass WCAG AA (4.5:1) for comments on their own background: default 4.58,
# github-dark 6.15; "friendly" (2.58) and "monokai" comments are too faint.
LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"

_DARK_MEDIA = "@media (prefers-color-scheme: dark)"
_DARK_AUTO = ":root:not([data-theme=light]) .highlight"
_DARK_FORCED = "[data-theme=dark] .highlight"


@functools.lru_cache(maxsize=2048)  # pure: the HTML of a (code, language) pair
def render_code_block(code: str, lang: str) -> str:
    """Render a fenced block as `<div class="code-block">…<pre class="highlight">…</div>`."""
    lexer = _lexer(lang)
    body = html.escape(code, quote=False) if lexer is None else highlight(code, lexer, _formatter())
    if not lang:
        return f'<div class="code-block"><pre class="highlight"><code>{body}</code></pre></div>\n'
    label = html.escape(lang)
    return (
        f'<div class="code-block" data-lang="{label}"><div class="code-lang">{label}</div>'
        f'<pre class="highlight"><code>{body}</code></pre></div>\n'
    )


def pygments_css() -> str:
    """Return the stylesheet for `.highlight`: light by default, dark by preference or choice."""
    light = _style_rules(LIGHT_STYLE)
    dark_auto = "\n".join(f"  {_DARK_AUTO}{rule}" for rule in _style_rules(DARK_STYLE))
    dark_forced = "\n".join(f"{_DARK_FORCED}{rule}" for rule in _style_rules(DARK_STYLE))
    light_css = "\n".join(f".highlight{rule}" for rule in light)
    return (
        f"/* Pygments {LIGHT_STYLE} (light) and {DARK_STYLE} (dark) */\n"
        f"{light_css}\n{_DARK_MEDIA} {{\n{dark_auto}\n}}\n{dark_forced}\n"
    )


def _style_rules(style: str) -> list[str]:
    """Return the style's rules with the leading `.highlight` selector cut off."""
    defs: str = HtmlFormatter(style=style).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    # Keep only rules scoped to .highlight: the others (`pre`, `td.linenos`) would
    # leak into the page, and line numbers are never rendered.
    return [
        line[len(".highlight") :]
        for line in defs.splitlines()
        if line.startswith(".highlight ") or line.startswith(".highlight {")
    ]


def load_lexer(lang: str) -> None:
    """Make the lexer of a fence language now (compiling its rules takes 10-40 ms)."""
    _lexer(lang)


# The language word of a fence, found without parsing (a guess: one missed costs nothing).
_FENCE_LANGUAGE = re.compile(r"^[ \t]*(?:```|~~~)[ \t]*([^\s`{]+)", re.MULTILINE)


def load_lexers_for(texts: Iterable[str]) -> None:
    """Make the lexers of every fence language the Markdown texts use (a forked worker, or
    serve's first quick page, then finds them made), and set up the formatter."""
    languages = sorted({m[1] for text in texts for m in _FENCE_LANGUAGE.finditer(text)})
    for language in languages:
        load_lexer(language)
    if languages:  # Pygments sets up the formatter's style on its first block (~10 ms)
        render_code_block.__wrapped__("x\n", languages[0])


@functools.lru_cache(maxsize=256)  # pure: a lexer keeps no state between texts
def _lexer(lang: str) -> Lexer | None:
    """Return the Pygments lexer for a fence language, or None when unknown or absent.

    Lexers keep no state between texts; finding and making one costs 0.2 ms, a tenth of
    highlighting a typical block.
    """
    if not lang:
        return None
    try:
        # stripnl=False keeps leading blank lines the author wrote on purpose.
        return accelerate(get_lexer_by_name(lang.lower(), stripnl=False))
    except ClassNotFound:
        return None


@functools.cache  # one formatter, which keeps no state between blocks
def _formatter() -> HtmlFormatter[str]:
    """Return the shared formatter: class-based spans, no wrapping <div>/<pre>."""
    return HtmlFormatter(nowrap=True)
