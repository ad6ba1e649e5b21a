"""TeX as MathJax reads it, rewritten for KaTeX before it renders (issue 20, item 6).

Most notes were written for MathJax, which accepts what KaTeX rejects: `_`, `&`, `%` and `#`
typed inside `\\text{...}` (shown as they are), a command taken bare as a script with its
arguments (`t_\\max`, `Q^\\vec{a}`, `x^\\sqrt{2}`), `\\require{...}` (a MathJax extension loader),
`\\mbox`, and the `multline` environment. Each rewrite here touches only what KaTeX would
reject, so a formula KaTeX renders today renders to the same bytes. The formula process
applies it (kbsite.render.math.formulaserver); a formula that still fails is reported with KaTeX's
message about the TeX as written.
"""

from __future__ import annotations

import re

# Text-mode commands whose argument is text: MathJax shows its `_`, `&`, `%`, `#` as written.
_TEXT = re.compile(r"\\(?:text|textrm|textsf|texttt|textit|textbf|textup|textmd|textnormal)\s*\{")
_SPECIALS = {"_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#"}
# Commands KaTeX refuses as a bare script ("Got function '\max' with no arguments as
# subscript") and how many arguments MathJax gives them there. Symbols (`x^\prime`,
# `x_\alpha`) and the commands KaTeX takes bare (`\mathrm`, `\text`, `\frac`) are not here.
_OPERATORS = [
    "arccos",
    "arcsin",
    "arctan",
    "arg",
    "cos",
    "cosh",
    "cot",
    "coth",
    "csc",
    "deg",
    "det",
    "dim",
    "exp",
    "gcd",
    "hom",
    "inf",
    "ker",
    "lg",
    "lim",
    "liminf",
    "limsup",
    "ln",
    "log",
    "max",
    "min",
    "Pr",
    "sec",
    "sin",
    "sinh",
    "sup",
    "tan",
    "tanh",
    "sum",
    "prod",
    "int",
    "oint",
    "coprod",
    "bigcup",
    "bigcap",
    "bigoplus",
    "bigotimes",
    "bigvee",
    "bigwedge",
]
_ONE_ARGUMENT = [
    "vec",
    "hat",
    "bar",
    "tilde",
    "dot",
    "ddot",
    "check",
    "breve",
    "acute",
    "grave",
    "mathring",
    "widehat",
    "widetilde",
    "overline",
    "underline",
    "overrightarrow",
    "overleftarrow",
    "overleftrightarrow",
    "overbrace",
    "underbrace",
    "sqrt",
    "operatorname",
    "boxed",
    "cancel",
    "bcancel",
    "xcancel",
    "phantom",
]
_ARITY = {**dict.fromkeys(_OPERATORS, 0), **dict.fromkeys(_ONE_ARGUMENT, 1)}
_BARE_SCRIPT = re.compile(r"(?<!\\)([_^])\s*\\([A-Za-z]+)(\*?)")
_REQUIRE = re.compile(r"\\require\s*\{[^{}]*\}\s*")
_MULTLINE = re.compile(r"\\(begin|end)\{multline(\*?)\}")


def mathjax_compat(tex: str) -> str:
    """Rewrite what MathJax accepts and KaTeX rejects; return everything else unchanged."""
    if "\\" not in tex:
        return tex
    if "\\require" in tex:
        tex = _REQUIRE.sub("", tex)
    if "multline" in tex:
        tex = _MULTLINE.sub(_multline, tex)
    if "\\mbox" in tex or "\\hbox" in tex:
        tex = re.sub(r"\\[mh]box(?![A-Za-z])", r"\\text", tex)
    if "\\text" in tex:
        tex = _escape_text(tex)
    if "_" in tex or "^" in tex:
        tex = _wrap_bare_scripts(tex)
    return tex


def _multline(match: re.Match[str]) -> str:
    """KaTeX has no multline: its lines centred in one equation (one number, or none)."""
    verb, star = match.groups()
    if verb == "begin":
        return f"\\begin{{equation{star}}}\\begin{{gathered}}"
    return f"\\end{{gathered}}\\end{{equation{star}}}"


def _escape_text(tex: str) -> str:
    """Escape `_ & % #` in the arguments of text commands, except in math nested in them."""
    out: list[str] = []
    pos = 0
    for match in _TEXT.finditer(tex):
        if match.start() < pos or _escaped(tex, match.start()):
            continue
        end = _group_end(tex, match.end() - 1)
        if end == -1:
            break
        out.append(tex[pos : match.end()])
        out.append(_escape_specials(tex[match.end() : end]))
        pos = end
    out.append(tex[pos:])
    return "".join(out)


def _escape_specials(text: str) -> str:
    out: list[str] = []
    in_math = False
    for i, char in enumerate(text):
        if char == "$" and not _escaped(text, i):
            in_math = not in_math
        elif char in _SPECIALS and not in_math and not _escaped(text, i):
            out.append(_SPECIALS[char])
            continue
        out.append(char)
    return "".join(out)


def _wrap_bare_scripts(tex: str) -> str:
    """`t_\\max` -> `t_{\\max}`, `Q^\\vec{a}` -> `Q^{\\vec{a}}`: MathJax's reading."""
    out: list[str] = []
    pos = 0
    for match in _BARE_SCRIPT.finditer(tex):
        arity = _ARITY.get(match[2])
        if match.start() < pos or arity is None:
            continue
        end = match.end()
        if match[2] == "sqrt":
            end = _optional_end(tex, end)
        for _ in range(arity):
            end = _argument_end(tex, end)
            if end == -1:
                return "".join(out) + tex[pos:]
        script = match.start(2) - 1  # the backslash of the command
        out.append(f"{tex[pos:script]}{{{tex[script:end]}}}")
        pos = end
    out.append(tex[pos:])
    return "".join(out)


def _argument_end(tex: str, pos: int) -> int:
    """The end of the TeX argument at pos (a braced group, a command or one character)."""
    while pos < len(tex) and tex[pos].isspace():
        pos += 1
    if pos >= len(tex):
        return -1
    if tex[pos] == "{":
        return _group_end(tex, pos)
    if tex[pos] == "\\":
        command = re.match(r"\\(?:[A-Za-z]+|.)", tex[pos:])
        return pos + len(command[0]) if command else -1
    return pos + 1


def _optional_end(tex: str, pos: int) -> int:
    """Skip `\\sqrt`'s optional `[n]`."""
    rest = re.match(r"\s*\[[^\]]*\]", tex[pos:])
    return pos + len(rest[0]) if rest else pos


def _group_end(tex: str, start: int) -> int:
    """The index after the `}` closing the `{` at start; -1 if it is never closed."""
    depth = 0
    for i in range(start, len(tex)):
        if tex[i] in "{}" and not _escaped(tex, i):
            depth += 1 if tex[i] == "{" else -1
            if depth == 0:
                return i + 1
    return -1


def _escaped(text: str, pos: int) -> bool:
    """Tell whether text[pos] follows an odd number of backslashes."""
    count = 0
    while pos - count - 1 >= 0 and text[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1
