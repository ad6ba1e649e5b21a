"""What our block rules ask of a source line: its text, and whether a block may open on it.

Four block rules (template tags, blog callouts, the pseudocode shortcode and the dollar math
blocks) read a line the same way: without its indentation, container markers (`> `, a list
item's indent) and trailing spaces; and a block never opens on a line indented as code.
"""

from __future__ import annotations

from markdown_it.rules_block import StateBlock


def line_text(state: StateBlock, line: int) -> str:
    """Return the text of `line`, without indentation, container markers or trailing spaces."""
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].strip()


def opening_line(state: StateBlock, line: int, starts: str) -> str | None:
    """Return the text of `line` if a block may open there: not indented as code (four
    columns past the enclosing block's indent) and starting with `starts`; else None."""
    if state.sCount[line] - state.blkIndent >= 4:
        return None
    text = line_text(state, line)
    return text if text.startswith(starts) else None
