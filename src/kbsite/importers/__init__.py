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

from kbsite.config.folders import CONTENT_DIR, content_dir
from kbsite.config.siteconfig import CONFIG_FILE, SiteConfig, category_slug, load_config
from kbsite.importers.bodytext import Lookups, PostText, convert_body
from kbsite.importers.convert import Converted, convert_post
from kbsite.importers.images import ImageFiles
from kbsite.importers.naming import place_notes
from kbsite.importers.postlinks import PostIndex
from kbsite.importers.sitefile import declare_categories, new_site_yaml
from kbsite.importers.sources import TOOLS, Blog, read_blog
from kbsite.importers.tally import Tally

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
    tally = Tally()
    converted = [convert_post(blog, post, config, tally) for post in blog.posts]
    names = _category_names(config, converted)
    folders = [category_slug(names[item.category.lower()]) for item in converted]
    placed = place_notes(converted, folders, report.problems)
    index = PostIndex()
    for post, where in zip(blog.posts, placed, strict=True):
        index.add([post.rel, post.name, post.path.stem], where.note)
    found = Lookups(index, _image_files(blog), tally, report.problems)
    for post, item, where in zip(blog.posts, converted, placed, strict=True):
        report.problems += item.problems
        target = content_dir(site) / where.note
        if target.exists():
            shown = f"{CONTENT_DIR}/{where.note}"
            report.problems.append(f"{item.source}: {shown} already exists; skipped")
            continue
        front = dict(item.front)
        front["category"] = names[item.category.lower()]
        text = PostText(
            post.body, str(post.path), post.body_line, where.note, tool == "hugo", post.path.parent
        )
        _write(target, _note_text(front, convert_body(text, found)))
        report.posts.append(f"{CONTENT_DIR}/{where.note}")
        for file, rel in where.files:
            report.files += _copy(file, content_dir(site) / rel, f"{CONTENT_DIR}/{rel}", report)
    for file, rel in blog.static:
        report.files += _copy(file, site / "static" / rel, f"static/{rel}", report)
    report.problems += tally.lines()
    if not config.auto_categories:  # declare new ones, most notes first, then by name
        counts = Counter(names[item.category.lower()] for item in converted)
        wanted = sorted(set(counts) - {c.name for c in config.categories})
        wanted.sort(key=lambda name: -counts[name])
        report.categories = declare_categories(site / CONFIG_FILE, wanted, report.problems)
    return report


def _image_files(blog: Blog) -> ImageFiles:
    """The blog's files and site paths, under the base path its own URLs carried."""
    prefix = ""
    if blog.tool == "hexo":
        prefix = str(blog.settings.get("root") or "")
    elif blog.tool == "jekyll":
        prefix = str(blog.settings.get("baseurl") or "")
    site = {rel.lower(): rel for _, rel in blog.static}
    return ImageFiles(blog.root, site, prefix="/" + prefix.strip("/") if prefix.strip("/") else "")


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
