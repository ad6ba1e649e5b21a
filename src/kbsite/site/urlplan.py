"""Each note's site path: derived from its category and slug (`urls: category`) or its folders
(`urls: path`), and made unique when two derived paths collide (issue 23)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from kbsite.config.siteconfig import SiteConfig, category_slug
from kbsite.errors import Diagnostic, error, warning
from kbsite.load.content import Note
from kbsite.urls import note_path

# A folder's page: README.md (docsify, GitHub), index.md (MkDocs, Quartz) or _index.md (Hugo).
FOLDER_PAGES = ("readme", "index", "_index")


def is_folder_page(rel_path: str) -> bool:
    """Tell whether a note is its folder's page (a README.md, index.md or _index.md); the
    one at the top of content/ is the home page's text on a folder-tree site."""
    return PurePosixPath(rel_path).stem.lower() in FOLDER_PAGES


def folder_site_path(config: SiteConfig, folder: str) -> str:
    """Return the site path of a folder (posix, inside content/; "" for the top) on a
    folder-tree site: a top folder's is its category's page."""
    if not folder:
        return "/"
    return "/" + "".join(f"{s}/" for s in folder_segments(config, f"{folder}/_"))


def folder_segments(config: SiteConfig, rel_path: str) -> list[str]:
    """Return the URL segments of a note's folders: the top one is its category's slug."""
    folders = PurePosixPath(rel_path).parts[:-1]
    segments = []
    for depth, name in enumerate(folders):
        found = config.category_for(name) if depth == 0 else None
        segments.append(found.slug if found else category_slug(name) or "folder")
    return segments


def derived_path(config: SiteConfig, note: Note) -> str:
    """Return the site path a note's category, folders and slug give it."""
    if config.urls != "path":
        category = config.category_for(note.category)
        assert category is not None  # parse_note accepted the name
        return note_path(category.slug, note.slug)
    segments = folder_segments(config, note.rel_path)
    if not is_folder_page(note.rel_path) or note.chosen_slug:
        segments.append(note.slug)
    return note_path(*segments)


def plan_site_paths(
    config: SiteConfig, notes: Sequence[Note]
) -> tuple[list[str], list[Diagnostic]]:
    """Return each note's site path (in the order of `notes`) and the collisions found.

    Paths compare ignoring letter case, as on macOS. Notes whose writer chose the slug claim
    their path first; two of them on one path is an error. A derived path that is taken goes,
    with a warning naming both notes, to the later note by file path (_claim_order), made
    distinct by its folders (`/cv/paper/` -> `/cv/old/paper/`), else by a number
    (`/cv/pointnet-2/`): the same notes always get the same paths.
    """
    owners: dict[str, Note] = {}
    paths: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for note in sorted(notes, key=_claim_order):
        wanted = derived_path(config, note)
        first = owners.get(wanted.lower())
        if first is None:
            path = wanted
        elif note.chosen_slug:
            message = (
                f"URL {wanted} is also used by {first.source}; give one of them a different "
                "`slug:` in its front matter"
            )
            problems.append(error(note.source, 1, message, key="slug"))
            continue
        else:
            path = _distinct(config, note, wanted, owners)
            message = (
                f"URL {wanted} is also used by {first.source}, so this note is at {path}; "
                "set `slug:` in its front matter to choose its URL"
            )
            problems.append(warning(note.source, 1, message, key="slug"))
        owners[path.lower()] = note
        paths[note.source] = path
    return [paths.get(n.source, "") for n in notes], problems


def _claim_order(note: Note) -> tuple[bool, tuple[str, ...]]:
    """Chosen slugs first, then by file path as a file manager lists it: folder by folder,
    names without their extension (`pointnet` before `pointnet++`, as `.` sorts after `+`)."""
    return (not note.chosen_slug, PurePosixPath(note.rel_path).with_suffix("").parts)


def _distinct(config: SiteConfig, note: Note, wanted: str, owners: dict[str, Note]) -> str:
    """Return a free path for a note whose derived path is taken: its folders below the
    category join the path if they are not in it already, then a number if need be."""
    base = wanted if wanted != "/" else f"/{note.slug}/"  # a second page for the top folder
    if config.urls != "path":
        folders = folder_segments(config, note.rel_path)
        category = config.category_for(note.category)
        if folders and category is not None and folders[0] == category.slug:
            folders = folders[1:]  # already the path's first segment
        if folders:
            head, _, slug = wanted.rstrip("/").rpartition("/")
            base = "/".join([head, *folders, slug]) + "/"
    if base.lower() not in owners:
        return base
    number = 2
    while f"{base.rstrip('/')}-{number}/".lower() in owners:
        number += 1
    return f"{base.rstrip('/')}-{number}/"
