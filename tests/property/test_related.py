"""related_notes ranks as the plain definition does: every candidate scored, best five kept."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kbsite.site.graph
from kbsite.site.graph import CATEGORY_WEIGHT, LINK_WEIGHT, RELATED, TAG_WEIGHT, related_notes


def reference(
    entries: Sequence[Any], outgoing: Mapping[str, Sequence[Any]], fanout: int
) -> dict[str, tuple[str, ...]]:
    """Score every other note reachable by a tag of at most `fanout` notes, a link, or among
    its category's first RELATED + 1 notes (by source path)."""
    ordered = sorted(entries, key=lambda e: e.note.source)
    linked: dict[str, set[str]] = {e.site_path: set() for e in entries}
    for source, targets in outgoing.items():
        for target in targets:
            linked[source].add(target.site_path)
            linked[target.site_path].add(source)
    result = {}
    for entry in entries:
        tags = {t.slug for t in entry.tags}
        first = [e.site_path for e in ordered if e.category.slug == entry.category.slug]
        ranked = []
        for other in entries:
            if other is entry:
                continue
            shared = tags & {t.slug for t in other.tags}
            small = [
                s for s in shared if sum(s in {t.slug for t in e.tags} for e in entries) <= fanout
            ]
            is_link = other.site_path in linked[entry.site_path]
            if not (small or is_link or other.site_path in first[: RELATED + 1]):
                continue
            score = TAG_WEIGHT * len(shared) + (LINK_WEIGHT if is_link else 0)
            score += CATEGORY_WEIGHT if other.category.slug == entry.category.slug else 0
            ranked.append((-score, other.note.source, other.site_path))
        result[entry.site_path] = tuple(p for _, _, p in heapq.nsmallest(RELATED, ranked))
    return result


@st.composite
def sites(draw: st.DrawFn) -> tuple[list[Any], dict[str, list[Any]]]:
    count = draw(st.integers(1, 14))
    entries = []
    for i in range(count):
        tags = draw(st.sets(st.sampled_from("abcde"), max_size=3))
        entries.append(
            SimpleNamespace(
                site_path=f"/n{i}/",
                tags=tuple(SimpleNamespace(slug=t) for t in sorted(tags)),
                category=SimpleNamespace(slug=draw(st.sampled_from(["cv", "lm"]))),
                note=SimpleNamespace(source=f"content/n{draw(st.integers(0, 99)):02d}-{i}.md"),
            )
        )
    outgoing = {
        e.site_path: draw(st.lists(st.sampled_from(entries), max_size=3, unique_by=id))
        for e in entries
    }
    return entries, outgoing


@settings(max_examples=300, deadline=None)
@given(sites(), st.integers(1, 6))
def test_related_notes_match_the_definition(
    site: tuple[list[Any], dict[str, list[Any]]], fanout: int
) -> None:
    entries, outgoing = site
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kbsite.site.graph, "MAX_TAG_FANOUT", fanout)
        found = related_notes(entries, outgoing)
    expected = reference(entries, outgoing, fanout)
    assert {k: tuple(e.site_path for e in v) for k, v in found.items()} == expected
