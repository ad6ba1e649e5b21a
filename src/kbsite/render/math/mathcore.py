"""KaTeX's MathML lowered to what MathML Core draws: table layout, enclosures, TeX's spacing.

Chromium implements MathML Core, which ignores `columnalign`, `columnspacing` and `rowspacing`
on `mtable` (every column of `aligned` or `cases` was centred, so the `=` of a derivation
drifted from row to row), has no `menclose` (`\\boxed` and `\\cancel` drew nothing), ignores
`width` on tables (`\\tag` sat beside the formula) and spaces operators by the operator
dictionary alone, where TeX looks at the neighbours: `\\log p` read "logp", the minus of
`= -x` was spaced as a binary operator, and `x_{t-1}` was spaced in scripts where TeX sets
it tight (issue 20).

So the formula process (kbsite.render.math.formulaserver) rewrites each formula once, at build time:
each table cell gets its alignment and spacing as CSS, an enclosure becomes an `mrow` with a border
or a strike drawn as a background, and operators get explicit `lspace`/`rspace`. What MathML
Core does draw is left as KaTeX wrote it, byte for byte; Firefox and Safari read the same CSS
and attributes, and the spacing attributes the table had are set to 0 so they do not add theirs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

# A start tag, an end tag, or the text between: KaTeX escapes `<` and `&` in text.
_TOKEN = re.compile(r"<(/?)([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+\s*=\s*\"[^\"]*\")*)\s*(/?)>|[^<]+")
_ATTR = re.compile(r'([^\s=]+)\s*=\s*"([^"]*)"')
# What is worth a parse: formulas without these come out unchanged.
_NEEDS = ("<mtable", "<menclose", "\u2061", "<mo", "<mpadded")

THIN = "0.1667em"  # TeX's \thinmuskip: between an operator name and what it applies to
_TWO_CHILDREN = frozenset({"msub", "msup", "munder", "mover"})  # base and one script
_SCRIPTS = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover"})
_REL: frozenset[str] = frozenset("=<>≤≥≈≡∼≃≅≠∈∉∋⊂⊃⊆⊇⊊→←↔⇒⇐⇔↦⟶⟵⟹⟸∝∣≺≻⪯⪰≪≫⊥⊨⊢:≐≜≍≔≲≳≪≫⊏⊑∼")
_BIN = frozenset("+−±∓×÷·∗⋅∘⊙⊕⊗⊖∩∪∖∧∨⋆∙⊓⊔⊎≀∐◃▹†‡⋄")
_OPEN = frozenset("([{⟨⌊⌈⟦")
_CLOSE = frozenset(")]}⟩⌋⌉⟧")
_PUNCT = frozenset(",;")
_LARGE = frozenset("∑∏∐∫∬∭∮⋃⋂⨁⨂⨀⋁⋀")
_REL |= {"&lt;", "&gt;"}  # as KaTeX writes them
_MAKES_UNARY = _BIN | _REL | _OPEN | _PUNCT | _LARGE
# Enclosures as CSS: KaTeX's \boxed pads by 3pt (0.3em) inside a 0.04em rule.
_STRIKE = (
    "transparent calc(50% - 0.04em),currentColor calc(50% - 0.04em),"
    "currentColor calc(50% + 0.04em),transparent calc(50% + 0.04em)"
)
_ENCLOSURES = {
    "box": "border:0.04em solid;padding:0.2em 0.3em",
    "updiagonalstrike": f"background:linear-gradient(to top right,{_STRIKE})",
    "downdiagonalstrike": f"background:linear-gradient(to bottom right,{_STRIKE})",
    "updiagonalstrike downdiagonalstrike": (
        f"background:linear-gradient(to top right,{_STRIKE}),"
        f"linear-gradient(to bottom right,{_STRIKE})"
    ),
    "horizontalstrike": f"background:linear-gradient({_STRIKE})",
    "actuarial": "border-top:0.04em solid;border-right:0.04em solid;padding-right:0.1em",
    "top": "border-top:0.04em solid",
    "bottom": "border-bottom:0.04em solid",
    "left": "border-left:0.04em solid",
    "right": "border-right:0.04em solid",
}
# Elements whose children are laid out in a row, as an mrow's. Not semantics: its children are
# the formula and its annotation, and a space between them is invalid (the Nu checker says so).
_ROWS = frozenset({"math", "mrow", "mstyle", "mtd", "mpadded", "msqrt", "menclose"})
# Accent marks KaTeX writes that no math font has (they are in CJK fonts, as bopomofo tone
# marks), and the combining marks Chromium stretches over a wide base.
_BARS = ("\u02c9", "\u203e")  # modifier letter macron (\bar), overline (\overline)
_ACCENTS = {"\u02c9": "\u00af", "\u02ca": "\u00b4", "\u02cb": "\u0060"}
_WIDE = {"^": "\u0302"}  # U+0303 does not stretch in Chromium: \widetilde stays as it is
_LINES = {"solid": "0.05em solid", "dashed": "0.05em dashed"}


@dataclass(slots=True, eq=False)
class _Node:
    tag: str
    raw: str  # the start tag as KaTeX wrote it, kept byte for byte unless `changed`
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)
    empty: bool = False  # written as `<tag/>`
    changed: bool = False

    def set(self, name: str, value: str) -> None:
        self.attrs[name] = value
        self.changed = True

    def elements(self) -> list[_Node]:
        return [c for c in self.children if isinstance(c, _Node)]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


def lower_mathml(html: str) -> str:
    """Rewrite KaTeX's MathML (a `<span class="katex">` of it) for MathML Core."""
    if not any(marker in html for marker in _NEEDS):
        return html
    root = _parse(html)
    if root is None:  # not the markup KaTeX writes: leave it as it is
        return html
    for math in _find(root, "math"):
        _walk(math, display=math.attrs.get("display") == "block", level=0)
        _span_line(math)
    return _serialize(root)


def _span_line(math: _Node) -> None:
    """Let a table with an equation number (`\\tag`, `align`) span the whole line, number at
    the right: MathML Core ignores its width="100%", and a percentage resolves only against
    a box whose width is known, so the math and each box down to the table get it as CSS."""
    path = _path_to(math, lambda node: node.tag == "mtable" and _is_numbered(node))
    if path is None:
        return
    math.set("style", "display:block math")
    for node in path[1:]:
        style = node.attrs.get("style", "")
        if "width:100%" not in style:
            node.set("style", ";".join(filter(None, [style, "width:100%"])))


def _path_to(node: _Node, wanted: Callable[[_Node], bool]) -> list[_Node] | None:
    """The elements from node down to the first wanted one, outside tables; None if none."""
    if wanted(node):
        return [node]
    if node.tag == "mtable":
        return None
    for child in node.elements():
        found = _path_to(child, wanted)
        if found is not None:
            return [node, *found]
    return None


def _is_numbered(table: _Node) -> bool:
    return table.attrs.get("width") == "100%" or any(
        _is_glue(cell) for row in table.elements() for cell in row.elements()
    )


# --- parsing and writing back ------------------------------------------------------------


def _parse(html: str) -> _Node | None:
    root = _Node("", "", {})
    stack = [root]
    pos = 0
    for match in _TOKEN.finditer(html):
        if match.start() != pos:
            return None
        pos = match.end()
        closing, tag, attrs, empty = match.groups()
        if tag is None:
            stack[-1].children.append(match[0])
        elif closing:
            if len(stack) == 1 or stack[-1].tag != tag:
                return None
            stack.pop()
        else:
            node = _Node(tag, match[0], dict(_ATTR.findall(attrs)), empty=bool(empty))
            stack[-1].children.append(node)
            if not empty:
                stack.append(node)
    return root if pos == len(html) and len(stack) == 1 else None


def _serialize(node: _Node) -> str:
    parts: list[str] = []
    _write(node, parts)
    return "".join(parts)


def _write(node: _Node, parts: list[str]) -> None:
    if node.tag:
        start = node.raw
        if node.changed:
            attrs = "".join(f' {name}="{value}"' for name, value in node.attrs.items())
            start = f"<{node.tag}{attrs}{'/' if node.empty else ''}>"
        parts.append(start)
        if node.empty:
            return
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        else:
            _write(child, parts)
    if node.tag:
        parts.append(f"</{node.tag}>")


def _find(node: _Node, tag: str) -> list[_Node]:
    found = [node] if node.tag == tag else []
    for child in node.elements():
        found.extend(_find(child, tag))
    return found


# --- the walk: style level, then each kind of element ------------------------------------


def _walk(node: _Node, *, display: bool, level: int) -> None:
    """Lower node's subtree; `display` and `level` are TeX's style there (scriptlevel 0: text
    or display style; 1 and more: script styles, where TeX sets operators tight)."""
    tag = node.tag
    if (
        tag in _TWO_CHILDREN
        and len(node.children) > 2
        and all(isinstance(c, _Node) for c in node.children)
    ):  # KaTeX writes `t_{\\max}` as <msub><mi>t</mi><mi>max</mi><mo>⁡</mo></msub>
        script = _Node("mrow", "<mrow>", {}, children=node.children[1:])
        node.children = [node.children[0], script]
    if tag == "mstyle":
        display = node.attrs.get("displaystyle", "true" if display else "false") == "true"
        level = int(node.attrs.get("scriptlevel", level))
    elif tag == "mtable":
        _lower_table(node)
    elif tag == "menclose":
        _lower_enclosure(node)
    elif tag == "mpadded":
        _lower_padded(node)
    elif tag in ("mover", "munder") and (accent := _accent(node)) is not None:
        _lower_accent(node, accent)
    elif tag == "msup" and _is_prime(node):
        node.tag, node.attrs, node.changed = "mrow", {}, True
        for mark in _find(node.elements()[1], "mo"):
            if "lspace" not in mark.attrs:
                _tight(mark)
    if node.tag in _ROWS:
        _space_operators(node, level)
    for index, child in enumerate(node.elements()):
        child_display, child_level = _child_style(node, index, display, level)
        _walk(child, display=child_display, level=child_level)


def _child_style(node: _Node, index: int, display: bool, level: int) -> tuple[bool, int]:
    """The style of node's index-th child, by MathML's rules for scripts and fractions."""
    tag = node.tag
    if tag == "mfrac":
        return False, level if display else level + 1
    if tag in _SCRIPTS and index > 0:
        accent = "accent" if (tag == "mover" or index == 2) else "accentunder"
        if node.attrs.get(accent) == "true":
            return display, level
        return False, level + 1
    if tag == "mroot" and index == 1:
        return False, level + 2
    return display, level


# --- tables ------------------------------------------------------------------------------


def _lower_table(table: _Node) -> None:
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


def _is_glue(cell: _Node) -> bool:
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


def _accent(node: _Node) -> _Node | None:
    """The accent `mo` of an `mover accent="true"` (or `munder accentunder="true"`), if any."""
    kids = node.elements()
    flag = "accent" if node.tag == "mover" else "accentunder"
    if len(kids) == 2 and node.attrs.get(flag) == "true" and kids[1].tag == "mo":
        return None if "lspace" in kids[1].attrs else kids[1]
    return None


def _lower_accent(node: _Node, accent: _Node) -> None:
    """Write an accent with a character math fonts have, stretch the wide ones, and space
    none: KaTeX's marks for `\\bar`, `\\acute` and `\\grave` are in no math font, so on a
    zh-CN page a CJK font drew them full-width (`\\bar\\alpha_t` lost its subscript to the
    right), and its `^` and overline have no wide forms in the math fonts."""
    text = accent.text()
    wide = accent.attrs.get("stretchy") == "true"
    if wide and text in _BARS:  # \overline, \underline: a rule as wide as the base
        side = "top" if node.tag == "mover" else "bottom"
        node.tag, node.attrs = "mrow", {}
        node.set("style", f"border-{side}:0.04em solid;padding-{side}:0.1em")
        node.children.remove(accent)
        return
    if wide and text in _WIDE:
        accent.children = [_WIDE[text]]
    elif text in _ACCENTS:
        accent.children = [_ACCENTS[text]]
    _tight(accent)


def _is_prime(node: _Node) -> bool:
    """Tell whether a superscript is only primes (`x'`, `f''`): a math font's prime is drawn
    raised already, so as a superscript Chromium lifts it again, off the letter; set beside
    the base, as MathML Core advises, it sits where TeX puts it."""
    kids = node.elements()
    if len(kids) != 2:
        return False
    script = kids[1]
    marks = script.elements() if script.tag == "mrow" else [script]
    return bool(marks) and all(m.tag == "mo" and set(m.text()) <= set("′″‴") for m in marks)


# --- enclosures, padding -----------------------------------------------------------------


def _lower_enclosure(node: _Node) -> None:
    """Draw \\boxed, \\cancel and kin with CSS on an mrow: MathML Core has no menclose."""
    style = _ENCLOSURES.get(node.attrs.get("notation", ""))
    if style is None:
        return
    node.tag = "mrow"
    node.attrs = {}
    node.set("style", style)


def _lower_padded(node: _Node) -> None:
    """`\\xrightarrow`'s label: KaTeX pads it with a relative width ("+0.6em") and lspace,
    which MathML Core ignores; the same room as CSS padding."""
    width = re.fullmatch(r"\+(\d*\.?\d+)em", node.attrs.get("width", ""))
    lspace = re.fullmatch(r"(\d*\.?\d+)em", node.attrs.get("lspace", "0em"))
    if width is None or lspace is None:
        return
    left = float(lspace[1])
    right = float(width[1]) - left
    node.tag = "mrow"
    node.attrs = {}
    node.set("style", f"padding:0 {right:g}em 0 {left:g}em")


# --- operator spacing, as TeX does it ----------------------------------------------------


def _space_operators(parent: _Node, level: int) -> None:
    """Space the operators among parent's children the way TeX would (The TeXbook, ch. 18)."""
    row = parent.elements()
    for index, node in enumerate(row):
        if _is_operator_name(node):
            _space_after_name(parent, row, index, level)
            _space_before_name(parent, row, index)
        elif node.tag != "mo" or "lspace" in node.attrs or "rspace" in node.attrs:
            continue
        elif level > 0 and node.text() not in _LARGE | _OPEN | _CLOSE:
            _tight(node)  # no medium or thick spaces in scripts (fences have none anyway)
        elif node.text() in _BIN and _is_unary(row, index):
            _tight(node)


def _tight(node: _Node) -> None:
    node.set("lspace", "0")
    node.set("rspace", "0")


def _is_unary(row: list[_Node], index: int) -> bool:
    """TeX's rule: a binary operator with nothing, an operator, a relation, an opening or a
    punctuation before it, or a relation, closing or punctuation after it, is an ordinary."""
    if index == 0:
        return True
    before = row[index - 1]
    if _is_operator_name(before) or _mo_text(before) in _MAKES_UNARY:
        return True
    after = _mo_text(row[index + 1]) if index + 1 < len(row) else ""
    return after in _REL | _CLOSE | _PUNCT


def _mo_text(node: _Node) -> str:
    return node.text() if node.tag == "mo" else ""


def _core_text(node: _Node) -> str:
    """The text of the operator at the core of node: an mo, or the base of its scripts."""
    kids = node.elements()
    if node.tag in _SCRIPTS and kids:
        return _core_text(kids[0])
    return _mo_text(node)


def _is_operator_name(node: _Node) -> bool:
    """Tell whether node ends with KaTeX's U+2061 (function application): `\\log`, `\\max_x`,
    `\\operatorname{softmax}_i`; as the mo itself, or a script whose base ends with it."""
    if node.tag == "mo":
        return node.text() == "\u2061"
    kids = node.elements()
    if node.tag in _SCRIPTS and kids:
        return _is_operator_name(kids[0])
    return node.tag == "mrow" and bool(kids) and _is_operator_name(kids[-1])


def _space_after_name(parent: _Node, row: list[_Node], index: int, level: int) -> None:
    """A thin space after an operator name, as TeX puts between an Op and an Ord (in every
    style) or an Inner (`\\log\\left(`, not in scripts); none before `(`, a relation or `,`."""
    after = row[index + 1] if index + 1 < len(row) else None
    if after is None:
        return
    if _mo_text(after) in _OPEN | _REL | _PUNCT | _CLOSE or _core_text(after) in _LARGE:
        return  # a large operator (limits or not) gets its space from the operator dictionary
    if level > 0 and _is_fenced(after):
        return
    name = row[index]
    if name.tag == "mo":
        name.set("rspace", THIN)
    else:  # after the scripts, not inside the base they are centred on
        spacer = _Node("mspace", "", {}, empty=True)
        spacer.set("width", THIN)
        parent.children.insert(parent.children.index(name) + 1, spacer)


def _space_before_name(parent: _Node, row: list[_Node], index: int) -> None:
    """A thin space before an operator name after an ordinary, a closing or an inner (`2\\sin x`,
    `f(x)\\log y`, the unary minus of `-\\sin`), as TeX spaces Ord-Op in every style."""
    start = index - 1 if row[index].tag == "mo" else index  # the name's `mi`, or its scripts
    if start < 1 or (row[index].tag == "mo" and row[start].tag != "mi"):
        return
    before = row[start - 1]
    text = _mo_text(before)
    unary = text in _BIN and before.attrs.get("lspace") == "0"
    if before.tag == "mo" and not unary and text not in _CLOSE:
        return
    if before.tag == "mspace" or _is_operator_name(before):
        return  # TeX's Op-Op space is the other name's to make (_space_after_name)
    spacer = _Node("mspace", "", {}, empty=True)
    spacer.set("width", THIN)
    parent.children.insert(parent.children.index(row[start]), spacer)


def _is_fenced(node: _Node) -> bool:
    kids = node.elements()
    return node.tag == "mrow" and bool(kids) and kids[0].attrs.get("fence") == "true"


# --- equation numbers (kbsite.render.math.equations decides them, per note)
# ----------------------------


def number_rows(html: str, rows: Sequence[tuple[str, str] | None]) -> str:
    """Put equation numbers at the right of the rows of a formula's top table, as amsmath
    does: `rows` has, for each row, (number as shown, id or "") or None for no number. KaTeX
    renders numbered environments starred (kbsite.render.math.equations), always as a table; a
    formula whose rows are not `rows` is left unnumbered."""
    root = _parse(html)
    maths = _find(root, "math") if root is not None else []
    path = _path_to(maths[0], lambda node: node.tag == "mtable") if maths else None
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
            cell.children.append(_Node("mtext", "<mtext>", {}, [escape(shown, quote=False)]))
            if anchor:
                cell.set("id", escape(anchor))
        row.children.append(cell)
    _span_line(maths[0])
    return _serialize(root)


def _cell(style: str, kind: str) -> _Node:
    cell = _Node("mtd", "", {})
    cell.set("class", kind)
    cell.set("style", style)
    return cell
