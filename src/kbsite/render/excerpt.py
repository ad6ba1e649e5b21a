"""Excerpts and reading time from a note's text runs, counted per script (Han and Latin)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from kbsite.render.tokeninfo import TextRun, merge_runs

ELLIPSIS = "..."
HAN_PER_MINUTE = 450
WORDS_PER_MINUTE = 220
SENTENCE_ENDS = frozenset("。！？!?.")
# A cut at a sentence end wins if it keeps at least this share of the budget.
SENTENCE_WINDOW = 0.6

# Runs of Han characters: counting run lengths is 4x faster than finding each character.
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Han, kana, hangul and CJK/fullwidth punctuation: no spaces between these.
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_CJK_PUNCT = re.compile(r"[\u3000-\u303f\ufe30-\ufe4f\uff00-\uffef]")
_LATIN = r"[A-Za-z0-9\u00c0-\u024f]"
# A word or number: "GPT-4", "3.14", "don't", "W_0" are one unit an excerpt never splits.
_WORD = re.compile(rf"{_LATIN}+(?:[.'’_\-]{_LATIN}+)*")
_UNIT = re.compile(rf"{_WORD.pattern}|\s+|.", re.S)

_GREEK_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega"
)
GREEK = dict(zip(_GREEK_NAMES.split(), "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΦΨΩ", strict=True))
SYMBOLS = {
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "ell": "ℓ", "infty": "∞", "nabla": "∇",
    "partial": "∂", "sum": "Σ", "prod": "Π", "int": "∫", "sqrt": "√", "cdot": "·", "times": "×",
    "pm": "±", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "approx": "≈", "sim": "~", "propto": "∝", "in": "∈", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "mid": "|", "cdots": "…", "ldots": "…", "dots": "…",
    "top": "ᵀ", "intercal": "ᵀ", "prime": "′", "cap": "∩", "cup": "∪", "setminus": "∖",
    "ll": "≪", "gg": "≫", "circ": "∘", "odot": "⊙", "otimes": "⊗", "oplus": "⊕",
    "forall": "∀", "exists": "∃", "emptyset": "∅", "subset": "⊂", "subseteq": "⊆",
}  # fmt: skip
# Commands that only change how their argument looks: drop them, keep the argument.
STYLE_COMMANDS = frozenset({
    "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak",
    "boldsymbol", "bm", "text", "textrm", "textbf", "textit", "operatorname", "displaystyle",
    "textstyle", "left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "hat", "tilde",
    "bar", "vec", "overline", "underline", "dot", "ddot", "widehat", "widetilde", "quad", "qquad",
})  # fmt: skip


def make_excerpt(runs: Sequence[TextRun], limit: int = 160) -> str:
    """Return at most `limit` characters of plain text, cut between words and formulas;
    headings left out (the text of a note made only of headings is theirs)."""
    body = tuple(merge_runs(run for run in runs if not run.heading))
    runs = body if any(run.text.strip() for run in body) else runs
    units: list[str] = []
    length = 0
    for unit in _units(_prefix(runs, 4 * limit)):  # only up to the first unit past the limit
        units.append(unit)
        length += len(unit)
        if length > limit:
            break
    else:
        return "".join(units)
    budget = limit - len(ELLIPSIS)
    ends, length = [], 0  # ends[k]: length of the first k+1 units
    for unit in units:
        if length + len(unit) > budget:
            break
        length += len(unit)
        ends.append(length)
    cut = len(ends)
    for k in range(len(ends), 0, -1):
        if ends[k - 1] < budget * SENTENCE_WINDOW:
            break
        if _is_sentence_end(units, k - 1):
            cut = k
            break
    return "".join(units[:cut]).rstrip(" ,;:，、；：") + ELLIPSIS


def _prefix(runs: Sequence[TextRun], chars: int) -> Sequence[TextRun]:
    """Return the leading runs holding at least `chars` characters: an excerpt needs no more."""
    total = 0
    for index, run in enumerate(runs):
        total += len(run.text)
        if total > chars:
            return runs[: index + 1]
    return runs


def reading_minutes(runs: Sequence[TextRun]) -> int:
    """Return the minutes to read the runs: Han at 450/min plus Latin words at 220/min."""
    text = " ".join(readable_math(run.text) if run.atomic else run.text for run in runs)
    han = sum(map(len, _HAN_RUN.findall(text)))
    words = len(_WORD.findall(text))
    return max(1, math.ceil(han / HAN_PER_MINUTE + words / WORDS_PER_MINUTE))


# `$...$` as kbsite's Markdown reads it: no space just inside the dollars.
INLINE_MATH = re.compile(r"\$([^$\s](?:[^$]*[^$\s])?)\$")


def readable_inline(text: str) -> str:
    """Show the math of a one-line text (a title, a hand-written summary) as readable text,
    for what is plain text: cards, feeds, `<title>`, meta descriptions."""
    if "$" not in text:
        return text
    return INLINE_MATH.sub(lambda m: readable_math(m[1]), text)


@lru_cache(maxsize=16384)  # formulas repeat across notes: most are rendered to text once
def readable_math(tex: str) -> str:
    """Turn TeX into plain text: `\\theta` -> θ, `\\frac{a}{b}` -> a/b, styles and braces gone.

    Deliberately small: Greek letters and common symbols become Unicode, style
    commands (`\\mathbf`, `\\text`, `\\left`) vanish, other commands keep their
    name (`\\log` -> log), `^` and `_` stay as written.
    """
    tex = re.sub(r"\\(?:begin|end)\{[^}]*\}|&", " ", tex)
    tex = _fracs(tex)
    tex = re.sub(r"\\\\|\\[,;:! ]|~", " ", tex)
    tex = tex.replace("\\{", "\0").replace("\\}", "\1")
    tex = _DOUBLE_STRUCK.sub(lambda m: DOUBLE_STRUCK[m[1] or m[2]], tex)
    tex = re.sub(r"\\([A-Za-z]+)( (?=\w))?", _command, tex)
    tex = _SCRIPT_UP.sub(_superscript, tex)
    tex = re.sub(r"\\(.)", r"\1", tex)
    tex = tex.replace("{", "").replace("}", "").replace("\0", "{").replace("\1", "}")
    return " ".join(tex.replace("^ᵀ", "ᵀ").split())  # K^\top reads as Kᵀ


# `^2`, `^{n+1}`, `^*`: a superscript that reads as one in text (N², Q*, x⁽ⁱ⁾).
_SCRIPT_UP = re.compile(r"\^(?:\{([^{}]*)\}|([^\s{}\\]))")
_SUPERSCRIPTS = dict(zip("0123456789+-=()niT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ", strict=True))
# The number sets as their letterlike symbols (ℝ^d), which every text font has; other
# blackboard letters stay plain letters (𝔼 is missing from many fonts a card may fall back to).
DOUBLE_STRUCK = dict(zip("CHNPQRZ", "ℂℍℕℙℚℝℤ", strict=True))
_DOUBLE_STRUCK = re.compile(r"\\mathbb\s*\{\s*([CHNPQRZ])\s*\}|\\mathbb\s+([CHNPQRZ])")


def _superscript(match: re.Match[str]) -> str:
    """Write a superscript in Unicode where every character has a superscript form; else keep
    a group of several characters together, `ℝ^(N+1)`, as the braces did (not `ℝ^N+1`)."""
    script = (match[1] if match[1] is not None else match[2]).replace(" ", "")
    if script in ("*", "∗", "′", "ᵀ"):
        return script
    if script and all(char in _SUPERSCRIPTS for char in script):
        return "".join(_SUPERSCRIPTS[char] for char in script)
    if match[1] is not None and len(script) > 1:
        return f"^({_SCRIPT_UP.sub(_superscript, match[1].strip())})"  # its own: (P² C)
    return match[0]


def _command(match: re.Match[str]) -> str:
    """Return the plain form of one TeX command."""
    name, space = match[1], match[2] or ""
    if name in STYLE_COMMANDS:
        return ""
    if name in GREEK:
        return GREEK[name]  # TeX ignores the space in `\Delta W`: read it as ΔW
    return SYMBOLS.get(name, name) + space


def _fracs(tex: str) -> str:
    """Rewrite `\\frac{a}{b}` (also dfrac, tfrac, nested) as a/b, parenthesised when long."""
    match = re.search(r"\\[dt]?frac(?![A-Za-z])", tex)
    if match is None:
        return tex
    num = _group(tex, match.end())
    den = _group(tex, num[1]) if num else None
    if num is None or den is None:
        return tex[: match.end()] + _fracs(tex[match.end() :])
    parts = [_fracs(num[0]).strip(), _fracs(den[0]).strip()]
    a, b = (p if re.fullmatch(r"\\?\w+", p) else f"({p})" for p in parts)
    return tex[: match.start()] + f"{a}/{b}" + _fracs(tex[den[1] :])


def _group(tex: str, pos: int) -> tuple[str, int] | None:
    """Return the argument starting at pos (a braced group or one character) and its end."""
    while pos < len(tex) and tex[pos] == " ":
        pos += 1
    if pos >= len(tex):
        return None
    if tex[pos] != "{":
        return tex[pos], pos + 1
    depth = 0
    for end in range(pos, len(tex)):
        depth += {"{": 1, "}": -1}.get(tex[end], 0)
        if depth == 0:
            return tex[pos + 1 : end], end + 1
    return None


def _units(runs: Sequence[TextRun]) -> Iterator[str]:
    """Yield the unbreakable pieces of the text, whitespace collapsed to single spaces.

    Lazy, piece by piece: an excerpt stops after its first ~160 characters.
    """
    pieces = _pieces(runs)
    before, piece = "", next(pieces, None)
    while piece is not None:
        after = next(pieces, None)
        if not piece.isspace():
            yield piece
        elif before and after is not None and not after.isspace():  # one space per gap
            # No space after fullwidth punctuation (it carries its own) at a line or block
            # end, nor at a single line break between CJK characters (a wrapped line).
            newlines = piece.count("\n")
            wrapped = newlines == 1 and _CJK.fullmatch(before[-1]) and _CJK.fullmatch(after[0])
            if not (newlines and _CJK_PUNCT.fullmatch(before[-1])) and not wrapped:
                yield " "
        before, piece = piece, after


def _pieces(runs: Sequence[TextRun]) -> Iterator[str]:
    """Yield words, single CJK characters, whitespace runs and formulas as plain text."""
    for run in runs:
        if run.atomic:
            if formula := readable_math(run.text):
                yield formula
        else:  # lazily: a long paragraph has thousands of units, an excerpt needs ~160
            for unit in _UNIT.finditer(run.text):
                yield unit[0]


def _is_sentence_end(units: Sequence[str], k: int) -> bool:
    """Tell whether units[k] ends a sentence (a Latin '.' only before a space or the end)."""
    if units[k] not in SENTENCE_ENDS:
        return False
    return units[k] in "。！？" or k + 1 == len(units) or units[k + 1] == " "
