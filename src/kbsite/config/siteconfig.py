"""site.yaml -> SiteConfig: typed, unknown keys are errors, every error has a line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slugify import slugify

from kbsite.config import folders
from kbsite.config.citesettings import DEFAULT_STYLE, bibliography_files, citation_style
from kbsite.config.i18n import DEFAULT_LANGUAGE
from kbsite.config.mathsettings import parse_math_macros
from kbsite.config.yamlmarks import KeyPath, YamlDocument, parse_yaml, type_name
from kbsite.errors import Diagnostic, KbsiteError, did_you_mean, display_path, error
from kbsite.urls import SITE_SEGMENTS

CONFIG_FILE = "site.yaml"
SUPPORTED_LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True, slots=True)
class Category:
    """A declared category: its display name, URL slug and description."""

    name: str
    slug: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class MenuLink:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything site.yaml says, validated; `root` is the folder holding site.yaml."""

    root: Path
    title: str
    base_url: str  # always ends with "/"
    description: str = ""
    author: str = ""
    language: str = DEFAULT_LANGUAGE
    timezone: str = "UTC"
    paginate: int = 12  # fills 1, 2, 3 or 4 columns of cards (issue 22)
    summary_length: int = 160
    output: str = "public"
    categories: tuple[Category, ...] = ()
    menu: tuple[MenuLink, ...] = ()
    # `categories: auto`: any category a note names is accepted (see content.settle_categories)
    auto_categories: bool = False
    search: bool = True  # build a Pagefind full-text index and show the search box
    # `math: {macros: {...}}`: TeX macros every formula of the site may use, (name, body) with
    # the name's backslash dropped; a body's #1..#9 are its arguments (issue 20, item 5)
    math_macros: tuple[tuple[str, str], ...] = ()
    # `category`: a blog's /<category>/<slug>/; `path`: a knowledge base's folder tree,
    # /<folder>/<subfolder>/<note>/, with a folder explorer beside the notes (issue 23)
    urls: str = "category"
    # `side`: footnotes sit in the margin beside the line citing them on wide screens (at the
    # end on phones); `end`: always at the end of the note (issue 19, item 6)
    footnotes: str = "side"
    # `bibliography:` .bib files (paths from the site folder) every note may cite (issue 19)
    bibliography: tuple[str, ...] = ()
    citation_style: str = ""  # one of CITATION_STYLES; "" for the language's default

    @property
    def style(self) -> str:
        """The citation style notes render with."""
        return self.citation_style or DEFAULT_STYLE.get(self.language, "author-year")

    # Keep `<script>` in notebooks' HTML outputs (issue 24): off, a saved output's script is
    # dropped, since a notebook's outputs are often other people's code.
    notebook_scripts: bool = False

    @property
    def base_path(self) -> str:
        """The URL path every page lives under, e.g. '/notes/' for a GitHub project site."""
        return urlsplit(self.base_url).path or "/"

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_dir(self) -> Path:
        return folders.content_dir(self.root)

    @property
    def output_dir(self) -> Path:
        return (self.root / self.output).resolve()

    def category_named(self, name: str) -> Category | None:
        """Find a category by name or slug, ignoring case."""
        wanted = name.strip().lower()
        for category in self.categories:
            if wanted in (category.name.lower(), category.slug.lower()):
                return category
        return None

    def category_for(self, name: str) -> Category | None:
        """Find a declared category, or with `categories: auto` make one from the name."""
        found = self.category_named(name)
        if found is not None or not self.auto_categories:
            return found
        name = " ".join(name.split())
        slug = category_slug(name)
        return Category(name, slug) if name and slug else None


def category_slug(name: str) -> str:
    """Return the URL slug of a category name: pinyin for Chinese, else its own characters;
    a name that would take one of the site's own pages (Papers -> /papers/) gets "-notes"."""
    slug = slugify(name) or slugify(name, allow_unicode=True)
    return f"{slug}-notes" if slug in SITE_SEGMENTS else slug


# key -> (expected python type, human name). Order is the documented order.
_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "title": (str, "text"),
    "description": (str, "text"),
    "author": (str, "text"),
    "base_url": (str, "a URL"),
    "language": (str, "a language tag"),
    "timezone": (str, "a time zone name"),
    "paginate": (int, "a whole number"),
    "summary_length": (int, "a whole number"),
    "output": (str, "a folder name"),
    "categories": ((list, str), "a list or `auto`"),
    "menu": (list, "a list"),
    "search": (bool, "true or false"),
    "math": (dict, "a mapping such as {macros: {...}}"),
    "urls": (str, "`category` or `path`"),
    "footnotes": (str, "`side` or `end`"),
    "bibliography": ((list, str), "a .bib file or a list of them"),
    "citation_style": (str, "numeric, author-year or gb-t-7714-2015"),
    "notebook_scripts": (bool, "true or false"),
}
URL_STYLES = ("category", "path")
FOOTNOTE_PLACES = ("side", "end")
_REQUIRED = ("title", "base_url")


def load_config(root: Path, *, base_url: str | None = None) -> SiteConfig:
    """Read and validate `root/site.yaml`; `base_url` overrides the file's value."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise KbsiteError(
            [
                error(
                    display_path(path),
                    0,
                    "no site.yaml here; run kbsite in the folder that holds site.yaml, "
                    "or pass --site DIR",
                )
            ]
        )
    text = path.read_text(encoding="utf-8-sig")
    return parse_config(text, root=root, path=display_path(path), base_url=base_url)


def parse_config(
    text: str, *, root: Path, path: str = CONFIG_FILE, base_url: str | None = None
) -> SiteConfig:
    """Validate site.yaml text; raise KbsiteError listing every problem found."""
    doc = parse_yaml(text, path=path)
    data = doc.value if doc.value is not None else {}
    if not isinstance(data, dict):
        raise KbsiteError([doc.error((), f"site.yaml must be a mapping, got {type_name(data)}")])
    problems: list[Diagnostic] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if key not in _FIELDS:
            hint = did_you_mean(key, list(_FIELDS))
            problems.append(
                doc.error((key,), f"unknown key{hint}; known keys: {', '.join(_FIELDS)}")
            )
            continue
        expected, human = _FIELDS[key]
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            problems.append(doc.error((key,), f"expected {human}, got {type_name(value)}"))
            continue
        values[key] = value
    for key in _REQUIRED:
        if key not in data:
            problems.append(error(path, 1, f"missing required key '{key}'", key=key))
    if base_url is not None:
        values["base_url"] = base_url
    problems += _check_scalars(doc, values, base_url_from_cli=base_url is not None)
    categories = _parse_categories(doc, _category_list(doc, values, problems), problems)
    menu = _parse_menu(doc, values.pop("menu", []), problems)
    math_macros = parse_math_macros(doc, values.pop("math", {}), problems)
    if "bibliography" in values:
        where, files = ("bibliography",), values["bibliography"]
        values["bibliography"] = bibliography_files(doc, where, files, root, problems)
    if "citation_style" in values:
        values["citation_style"] = citation_style(doc, values["citation_style"], problems)
    if problems:
        raise KbsiteError(problems)
    values["base_url"] = values["base_url"].rstrip("/") + "/"
    return SiteConfig(
        root=root,
        categories=categories,
        menu=menu,
        math_macros=math_macros,
        auto_categories=isinstance(data.get("categories"), str),
        **values,
    )


def _check_scalars(
    doc: YamlDocument, values: dict[str, Any], *, base_url_from_cli: bool
) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    if "base_url" in values:
        url = values["base_url"]
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.query
            or parts.fragment
        ):
            message = (
                f"malformed base_url '{url}': expected an absolute http(s) URL such as "
                "https://user.github.io/notes/"
            )
            if base_url_from_cli:
                problems.append(error("--base-url", 0, message))
            else:
                problems.append(doc.error(("base_url",), message))
    if "language" in values and values["language"] not in SUPPORTED_LANGUAGES:
        hint = did_you_mean(values["language"], SUPPORTED_LANGUAGES)
        problems.append(
            doc.error(
                ("language",),
                f"unsupported language '{values['language']}'{hint}; "
                f"supported: {', '.join(SUPPORTED_LANGUAGES)}",
            )
        )
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                doc.error(
                    ("timezone",),
                    f"unknown time zone '{values['timezone']}' (use an IANA name such as "
                    "Asia/Shanghai or UTC)",
                )
            )
    if "urls" in values and values["urls"] not in URL_STYLES:
        hint = did_you_mean(values["urls"], URL_STYLES)
        message = f"unknown URL style '{values['urls']}'{hint}; use `category` or `path`"
        problems.append(doc.error(("urls",), message))
    if "footnotes" in values and values["footnotes"] not in FOOTNOTE_PLACES:
        hint = did_you_mean(values["footnotes"], FOOTNOTE_PLACES)
        message = f"unknown footnote place '{values['footnotes']}'{hint}; use `side` or `end`"
        problems.append(doc.error(("footnotes",), message))
    for key, minimum in (("paginate", 1), ("summary_length", 20)):
        if key in values and values[key] < minimum:
            problems.append(doc.error((key,), f"must be at least {minimum}, got {values[key]}"))
    if "output" in values and not re.fullmatch(r"[^\0]+", values["output"]):
        problems.append(doc.error(("output",), "must be a folder name"))
    return problems


def _category_list(
    doc: YamlDocument, values: dict[str, Any], problems: list[Diagnostic]
) -> list[Any]:
    """Return the declared categories; `categories: auto` declares none (notes name them)."""
    value = values.pop("categories", [])
    if isinstance(value, str):
        if value.strip() != "auto":
            message = f"expected a list of categories or `auto`, got '{value}'"
            problems.append(doc.error(("categories",), message))
        return []
    return list(value)


def _parse_categories(
    doc: YamlDocument, items: list[Any], problems: list[Diagnostic]
) -> tuple[Category, ...]:
    categories: list[Category] = []
    seen: dict[str, KeyPath] = {}
    for index, item in enumerate(items):
        where: KeyPath = ("categories", index)
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            problems.append(
                doc.error(
                    where, f"expected a mapping with name, slug, description, got {type_name(item)}"
                )
            )
            continue
        fields = _mapping_fields(doc, where, item, ("name", "slug", "description"), problems)
        if fields is None:
            continue
        name = fields.get("name", "")
        if not name:
            problems.append(doc.error(where, "a category needs a name"))
            continue
        slug = fields.get("slug") or slugify(name)
        if not fields.get("slug") and slug in SITE_SEGMENTS:  # Papers: not /papers/, the site's
            slug = f"{slug}-notes"
        if slug != slugify(slug):
            problems.append(
                doc.error((*where, "slug"), f"slug '{slug}' is not URL-safe; try '{slugify(slug)}'")
            )
            continue
        if slug.lower() in SITE_SEGMENTS:
            message = f"slug '{slug}' is the site's own /{slug.lower()}/ page; try '{slug}-notes'"
            problems.append(doc.error((*where, "slug"), message))
            continue
        clash = next((label for label in (name.lower(), slug.lower()) if label in seen), None)
        if clash is not None:
            line, _ = doc.where(seen[clash])
            message = f"category '{clash}' is declared twice (first at line {line})"
            problems.append(doc.error(where, message))
        seen.setdefault(name.lower(), where)
        seen.setdefault(slug.lower(), where)
        categories.append(Category(name, slug, fields.get("description", "")))
    return tuple(categories)


def _parse_menu(
    doc: YamlDocument, items: list[Any], problems: list[Diagnostic]
) -> tuple[MenuLink, ...]:
    links: list[MenuLink] = []
    for index, item in enumerate(items):
        where: KeyPath = ("menu", index)
        if not isinstance(item, dict):
            problems.append(
                doc.error(where, f"expected a mapping with title and url, got {type_name(item)}")
            )
            continue
        fields = _mapping_fields(doc, where, item, ("title", "url"), problems)
        if fields is None:
            continue
        if "title" not in fields or "url" not in fields:
            problems.append(doc.error(where, "a menu link needs both title and url"))
            continue
        links.append(MenuLink(fields["title"], fields["url"]))
    return tuple(links)


def _mapping_fields(
    doc: YamlDocument,
    where: KeyPath,
    item: dict[Any, Any],
    allowed: tuple[str, ...],
    problems: list[Diagnostic],
) -> dict[str, str] | None:
    """Check a small mapping of text fields; return it, or None after recording problems."""
    fields: dict[str, str] = {}
    ok = True
    for key, value in item.items():
        key = str(key)
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            problems.append(
                doc.error((*where, key), f"unknown key{hint}; known keys: {', '.join(allowed)}")
            )
            ok = False
        elif value is None or isinstance(value, bool | list | dict):
            problems.append(doc.error((*where, key), f"expected text, got {type_name(value)}"))
            ok = False
        else:
            fields[key] = str(value).strip()
    return fields if ok else None
