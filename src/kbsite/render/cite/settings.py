"""CiteSettings: the bibliography and style a site's notes cite with."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kbsite.load.bibtex import BibEntry, BibFile
from kbsite.load.content import Note

# A citation key as pandoc reads it, ASCII only: `@hu2021lora提出` ends the key at 提.
# Punctuation inside a key must be followed by a letter or digit: `@smith04.` ends at the dot.
KEY = r"[A-Za-z0-9_]+(?:[:.#$%&\-+?<>~/]+[A-Za-z0-9_]+)*"
_CANDIDATE = re.compile("@(" + KEY + ")")
# Citation brackets: a key in one that is not in the bibliography is a warning.
_BRACKETS = re.compile(r"\[[^\[\]]*@[^\[\]]*\]")


@dataclass(frozen=True, slots=True)
class CiteSettings:
    """The .bib files (the site's and those notes name), the style and the labels."""

    style: str = "author-year"  # kbsite.config.citesettings.CITATION_STYLES
    locale: str = "en-US"
    files: tuple[BibFile, ...] = ()
    site_files: tuple[str, ...] = ()  # paths among `files` every note cites from
    heading: str = "References"  # the title of a note's bibliography (i18n)
    cited_by: str = "Notes citing this work"  # the label of an entry's link to /references/
    # The site's entries by lower-case key, made once: looked up for every note.
    site_entries: Mapping[str, BibEntry] = field(default_factory=dict, compare=False, repr=False)
    site_keys: str = field(default="", compare=False, repr=False)  # _keys_digest(site_entries)

    @classmethod
    def make(
        cls, style: str, locale: str, files: tuple[BibFile, ...], site_files: tuple[str, ...],
        heading: str, cited_by: str,
    ) -> CiteSettings:  # fmt: skip
        """Settings with the site's entries indexed."""
        index = _index(f for f in files if f.path in site_files)
        return cls(style, locale, files, site_files, heading, cited_by, index, _keys_digest(index))

    def entries_for(self, note_files: tuple[str, ...]) -> Mapping[str, BibEntry]:
        """The entries a note may cite: the site's, and its own files' (which win)."""
        if not note_files:
            return self.site_entries
        own = _index(f for f in self.files if f.path in note_files)
        return {**self.site_entries, **own}

    def identity(self) -> tuple[str, ...]:
        """What every note's rendering depends on, for the render cache key."""
        return (self.style, self.locale, self.heading, self.cited_by)

    def note_key(self, note: Note) -> str:
        """What one note's rendering depends on in the bibliography: the entries of every
        key it might cite, so editing an entry re-renders exactly the notes that cite it;
        and, when it names a key that is missing, which keys there are (its warning says
        whether there is a bibliography and which key is closest)."""
        if "@" not in note.body and not note.citation.cite:
            return ""
        entries = self.entries_for(note.citation.bibliography)
        wanted = {m.lower() for m in _CANDIDATE.findall(note.body)}
        warned = {
            m.lower() for span in _BRACKETS.findall(note.body) for m in _CANDIDATE.findall(span)
        }
        if note.citation.cite:
            wanted.add(note.citation.cite.lower())
            warned.add(note.citation.cite.lower())
        found = sorted(f"{key}={entries[key].digest}" for key in wanted if key in entries)
        if warned - entries.keys():
            own = note.citation.bibliography
            found.append("keys=" + (_keys_digest(entries) if own else self.site_keys))
        return hashlib.sha256("\n".join(found).encode()).hexdigest()[:16] if found else ""


def _index(files: Iterable[BibFile]) -> dict[str, BibEntry]:
    """Entries by lower-case key, the first file naming a key winning."""
    index: dict[str, BibEntry] = {}
    for file in files:
        for entry in file.entries:
            index.setdefault(entry.key.lower(), entry)
    return index


def _keys_digest(entries: Mapping[str, BibEntry]) -> str:
    """Identify which keys a bibliography has."""
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()[:16]
