"""Where a code fence opens and closes in Markdown's raw lines: the one rule every scan of raw
lines past code shares (notebook cells here; template tags, blog callouts, fenced divs and the
importers above), so none of them reads a line of code as their own syntax."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


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
