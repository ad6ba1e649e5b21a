"""Create new notes (and, later, new sites) from the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from slugify import slugify

from kbsite.config import load_config
from kbsite.errors import KbsiteError, did_you_mean, error


def create_note(
    site_dir: Path,
    title: str,
    category: str,
    *,
    slug: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Write content/<category-slug>/<slug>.md with front matter; never overwrite a note."""
    config = load_config(site_dir)
    found = config.category_named(category)
    if found is None:
        names = [c.name for c in config.categories]
        hint = did_you_mean(category, names)
        raise KbsiteError(
            [
                error(
                    "--category",
                    0,
                    f"unknown category '{category}'{hint}; "
                    f"declared in site.yaml: {', '.join(names) or 'none'}",
                )
            ]
        )
    slug = slugify(slug or title)
    if not slug:
        raise KbsiteError(
            [error("--slug", 0, "cannot make a file name from this title; pass --slug some-name")]
        )
    path = config.content_dir / found.slug / f"{slug}.md"
    if path.exists():
        raise KbsiteError(
            [
                error(
                    str(path), 0, "a note with this name exists; pass --slug to choose another name"
                )
            ]
        )
    stamp = (now or datetime.now(config.tzinfo)).strftime("%Y-%m-%d %H:%M")
    quoted = title.replace('"', '\\"')
    placeholder = "Write your note here." if config.language == "en" else "在这里写下笔记。"
    front = f'---\ntitle: "{quoted}"\ncategory: {found.name}\ndate: {stamp}\ntags: []\n---\n'
    text = f"{front}\n{placeholder}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
