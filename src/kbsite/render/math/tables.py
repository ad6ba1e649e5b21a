"""Tables in MathML Core: each cell gets its column's alignment and spacing as CSS, and a
numbered table (amsmath's environments, `\\tag`) spans the line with its numbers at the right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from kbsite.render.math.mathtree import Node, find, parse, path_to, serialize

_LINES = {"solid": "0.05em solid", "dashed": "0.05em dashed"}


def lower_table(table: Node) -> None:
    """Give each cell its column's alignment, half of the spacing to its neighbours as
    padding (none on the table's outer edges), and the lines between columns and rows."""
    attrs = table.attrs
    aligns = attrs.get("columnalign", "center").split()
    columns = attrs.get("columnspacing", "0.8em").split()
    rows_gap = attrs.get("rowspacing", "1.0ex").split()
    column_lines = attrs.get("columnlines", "none").split()
    row_lines = attrs.get("rowlines", "none").split()
    rows = [r for r in table.elements() if r.tag in ("mtr", "mlabeledtr")]
    for i, row in enumerate(rows):
        cells = [c for c in row.elements() if c.tag == "mtd" and not _is_glue(c)]
        for j, cell in enumerate(cells):
            style = []
            align = _nth(aligns, j)
            if align in ("left", "right"):
                style.append(f"text-align:{align}")
            if align == "right":  # a cell's content is a block in Chromium: only this moves it
                style.append("text-align:-webkit-right")
            top = _half(_nth(rows_gap, i - 1)) if i else "0"
            bottom = _half(_nth(rows_gap, i)) if i < len(rows) - 1 else "0"
            left = _half(_nth(columns, j - 1)) if j else "0"
            right = _half(_nth(columns, j)) if j < len(cells) - 1 else "0"
            sides = (top, right, bottom, left)
            style.append("padding:0" if set(sides) == {"0"} else f"padding:{' '.join(sides)}")
            if j < len(cells) - 1 and _nth(column_lines, j) in _LINES:
                style.append(f"border-right:{_LINES[_nth(column_lines, j)]}")
            if i < len(rows) - 1 and _nth(row_lines, i) in _LINES:
                style.append(f"border-bottom:{_LINES[_nth(row_lines, i)]}")
            cell.set("style", ";".join(style))
        for cell in row.elements():
            if _is_glue(cell) and cell.attrs.get("width"):
                cell.set("style", f"width:{cell.attrs['width']}")
            elif "mtr-glue" in cell.attrs.get("class", ""):
                cell.set("style", "width:50%")
    for name in ("rowspacing", "columnspacing"):  # Firefox would add its own to the padding
        if name in attrs:
            table.set(name, "0")


def _is_glue(cell: Node) -> bool:
    """Tell whether a cell is KaTeX's, not the author's: the glue around a numbered row, its
    number, or the 50% cells around a `\\tag`."""
    classes = cell.attrs.get("class", "")
    return "mtr-glue" in classes or "mml-eqn-num" in classes or cell.attrs.get("width") == "50%"


def _nth(values: list[str], index: int) -> str:
    """MathML's rule for lists of column or row values: the last one repeats."""
    return values[min(index, len(values) - 1)] if values else ""


def _half(length: str) -> str:
    """Half a CSS length ("1em" -> "0.5em"); "0" for what is not a length we know."""
    match = re.fullmatch(r"(\d*\.?\d+)(em|ex|px|pt)", length)
    if match is None:
        return "0"
    value = float(match[1]) / 2
    return "0" if value == 0 else f"{value:g}{match[2]}"


def span_line(math: Node) -> None:
    """Let a table with an equation number (`\\tag`, `align`) span the whole line, number at
    the right: MathML Core ignores its width="100%", and a percentage resolves only against
    a box whose width is known, so the math and each box down to the table get it as CSS."""
    path = path_to(math, lambda node: node.tag == "mtable" and is_numbered(node))
    if path is None:
        return
    math.set("style", "display:block math")
    for node in path[1:]:
        style = node.attrs.get("style", "")
        if "width:100%" not in style:
            node.set("style", ";".join(filter(None, [style, "width:100%"])))


def is_numbered(table: Node) -> bool:
    return table.attrs.get("width") == "100%" or any(
        _is_glue(cell) for row in table.elements() for cell in row.elements()
    )


# Equation numbers: kbsite.render.math.equations decides them, per note.


def number_rows(html: str, rows: Sequence[tuple[str, str] | None]) -> str:
    """Put equation numbers at the right of the rows of a formula's top table, as amsmath
    does: `rows` has, for each row, (number as shown, id or "") or None for no number. KaTeX
    renders numbered environments starred (kbsite.render.math.equations), always as a table; a
    formula whose rows are not `rows` is left unnumbered."""
    root = parse(html)
    maths = find(root, "math") if root is not None else []
    path = path_to(maths[0], lambda node: node.tag == "mtable") if maths else None
    if root is None or path is None:
        return html
    table_rows = [r for r in path[-1].elements() if r.tag == "mtr"]
    if len(table_rows) != len(rows):
        return html
    for row, number in zip(table_rows, rows, strict=True):
        row.children.insert(0, _cell("width:50%", "mtr-glue"))
        row.children.append(_cell("width:50%", "mtr-glue"))
        cell = _cell("padding:0 0 0 1em;text-align:right;text-align:-webkit-right", "eqn-num")
        if number is not None:
            shown, anchor = number
            cell.children.append(Node("mtext", "<mtext>", {}, [escape(shown, quote=False)]))
            if anchor:
                cell.set("id", escape(anchor))
        row.children.append(cell)
    span_line(maths[0])
    return serialize(root)


def _cell(style: str, kind: str) -> Node:
    cell = Node("mtd", "", {})
    cell.set("class", kind)
    cell.set("style", style)
    return cell
