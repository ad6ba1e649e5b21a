"""A validated notebook -> the Markdown text of a note: Markdown cells as written, each code
cell as a fence the renderer shows as a cell (kbsite.render.notebook), its outputs as a fence of
JSON (images written as files, never inlined), front matter from a first raw cell or
`metadata.kbsite`. Every line of the text is mapped to its cell, so messages name cells."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import yaml

from kbsite.errors import Diagnostic, warning
from kbsite.load.fences import fence_after
from kbsite.load.notebookoutputs import Attachment, OutputFiles, output_blocks, text_of

# (first line of the note text, cell number from 1, that line's line within the cell); cell 0:
# lines kbsite wrote (front matter taken from metadata.kbsite).
CellSpan = tuple[int, int, int]

# Fence info words the renderer knows in a notebook (kbsite.render.notebook["cells"]).
CODE_FENCE = "kbsite-code"
OUTPUTS_FENCE = "kbsite-outputs"

_FRONT_OPEN = re.compile(r"^---[ \t]*$")
_ATTACHMENT = re.compile(r"attachment:([^\s)\"'>]+)")
_LANGUAGE = re.compile(r"[^\w+#.-]")

__all__ = ["Attachment", "CellSpan", "NotebookMarkdown", "notebook_markdown"]


@dataclass(frozen=True, slots=True)
class NotebookMarkdown:
    text: str
    cells: tuple[CellSpan, ...]
    attachments: tuple[Attachment, ...]
    warnings: tuple[Diagnostic, ...]


@dataclass(slots=True)
class _Text:
    """The note text being written, line by line, with the cell each line came from."""

    lines: list[str] = field(default_factory=list)
    spans: list[CellSpan] = field(default_factory=list)

    def add(self, text: str, cell: int, cell_line: int = 1) -> None:
        self.spans.append((len(self.lines) + 1, cell, cell_line))
        self.lines.extend(text.split("\n"))


def notebook_markdown(notebook: Any, rel_path: str, source: str) -> NotebookMarkdown:
    """Write a (version 4) notebook as note text; see the module's docstring."""
    out = _Text()
    cells = list(notebook["cells"])
    first = _front_matter(out, cells, notebook["metadata"])
    stem = posixpath.splitext(posixpath.basename(rel_path))[0]
    files = OutputFiles(posixpath.dirname(rel_path), stem)
    language = _language(notebook["metadata"])
    omitted: dict[str, int] = {}  # unsupported output type -> first cell holding one
    for index in range(first, len(cells)):
        cell, number = cells[index], index + 1
        out.add("", number)  # a blank line: each cell starts a new block
        if cell["cell_type"] == "markdown":
            out.add(_closed_fences(_with_attachments(cell, files)), number)
        elif cell["cell_type"] == "code":
            _code_cell(out, cell, number, language, files, omitted)
        elif cell["cell_type"] == "raw" and _raw_format(cell) in ("text/markdown", "text/html"):
            out.add(text_of(cell.get("source")), number)  # raw cells of other formats are for LaTeX
    problems = []
    if omitted:
        kinds = ", ".join(sorted(omitted))
        message = f"outputs of types kbsite does not show were left out: {kinds}"
        first_cell = min(omitted.values())
        problems.append(_at_cell(warning(source, 0, message, key="output"), first_cell))
    return NotebookMarkdown(
        "\n".join(out.lines) + "\n", tuple(out.spans), files.all(), tuple(problems)
    )


def _front_matter(out: _Text, cells: list[Any], metadata: Any) -> int:
    """Write the front matter: a first raw cell of YAML between `---` lines (Quarto's
    convention), else the `kbsite` mapping of the notebook's metadata. Return how many cells
    it took (the raw cell is not shown)."""
    if cells and cells[0]["cell_type"] == "raw":
        text = text_of(cells[0].get("source"))
        if _FRONT_OPEN.match(text.split("\n", 1)[0]):
            out.add(text.rstrip("\n"), 1)
            return 1
    chosen = metadata.get("kbsite")
    if isinstance(chosen, dict) and chosen:
        dumped = yaml.safe_dump(dict(chosen), allow_unicode=True, sort_keys=False)
        out.add(f"---\n{dumped.rstrip()}\n---", 0)
    return 0


def _closed_fences(text: str) -> str:
    """Close a code fence a Markdown cell leaves open: Jupyter renders each cell alone, so an
    unclosed fence ends with its cell instead of swallowing the notebook after it."""
    fence = ""
    for line in text.split("\n"):
        fence = fence_after(fence, line)
    return f"{text}\n{fence}" if fence else text


def _at_cell(diagnostic: Diagnostic, cell: int) -> Diagnostic:
    return replace(diagnostic, location=replace(diagnostic.location, cell=cell))


def _language(metadata: Any) -> str:
    """The kernel's language, for highlighting: language_info, else the kernelspec's."""
    info = metadata.get("language_info") or {}
    spec = metadata.get("kernelspec") or {}
    name = str(info.get("name") or spec.get("language") or "python").lower()
    return _LANGUAGE.sub("", name) or "python"


def _raw_format(cell: Any) -> str:
    meta = cell.get("metadata") or {}
    return str(meta.get("format") or meta.get("raw_mimetype") or "")


def _with_attachments(cell: Any, files: OutputFiles) -> str:
    """A Markdown cell's source, its `attachment:name` images written as files beside it."""
    text = text_of(cell.get("source"))
    attachments = cell.get("attachments") or {}
    if not attachments:
        return text

    def swap(match: re.Match[str]) -> str:
        bundle = attachments.get(match[1])
        path = files.image(bundle) if isinstance(bundle, dict) else None
        return quote(path[0]) if path else match[0]

    return _ATTACHMENT.sub(swap, text)


def _code_cell(
    out: _Text, cell: Any, number: int, language: str, files: OutputFiles, omitted: dict[str, int]
) -> None:
    code = text_of(cell.get("source")).rstrip("\n")
    if code.strip():
        fence = "`" * max(3, _longest_run(code, "`") + 1)
        count = cell.get("execution_count")
        # The language first, as in any fence, so the lexers a build makes ahead include it.
        out.add(f"{fence}{language} {CODE_FENCE} {count if count is not None else '-'}", number)
        out.add(code, number)
        out.add(fence, number)
    meta = cell.get("metadata") or {}
    hidden = bool(meta.get("collapsed") or (meta.get("jupyter") or {}).get("outputs_hidden"))
    blocks, left_out = output_blocks(cell.get("outputs") or [], files)
    for kind in left_out:
        omitted.setdefault(kind, number)
    for block in blocks:
        if isinstance(block, str):  # text/markdown output: rendered as Markdown
            out.add('\n<div class="nb-output nb-markdown" data-pagefind-ignore>\n', number)
            out.add(block, number)
            out.add("\n</div>\n", number)
            continue
        for item in block:
            item.setdefault("hidden", hidden)
        payload = json.dumps(block, ensure_ascii=False, sort_keys=True)
        out.add(f"```{OUTPUTS_FENCE}\n{payload}\n```", number)


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(f"{re.escape(char)}+", text)
    return max((len(r) for r in runs), default=0)
