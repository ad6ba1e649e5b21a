"""Find the posts of a Hexo, Jekyll or Hugo blog, with their images and old URL patterns."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kbsite.errors import KbsiteError
from kbsite.load import frontmatter

TOOLS = ("hexo", "jekyll", "hugo")
# Files worth copying from a blog's static folders (Hexo source/, Jekyll assets/, Hugo static/).
ASSET_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp", ".ico", ".pdf", ".mp4"}
    | {".webm", ".mp3", ".zip", ".csv", ".json"}
)
_JEKYLL_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")


@dataclass(frozen=True, slots=True)
class Post:
    """One post of the source blog: where it is, its parsed front matter and body."""

    path: Path  # the Markdown file
    name: str  # file name for kbsite, without .md (bundle: the folder name)
    data: dict[str, Any]  # front matter values
    body: str
    bundle: Path | None = None  # a folder of the post's own files (Hexo asset folder, Hugo bundle)
    section: str = ""  # Hugo: the section (posts), for relative aliases and old URLs
    name_date: str | None = None  # Jekyll: the date in the file name
    body_line: int = 1  # the body's first line in the source file
    # The path under the posts folder without suffix (`ml/ddpm`): Hexo's :title, and a name
    # other posts link to it by.
    rel: str = ""


@dataclass(frozen=True, slots=True)
class Blog:
    """What the importer needs of a blog: its settings, posts, static files and problems."""

    tool: str
    root: Path
    settings: dict[str, Any]
    posts: tuple[Post, ...]
    static: tuple[tuple[Path, str], ...]  # (file, site path without leading /)
    skipped: tuple[str, ...] = field(default=())  # what could not be read, one line each


def read_blog(tool: str, root: Path) -> Blog:
    """Read a blog's settings and posts; never writes anything under root."""
    reader = {"hexo": _hexo, "jekyll": _jekyll, "hugo": _hugo}[tool]
    return reader(root)


def _settings(root: Path, names: tuple[str, ...]) -> dict[str, Any]:
    for name in names:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        try:
            data = tomllib.loads(text) if name.endswith(".toml") else yaml.safe_load(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError):
            return {}
        return data if isinstance(data, dict) else {}
    return {}


def _read_post(path: Path, root: Path, skipped: list[str], **extra: Any) -> Post | None:
    """Parse a post's front matter; on failure note why and return None."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        skipped.append(f"{path}: cannot read ({exc.__class__.__name__}); not imported")
        return None
    text = text.replace("\r\n", "\n")
    try:
        front = frontmatter.split_front_matter(text, path=str(path))
        doc = frontmatter.parse_front_matter(front, path=str(path))
    except KbsiteError as exc:
        skipped.extend(f"{d}; not imported" for d in exc.diagnostics)
        return None
    data = doc.value if isinstance(doc.value, dict) else {}
    name = extra.pop("name", path.stem)
    data = {str(k): v for k, v in data.items()}
    rel = path.relative_to(root).with_suffix("").as_posix()
    return Post(path, name, data, front.body, body_line=front.body_line, rel=rel, **extra)


def _static(folder: Path, prefix: str = "") -> Iterator[tuple[Path, str]]:
    """Yield the asset files under a folder, skipping hidden and underscore folders."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith((".", "_")) for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in ASSET_SUFFIXES or path.name == "CNAME":
            yield path, prefix + rel.as_posix()


def _markdown_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in (".md", ".markdown")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _hexo(root: Path) -> Blog:
    posts_dir = root / "source" / "_posts"
    skipped: list[str] = []
    posts = []
    for path in _markdown_files(posts_dir):
        bundle = path.with_suffix("")  # post_asset_folder: source/_posts/<name>/
        found = _read_post(path, posts_dir, skipped, bundle=bundle if bundle.is_dir() else None)
        if found:
            posts.append(found)
    for path in _markdown_files(root / "source" / "_drafts"):
        skipped.append(f"{path}: a Hexo draft; not imported (publish it first)")
    static = [
        item
        for item in _static(root / "source")
        if not item[1].startswith("_posts/") and not item[1].startswith("_drafts/")
    ]
    return Blog(
        "hexo", root, _settings(root, ("_config.yml",)), tuple(posts), tuple(static), tuple(skipped)
    )


def _jekyll(root: Path) -> Blog:
    skipped: list[str] = []
    posts = []
    for path in _markdown_files(root / "_posts"):
        named = _JEKYLL_NAME.match(path.stem)
        if named is None:
            skipped.append(f"{path}: Jekyll ignores posts not named YYYY-MM-DD-title.md; skipped")
            continue
        found = _read_post(path, root / "_posts", skipped, name=named[2], name_date=named[1])
        if found:
            posts.append(found)
    static = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith((".", "_")) and folder.name not in (
            "vendor", "node_modules"
        ):  # fmt: skip
            static += list(_static(folder, folder.name + "/"))
    settings = _settings(root, ("_config.yml",))
    return Blog("jekyll", root, settings, tuple(posts), tuple(static), tuple(skipped))


def _hugo(root: Path) -> Blog:
    skipped: list[str] = []
    posts = []
    content = root / "content"
    for path in _markdown_files(content):
        rel = path.relative_to(content)
        if path.stem == "_index":
            skipped.append(f"{path}: a Hugo section page, not a post; not imported")
            continue
        section = rel.parts[0] if len(rel.parts) > 1 else ""
        if path.stem == "index" and len(rel.parts) > 1:  # a page bundle: the folder is the post
            found = _read_post(
                path, content, skipped, name=path.parent.name, bundle=path.parent, section=section
            )
        else:
            found = _read_post(path, content, skipped, section=section)
        if found:
            posts.append(found)
    names = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml", "config.yml")
    settings = _settings(root, names)
    return Blog(
        "hugo", root, settings, tuple(posts), tuple(_static(root / "static")), tuple(skipped)
    )
