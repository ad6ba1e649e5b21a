"""Notebooks read into note text (kbsite.load.notebook*) and terminal colours as classes
(kbsite.render.notebook.ansi): messages asserted verbatim."""

from __future__ import annotations

import json

import pytest

from kbsite.errors import KbsiteError, SourceLocation, warning
from kbsite.load.notebook import in_cells, parse_notebook
from kbsite.load.notebookoutputs import OutputFiles, output_blocks
from kbsite.render.notebook.ansi import ansi_html
from tests.helpers import code_cell, markdown_cell, notebook, stream

SOURCE = "content/ml/demo.ipynb"


def errors_of(text: str) -> list[str]:
    with pytest.raises(KbsiteError) as caught:
        parse_notebook(text, "ml/demo.ipynb", SOURCE)
    return [str(d) for d in caught.value.diagnostics]


def test_ansi_colours_become_classes_and_other_escapes_vanish() -> None:
    text = "\x1b[1;31mError\x1b[0m: a < b \x1b[32mok\x1b[39m\x1b[2K\x1b]0;title\x07 end"
    assert ansi_html(text) == (
        '<span class="ansi-bold ansi-red">Error</span>: a &lt; b '
        '<span class="ansi-green">ok</span> end'
    )
    assert ansi_html("\x1b[94;43mx\x1b[49my") == (
        '<span class="ansi-bg-yellow ansi-blue-intense">x</span>'
        '<span class="ansi-blue-intense">y</span>'
    )
    # 256 and RGB colours have no class: the text keeps the default colour, later codes apply
    assert ansi_html("\x1b[38;5;28;1mraise\x1b[38;2;1;2;3m!") == (
        '<span class="ansi-bold">raise</span><span class="ansi-bold">!</span>'
    )
    assert ansi_html("plain <b>") == "plain &lt;b&gt;"


def test_cell_locations_print_as_file_cell_line() -> None:
    assert str(SourceLocation(SOURCE, 3, 2, cell=7)) == f"{SOURCE}:cell 7:3:2"
    assert str(SourceLocation(SOURCE, 0, cell=7)) == f"{SOURCE}:cell 7"
    spans = ((1, 1, 1), (4, 2, 1), (9, 3, 1))
    found = in_cells(
        [warning(SOURCE, 6, "a"), warning(SOURCE, 9, "b"), warning("other.md", 6, "c")],
        {SOURCE: spans},
    )
    assert [str(d) for d in found] == [
        f"{SOURCE}:cell 2:3: warning: a",
        f"{SOURCE}:cell 3:1: warning: b",
        "other.md:6: warning: c",
    ]


def test_invalid_json_names_line_and_column() -> None:
    assert errors_of('{\n "cells": [,]\n}') == [
        f"{SOURCE}:2:12: not a valid notebook: invalid JSON (Expecting value)"
    ]
    assert errors_of("[1]") == [f"{SOURCE}:1: not a valid notebook: the JSON is not an object"]


def test_unknown_version_and_schema_failures_name_the_line_and_cell() -> None:
    future = '{\n "cells": [],\n "metadata": {},\n "nbformat": 5,\n "nbformat_minor": 0\n}'
    assert errors_of(future) == [
        f"{SOURCE}:4: nbformat: unsupported nbformat version 5; kbsite reads versions 4.x and 3"
    ]
    bad = json.loads(notebook(markdown_cell("a"), code_cell("x", stream("1\n"))))
    bad["cells"][1]["outputs"][0]["name"] = 3
    assert errors_of(json.dumps(bad)) == [
        f"{SOURCE}:cell 2: nbformat: notebook fails nbformat 4 schema: 3 is not of type "
        "'string' (at outputs/0/name)"
    ]


def test_front_matter_from_metadata_is_located_in_metadata() -> None:
    text = notebook(markdown_cell("正文"), metadata={"kbsite": {"title": "T", "date": "x"}})
    found = parse_notebook(text, "ml/demo.ipynb", SOURCE)
    assert found.text.startswith("---\ntitle: T\ndate: x\n---\n")
    located = in_cells([warning(SOURCE, 3, "bad date")], {SOURCE: found.cells})
    assert [str(d) for d in located] == [
        f"{SOURCE}: warning: bad date (in the notebook's metadata.kbsite)"
    ]


def test_a_fence_left_open_ends_with_its_cell() -> None:
    text = notebook(markdown_cell("```python\nx = 1"), markdown_cell("# 之后的标题"))
    found = parse_notebook(text, "ml/demo.ipynb", SOURCE)
    assert "```python\nx = 1\n```\n\n# 之后的标题" in found.text


def test_cell_attachments_become_files_beside_the_notebook() -> None:
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    cell = markdown_cell("![图](attachment:fig.png)") | {
        "attachments": {"fig.png": {"image/png": png}}
    }
    found = parse_notebook(notebook(cell), "ml/demo.ipynb", SOURCE)
    (attachment,) = found.attachments
    assert attachment.rel_path.startswith("ml/demo/") and attachment.rel_path.endswith(".png")
    assert f"![图]({attachment.rel_path.removeprefix('ml/')})" in found.text


def test_streams_merge_and_progress_bars_keep_their_last_state() -> None:
    outputs = [
        {"output_type": "stream", "name": "stdout", "text": "epoch 1\n"},
        {"output_type": "stream", "name": "stdout", "text": "10%\r50%\r100%\ndone\n"},
        {"output_type": "stream", "name": "stderr", "text": "warn\n"},
    ]
    blocks, omitted = output_blocks(outputs, OutputFiles("ml", "demo"))
    assert blocks == [
        [
            {"t": "stream", "name": "stdout", "text": "epoch 1\n100%\ndone\n"},
            {"t": "stream", "name": "stderr", "text": "warn\n"},
        ]
    ]
    assert omitted == set()
