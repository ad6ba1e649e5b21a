"""markdown-it render rules of kbsite's parser: formulas, code fences, heading permalinks
and raw HTML (kbsite.render.markdown installs them)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape, unescape

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from kbsite.render.highlight import render_code_block
from kbsite.render.math.equations import reference_html
from kbsite.render.math.formulas import MATH, Formulas
from kbsite.render.math.tables import number_rows
from kbsite.render.math.tex import MathError
from kbsite.render.tokeninfo import MACRO_ERROR, MATH_TOKENS, RAW_ATTR, fence_lang

# The env key of the heading permalink's label (RenderOptions.heading_anchor).
HEADING_ANCHOR = "kbsite_heading_anchor"


def render_math(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render a formula token: block math as a div, math inside a paragraph as a span."""
    token = tokens[idx]
    if (
        "link" in token.meta
    ):  # `$\eqref{key}$`: a link to the equation (kbsite.render.math.equations)
        kind, key = token.meta["link"]
        return reference_html(kind, key, env)
    display, block = MATH_TOKENS[token.type], token.type == "math_block"
    return _math_html(token, env[MATH], display, block=block)


def _math_html(token: Token, formulas: Formulas, display: bool, *, block: bool) -> str:
    """Return the MathML wrapper, or the TeX source visibly marked when it cannot render;
    nothing for a formula that only defines macros (kbsite.render.math.macros)."""
    tex = token.content.strip()
    if not tex:
        return ""
    rows = token.meta.get("rows")  # the equation numbers of its rows (math.equations)
    try:
        if MACRO_ERROR in token.meta:
            raise MathError(token.meta[MACRO_ERROR])
        inner = formulas.render_tex(tex, display)
        if rows:
            inner = number_rows(inner, rows)
    except MathError as exc:
        inner = f'<code class="math-error" title="{escape(exc.message)}">{escape(tex)}</code>'
    if block:
        return f'<div class="math display">{inner}</div>\n'
    # Display math written inside a paragraph ($$x$$ mid-sentence) stays a span:
    # a <div> inside <p> is invalid and browsers would split the paragraph.
    kind = "display" if display else "inline"
    return f'<span class="math {kind}">{inner}</span>'


def render_fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render ```math as display math and other fences as highlighted code."""
    token = tokens[idx]
    lang = fence_lang(token.info)
    if lang == "math":
        return _math_html(token, env[MATH], True, block=True)
    if lang == "mermaid":  # drawn in the browser by the mermaid script (see has_mermaid)
        return f'<pre class="mermaid">{escape(token.content, quote=False)}</pre>\n'
    return render_code_block(token.content, lang)


def render_code(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render an indented code block like a fence without a language."""
    return render_code_block(tokens[idx].content, "")


def render_heading_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Close a heading after its permalink anchor."""
    token = tokens[idx]
    slug, text = token.meta["anchor"]
    label = escape(env[HEADING_ANCHOR].format(heading=text))
    anchor = f'<a class="heading-anchor" href="#{escape(slug)}" aria-label="{label}">#</a>'
    return f"{anchor}</{token.tag}>\n"


def render_raw_html(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Pass raw HTML through, with href/src values escaped the way links.py looks for them."""
    return RAW_ATTR.sub(
        lambda m: f'{m[1]}="{escape(unescape(m[2]))}"',
        tokens[idx].content,
    )
