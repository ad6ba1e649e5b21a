"""A note's citation front matter (issue 19): `bibliography`, `cite` and `paper`.

Problems here are warnings that drop the value: they cost the note its card or a file of
references, never the site."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kbsite.config.citesettings import bibliography_files
from kbsite.config.siteconfig import SiteConfig
from kbsite.config.yamlmarks import YamlDocument, type_name
from kbsite.errors import Diagnostic, did_you_mean, warning
from kbsite.load.frontmatter import Field

# New-style arXiv ids (2106.09685, 2106.09685v2) and old ones (hep-th/9901001).
ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})(?:v\d+)?", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_URL = re.compile(r"https?://\S+")
# `paper:` key -> (what its value must look like, how a message names it)
_PAPER_KEYS: dict[str, tuple[re.Pattern[str] | None, str]] = {
    "arxiv": (ARXIV_ID, "an arXiv id such as 2106.09685"),
    "doi": (_DOI, "a DOI such as 10.1145/3065386"),
    "code": (_URL, "an http(s) URL"),
    "url": (_URL, "an http(s) URL"),
    "pdf": (_URL, "an http(s) URL"),
    "venue": (None, "text such as ICLR 2022"),
    "year": (re.compile(r"(19|20)\d\d"), "a year such as 2022"),
}


@dataclass(frozen=True, slots=True)
class PaperFields:
    """What `paper:` says about the work a paper note is about; "" where it says nothing."""

    arxiv: str = ""
    doi: str = ""
    code: str = ""
    url: str = ""
    pdf: str = ""
    venue: str = ""
    year: str = ""


@dataclass(frozen=True, slots=True)
class CitationFields:
    """A note's own bibliography files, the key of the work it is about, its `paper:`."""

    bibliography: tuple[str, ...] = ()  # site-folder paths, added to site.yaml's
    cite: str = ""
    cite_line: int = 0  # the `cite:` line, for a warning when the key is unknown
    paper: PaperFields | None = None

    @property
    def is_paper(self) -> bool:
        """Tell whether the note is about one paper (it gets a card and is on /papers/)."""
        return bool(self.cite) or self.paper is not None


NO_CITATIONS = CitationFields()


def citation_fields(
    doc: YamlDocument, fields: dict[str, Field], config: SiteConfig, problems: list[Diagnostic]
) -> CitationFields:
    """Validate `bibliography`, `cite` and `paper`; a bad value is a warning and is dropped."""
    found: list[Diagnostic] = []
    files: tuple[str, ...] = ()
    if fields.get("bibliography", ((), None))[1] is not None:
        where, value = fields["bibliography"]
        files = bibliography_files(doc, where, value, config.root, found)
    cite, cite_line = "", 0
    if fields.get("cite", ((), None))[1] is not None:
        where, value = fields["cite"]
        key = str(value).strip().removeprefix("@") if isinstance(value, str | int) else ""
        if key and not re.search(r"[\s,;\[\]]", key):
            cite, cite_line = key, doc.where(where)[0]
        else:
            found.append(doc.error(where, f"expected one citation key, got {type_name(value)}"))
    paper = None
    if fields.get("paper", ((), None))[1] is not None:
        paper = _paper(doc, *fields["paper"], found)
    problems += [_as_warning(p) for p in found]
    if not (files or cite or paper):
        return NO_CITATIONS
    return CitationFields(files, cite, cite_line, paper)


def _paper(
    doc: YamlDocument, where: tuple[str | int, ...], value: Any, problems: list[Diagnostic]
) -> PaperFields | None:
    if not isinstance(value, dict):
        message = f"expected a mapping such as {{arxiv: 2106.09685}}, got {type_name(value)}"
        problems.append(doc.error(where, message))
        return None
    given: dict[str, str] = {}
    for key, item in value.items():
        at, name = (*where, key), str(key)
        if name not in _PAPER_KEYS:
            hint = did_you_mean(name, list(_PAPER_KEYS))
            message = f"unknown key{hint}; known keys: {', '.join(_PAPER_KEYS)}"
            problems.append(doc.error(at, message))
            continue
        pattern, human = _PAPER_KEYS[name]
        text = str(item).strip() if isinstance(item, str | int | float) else ""
        if not text or (pattern is not None and not pattern.fullmatch(text)):
            problems.append(doc.error(at, f"expected {human}, got {item!r}"))
            continue
        given[name] = text
    return PaperFields(**given)


def _as_warning(diagnostic: Diagnostic) -> Diagnostic:
    loc = diagnostic.location
    return warning(loc.path, loc.line, diagnostic.message, key=diagnostic.key, column=loc.column)
