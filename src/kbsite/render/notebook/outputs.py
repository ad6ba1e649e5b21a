"""A code cell's outputs -> HTML: streams (stderr marked), tracebacks with their colours as
classes, HTML (a DataFrame as a scrollable table), images as files with their size, LaTeX
through KaTeX. Long text is shown in a scrolling box, as JupyterLab folds long outputs.
Outputs are left out of the search index: a note is found by what its author wrote."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from kbsite.render.math.formulas import Formulas
from kbsite.render.math.tex import MathError
from kbsite.render.notebook.ansi import ansi_html

# Text outputs longer than this many lines scroll inside a box (JupyterLab's "scrolled").
SCROLL_LINES = 30
_SCRIPT = re.compile(r"<script\b.*?</script\s*>|<script\b[^>]*/>", re.IGNORECASE | re.DOTALL)
# pandas writes a `<style scoped>` before each DataFrame: `scoped` is obsolete, so its rules
# would reach the whole page (and a <style> in the body is invalid); the theme styles tables.
_STYLE = re.compile(r"<style\b.*?</style\s*>", re.IGNORECASE | re.DOTALL)
_DISPLAY_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"), ("$", "$"))


def outputs_html(
    items: list[dict[str, Any]], scripts: bool, hidden_label: str, formulas: Formulas
) -> str:
    """Render one run of outputs; `scripts` keeps <script> in HTML outputs, `formulas` renders
    a LaTeX output's formula."""
    shown = "".join(_output(item, scripts, formulas) for item in items)
    if items and items[0].get("hidden"):  # folded in the notebook: folded here too
        label = escape(hidden_label)
        shown = f'<details class="nb-hidden"><summary>{label}</summary>{shown}</details>'
    return f'<div class="nb-outputs" data-pagefind-ignore>{shown}</div>\n'


def _output(item: dict[str, Any], scripts: bool, formulas: Formulas) -> str:
    kind = item["t"]
    prompt = ""
    if item.get("n") is not None:  # an execute_result: JupyterLab's Out [n]
        prompt = f'<div class="nb-prompt nb-out">Out [{int(item["n"])}]:</div>'
    if kind == "stream":
        name = "nb-stderr" if item["name"] == "stderr" else "nb-stdout"
        return f'<div class="nb-output nb-stream {name}">{_pre(item["text"])}</div>'
    if kind == "error":
        return f'<div class="nb-output nb-error">{_pre(item["text"])}</div>'
    if kind == "text":
        return f'{prompt}<div class="nb-output nb-text">{_pre(item["text"])}</div>'
    if kind == "html":
        html = _STYLE.sub("", item["text"])
        html = html if scripts else _SCRIPT.sub("", html)
        return f'{prompt}<div class="nb-output nb-html">{html}</div>'
    if kind == "image":
        size = f' width="{int(item["w"])}" height="{int(item["h"])}"' if item["w"] else ""
        image = f'<img src="{escape(item["src"])}" alt=""{size} loading="lazy">'
        return f'{prompt}<div class="nb-output nb-image">{image}</div>'
    if kind == "latex":
        return f'{prompt}<div class="nb-output nb-latex">{_latex(item["text"], formulas)}</div>'
    return ""


def _pre(text: str) -> str:
    """Text in a <pre>, its terminal colours as classes; a long one scrolls."""
    body = ansi_html(text)
    # tabindex: a box that scrolls must be reachable by keyboard to scroll it (WCAG 2.1.1)
    scrolled = ' class="nb-scrolled" tabindex="0"' if text.count("\n") > SCROLL_LINES else ""
    return f"<pre{scrolled}>{body}</pre>"


def _latex(text: str, formulas: Formulas) -> str:
    """A text/latex output: one formula between $$, \\[ or $; shown as TeX if KaTeX cannot."""
    tex = text.strip()
    for opening, closing in _DISPLAY_DELIMITERS:
        if tex.startswith(opening) and tex.endswith(closing) and len(tex) > 2 * len(opening):
            tex = tex[len(opening) : -len(closing)].strip()
            break
    try:
        return f'<div class="math display">{formulas.render_tex(tex, True)}</div>'
    except MathError:
        return f"<pre>{escape(text, quote=False)}</pre>"
