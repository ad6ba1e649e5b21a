"""A note's numbered labels: theorems, figures, tables and equations a reference may name.

Render numbers them (kbsite.render.syntax.theorems, .numbered, kbsite.render.math.equations)
and hands the list on in the note's rendering; `@thm-lowrank` in the same note and
`[[note#thm-lowrank]]` from another (kbsite.site.links) read it. Issue 19, items 3-5.

CONTRACT:
    Label;  LABEL_KINDS;  THEOREM_KINDS;  label_kind(id);  label_text(kind, number, names)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Quarto's id prefixes: theorem-like blocks first, then figures, tables, equations.
THEOREM_KINDS = ("thm", "lem", "cor", "prp", "def", "exm", "exr", "rem")
LABEL_KINDS = (*THEOREM_KINDS, "fig", "tbl", "eq")
NUMBERING = "kbsite_numbering"  # env key: the note's Numbering while it is parsed
NAMES = "kbsite_label_names"  # env key: kind -> its word in the site's language ("定理")


@dataclass(frozen=True, slots=True)
class Label:
    """One numbered thing of a note: `id` as written after `#`, its kind (a LABEL_KINDS
    entry), its number as shown ("2"), and its HTML for hover previews on other pages."""

    id: str
    kind: str
    number: str
    preview: str = ""


@dataclass
class Numbering:
    """The numbers given so far in one note, per kind, in reading order."""

    numbers: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (kind, number)
    counters: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, ident: str) -> str:
        """Give `ident` the next number of its kind; a repeated id keeps its first number."""
        if ident in self.numbers:
            return self.numbers[ident][1]
        number = self.counters.get(kind, 0) + 1
        self.counters[kind] = number
        self.numbers[ident] = (kind, str(number))
        return str(number)


def label_kind(ident: str) -> str:
    """Return the kind an id's prefix names (`thm-lowrank` -> "thm"), or ""."""
    prefix, dash, rest = ident.partition("-")
    return prefix if dash and rest and prefix in LABEL_KINDS else ""


def names_in(env: Mapping[str, object]) -> dict[str, str]:
    """The words of the site's language a parse was given (env[NAMES]), by kind."""
    names = env.get(NAMES)
    return names if isinstance(names, dict) else {}


def label_text(kind: str, number: str, names: Mapping[str, str]) -> str:
    """How a reference reads: "定理 1", "Figure 2", "式 (3)"."""
    if kind == "eq":
        return f"{names.get('eq', 'Eq.')} ({number})"
    return f"{names.get(kind, kind)} {number}"
