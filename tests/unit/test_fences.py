"""One rule for where a code fence opens and closes (kbsite.load.fences), shared by every scan
of raw lines."""

from __future__ import annotations

import pytest

from kbsite.load.fences import fence_after
from kbsite.render.markdown import render_markdown
from kbsite.render.math.formulas import Formulas


@pytest.mark.parametrize(
    ("fence", "line", "after"),
    [
        ("", "```python", "```"),
        ("", "   ~~~~ text", "~~~~"),
        ("", "    ```", ""),  # four spaces: indented code, no fence
        ("```", "```", ""),
        ("```", "`````  ", ""),  # longer, with trailing spaces: closes
        ("````", "```", "````"),  # shorter: code
        ("```", "~~~", "```"),  # the other mark: code
        ("```", "```python", "```"),  # an info string: code (CommonMark), not a close
    ],
)
def test_fence_after(fence: str, line: str, after: str) -> None:
    assert fence_after(fence, line) == after


def test_a_fenced_div_keeps_a_code_block_with_colons_and_info_strings_whole(
    formulas: Formulas,
) -> None:
    text = "::: {#thm-a}\n内容\n\n```text\n:::\n```python\n:::\n```\n\n结论。\n:::\n\n之后。\n"
    html = render_markdown(text, math=formulas, path="n.md", first_line=1).html
    inside, _, after = html.rpartition("</div>")  # the theorem closes last
    assert "结论。" in inside and "之后。" in after
    assert inside.count(":::") == 2 and "```python" in inside
