""".bib files -> BibFile: each entry as a CSL-JSON item, each problem a warning with its line.

bibtexparser (v2) reads the file because it keeps going past a broken entry and says on which
line the entry starts; citeproc-py's own BibTeX reader stops at the first one with a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
)
from pylatexenc.latex2text import LatexNodes2Text

from kbsite.errors import Diagnostic, warning

# bibtexparser logs each broken entry as well; kbsite reports them itself, with their lines.
# Without a handler of its own, Python would print those records to stderr.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())


@dataclass(frozen=True, slots=True)
class BibEntry:
    """One work of a bibliography: its CSL-JSON item and where it was written."""

    key: str
    path: str  # the .bib file as messages show it: bibliography/references.bib
    line: int
    csl: str  # the CSL-JSON item as JSON text (sorted keys: its bytes are its identity)
    arxiv: str = ""  # the arXiv id, from `eprint` with `archivePrefix = {arXiv}`

    @property
    def digest(self) -> str:
        """Identify what the entry says, for render cache keys."""
        return hashlib.sha256(self.csl.encode()).hexdigest()[:16]

    def item(self) -> dict[str, Any]:
        """Return the CSL-JSON item."""
        value: dict[str, Any] = json.loads(self.csl)
        return value


@dataclass(frozen=True, slots=True)
class BibFile:
    path: str
    entries: tuple[BibEntry, ...]
    problems: tuple[Diagnostic, ...]


# BibTeX entry type -> CSL type (https://docs.citationstyles.org/en/stable/specification.html)
_TYPES = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "book": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
    "misc": "article",
    "online": "webpage",
    "unpublished": "manuscript",
}
# BibTeX field -> CSL variable, copied as text.
_TEXT_FIELDS = {
    "title": "title",
    "journal": "container-title",
    "booktitle": "container-title",
    "publisher": "publisher",
    "volume": "volume",
    "number": "issue",
    "doi": "DOI",
    "url": "URL",
    "school": "publisher",
    "institution": "publisher",
    "note": "note",
    # The work's language (biblatex `langid`, or `language`): GB/T 7714 sets a Western work
    # in English and a Chinese one in Chinese (kbsite.render.cite.process).
    "langid": "language",
    "language": "language",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_BLANK = re.compile(r"\s+")


def parse_bibtex(text: str, *, path: str) -> BibFile:
    """Read BibTeX text; a broken or duplicate entry is a warning and is left out."""
    problems: list[Diagnostic] = []
    try:
        library = bibtexparser.parse_string(  # type: ignore[attr-defined]
            text,
            # Names are split before LaTeX is decoded, which would drop the braces that make
            # `{DeepMind Team}` one name; _name decodes each part.
            append_middleware=[
                middlewares.SeparateCoAuthors(),
                middlewares.SplitNameParts(),
                middlewares.LatexDecodingMiddleware(),
            ],
        )
    except Exception as exc:
        message = f"cannot read this BibTeX file ({exc}); no entry of it is used"
        return BibFile(path, (), (warning(path, 1, message, key="bibliography"),))
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        problems.append(warning(path, line, _failure(block), key="bibliography"))
    entries: dict[str, BibEntry] = {}
    for entry in library.entries:
        line = (entry.start_line or 0) + 1
        if not entry.key or "," in entry.key or _BLANK.search(entry.key):
            message = f"@{entry.entry_type} entry has no usable key; it is left out"
            problems.append(warning(path, line, message, key="bibliography"))
            continue
        if entry.key.lower() in entries:  # citeproc-py folds case: `Hu2021` is `hu2021`
            message = f"entry '{entry.key}' repeats a key (case is ignored); it is left out"
            problems.append(warning(path, line, message, key="bibliography"))
            continue
        item, arxiv = _csl_item(entry)
        if "title" not in item:
            message = f"entry '{entry.key}' has no title"
            problems.append(warning(path, line, message, key="bibliography"))
        csl = json.dumps(item, ensure_ascii=False, sort_keys=True)
        entries[entry.key.lower()] = BibEntry(entry.key, path, line, csl, arxiv)
    return BibFile(path, tuple(entries.values()), tuple(problems))


def load_bibtex(file: Path, *, path: str) -> BibFile:
    """Read a .bib file; one that cannot be read is a warning, with no entries."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        message = f"cannot read this bibliography: {exc.strerror or exc}"
        return BibFile(path, (), (warning(path, 0, message, key="bibliography"),))
    return _parse_bytes(data, path)


def _failure(block: object) -> str:
    """Say what is wrong with a block bibtexparser could not use."""
    if isinstance(block, DuplicateBlockKeyBlock):
        return f"entry '{block.key}' is defined twice; the second is left out"
    if isinstance(block, DuplicateFieldKeyBlock):
        fields = ", ".join(sorted(block.duplicate_keys))
        key = getattr(block.ignore_error_block, "key", "?")
        return f"entry '{key}' repeats the field {fields}; the entry is left out"
    if isinstance(block, ParsingFailedBlock):
        reason = " ".join(str(getattr(block.error, "abort_reason", "") or "").split())
        return f"this entry cannot be read ({reason or 'a syntax error'}); it is left out"
    return "this block cannot be read; it is left out"


def _csl_item(entry: Entry) -> tuple[dict[str, Any], str]:
    """Convert one parsed entry to a CSL-JSON item; return it with the entry's arXiv id."""
    fields = {f.key.lower(): f.value for f in entry.fields}
    item: dict[str, Any] = {
        "id": entry.key.lower(),
        "type": _TYPES.get(entry.entry_type, "article"),
    }
    for name, variable in _TEXT_FIELDS.items():
        value = fields.get(name)
        if isinstance(value, str) and value.strip() and variable not in item:
            item[variable] = _BLANK.sub(" ", value).strip()
    if isinstance(fields.get("pages"), str):
        item["page"] = re.sub(r"-+", "-", fields["pages"].strip())
    for role in ("author", "editor"):
        names = [_name(n) for n in fields.get(role) or () if not isinstance(n, str)]
        if names:
            item[role] = names
    date = _date(fields)
    if date:
        item["issued"] = {"date-parts": [date]}
    arxiv = ""
    prefix = str(fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    if isinstance(fields.get("eprint"), str) and prefix == "arxiv":
        arxiv = fields["eprint"].strip()
        item.setdefault("URL", f"https://arxiv.org/abs/{arxiv}")
    return item, arxiv


def _name(parts: Any) -> dict[str, str]:
    """A name as bibtexparser split it -> a CSL name; a braced {DeepMind Team} is a literal."""
    if not parts.first and not parts.von and len(parts.last) == 1:
        whole = parts.last[0]
        if whole.startswith("{") and whole.endswith("}"):
            return {"literal": _latex_text(whole)}
    family, given = _latex_text(" ".join(parts.last)), _latex_text(" ".join(parts.first))
    if family and given and _CJK_NAME.fullmatch(family + given):
        # 李, 明 is 李明: a CJK name is written whole, family first, with no space between
        # (GB/T 7714), which CSL's family/given parts would put in.
        return {"literal": family + given}
    name = {
        "family": family,
        "given": given,
        "non-dropping-particle": _latex_text(" ".join(parts.von)),
        "suffix": _latex_text(" ".join(parts.jr)),
    }
    return {k: v for k, v in name.items() if v}


_LATEX = LatexNodes2Text()
_CJK_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af·]+")


def _latex_text(text: str) -> str:
    """Decode LaTeX in a name part: `R{\\'e}` -> Ré, `{\\L}ukasz` -> Łukasz."""
    return _BLANK.sub(" ", _LATEX.latex_to_text(text)).strip() if text else ""


def _date(fields: dict[str, Any]) -> list[int]:
    """The entry's [year, month] (month if given), from `year`/`month` or biblatex's `date`."""
    written = str(fields.get("year") or fields.get("date") or "")
    year = re.match(r"\s*(\d{4})", written)
    if not year:
        return []
    parts = [int(year[1])]
    month = str(fields.get("month") or "").strip().lower()[:3]
    if month in _MONTHS:
        parts.append(_MONTHS.index(month) + 1)
    elif month.isdigit() and 1 <= int(month) <= 12:
        parts.append(int(month))
    return parts


class BibCache:
    """Read .bib files by their path from the site folder, parsing only those whose bytes
    changed since the last build (serve rebuilds on every save)."""

    def __init__(self) -> None:
        self._parsed: dict[str, tuple[bytes, BibFile]] = {}

    def load(self, root: Path, paths: Iterable[str]) -> tuple[BibFile, ...]:
        """Return the files, in the order given; one that cannot be read has a warning."""
        files = []
        for rel in dict.fromkeys(paths):
            try:
                data = (root / rel).read_bytes()
            except OSError:
                files.append(load_bibtex(root / rel, path=rel))  # its warning says why
                continue
            digest = hashlib.sha256(data).digest()
            known = self._parsed.get(rel)
            if known is None or known[0] != digest:
                known = (digest, _parse_bytes(data, rel))
                self._parsed[rel] = known
            files.append(known[1])
        return tuple(files)


def _parse_bytes(data: bytes, path: str) -> BibFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = "cannot read this bibliography: it is not UTF-8 text"
        return BibFile(path, (), (warning(path, 0, message, key="bibliography"),))
    return parse_bibtex(text, path=path)
