"""`kbsite import hexo|jekyll|hugo SRC`: copy a blog's posts and images into a kbsite site.

Posts go to `content/<category-slug>/<name>.md` (a Hugo page bundle or Hexo asset folder to
`content/<category-slug>/<name>/` beside it) with front matter in kbsite's keys, written as YAML.
The blog's own static files go to `static/`. SRC is only read; no existing file is overwritten.
Categories the site does not declare are appended to `categories:` in site.yaml (unless it says
`categories: auto`), so the site builds at once and the user can add descriptions; a site
folder without site.yaml gets one made from the blog's settings.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbsite.config.siteconfig import CONFIG_FILE, SiteConfig, category_slug, load_config
from kbsite.importers.convert import Converted, convert_post
from kbsite.importers.sitefile import declare_categories, new_site_yaml
from kbsite.importers.sources import TOOLS, read_blog

__all__ = ["TOOLS", "ImportReport", "run_import"]


@dataclass(slots=True)
class ImportReport:
    """What an import did: files written, and one line per thing it could not convert."""

    posts: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # newly declared in site.yaml
    problems: list[str] = field(default_factory=list)
    created_site: bool = False


def run_import(tool: str, source: Path, site: Path) -> ImportReport:
    """Import a blog into a site; return the report (never raises for a post's content)."""
    blog = read_blog(tool, source)
    report = ImportReport(problems=list(blog.skipped))
    if not (site / CONFIG_FILE).is_file():
        site.mkdir(parents=True, exist_ok=True)
        (site / CONFIG_FILE).write_text(new_site_yaml(blog), encoding="utf-8")
        report.created_site = True
    config = load_config(site)
    converted = [convert_post(blog, post, config) for post in blog.posts]
    names = _category_names(config, converted)
    for item in converted:
        report.problems += item.problems
        slug = category_slug(names[item.category.lower()])
        folder = f"content/{slug}"
        target = site / folder / item.file_name
        if target.exists():
            report.problems.append(
                f"{item.source}: {folder}/{item.file_name} already exists; skipped"
            )
            continue
        front = dict(item.front)
        front["category"] = names[item.category.lower()]
        _write(target, _note_text(front, item.body))
        report.posts.append(f"{folder}/{item.file_name}")
        for file, rel in item.files:
            report.files += _copy(file, site / folder / rel, f"{folder}/{rel}", report)
    for file, rel in blog.static:
        report.files += _copy(file, site / "static" / rel, f"static/{rel}", report)
    if not config.auto_categories:  # declare new ones, most notes first, then by name
        counts = Counter(names[item.category.lower()] for item in converted)
        wanted = sorted(set(counts) - {c.name for c in config.categories})
        wanted.sort(key=lambda name: -counts[name])
        report.categories = declare_categories(site / CONFIG_FILE, wanted, report.problems)
    return report


def _category_names(config: SiteConfig, converted: list[Converted]) -> dict[str, str]:
    """Map each category (lower-cased) to the name the site uses: declared, else first seen."""
    names: dict[str, str] = {}
    for item in converted:
        found = config.category_named(item.category)
        names.setdefault(item.category.lower(), found.name if found else item.category)
    return names


def _note_text(front: dict[str, Any], body: str) -> str:
    order = ["title", "category", "date", "updated", "tags", "summary", "draft", "slug"]
    ordered = {k: front[k] for k in order if k in front} | {
        k: v for k, v in front.items() if k not in order
    }
    dumped = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n{body if body.startswith(chr(10)) else chr(10) + body}"


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _copy(file: Path, target: Path, shown: str, report: ImportReport) -> list[str]:
    """Copy one file unless the target exists (then say so); return what was written."""
    if target.exists():
        if target.read_bytes() != file.read_bytes():
            report.problems.append(f"{file}: {shown} already exists and differs; not copied")
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, target)  # contents only: the source's times and modes stay its own
    return [shown]
