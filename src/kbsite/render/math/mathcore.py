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
Tables are lowered in kbsite.render.math.tables; the tree all of this edits is
kbsite.render.math.mathtree.
"""

from __future__ import annotations

import re

from kbsite.render.math.mathtree import Node, find, parse, serialize
from kbsite.render.math.tables import lower_table, span_line

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


def lower_mathml(html: str) -> str:
    """Rewrite KaTeX's MathML (a `<span class="katex">` of it) for MathML Core."""
    if not any(marker in html for marker in _NEEDS):
        return html
    root = parse(html)
    if root is None:  # not the markup KaTeX writes: leave it as it is
        return html
    for math in find(root, "math"):
        _walk(math, display=math.attrs.get("display") == "block", level=0)
        span_line(math)
    return serialize(root)


# --- the walk: style level, then each kind of element ------------------------------------


def _walk(node: Node, *, display: bool, level: int) -> None:
    """Lower node's subtree; `display` and `level` are TeX's style there (scriptlevel 0: text
    or display style; 1 and more: script styles, where TeX sets operators tight)."""
    tag = node.tag
    if (
        tag in _TWO_CHILDREN
        and len(node.children) > 2
        and all(isinstance(c, Node) for c in node.children)
    ):  # KaTeX writes `t_{\\max}` as <msub><mi>t</mi><mi>max</mi><mo>⁡</mo></msub>
        script = Node("mrow", "<mrow>", {}, children=node.children[1:])
        node.children = [node.children[0], script]
    if tag == "mstyle":
        display = node.attrs.get("displaystyle", "true" if display else "false") == "true"
        level = int(node.attrs.get("scriptlevel", level))
    elif tag == "mtable":
        lower_table(node)
    elif tag == "menclose":
        _lower_enclosure(node)
    elif tag == "mpadded":
        _lower_padded(node)
    elif tag in ("mover", "munder") and (accent := _accent(node)) is not None:
        _lower_accent(node, accent)
    elif tag == "msup" and _is_prime(node):
        node.tag, node.attrs, node.changed = "mrow", {}, True
        for mark in find(node.elements()[1], "mo"):
            if "lspace" not in mark.attrs:
                _tight(mark)
    if node.tag in _ROWS:
        _space_operators(node, level)
    for index, child in enumerate(node.elements()):
        child_display, child_level = _child_style(node, index, display, level)
        _walk(child, display=child_display, level=child_level)


def _child_style(node: Node, index: int, display: bool, level: int) -> tuple[bool, int]:
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


def _accent(node: Node) -> Node | None:
    """The accent `mo` of an `mover accent="true"` (or `munder accentunder="true"`), if any."""
    kids = node.elements()
    flag = "accent" if node.tag == "mover" else "accentunder"
    if len(kids) == 2 and node.attrs.get(flag) == "true" and kids[1].tag == "mo":
        return None if "lspace" in kids[1].attrs else kids[1]
    return None


def _lower_accent(node: Node, accent: Node) -> None:
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


def _is_prime(node: Node) -> bool:
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


def _lower_enclosure(node: Node) -> None:
    """Draw \\boxed, \\cancel and kin with CSS on an mrow: MathML Core has no menclose."""
    style = _ENCLOSURES.get(node.attrs.get("notation", ""))
    if style is None:
        return
    node.tag = "mrow"
    node.attrs = {}
    node.set("style", style)


def _lower_padded(node: Node) -> None:
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


def _space_operators(parent: Node, level: int) -> None:
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


def _tight(node: Node) -> None:
    node.set("lspace", "0")
    node.set("rspace", "0")


def _is_unary(row: list[Node], index: int) -> bool:
    """TeX's rule: a binary operator with nothing, an operator, a relation, an opening or a
    punctuation before it, or a relation, closing or punctuation after it, is an ordinary."""
    if index == 0:
        return True
    before = row[index - 1]
    if _is_operator_name(before) or _mo_text(before) in _MAKES_UNARY:
        return True
    after = _mo_text(row[index + 1]) if index + 1 < len(row) else ""
    return after in _REL | _CLOSE | _PUNCT


def _mo_text(node: Node) -> str:
    return node.text() if node.tag == "mo" else ""


def _core_text(node: Node) -> str:
    """The text of the operator at the core of node: an mo, or the base of its scripts."""
    kids = node.elements()
    if node.tag in _SCRIPTS and kids:
        return _core_text(kids[0])
    return _mo_text(node)


def _is_operator_name(node: Node) -> bool:
    """Tell whether node ends with KaTeX's U+2061 (function application): `\\log`, `\\max_x`,
    `\\operatorname{softmax}_i`; as the mo itself, or a script whose base ends with it."""
    if node.tag == "mo":
        return node.text() == "\u2061"
    kids = node.elements()
    if node.tag in _SCRIPTS and kids:
        return _is_operator_name(kids[0])
    return node.tag == "mrow" and bool(kids) and _is_operator_name(kids[-1])


def _space_after_name(parent: Node, row: list[Node], index: int, level: int) -> None:
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
        spacer = Node("mspace", "", {}, empty=True)
        spacer.set("width", THIN)
        parent.children.insert(parent.children.index(name) + 1, spacer)


def _space_before_name(parent: Node, row: list[Node], index: int) -> None:
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
    spacer = Node("mspace", "", {}, empty=True)
    spacer.set("width", THIN)
    parent.children.insert(parent.children.index(row[start]), spacer)


def _is_fenced(node: Node) -> bool:
    kids = node.elements()
    return node.tag == "mrow" and bool(kids) and kids[0].attrs.get("fence") == "true"
