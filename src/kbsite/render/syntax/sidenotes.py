"""Sidenotes: footnotes beside the line citing them, Tufte style (issue 19, item 6).

With `footnotes: side` (site.yaml, the default) each footnote is also written right after its
first reference, as `<span class="sidenote">`; the theme floats it into the margin on wide
screens and hides the copy at the end, and on phones does the opposite. CSS alone places them
(floats with `clear: right` stack, never overlap), so they read without JavaScript. A footnote
holding more than paragraphs (a list, code) or first cited in a table or heading, where a
float has no margin to go to, stays at the end only.

CONTRACT:
    sidenotes_plugin(md);  SIDENOTES (env key: True to write them);  strip_sidenotes(html)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

SIDENOTES = "kbsite_sidenotes"  # env key: write footnotes as sidenotes too
_BODY = "sidenote_body"  # footnote_ref meta key: the footnote's paragraphs (inline tokens)
_PARAGRAPH = ("paragraph_open", "inline", "paragraph_close")
_NO_MARGIN = ("th_open", "td_open", "heading_open", "theorem_title_open")


def sidenotes_plugin(md: MarkdownIt) -> None:
    """Write footnotes beside their references too (use after footnote_plugin)."""
    md.core.ruler.after("footnote_tail", "sidenotes", _sidenotes)
    rules: dict[str, Callable[..., str]] = md.renderer.rules  # type: ignore[attr-defined]
    for name, wrap in (
        ("footnote_ref", _with_sidenote),
        ("footnote_open", _classes_added("side", "footnote-item")),
        ("footnote_block_open", _classes_added("all_side", "footnotes", "footnotes-sep")),
    ):
        md.add_render_rule(name, wrap(rules[name]))
    md.add_render_rule("footnote_caption", _bare_number)


def _bare_number(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A footnote reference reads "1", as its sidenote does, not markdown-it's "[1]": a
    numeric citation reads "[1]" (kbsite.render.syntax.citations), and a reader must tell a
    note in the margin from a work in the bibliography at a glance."""
    meta = tokens[idx].meta
    number = str(meta["id"] + 1)
    return f"{number}:{meta['subId']}" if meta.get("subId", 0) > 0 else number


def _sidenotes(state: StateCore) -> None:
    if not state.env.get(SIDENOTES):
        return
    bodies = _paragraph_bodies(state.tokens)
    placed: set[int] = set()
    previous = ""
    for token in state.tokens:
        if token.type == "inline" and previous not in _NO_MARGIN:
            for child in token.children or ():
                ident = child.meta.get("id") if child.type == "footnote_ref" else None
                if ident in bodies and ident not in placed and child.meta.get("subId", 0) == 0:
                    child.meta[_BODY] = bodies[ident]
                    placed.add(ident)
        previous = token.type
    every = True
    for token in state.tokens:
        if token.type == "footnote_open":
            token.meta["side"] = token.meta["id"] in placed
            every = every and token.meta["side"]
    for token in state.tokens:
        if token.type == "footnote_block_open":
            token.meta["all_side"] = every
    state.env[SIDENOTES] = bool(placed)  # what the page needs to know: it has some


def _paragraph_bodies(tokens: Sequence[Token]) -> dict[int, list[Token]]:
    """Footnote id -> its paragraphs' inline tokens, for footnotes holding only paragraphs."""
    bodies: dict[int, list[Token]] = {}
    for start, token in enumerate(tokens):
        if token.type != "footnote_open":
            continue
        end = next(i for i in range(start, len(tokens)) if tokens[i].type == "footnote_close")
        # The back-reference (footnote_anchor) sits between a paragraph's inline and its close.
        inner = [t for t in tokens[start + 1 : end] if t.type != "footnote_anchor"]
        if inner and all(t.type == _PARAGRAPH[i % 3] for i, t in enumerate(inner)):
            bodies[token.meta["id"]] = [t for t in inner if t.type == "inline"]
    return bodies


Rule = Callable[[RendererHTML, Sequence[Token], int, OptionsDict, EnvType], str]


def _with_sidenote(rule: Any) -> Rule:
    def render(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        html: str = rule(tokens, idx, options, env)  # bound to the renderer
        token = tokens[idx]
        if _BODY not in token.meta:
            return html
        paragraphs = [
            self.renderInline(inline.children or [], options, env).strip()
            for inline in token.meta[_BODY]
        ]
        number = token.meta["id"] + 1
        # A span, as a <p> may not hold a block; data-pagefind-ignore: search reads the
        # footnote once, at the end.
        return (
            f"{html}{_SIDENOTE_OPEN}"
            f'<span class="sidenote-number">{number}</span> {"<br>".join(paragraphs)}</span>'
        )

    return render


def _classes_added(flag: str, *classes: str) -> Callable[[Any], Rule]:
    """Wrap a render rule: when the token's meta sets `flag`, each `class="x"` of `classes`
    gains the flag's class (the footnote item that is also a sidenote, the section of
    footnotes that all are)."""
    added = {"side": "has-sidenote", "all_side": "all-side"}[flag]

    def wrap(rule: Any) -> Rule:
        def render(
            self: RendererHTML,
            tokens: Sequence[Token],
            idx: int,
            options: OptionsDict,
            env: EnvType,
        ) -> str:
            html: str = rule(tokens, idx, options, env)  # bound to the renderer
            if tokens[idx].meta.get(flag):
                for name in classes:
                    html = html.replace(f'class="{name}"', f'class="{name} {added}"', 1)
            return html

        return render

    return wrap


_SIDENOTE_OPEN = '<span class="sidenote" data-pagefind-ignore>'


def strip_sidenotes(html: str) -> str:
    """The HTML without its sidenotes, for readers that show no CSS (feeds): the footnotes at
    the end hold the same text. Spans nest inside a sidenote (math), so they are counted."""
    parts, done = [], 0
    start = html.find(_SIDENOTE_OPEN)
    while start != -1:
        parts.append(html[done:start])
        depth, at = 0, start
        while True:
            opening, closing = html.find("<span", at), html.find("</span>", at)
            if closing == -1:  # not written by us: leave the rest alone
                return "".join(parts) + html[start:]
            if opening != -1 and opening < closing:
                depth, at = depth + 1, opening + 5
            else:
                depth, at = depth - 1, closing + 7
                if depth == 0:
                    break
        done = at
        start = html.find(_SIDENOTE_OPEN, done)
    return "".join(parts) + html[done:] if parts else html
