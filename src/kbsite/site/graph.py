"""Links between placed notes: backlinks (with the sentence around each) and related notes."""

from __future__ import annotations

import heapq
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from kbsite.config.siteconfig import SiteConfig
from kbsite.render.excerpt import readable_math
from kbsite.render.labels import label_text
from kbsite.render.options import label_names
from kbsite.render.syntax.crossrefs import REFERENCE
from kbsite.render.syntax.wikilinks import split_target, wiki_href
from kbsite.site.index import Entry, list_order
from kbsite.site.links import apply_rewrites
from kbsite.urls import url_for

RELATED = 5
# Weights of what two notes share. A tag on more than MAX_TAG_FANOUT notes says little about
# any two of them and would make finding candidates quadratic, so it only scores notes found
# through other tags, links or the category.
TAG_WEIGHT, LINK_WEIGHT, CATEGORY_WEIGHT = 3, 2, 1
MAX_TAG_FANOUT = 300
SENTENCE_CHARS = 160


@dataclass(frozen=True, slots=True)
class Backlink:
    """A note that links here, and the sentence (plain text) the link sits in."""

    entry: Entry
    sentence: str


@dataclass(frozen=True, slots=True)
class Graph:
    """Backlinks and related notes, by site path of the note shown."""

    backlinks: Mapping[str, tuple[Backlink, ...]]
    related: Mapping[str, tuple[Entry, ...]]


@dataclass(slots=True)
class GraphCache:
    """What `serve` keeps between rebuilds: related notes change only with tags, categories,
    links or the set of notes; a backlink's sentence only with the linking note's text."""

    # by site path: the Entry last seen there, and its tags, category and outgoing links
    structure: dict[str, tuple[Entry, Hashable]] = field(default_factory=dict)
    related: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    # by (note text's digest, line, href, site language): the sentence shown
    sentences: dict[tuple[str, int, str, str], str] = field(default_factory=dict)


def build_graph(
    config: SiteConfig,
    entries: Sequence[Entry],
    texts: Mapping[str, str],
    cache: GraphCache | None = None,
) -> Graph:
    """Follow each note's resolved links to other notes; rank related notes. `texts`: each
    note's Markdown by its path in content/ (an Entry does not hold it), for the sentence
    around a link."""
    cache = cache if cache is not None else GraphCache()
    by_url = {url_for(config, e.site_path): e for e in entries}
    outgoing: dict[str, list[Entry]] = {}
    incoming: dict[str, list[Backlink]] = defaultdict(list)
    sentences: dict[tuple[str, int, str, str], str] = {}
    names = dict(label_names(config.language))
    for entry in sorted(entries, key=list_order):
        targets = _link_targets(entry, by_url)
        outgoing[entry.site_path] = [target for target, _, _ in targets]
        # The note's lines and how its labels read, made once, for its first uncached link.
        text: tuple[list[str], dict[str, str]] | None = None
        for target, line, href in targets:
            key = (entry.note.digest, line, href, config.language)
            if key not in cache.sentences:
                if text is None:
                    labels = entry.rendered.labels
                    references = {a.id: label_text(a.kind, a.number, names) for a in labels}
                    text = (texts[entry.note.rel_path].split("\n"), references)
                index = line - entry.note.body_line
                cache.sentences[key] = link_sentence(text[0], index, href, text[1])
            sentences[key] = cache.sentences[key]
            incoming[target.site_path].append(Backlink(entry, sentences[key]))
    cache.sentences = sentences  # forget sentences of text that no longer exists
    backlinks = {path: tuple(items) for path, items in incoming.items()}
    if _structure_changed(entries, outgoing, cache):
        cache.related = related_notes(entries, outgoing)
    else:  # same ranking; point at this build's Entry objects, which may carry new text
        by_path = {e.site_path: e for e in entries}
        cache.related = {
            path: tuple(by_path[o.site_path] for o in others)
            for path, others in cache.related.items()
        }
    return Graph(backlinks, cache.related)


def _structure_changed(
    entries: Sequence[Entry], outgoing: Mapping[str, Sequence[Entry]], cache: GraphCache
) -> bool:
    """Tell whether tags, categories, links or the set of notes changed since the last call.

    An Entry object carried over from the last build has the same tags and links, so only
    new Entry objects (edited notes) need comparing.
    """
    previous = cache.structure
    parts: dict[str, tuple[Entry, Hashable]] = {}
    changed = len(previous) != len(entries)
    for entry in entries:
        old = previous.get(entry.site_path)
        if old is not None and old[0] is entry:
            parts[entry.site_path] = old
            continue
        part = (
            entry.note.source,
            entry.tags,
            entry.category.slug,
            tuple(t.site_path for t in outgoing[entry.site_path]),
        )
        changed = changed or old is None or old[1] != part
        parts[entry.site_path] = (entry, part)
    cache.structure = parts
    return changed


def _link_targets(entry: Entry, by_url: Mapping[str, Entry]) -> list[tuple[Entry, int, str]]:
    """Return each other note this note links to, once, with the line and href of the first link."""
    rewrites = dict(entry.rewrites)
    found: dict[str, tuple[Entry, int, str]] = {}
    for link in entry.rendered.links:
        url = rewrites.get(link.href)
        if url is None:
            continue
        target = by_url.get(url.split("#", 1)[0].split("?", 1)[0])
        if target is not None and target is not entry and target.site_path not in found:
            found[target.site_path] = (target, link.line, link.href)
    return list(found.values())


def related_notes(
    entries: Sequence[Entry], outgoing: Mapping[str, Sequence[Entry]]
) -> dict[str, tuple[Entry, ...]]:
    """Rank up to RELATED notes per note by shared tags, links and category; ties by path.

    Scores are counted only over notes reached through a tag or a link, so the work is the
    number of (note, shared tag) pairs, not the square of the number of notes. Notes with the
    same tags and category share one ranking of their tag and category candidates; each note
    then only adds the notes it links with (links raise a score, never lower one).
    """
    by_tag: dict[str, list[str]] = defaultdict(list)
    by_category: dict[str, list[str]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e.note.source):
        for tag in entry.tags:
            by_tag[tag.slug].append(entry.site_path)
        by_category[entry.category.slug].append(entry.site_path)
    linked: dict[str, set[str]] = defaultdict(set)
    for source, targets in outgoing.items():
        for target in targets:
            linked[source].add(target.site_path)
            linked[target.site_path].add(source)
    by_path = {e.site_path: e for e in entries}
    # Plain strings for the hot loop: comparing Tag and Category dataclasses costs more.
    category_of = {e.site_path: e.category.slug for e in entries}
    tags_of = {e.site_path: frozenset(t.slug for t in e.tags) for e in entries}
    source_of = {e.site_path: e.note.source for e in entries}
    tag_members = {slug: frozenset(paths) for slug, paths in by_tag.items()}
    bonuses = {c: dict.fromkeys(paths, CATEGORY_WEIGHT) for c, paths in by_category.items()}
    rankings: dict[tuple[frozenset[str], str], list[tuple[int, str, str]]] = {}
    # A note's place in the order of ties (by source); a candidate's rank is then one int.
    in_order = [e.site_path for e in sorted(entries, key=lambda e: (e.note.source, e.site_path))]
    place = {path: index for index, path in enumerate(in_order)}
    size = len(in_order)
    # How much of a ranking the notes sharing its tags and category read (see below).
    wanted: dict[tuple[frozenset[str], str], int] = {}
    for entry in entries:
        here = entry.site_path
        signature = (tags_of[here], category_of[here])
        wanted[signature] = max(wanted.get(signature, 0), len(linked[here] - {here}))

    def base_score(path: str, tags: frozenset[str], category: str) -> int:
        shared = len(tags & tags_of[path])
        return TAG_WEIGHT * shared + (CATEGORY_WEIGHT if category_of[path] == category else 0)

    def ranking(tags: frozenset[str], category: str) -> list[tuple[int, str, str]]:
        """(-score, source, path) of the best tag and category candidates, best first: as many
        as the notes with these tags and category read."""
        # Shared tags counted per candidate in one pass over the tags' notes (C-level Counter
        # updates), not by intersecting tag sets candidate by candidate.
        shared = Counter(dict.fromkeys(by_category[category][: RELATED + 1], 0))
        wide = []
        for slug in sorted(tags):
            if len(by_tag[slug]) <= MAX_TAG_FANOUT:
                shared.update(by_tag[slug])
            else:  # scores, but finds no candidates (see MAX_TAG_FANOUT)
                wide.append(tag_members[slug])
        bonus = bonuses[category]
        for members in wide:  # count the wide tags too, among the candidates only
            shared.update(members.intersection(shared))
        # Ranked as ints, place - score * size, which sort as (-score, place) do: building
        # and sorting a tuple per candidate was most of the time at 1,000 notes.
        keys = [
            place[p] - (TAG_WEIGHT * count + bonus.get(p, 0)) * size for p, count in shared.items()
        ]
        keys.sort()
        best = keys[: RELATED + 1 + wanted[tags, category]]
        return [(key // size, source_of[p], p) for key in best for p in [in_order[key % size]]]

    related: dict[str, tuple[Entry, ...]] = {}
    for entry in entries:
        here = entry.site_path
        signature = (tags_of[here], category_of[here])
        if signature not in rankings:
            rankings[signature] = ranking(*signature)
        links = linked[here] - {here}
        # Enough of the shared ranking that, without this note and its linked notes, RELATED
        # remain; a linked note is scored on its own, its links added.
        shared = rankings[signature][: RELATED + 1 + len(links)]
        ranked = [item for item in shared if item[2] != here and item[2] not in links]
        for path in links:
            score = base_score(path, *signature) + LINK_WEIGHT
            ranked.append((-score, source_of[path], path))
        best = heapq.nsmallest(RELATED, ranked)
        related[here] = tuple(by_path[path] for _, _, path in best)
    return related


def previews_json(config: SiteConfig, entries: Sequence[Entry]) -> bytes:
    """Title, excerpt and category of every note by URL, for hover previews of internal links;
    a note with numbered labels adds each one's text and HTML ("labels": {id: [text, html]}),
    for links to a theorem, figure or equation of it."""
    names = dict(label_names(config.language))
    previews: dict[str, dict[str, object]] = {}
    for e in sorted(entries, key=lambda e: e.site_path):
        preview: dict[str, object] = {
            "title": e.title,
            "excerpt": e.excerpt,
            "category": e.category.name,
        }
        if e.rendered.labels:
            preview["labels"] = {
                # its links and images resolved as on its page: relative ones would break here
                label.id: [
                    label_text(label.kind, label.number, names),
                    apply_rewrites(label.preview, e.rewrites),
                ]
                for label in e.rendered.labels
            }
        previews[url_for(config, e.site_path)] = preview
    return json.dumps(previews, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- the sentence around a link, from the Markdown source ------------------------------------

_MARK = "\x00"
_WIKI = re.compile(r"(!?)\[\[([^\[\]\n|]+?)(?:\|([^\[\]\n]+?))?\]\]")
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
# `[@hu2021lora]`, `[@a; @b, p. 3]`: the works a sentence cites, which a backlink leaves out.
_CITATION = re.compile(r"\s?\[(?:[^\[\]\n]*;\s*)?-?@[^\[\]\n]+\]")
# `@thm-lowrank`, not in an e-mail address (as kbsite.render.syntax.crossrefs reads it).
_CROSS_REFERENCE = re.compile(r"(?<![A-Za-z0-9._%+-])" + REFERENCE.pattern)
_INLINE: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"<[^>\n]+>"), ""),  # raw HTML tags
    (re.compile(r"(\*\*|__|~~|==)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*"), r"\1"),
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    (re.compile(r"\$+([^$]+)\$+"), lambda m: readable_math(m[1])),
    (re.compile(r"\[\^[^\]]*\]"), ""),  # footnote references
]
_BLOCK_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)*")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+")


def link_sentence(
    lines: Sequence[str], index: int, href: str, references: Mapping[str, str] | None = None
) -> str:
    """Return the plain-text sentence around the link to `href` (as rendered) on lines[index]:
    its formulas readable (`ΔW`), a cross-reference as it reads in the note (`references`:
    label id -> "定理 1"; an unknown one as written), citations left out."""
    references = references or {}
    if not 0 <= index < len(lines):
        return ""
    start, stop = index, index + 1
    while start > 0 and lines[start - 1].strip() and index - start < 8:
        start -= 1
    while stop < len(lines) and lines[stop].strip() and stop - index < 8:
        stop += 1
    before = " ".join(_strip_block(line) for line in lines[start:index])
    text = _plain(_strip_block(lines[index]), unquote(href), references)
    after = " ".join(_strip_block(line) for line in lines[index + 1 : stop])
    text = _plain(before, "", references) + " " + text + " " + _plain(after, "", references)
    at = text.find(_MARK)
    if at < 0:
        return _clip(text.strip())
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    begin = starts[-1] if starts else 0
    end_match = _SENTENCE_END.search(text, text.find(_MARK, at + 1) + 1)
    end = end_match.start() if end_match else len(text)
    return _clip(text[begin:end].replace(_MARK, "").strip())


def _strip_block(line: str) -> str:
    return _BLOCK_PREFIX.sub("", line).strip()


def _plain(text: str, href: str, references: Mapping[str, str]) -> str:
    """Strip inline Markdown; wrap the label of the first link to href (decoded) in _MARK."""
    marked = False
    text = _CITATION.sub("", text)
    text = _CROSS_REFERENCE.sub(lambda m: references.get(m[1], m[0]), text)

    def wiki(match: re.Match[str]) -> str:
        nonlocal marked
        if match[1]:
            return ""
        target = split_target(match[2])
        label = (match[3] or "").strip() or target.name
        if href and not marked and unquote(wiki_href(target)) == href:
            marked = True
            return _MARK + label + _MARK
        return label

    def link(match: re.Match[str]) -> str:
        nonlocal marked
        if match[1]:
            return match[2]
        if href and not marked and unquote(match[3]) == href:
            marked = True
            return _MARK + match[2] + _MARK
        return match[2]

    text = _LINK.sub(link, _WIKI.sub(wiki, text))
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text)


def _clip(text: str) -> str:
    if len(text) <= SENTENCE_CHARS:
        return text
    return text[: SENTENCE_CHARS - 1].rstrip() + "…"
