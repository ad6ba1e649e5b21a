"""Note bodies for the pages and feeds that show them, read when they are written.

A planned site holds no body HTML: at 10,000 notes of MathML-heavy HTML that would be some
370 MB. Each body stays in the render cache (kbsite.render.store) until the page or feed that
shows it is written, which reads it here, explicitly, one note at a time: in the build's own
process, or in a page worker (a forked worker opens its own connection to the cache file).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

from kbsite.site.index import Entry
from kbsite.site.links import apply_rewrites
from kbsite.site.pages import Page


class BodySource(Protocol):
    """Where rendered bodies are kept by their render key: the render store."""

    def html(self, key: str) -> str: ...


def note_body(source: BodySource, entry: Entry) -> str:
    """Return the note's body HTML with its links pointing at site URLs."""
    return apply_rewrites(source.html(entry.rendered.key), entry.rewrites)


@dataclass(frozen=True, slots=True)
class ShownEntry(Entry):
    """An entry with its body, on the page that shows it: templates read `entry.html` (a note's
    page) or `intro.html` (the README shown above a list) as before bodies left the Entry."""

    html: str


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


def page_context(page: Page, source: BodySource) -> dict[str, object]:
    """Return the page's own context, with the note whose body it shows (if any) carrying it."""
    context = dict(page.context)
    shown = page.body_of
    if shown is None:
        return context
    values = {name: getattr(shown, name) for name in _ENTRY_FIELDS}
    with_body = ShownEntry(**values, html=note_body(source, shown))
    for key, value in page.context.items():
        if value is shown:
            context[key] = with_body
    return context
