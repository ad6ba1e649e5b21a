"""Algorithms in LaTeX `algorithmic`: a ```pseudocode fence, or Hugo's `{{< pseudocode >}}`.

Both become a numbered listing rendered at build time (kbsite.render.syntax.algorithmic), so
readers need no script. The fence is kbsite's syntax; the shortcode is read too, with a warning
that names the fence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from kbsite.render.blocklines import opening_line
from kbsite.render.math.formulas import MATH
from kbsite.render.syntax.algorithmic import render_algorithm
from kbsite.render.syntax.blogcallouts import closing_line
from kbsite.render.syntax.embeds import WARNING
from kbsite.render.tokeninfo import fence_lang

_OPEN = re.compile(r"^\{\{([<%])\s*pseudocode\b[^}]*?[>%]\}\}$")
_CLOSE = re.compile(r"^\{\{[<%]\s*/\s*pseudocode\s*[>%]\}\}$")
_SHORTCODE_WARNING = (
    "Hugo shortcode {{< pseudocode >}} read as an algorithm; "
    "kbsite's syntax is a ```pseudocode fence"
)


def pseudocode_plugin(md: MarkdownIt) -> None:
    """Read the shortcode as a block; render it and ```pseudocode fences after parsing."""
    md.block.ruler.before(
        "fence", "pseudocode_shortcode", _shortcode, {"alt": ["paragraph", "blockquote", "list"]}
    )
    md.core.ruler.push("pseudocode", _render_algorithms)
    md.add_render_rule("pseudocode", _render)


def _shortcode(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    line = opening_line(state, start, "{")
    if line is None or not _OPEN.match(line):
        return False
    close = closing_line(state, start, end, _CLOSE)
    if close is None:
        return False
    if not silent:
        token = state.push("pseudocode", "figure", 0)
        token.content = state.getLines(start + 1, close, state.sCount[start], True)
        token.map = [start, close + 1]
        token.meta = {WARNING: _SHORTCODE_WARNING}
    state.line = close + 1
    return True


def _render_algorithms(state: StateCore) -> None:
    """Render each algorithm now, so a formula it cannot render is a warning at its line."""
    for token in state.tokens:
        if token.type == "fence" and fence_lang(token.info) == "pseudocode":
            token.type = "pseudocode"
        if token.type != "pseudocode":
            continue
        algorithm = render_algorithm(token.content, state.env[MATH])
        token.meta["html"] = algorithm.html
        notes = [token.meta[WARNING]] if WARNING in token.meta else []
        notes += [f"pseudocode: {problem}" for problem in algorithm.problems]
        if notes:
            token.meta[WARNING] = "; ".join(notes)


def _render(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return str(tokens[idx].meta["html"])


# What a line must start with for the block rule above to match (kbsite.accel.fastblock).
SHORTCODE_STARTS = {_shortcode: "{"}
