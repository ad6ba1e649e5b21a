"""The markdown-it core rule that turns a notebook's cell fences (written by
kbsite.load.notebookcells) into HTML blocks: the rest of the pipeline then treats an output
like raw HTML in a note (its links and image sources are checked and resolved)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

from markdown_it.rules_core import StateCore

from kbsite.load.notebookcells import CODE_FENCE, OUTPUTS_FENCE
from kbsite.render.highlight import render_code_block
from kbsite.render.math.formulas import MATH
from kbsite.render.notebook.outputs import outputs_html

# The env key of a notebook's NotebookSettings; absent for a Markdown note, whose fences named
# like ours stay code.
NOTEBOOK = "kbsite_notebook"


@dataclass(frozen=True, slots=True)
class NotebookSettings:
    """What shapes a notebook's cells besides its text (from RenderOptions: in the cache key)."""

    scripts: bool  # keep <script> in HTML outputs
    output_hidden: str  # the label of an output the notebook keeps folded


def notebook_cells(state: StateCore) -> None:
    """Render the notebook's code and output fences as HTML blocks."""
    settings = state.env.get(NOTEBOOK)
    if not isinstance(settings, NotebookSettings):
        return
    for token in state.tokens:
        if token.type != "fence" or "kbsite-" not in token.info:
            continue
        words = token.info.split()
        if len(words) == 3 and words[1] == CODE_FENCE:  # ```python kbsite-code 3
            html = code_cell_html(token.content, words[0], words[2])
        elif words[0] == OUTPUTS_FENCE:
            outputs = json.loads(token.content)
            html = outputs_html(outputs, settings.scripts, settings.output_hidden, state.env[MATH])
        else:
            continue
        token.type, token.tag, token.info, token.content = "html_block", "", "", html


def code_cell_html(code: str, language: str, count: str) -> str:
    """A code cell: its execution count as JupyterLab shows it, then the highlighted code
    (the theme gives every code block a copy button)."""
    shown = f"[{escape(count)}]" if count != "-" else "[ ]"
    prompt = f'<div class="nb-prompt nb-in" data-pagefind-ignore>In {shown}:</div>'
    return f'<div class="nb-cell">{prompt}{render_code_block(code, language)}</div>\n'
