"""Serve's first answer to a save: the edited note's own page, before the full rebuild.

When a save changes only a note's body, everything else its page shows (neighbours, backlinks,
related notes, the category menu) is what the last build computed. So the page is rendered from
the last build and announced at once, and the full rebuild that follows updates the rest (cards,
feeds, backlinks on other pages). It writes the same bytes for this page, so a browser showing
it reloads once (twice only when the edit changes more of the page: a new link can change its
related notes). Whatever the quick page cannot vouch for (edited front matter, an error, a note
the last build did not place) is left to the full rebuild alone.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

from kbsite.build import Snapshot
from kbsite.load.content import Note, read_note
from kbsite.render.highlight import load_lexers_for
from kbsite.render.markdown import warm_up_markdown
from kbsite.render.notes import render_notes
from kbsite.render.store import RenderStore
from kbsite.site.index import Entry
from kbsite.site.links import resolve_links
from kbsite.site.pages import Page
from kbsite.urls import output_file
from kbsite.write.files import same_bytes, write_atomic
from kbsite.write.pagerender import render
from kbsite.write.templates import compile_templates


def warm_up(last: Snapshot) -> None:
    """Do now what the first quick page would otherwise pay for: compile the templates, make
    the highlighters the notes use, and set up the Markdown parser (60-150 ms, against ~20 ms
    for a quick page). serve's first build did all that in worker processes, which took it
    along when they ended."""
    compile_templates(last.env)
    load_lexers_for(last.texts.values())
    warm_up_markdown()
    # and KaTeX's engine, which the build left to other processes
    last.formulas.render_tex("x", False)
    # Builds run without the cyclic garbage collector (kbsite.build), so its first full pass
    # over the site's objects (~0.15-0.3 s at 5,000 notes) would come during a later save:
    # make it now. Objects surviving it count as old, so the next full pass waits for many
    # new ones.
    gc.collect()


def write_quick_page(last: Snapshot, file: Path) -> str | None:
    """Write the page of a note whose body alone changed; return its output file, or None
    when the change needs the full rebuild to say anything."""
    try:
        rel = file.resolve().relative_to(last.config.content_dir.resolve()).as_posix()
    except (OSError, ValueError):
        return None
    entry = last.entries.get(rel)
    if entry is None:
        return None
    note, diagnostics = read_note(file, rel, entry.note.source, last.config)
    if note is None or any(d.is_error for d in diagnostics):
        return None
    if replace(note, body=entry.note.body, digest=entry.note.digest) != entry.note:
        return None  # front matter changed: lists, neighbours or the URL may move
    page = last.pages.get(entry.site_path)
    if page is None:  # shown on another page (a folder's README on its home or category page)
        return None
    # The quick page's own connection to the render cache the build used: the rebuild that
    # follows finds the note rendered there.
    store = RenderStore(last.render_cache)
    try:
        return _write(last, page, entry, note, store)
    finally:
        store.close()


def _write(last: Snapshot, page: Page, entry: Entry, note: Note, store: RenderStore) -> str | None:
    """Render the note, then its page as the last build planned it; write it if it changed."""
    (rendered,), _fresh = render_notes(
        [note], store, last.render_options, math=last.formulas, jobs=1
    )
    rel = note.rel_path
    targets = {**last.targets, rel: replace(last.targets[rel], anchors=rendered.anchors)}
    rewrites, problems = resolve_links(
        config=last.config,
        source=note.source,
        rel_path=rel,
        links=rendered.links,
        notes=targets,
        assets=last.assets,
        wiki=last.wiki,
    )
    if problems:  # a broken link is a problem of the site: the rebuild reports it
        return None
    fresh = replace(entry, note=note, rendered=rendered, rewrites=rewrites)
    context = {key: fresh if value is entry else value for key, value in page.context.items()}
    data = render(last.env, last.shared, replace(page, context=context, body_of=fresh), store)
    target = output_file(page.site_path)
    if same_bytes(last.output / target, data):
        return None  # the page shows nothing new (a change in a comment, say)
    write_atomic(last.output / target, data)
    return target
