"""Theorem-like blocks and proofs in Quarto's syntax (issue 19, item 3).

`::: {#thm-lowrank}` (or `#lem-`, `#cor-`, `#prp-`, `#def-`, `#exm-`, `#exr-`, `#rem-`) is a
numbered block: "定理 1" / "Theorem 1", counted per note and kind, with the `## title` line it
may open with as its name. `::: {.proof}` is a proof, ending with ∎. Both are fenced divs
(kbsite.render.syntax.fenceddivs) given their meaning here, after inline parsing and before
headings get their ids, so a title never enters the table of contents.

CONTRACT:
    theorems_plugin(md)
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from kbsite.render.labels import (
    NUMBERING,
    THEOREM_KINDS,
    Numbering,
    label_kind,
    label_text,
    names_in,
)
from kbsite.render.syntax.embeds import WARNING


def theorems_plugin(md: MarkdownIt) -> None:
    """Number theorem-like fenced divs and mark proofs (use after fenced_divs_plugin)."""
    md.core.ruler.after("inline", "theorems", _theorems)
    md.add_render_rule("theorem_open", _render_theorem_open)
    md.add_render_rule("theorem_close", _render_close)
    md.add_render_rule("theorem_title_open", _render_title_open)
    md.add_render_rule("theorem_title_close", _render_title_close)
    md.add_render_rule("proof_open", _render_proof_open)
    md.add_render_rule("proof_close", _render_close)
    md.add_render_rule("proof_end", _render_proof_end)


def numbering(env: EnvType) -> Numbering:
    """The note's numbering (made on first use): theorems, figures and tables share it."""
    found = env.get(NUMBERING)
    if not isinstance(found, Numbering):
        found = env[NUMBERING] = Numbering()
    return found


def assign_number(env: EnvType, token: Token, kind: str, ident: str) -> str:
    """Number `ident` for the block `token` opens; an id used twice warns, at the second."""
    counted = numbering(env)
    if ident in counted.numbers:
        token.meta[WARNING] = (
            f"label '{ident}' is defined twice in this note; links go to the first"
        )
    return counted.add(kind, ident)


def _theorems(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "fenced_div_open":
            continue
        kind = label_kind(token.meta["id"])
        if kind in THEOREM_KINDS:
            token.type = "theorem_open"
            token.meta["kind"] = kind
            token.meta["number"] = assign_number(state.env, token, kind, token.meta["id"])
            token.meta["titled"] = _take_title(tokens, index)
            tokens[block_end(tokens, index)].type = "theorem_close"
        elif "proof" in token.meta["classes"]:
            token.type = "proof_open"
            token.meta["titled"] = _take_title(tokens, index)
            close = block_end(tokens, index)
            tokens[close].type = "proof_close"
            _end_proof(tokens, close)


def block_end(tokens: Sequence[Token], index: int) -> int:
    """The index of the token closing the block opened at index (tokens compare by value, so
    list.index could find another block's)."""
    depth = 0
    for at in range(index, len(tokens)):
        depth += tokens[at].nesting
        if depth == 0:
            return at
    raise AssertionError("a fenced div always closes")


def _take_title(tokens: list[Token], index: int) -> bool:
    """Make a heading opening the block its title; tell whether there was one."""
    if index + 3 >= len(tokens) or tokens[index + 1].type != "heading_open":
        return False
    tokens[index + 1].type = "theorem_title_open"
    tokens[index + 3].type = "theorem_title_close"
    return True


def _end_proof(tokens: list[Token], close: int) -> None:
    """Put ∎ at the end of the proof's last paragraph, or on a line of its own."""
    children = tokens[close - 2].children
    if tokens[close - 1].type == "paragraph_close" and children is not None:
        children.append(Token("proof_end", "span", 0))
    else:
        tokens.insert(close, Token("proof_end", "p", 0, block=True))


def _render_theorem_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    kind, ident = meta["kind"], meta["id"]
    label = escape(label_text(kind, meta["number"], names_in(env)))
    head = f'<div class="theorem theorem-{kind}" id="{escape(ident)}">\n'
    head += f'<p class="theorem-title"><span class="theorem-label">{label}</span>'
    return head if meta["titled"] else head + "</p>\n"


def _render_title_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    opener = names_in(env).get("titled", " ({title})").partition("{title}")[0]
    return f'<span class="theorem-name">{escape(opener)}'


def _render_title_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    closer = names_in(env).get("titled", " ({title})").partition("{title}")[2]
    return f"{escape(closer)}</span></p>\n"


def _render_proof_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    word = escape(names_in(env).get("proof", "Proof"))
    head = f'<div class="proof">\n<p class="theorem-title"><span class="proof-label">{word}</span>'
    return head if tokens[idx].meta["titled"] else head + "</p>\n"


def _render_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</div>\n"


def _render_proof_end(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # aria-hidden: a screen reader would read "end of proof" symbol names; the block ends anyway
    mark = '<span class="qed" aria-hidden="true">∎</span>'
    return f'<p class="qed-line">{mark}</p>\n' if tokens[idx].block else mark
