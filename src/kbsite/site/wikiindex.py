"""The wiki index: every name a note answers to, and what a wiki link's target resolves to."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kbsite.errors import Diagnostic, did_you_mean, warning
from kbsite.render.anchors import match_anchor
from kbsite.render.syntax.wikilinks import WikiTarget
from kbsite.site.linktarget import LinkTarget


@dataclass(frozen=True, slots=True)
class WikiIndex:
    """Every name a note answers to, lower-cased, in order of precedence."""

    by_path: Mapping[str, tuple[str, ...]]  # "cv/detr" -> rel paths
    by_title: Mapping[str, tuple[str, ...]]
    by_slug: Mapping[str, tuple[str, ...]]
    by_file: Mapping[str, tuple[str, ...]]  # file name without .md
    titles: tuple[str, ...]  # for "did you mean"
    title_of: Mapping[str, str]  # rel path -> the note's title

    def __hash__(self) -> int:
        return hash(self.titles)

    def lookup(self, name: str) -> tuple[str, tuple[str, ...]]:
        """Return how a name matched (path, title, slug, file) and the notes it matched."""
        key = name.strip().lower()
        key = key.removesuffix(".md").removesuffix(".ipynb")  # [[demo.ipynb]] is the notebook
        for kind, table in (
            ("path", self.by_path),
            ("title", self.by_title),
            ("slug", self.by_slug),
            ("file name", self.by_file),
        ):
            if key in table:
                return kind, table[key]
        return "", ()


def build_wiki_index(notes: Iterable[tuple[str, str, str]]) -> WikiIndex:
    """Index (rel_path, title, slug) triples; each table lists rel paths in path order."""
    tables: tuple[dict[str, list[str]], ...] = tuple(defaultdict(list) for _ in range(4))
    titles = []
    title_of = {}
    for rel_path, title, slug in sorted(notes):
        stem = posixpath.splitext(rel_path)[0]
        keys = (stem, title, slug, posixpath.basename(stem))
        for table, key in zip(tables, keys, strict=True):
            if rel_path not in table[key.strip().lower()]:
                table[key.strip().lower()].append(rel_path)
        titles.append(title)
        title_of[rel_path] = title
    by_path, by_title, by_slug, by_file = ({k: tuple(v) for k, v in t.items()} for t in tables)
    return WikiIndex(by_path, by_title, by_slug, by_file, tuple(titles), title_of)


def resolve_wiki(
    target: WikiTarget,
    *,
    source: str,
    line: int,
    index: WikiIndex | None,
    notes: Mapping[str, LinkTarget],
) -> tuple[tuple[str, str] | None, list[Diagnostic]]:
    """Find the (site path, anchor) a wiki link names; missing or ambiguous ones are warnings."""
    where = f"wiki link [[{target}]]"
    kind, found = index.lookup(target.name) if index else ("", ())
    found = tuple(p for p in found if p in notes)
    if not found:
        hint = did_you_mean(target.name, index.titles) if index else ""
        message = f"{where}: no note has this title, slug or file name{hint}"
        return None, [warning(source, line, message, key="wiki")]
    problems = []
    if len(found) > 1:
        listed = ", ".join(f"content/{p}" for p in found)
        problems.append(
            warning(
                source,
                line,
                f"{where} matches {len(found)} notes by {kind}: {listed}; linking the first "
                "(write the path, e.g. [[" + posixpath.splitext(found[0])[0] + "]], to choose)",
                key="wiki",
            )
        )
    note = notes[found[0]]
    anchor = ""
    if target.heading:
        anchor = match_anchor(target.heading, note.anchors) or ""
        if not anchor:
            known = ", ".join(note.anchors[:12]) or "none"
            problems.append(
                warning(
                    source,
                    line,
                    f"{where}: no heading '{target.heading}' in content/{found[0]} "
                    f"(its headings: {known})",
                    key="wiki",
                )
            )
    return (note.site_path, anchor), problems
