"""Create new sites and new notes from the command line."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

from slugify import slugify

from kbsite.config.siteconfig import SUPPORTED_LANGUAGES, load_config
from kbsite.errors import Diagnostic, KbsiteError, did_you_mean, display_path, error

# Starter files ship as package data, so the repository's own workflow and the one `kbsite init`
# writes come from one file (tests/integration/test_publish.py asserts they agree).
STARTER_DIR = files("kbsite.scaffold").joinpath("starter")
WORKFLOW_PATH = ".github/workflows/pages.yml"
EXAMPLE_NOTE = "content/machine-learning/hello-kbsite.md"
DEFAULT_BASE_URL = "https://your-name.github.io/notes/"
_IGNORED = ("public/", ".kbsite-cache/")
_TIMEZONES = {"zh-CN": "Asia/Shanghai", "en": "UTC"}
# kbsite's own repository builds kbsite from source; a user's site installs the pinned release
# named in its requirements.txt (which also keys setup-python's pip cache).
_FROM_SOURCE = {
    "cache-dependency-path: requirements.txt": "cache-dependency-path: pyproject.toml",
    "run: pip install -r requirements.txt": "run: pip install .",
}


def pages_workflow(*, from_source: bool = False) -> str:
    """Return the GitHub Pages workflow; `from_source` installs kbsite from the checkout."""
    text = (STARTER_DIR / "pages.yml").read_text(encoding="utf-8")
    if from_source:
        for old, new in _FROM_SOURCE.items():
            text = text.replace(old, new)
    return text


def starter_files(
    language: str = "zh-CN",
    *,
    base_url: str = DEFAULT_BASE_URL,
    requirements: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """Return the files of a new site, keyed by path inside the site folder; `requirements`
    is what the workflow installs (kbsite.release.pinning)."""
    stamp = (now or datetime.now(ZoneInfo(_TIMEZONES[language]))).strftime("%Y-%m-%d %H:%M")
    site = Template((STARTER_DIR / f"site.{language}.yaml").read_text(encoding="utf-8"))
    note = Template((STARTER_DIR / f"note.{language}.md").read_text(encoding="utf-8"))
    return {
        "site.yaml": site.substitute(base_url=base_url),
        EXAMPLE_NOTE: note.substitute(date=stamp),
        WORKFLOW_PATH: pages_workflow(),
        "requirements.txt": requirements,
        ".gitignore": (STARTER_DIR / "gitignore").read_text(encoding="utf-8"),
    }


def init_site(
    site_dir: Path,
    *,
    language: str = "zh-CN",
    base_url: str = DEFAULT_BASE_URL,
    requirements: str,
    now: datetime | None = None,
) -> list[Path]:
    """Write a new site into site_dir (which may hold other files); never overwrite one.

    An existing .gitignore (GitHub offers one when a repository is created) gets the missing
    entries appended instead. Return the files written or changed.
    """
    if language not in SUPPORTED_LANGUAGES:
        known = ", ".join(SUPPORTED_LANGUAGES)
        raise KbsiteError([error("--language", 0, f"unknown language '{language}'; use {known}")])
    if site_dir.exists() and not site_dir.is_dir():
        raise KbsiteError([error(display_path(site_dir), 0, "is a file, not a folder")])
    files = starter_files(language, base_url=base_url, requirements=requirements, now=now)
    conflicts: list[Diagnostic] = [
        error(
            display_path(site_dir / rel),
            0,
            "already exists; kbsite init never overwrites files "
            "(move it away, or run kbsite init in an empty folder)",
        )
        for rel in files
        if rel != ".gitignore" and (site_dir / rel).exists()
    ]
    if conflicts:
        raise KbsiteError(conflicts)
    written = []
    for rel, text in files.items():
        path = site_dir / rel
        if rel == ".gitignore" and path.exists():
            if not _extend_gitignore(path):
                continue
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _extend_gitignore(path: Path) -> bool:
    """Append kbsite's entries missing from an existing .gitignore; return whether it changed."""
    text = path.read_text(encoding="utf-8")
    present = {line.strip().strip("/") for line in text.splitlines()}
    missing = [entry for entry in _IGNORED if entry.strip("/") not in present]
    if not missing:
        return False
    separator = "" if not text or text.endswith("\n") else "\n"
    path.write_text(text + separator + "# kbsite\n" + "\n".join(missing) + "\n", encoding="utf-8")
    return True


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
    found = config.category_for(category)
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
