"""Find the formulas of a note's Markdown without parsing it, to render them ahead of time.

A build sends each distinct formula of the notes it renders to the formula process in one
request before the notes' workers start (kbsite.render.notes), which inherit the results; otherwise
each worker would ask for the formulas of its notes itself. Finding is a guess that errs
harmlessly either way: a formula missed here is rendered with its note, and a wrong guess costs
one wasted KaTeX call.
"""

from __future__ import annotations

import re

from kbsite.render.math.texnumbers import EQUATION_ID_AFTER, katex_tex, labelled

Formula = tuple[str, bool]  # (TeX, display mode); math and the formula process use this one

# Patterns start with a literal, so `re` jumps between candidates instead of trying each
# position of 4,000 characters of Chinese text (5x faster than a leading look-behind).
_CODE_SPAN = re.compile(r"`[^`\n]+`")
# `$$…$$` (a block, or mid-sentence with double_inline) and `\[…\]`: display mode.
_DOUBLE_DOLLAR = re.compile(r"\$\$(.+?)\$\$", re.S)
_BRACKETS = re.compile(r"\\\[(.+?)\\\]", re.S)
# `$…$` as dollarmath reads it with allow_space=False and allow_digits=False: no space just
# inside the dollars, no digit after the closing one, not an escaped `\$`; and `\(…\)`.
_DOLLAR = re.compile(r"\$(?<![\\$]\$)(?![\s$])([^$\n]*[^\s\\$])\$(?!\d)")
_PARENS = re.compile(r"\\\((.+?)\\\)")
# `\begin{equation}...\end{equation}` (and the others of BARE_ENVIRONMENTS) without dollars,
# from the start of a line, as kbsite.render.math.tex reads it: display mode.
# Environments MathJax renders without dollars (its processEnvironments), as display math:
# amsmath's numbered ones and the bare aligned, cases and matrices real notes write.
BARE_ENVIRONMENTS = (
    "equation|align|gather|multline|eqnarray|alignat|flalign|aligned|alignedat|gathered|split"
    "|cases|array|matrix|pmatrix|bmatrix|Bmatrix|vmatrix|Vmatrix|smallmatrix"
)
_ENVIRONMENT = re.compile(
    rf"^[ \t]*(\\begin\{{({BARE_ENVIRONMENTS})(\*?)\}}.*?\\end\{{\2\3\}})[ \t]*$",
    re.S | re.M,
)
_LONGEST = 4000  # longer matches are two formulas' worth of text between stray dollars


def find_formulas(markdown: str) -> set[Formula]:
    """Return the (TeX, display) pairs a note most likely renders, TeX stripped as rendered."""
    if "$" not in markdown and "\\" not in markdown:
        return set()
    text = _without_code(markdown)
    found: set[Formula] = set()
    for pattern, marker in ((_DOUBLE_DOLLAR, "$$"), (_BRACKETS, "\\["), (_ENVIRONMENT, "\\begin")):
        if marker in text:
            for match in pattern.finditer(text):
                _add(found, _as_numbered(match, text), True)
            text = pattern.sub(" ", text)
    for pattern in (_DOLLAR, _PARENS):
        for match in pattern.finditer(text):
            _add(found, match[1], False)
    return found


def _as_numbered(match: re.Match[str], text: str) -> str:
    """A display formula as equation numbering hands it to KaTeX (kbsite.render.math.
    texnumbers), labelled first when Quarto's `{#eq-…}` follows it."""
    tex = match[1]
    if "{#" in text[match.end() : match.end() + 200]:
        after = EQUATION_ID_AFTER.match(text, match.end())
        if after is not None:
            tex = labelled(tex.strip(), after[1])
    return katex_tex(tex.strip())


def _add(found: set[Formula], tex: str, display: bool) -> None:
    tex = tex.strip()
    if tex and len(tex) <= _LONGEST:
        found.add((tex, display))


def _without_code(markdown: str) -> str:
    """Drop fenced blocks (between pairs of ``` or ~~~) and code spans, which hold `$` that
    is not math."""
    for fence in ("```", "~~~"):
        if markdown.count(fence) >= 2:
            markdown = "\n".join(markdown.split(fence)[::2])
    return _CODE_SPAN.sub(" ", markdown)
