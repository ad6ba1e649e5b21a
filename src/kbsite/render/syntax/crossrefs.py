"""Cross-references within a note: `@thm-lowrank`, `@fig-arch`, `@tbl-results`, `@eq-elbo`
read "定理 1", "图 1", "表 1", "式 (1)" and link to their target (issue 19, item 5).

Only `@` followed by a label kind and `-` (kbsite.render.labels.LABEL_KINDS) is a reference:
`@hu2021lora` is a citation, and an e-mail address (a letter or digit before the `@`) or an
`@username` stays text. Ids are ASCII (`[A-Za-z0-9_-]`), so "如@fig-arch所示" ends at the Han.
References are resolved once the note is numbered; an unknown id warns and reads `@id?`.

CONTRACT:
    crossrefs_plugin(md);  note_labels(tokens, env, render) -> tuple[Label, ...]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from kbsite.errors import did_you_mean
from kbsite.render.labels import LABEL_KINDS, Label, Numbering, label_text, names_in
from kbsite.render.math.equations import LABELS, Labels
from kbsite.render.syntax.embeds import WARNING
from kbsite.render.syntax.theorems import block_end, numbering

REFERENCE = re.compile(r"@((" + "|".join(LABEL_KINDS) + r")-[A-Za-z0-9_]+(?:[-_][A-Za-z0-9]+)*)")
# Before the `@`: what may not touch it (an e-mail's local part, a word).
_GLUED = re.compile(r"[A-Za-z0-9._%+-]")
_ID_ATTRIBUTE = re.compile(r'\sid="[^"]*"')


def crossrefs_plugin(md: MarkdownIt) -> None:
    """Parse `@kind-id` references; resolve them after equations are numbered."""
    md.inline.ruler.before("emphasis", "crossref", _crossref)
    md.core.ruler.after("number_equations", "resolve_crossrefs", _resolve)
    md.add_render_rule("crossref", _render_crossref)


def _crossref(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or (pos and _GLUED.match(state.src[pos - 1])):
        return False
    found = REFERENCE.match(state.src, pos, state.posMax)
    if found is None:
        return False
    if not silent:
        token = state.push("crossref", "a", 0)
        token.meta = {"id": found[1], "kind": found[2]}
        token.content = found[0]
    state.pos = found.end()
    return True


def _all_numbers(env: EnvType) -> dict[str, tuple[str, str]]:
    """Every label of the note: id -> (kind, number); equations under their \\label keys."""
    labels: Labels = env.get(LABELS) or Labels()
    numbers = {key: ("eq", n) for key, n in labels.numbers.items() if n != "??"}
    return {**numbers, **numbering(env).numbers}


def _resolve(state: StateCore) -> None:
    numbers = _all_numbers(state.env)
    names = names_in(state.env)
    for block in state.tokens:
        for token in block.children or ():
            if token.type != "crossref":
                continue
            ident = token.meta["id"]
            if ident in numbers:
                kind, number = numbers[ident]
                token.meta["text"] = label_text(kind, number, names)
                token.content = token.meta["text"]  # what excerpts and search read
            else:
                hint = did_you_mean(ident, list(numbers))
                token.meta[WARNING] = (
                    f"no theorem, figure, table or equation '{ident}' in this note{hint}"
                )
                token.content = f"@{ident}?"


def _render_crossref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if "text" not in token.meta:
        return f'<span class="xref xref-unknown">{escape(token.content)}</span>'
    ident = escape(token.meta["id"])
    return f'<a class="xref" href="#{ident}">{escape(token.meta["text"])}</a>'


def note_labels(
    tokens: Sequence[Token], env: EnvType, render: Callable[[Sequence[Token]], str]
) -> tuple[Label, ...]:
    """Every numbered label of a parsed note in reading order, each with its target's HTML
    (`render` renders a run of block tokens) for hover previews on other pages."""
    counted: Numbering = numbering(env)
    labels: Labels = env.get(LABELS) or Labels()
    found: dict[str, Label] = {}  # by id: an id defined twice names its first block
    for index, token in enumerate(tokens):
        if token.type in ("theorem_open", "numbered_figure_open"):
            ident = token.meta["id"]
            if ident not in found:
                kind, number = counted.numbers[ident]
                preview = render(tokens[index : block_end(tokens, index) + 1])
                found[ident] = Label(ident, kind, number, _ID_ATTRIBUTE.sub("", preview))
        for key in token.meta.get("labels", ()) if token.meta else ():
            number = labels.numbers.get(key, "??")
            if number != "??" and key not in found:
                preview = _ID_ATTRIBUTE.sub("", render([token]))
                found[key] = Label(key, "eq", number, preview)
    return tuple(found.values())
