"""Equation numbers, `\\label`, `\\eqref` and `\\ref` within a note, as amsmath does them.

`equation`, `align`, `gather` and `multline` are numbered, their starred forms are not;
`\\nonumber`/`\\notag` skip a row, `\\tag{x}` sets its number; numbers restart in each note.
KaTeX knows none of it (its MathML drops even `\\tag` in environments), so a core rule numbers
the note's display formulas in order and hands KaTeX the starred environment without labels
and tags; the numbers go into the MathML's rows afterwards
(kbsite.render.math.mathcore.number_rows). `\\eqref{key}` reads "(3)" and `\\ref{key}` "3", as a
link to the row when a formula or a paragraph holds only the reference, as text inside a larger
formula; an unknown key reads "(??)", as LaTeX prints it. Issue 20, item 4.

CONTRACT:
    equations_plugin(md);  equation_diagnostics(located, path, env) -> Iterator[Diagnostic]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from kbsite.errors import Diagnostic, did_you_mean, warning
from kbsite.render.math.texnumbers import ENVIRONMENT as _ENVIRONMENT
from kbsite.render.math.texnumbers import LABEL as _LABEL
from kbsite.render.math.texnumbers import NONUMBER as _NONUMBER
from kbsite.render.math.texnumbers import TAG as _TAG
from kbsite.render.math.texnumbers import katex_tex, split_rows
from kbsite.render.tokeninfo import fence_lang

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType

LABELS = "kbsite_labels"  # env key: the note's Labels
_REF = re.compile(r"\\(eqref|ref)\s*\{([^{}\s]+)\}")


@dataclass
class Labels:
    """A note's equation labels: key -> its number as \\ref shows it ("3", "A")."""

    numbers: dict[str, str] = field(default_factory=dict)
    twice: list[str] = field(default_factory=list)  # keys defined again, in order


def equations_plugin(md: MarkdownIt) -> None:
    """Number display formulas and resolve `\\eqref`/`\\ref` (in math or bare in text)."""
    md.inline.ruler.before("escape", "equation_ref", _bare_ref)
    md.core.ruler.push("number_equations", _number_equations)
    md.add_render_rule("equation_ref", _render_bare_ref)


def _number_equations(state: StateCore) -> None:
    labels = Labels()
    state.env[LABELS] = labels
    counter = 0
    tokens = list(_all_tokens(state.tokens))
    for token in tokens:
        if _is_display(token):
            counter = _number(token, counter, labels)
    for token in tokens:
        if token.type == "math_inline" and "ref" in token.content:
            _resolve_inline(token, labels)


def _all_tokens(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from token.children or ()


def _is_display(token: Token) -> bool:
    if token.type == "fence":
        return fence_lang(token.info) == "math"
    return token.type in ("math_block", "math_inline_double")  # the latter: \\[...\\] on its lines


def _number(token: Token, counter: int, labels: Labels) -> int:
    """Number one display formula's rows from counter + 1; return the last number used."""
    tex = token.content
    if "\\label" not in tex and "\\begin" not in tex and "\\nonumber" not in tex:
        return counter
    found = _ENVIRONMENT.fullmatch(tex)
    rows: list[tuple[str, str] | None] = []
    if found is None:  # KaTeX draws a lone \tag itself; a label refers to it
        tag = _TAG.search(tex)
        keys = _LABEL.findall(tex)
        _remember(labels, keys, tag[2] if tag else "??")
        token.meta["labels"] = keys
        token.content = katex_tex(tex)
        return counter
    name, star, body = found.groups()
    parts = split_rows(body) if name in ("align", "gather") else [body]
    for part in parts:
        keys = _LABEL.findall(part)
        tag = _TAG.search(part)
        shown = number = ""
        if tag is not None:
            shown = tag[2] if tag[1] else f"({tag[2]})"
            number = tag[2]
        elif not star and not _NONUMBER.search(part):
            counter += 1
            number = str(counter)
            shown = f"({number})"
        rows.append((shown, keys[0] if keys else "") if number else None)
        _remember(labels, keys, number or "??")
        token.meta.setdefault("labels", []).extend(keys)
    token.content = katex_tex(tex)
    if any(rows):
        token.meta["rows"] = rows
    return counter


def _remember(labels: Labels, keys: list[str], number: str) -> None:
    for key in keys:
        if key in labels.numbers:
            labels.twice.append(key)
        else:
            labels.numbers[key] = number


def _resolve_inline(token: Token, labels: Labels) -> None:
    """A formula that is only a reference becomes a link; references inside a larger formula
    become their numbers as text."""
    whole = _REF.fullmatch(token.content.strip())
    token.meta["refs"] = [m[2] for m in _REF.finditer(token.content)]
    if whole is not None:
        token.meta["link"] = (whole[1], whole[2])
        return
    token.content = _REF.sub(lambda m: f"\\text{{{_shown(m[1], m[2], labels)}}}", token.content)


def _shown(kind: str, key: str, labels: Labels) -> str:
    number = labels.numbers.get(key, "??")
    return f"({number})" if kind == "eqref" else number


def reference_html(kind: str, key: str, env: EnvType) -> str:
    """A reference as HTML: a link to the equation's row, or "(??)" for an unknown key."""
    labels: Labels = env.get(LABELS) or Labels()
    shown = escape(_shown(kind, key, labels))
    if key not in labels.numbers or labels.numbers[key] == "??":
        return f'<span class="eqref">{shown}</span>'
    return f'<a class="eqref" href="#{escape(key)}">{shown}</a>'


def _bare_ref(state: StateInline, silent: bool) -> bool:
    """`\\eqref{key}` or `\\ref{key}` written in text, as MathJax reads it there too."""
    if state.src[state.pos] != "\\":
        return False
    found = _REF.match(state.src, state.pos)
    if found is None:
        return False
    if not silent:
        token = state.push("equation_ref", "", 0)
        token.meta["link"] = (found[1], found[2])
        token.meta["refs"] = [found[2]]
        token.content = found[0]
    state.pos = found.end()
    return True


def _render_bare_ref(
    self: object, tokens: list[Token], idx: int, options: object, env: EnvType
) -> str:
    kind, key = tokens[idx].meta["link"]
    return reference_html(kind, key, env)


def equation_diagnostics(
    located: Iterable[tuple[Token, int]], path: str, env: EnvType
) -> Iterator[Diagnostic]:
    """Warn of references to labels the note lacks and of labels it defines twice."""
    labels: Labels = env.get(LABELS) or Labels()
    twice = set(labels.twice)
    seen: dict[str, int] = {}
    for token, line in located:
        for key in token.meta.get("labels", ()) if token.meta else ():
            if key in twice and key in seen:
                yield warning(
                    path,
                    line,
                    f"equation label '{key}' is defined twice (first at line {seen[key]})",
                    key="math",
                )
            seen.setdefault(key, line)
        for key in token.meta.get("refs", ()) if token.meta else ():
            if key not in labels.numbers:
                hint = did_you_mean(key, list(labels.numbers))
                yield warning(
                    path, line, f"no equation labelled '{key}' in this note{hint}", key="math"
                )
