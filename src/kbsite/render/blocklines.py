"""What our block rules ask of a source line: its text, and whether a block may open on it.

Rules that scan raw lines past code (template tags, blog callouts' closing tags, the
importers) also share how a code fence opens and closes: fence_after.

Four block rules (template tags, blog callouts, the pseudocode shortcode and the dollar math
blocks) read a line the same way: without its indentation, container markers (`> `, a list
item's indent) and trailing spaces; and a block never opens on a line indented as code.
"""

from __future__ import annotations

import re

from markdown_it.rules_block import StateBlock

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


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


def fence_after(fence: str, line: str) -> str:
    """Return the code fence open after `line`, given the one open before it ("" for none):
    ``` or ~~~ opens one, and a line of at least as many of the same mark and nothing else
    closes it (CommonMark: "```python" inside a block is code). A line is code when a fence
    is open before or after it."""
    marker = _FENCE.match(line)
    if fence:
        closes = (
            marker is not None
            and marker[1][0] == fence[0]
            and len(marker[1]) >= len(fence)
            and not line[marker.end() :].strip()
        )
        return "" if closes else fence
    return marker[1] if marker else ""
