"""The TeX side of equation numbering, with nothing but `re`: what a numbered formula becomes
before KaTeX sees it. kbsite.render.math.equations numbers formulas with it, and
kbsite.render.math.formulafinder (imported by the formula process, which must stay light and
below the renderer) predicts the same TeX with it, so formulas rendered ahead of time are the
ones the notes ask for.

CONTRACT:
    katex_tex(tex) -> str;  labelled(tex, id) -> str;  split_rows(body) -> list[str];
    EQUATION_ID_AFTER (`{#eq-…}` after a formula)
"""

from __future__ import annotations

import re

ENVIRONMENT = re.compile(
    r"\s*\\begin\{(equation|align|gather|multline)(\*?)\}(.*)\\end\{\1\2\}\s*", re.S
)
LABEL = re.compile(r"\\label\s*\{([^{}]*)\}")
TAG = re.compile(r"\\tag(\*?)\s*\{([^{}]*)\}")
NONUMBER = re.compile(r"\\(?:nonumber|notag)(?![A-Za-z])")
_ROWS = "\\\\"  # TeX's row break
_ROW_BREAK = re.compile(r"\\\\|\\[{}]|\\begin\{|\\end\{|[{}]")
# Quarto's `{#eq-elbo}` after a display formula: on its closing line or the lines after.
EQUATION_ID = r"\{[ \t]*#(eq-[A-Za-z0-9_:.-]+)[^{}\n]*\}"
EQUATION_ID_AFTER = re.compile(r"\s*" + EQUATION_ID)
_NUMBERED = re.compile(r"\s*\\begin\{(equation|align|gather|multline)\*?\}")


def katex_tex(tex: str) -> str:
    """The formula as KaTeX gets it: a numbered environment starred, without its labels,
    tags and \\nonumber (the numbers are put into the MathML afterwards); a formula outside
    one without its labels."""
    if "\\label" not in tex and "\\begin" not in tex and "\\nonumber" not in tex:
        return tex
    found = ENVIRONMENT.fullmatch(tex)
    if found is None:  # KaTeX draws a lone \tag itself
        return NONUMBER.sub("", LABEL.sub("", tex))
    name, _star, body = found.groups()
    parts = split_rows(body) if name in ("align", "gather") else [body]
    cleaned = [NONUMBER.sub("", TAG.sub("", LABEL.sub("", part))) for part in parts]
    return f"\\begin{{{name}*}}{_ROWS.join(cleaned)}\\end{{{name}*}}"


def labelled(tex: str, ident: str) -> str:
    """The formula numbered and labelled `ident`: inside `equation`, unless it is already a
    numbered environment, whose first row takes the label."""
    opening = _NUMBERED.match(tex)
    if opening is None:
        return f"\\begin{{equation}}\\label{{{ident}}}{tex.strip()}\\end{{equation}}"
    name = opening[1]
    rest = tex[opening.end() :].replace(f"\\end{{{name}*}}", f"\\end{{{name}}}")
    return f"\\begin{{{name}}}\\label{{{ident}}}{rest}"


def split_rows(body: str) -> list[str]:
    """Split an environment's body at its own `\\\\` (not those of nested groups); a last
    empty row (a trailing `\\\\`) is dropped, as KaTeX drops it."""
    rows, depth, start = [], 0, 0
    for match in _ROW_BREAK.finditer(body):
        text = match[0]
        if text == "\\begin{":
            depth += 2  # the environment, and the brace of its name (closed by "}")
        elif text == "{":
            depth += 1
        elif text == "}":
            depth -= 1
        elif text == "\\\\" and depth == 0:
            rows.append(body[start : match.start()])
            start = match.end()
    rows.append(body[start:])
    if len(rows) > 1 and not rows[-1].strip():
        rows.pop()
    return rows
