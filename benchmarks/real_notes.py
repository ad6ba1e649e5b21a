"""How real blogs and note folders fare with kbsite, measured from the CLI alone (issue 23).

    python benchmarks/real_notes.py CORPUS [CORPUS ...] [--keep DIR] [--kbsite CMD]

Each CORPUS is a folder holding a blog or a note folder, optionally prefixed with its kind
(`hexo:path`, `hugo:path`, `jekyll:path`, `folder:path`); without a prefix the kind is guessed
from the folder's layout. For a blog the script runs `kbsite import KIND CORPUS --site NEW`;
for a note folder `kbsite init NEW`, then the folder becomes NEW/content/ (the example note
that init writes is removed, as a migrating writer would; site.yaml is left as init wrote it,
unless --folder-layout sets `categories: auto` and `urls: path` as the README tells a docsify
user to). Then `kbsite build`. Links are resolved under base_url's path, as a host serves them.

It prints one Markdown table row per corpus, then the problems kbsite reported, by key, and
a few examples of each failure class found on the built note pages. Only the CLI and the
files it writes are used, never kbsite's modules, so the same script measures any version:
run it on main now and on later versions to compare.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

# Where each blog keeps its posts: the notes the writer would expect to see as pages.
POST_DIRS = {"hexo": ["source/_posts"], "hugo": ["content"], "jekyll": ["_posts"], "folder": ["."]}
NOTE_SUFFIXES = {".md", ".markdown", ".rmd"}
# docsify/GitBook navigation files are site chrome, not notes.
NAV_FILES = {"_sidebar.md", "_navbar.md", "_coverpage.md", "summary.md"}

# TeX that should never be seen as text: commands with an argument or common macro names.
TEX_RE = re.compile(
    r"\\(?:begin|end|frac|dfrac|mathbb|mathcal|mathrm|boldsymbol|text|left|right|sum|prod|int|"
    r"partial|nabla|alpha|beta|gamma|theta|lambda|sigma|cdot|quad|hat|bar|tilde)(?![A-Za-z])"
    r"|\$\$|\$\\"
)
TEMPLATE_RE = re.compile(r"\{%|\{\{<|\{\{%|\{:")
STARS_RE = re.compile(r"\*\*")
# blogdown's protected math: a code span holding $...$ or $$...$$ is math the reader sees as code.
CODE_MATH_RE = re.compile(r"^\s*\$\$?[^$].*\$\$?\s*$", re.S)
# Source formulas, roughly: display blocks first, then inline $...$ on what is left.
SRC_DISPLAY_RE = re.compile(r"\$\$.+?\$\$", re.S)
SRC_INLINE_RE = re.compile(r"(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\$)")
SRC_ENV_RE = re.compile(r"^\s*\\begin\{(?:aligned|align\*?|equation\*?|cases|split|gather)\}", re.M)
FENCE_RE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
# `path:line:col: [warning: ][key: ]message`; a path with a space needs its line number, so
# that sentences such as "Declared in site.yaml: ..." are not taken for problems.
DIAG_RE = re.compile(
    r"^(?:(?P<path>[^\s:]+\.\w+)(?::\d+)?|[^:]+?\.\w+:\d+)(?::\d+)?: (?P<rest>.+)$"
)
KEY_RE = re.compile(r"^([A-Za-z_][\w.\-]*): ")


def guess_kind(folder: Path) -> str:
    """The blog generator whose layout the folder has, else "folder" (docsify, Obsidian...)."""
    if (folder / "source" / "_posts").is_dir():
        return "hexo"
    if (folder / "_posts").is_dir():
        return "jekyll"
    configs = ("hugo.toml", "config.toml", "hugo.yaml", "config.yaml")
    if (folder / "content").is_dir() and any((folder / c).exists() for c in configs):
        return "hugo"
    return "folder"


def source_notes(folder: Path, kind: str) -> list[Path]:
    notes = []
    for sub in POST_DIRS[kind]:
        for path in sorted((folder / sub).rglob("*")):
            if path.suffix.lower() in NOTE_SUFFIXES and path.name.lower() not in NAV_FILES:
                notes.append(path)
    return notes


def source_formulas(notes: list[Path]) -> int:
    """Formulas as written (approximate): outside fenced code, $$..$$, $..$, bare environments."""
    total = 0
    for path in notes:
        text = FENCE_RE.sub("", path.read_text(encoding="utf-8", errors="replace"))
        total += len(SRC_DISPLAY_RE.findall(text))
        text = SRC_DISPLAY_RE.sub("", text)
        total += len(SRC_INLINE_RE.findall(text)) + len(SRC_ENV_RE.findall(text))
    return total


class PageParser(HTMLParser):
    """Collects what a reader sees on one built page: visible text of the note, links, ids."""

    SKIP = frozenset({"script", "style", "pre", "code", "math", "svg", "template", "head"})
    VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col", "area"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.redirect = ""
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skips text, is the note body)
        self.articles = 0
        self.note_marked = False  # an <article> that says it is the note (class or search body)
        self.text: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []
        self.formulas = 0
        self.failed = 0
        self.code_math: list[str] = []
        self._code: list[str] | None = None

    def _inside(self) -> tuple[bool, bool]:
        skipping = any(s for _, s, _ in self.stack)
        in_note = any(n for _, _, n in self.stack)
        return skipping, in_note

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self.redirect = a.get("content", "").partition("url=")[2].strip()
        classes = a.get("class", "").split()
        skipping, in_note = self._inside()
        # The note is its <article>; pages without one (other themes) count their <main>.
        is_note = tag == "article" or (tag == "main" and not self.articles)
        if tag == "article":
            self.articles += 1
            self.note_marked |= "note" in classes or "data-pagefind-body" in a
        if in_note or is_note:
            if "math" in classes:
                self.formulas += 1
            if any(c in ("math-error", "katex-error") for c in classes):
                self.failed += 1
            if tag == "a" and a.get("href"):
                self.links.append(a["href"])
            if tag == "img" and a.get("src"):
                self.images.append(a["src"])
            if tag == "code" and not skipping:
                self._code = []
        if tag not in self.VOID:
            self.stack.append((tag, tag in self.SKIP, is_note))

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._code is not None:
            code = "".join(self._code)
            if CODE_MATH_RE.match(code):
                self.code_math.append(code.strip())
            self._code = None
        # Close up to the matching tag: real pages leave some elements unclosed.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._code is not None:
            self._code.append(data)
        skipping, in_note = self._inside()
        if in_note and not skipping:
            self.text.append(data)


@dataclass
class Result:
    name: str
    kind: str
    notes: int = 0
    src_formulas: int = 0
    import_rc: int | None = None
    build_rc: int | None = None
    pages: int = 0
    note_pages: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    tex_pages: int = 0
    template_pages: int = 0
    star_pages: int = 0
    code_math: int = 0
    formulas: int = 0
    failed: int = 0
    links: int = 0
    bad_targets: int = 0
    bad_anchors: int = 0
    images: int = 0
    bad_images: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def example(self, what: str, text: str) -> None:
        found = self.examples.setdefault(what, [])
        if len(found) < 3:
            found.append(text)


def run(cmd: list[str], log: list[str]) -> int:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    log.extend((proc.stdout + proc.stderr).splitlines())
    return proc.returncode


def problem_keys(lines: list[str]) -> Counter[str]:
    """Problems as kbsite printed them (`path:line: [warning: ][key: ]message`), by key; a line
    without a key is counted under its first words, numbers and quoted names removed."""
    keys: Counter[str] = Counter()
    for line in lines:
        line = line.strip()
        imported = line.startswith("not converted: ")  # the importer's own report
        m = DIAG_RE.match(line.removeprefix("not converted: "))
        if not m:
            continue
        rest = m["rest"]
        severity = "warning" if rest.startswith("warning: ") else "error"
        rest = rest.removeprefix("warning: ")
        k = KEY_RE.match(rest)
        # Keys such as a front-matter field name vary; so does the text after them.
        words = re.sub(r"\{\S*\s.*?\S*\}|'[^']*'|\"[^\"]*\"|\(.*?\)|\d+", "", rest).split()
        key = f"{k[1]}: {' '.join(words[1:4])}" if k else " ".join(words[:5])
        keys[f"import: {key}" if imported else f"{severity}: {key}"] += 1
    return keys


def use_folder_layout(config: Path) -> None:
    """Set what the README tells a docsify or GitBook user to set: `categories: auto` (the top
    folders are the categories) and `urls: path` (URLs follow the folder tree)."""
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"^categories:.*\n(?:[ #].*\n)*", "categories: auto\n", text, flags=re.M)
    config.write_text(text + "urls: path\n", encoding="utf-8")


def output_folder(site: Path) -> Path:
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    m = re.search(r"^output:\s*['\"]?([^'\"\n#]+)", text, re.M)
    return site / (m[1].strip() if m else "public")


def page_file(out: Path, url_path: str) -> Path | None:
    """The built file serving a URL path, as a static host would find it."""
    rel = unquote(url_path).lstrip("/")
    candidate = out / rel
    if rel == "" or url_path.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    elif not candidate.exists() and (out / (rel + ".html")).exists():
        candidate = out / (rel + ".html")
    return candidate if candidate.is_file() else None


def fragment_missing(fragment: str, target: Path, parse: Callable[[Path], PageParser]) -> bool:
    """Whether #fragment names no element of the target page; `#top` and `#` always work."""
    name = unquote(fragment)
    if not name or name.lower() == "top" or target.suffix != ".html":
        return False
    return name not in parse(target).ids


def base_path(site: Path) -> str:
    """The URL path the site lives under (base_url's, e.g. /notes/), as its links carry it."""
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    m = re.search(r"^base_url:\s*['\"]?([^'\"\s#]+)", text, re.M)
    path = urlsplit(m[1]).path if m else "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def measure_pages(out: Path, result: Result, base: str = "/") -> None:
    parsed: dict[Path, PageParser] = {}

    def parse(path: Path) -> PageParser:
        if path not in parsed:
            parser = PageParser()
            parser.feed(path.read_text(encoding="utf-8", errors="replace"))
            parsed[path] = parser
        return parsed[path]

    pages = [p for p in sorted(out.rglob("*.html")) if not parse(p).redirect]
    result.pages = len(pages)
    # A note page is one whose <article> says so; a theme that marks none: one <article> alone.
    marked = any(parse(p).note_marked for p in pages)
    for path in pages:
        page = parse(path)
        if not (page.note_marked if marked else page.articles == 1):
            continue  # lists, tags, archive: not a note
        result.note_pages += 1
        where = str(path.relative_to(out))
        text = " ".join("".join(page.text).split())
        for what, regex, attr in (
            ("TeX as text", TEX_RE, "tex_pages"),
            ("template syntax", TEMPLATE_RE, "template_pages"),
            ("literal **", STARS_RE, "star_pages"),
        ):
            m = regex.search(text)
            if m:
                setattr(result, attr, getattr(result, attr) + 1)
                result.example(what, f"{where}: …{text[max(0, m.start() - 40) : m.end() + 40]}…")
        result.code_math += len(page.code_math)
        for code in page.code_math[:1]:
            result.example("math shown as code", f"{where}: {code[:80]}")
        result.formulas += page.formulas
        result.failed += page.failed
        page_url = base + str(path.relative_to(out)).removesuffix("index.html")
        for kind, refs in (("link", page.links), ("image", page.images)):
            for href in refs:
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                    continue
                resolved = urlsplit(urljoin(page_url, href))
                inside = "/" + resolved.path.removeprefix(base)
                target = page_file(out, inside) if resolved.path.startswith(base) else None
                target = target if resolved.path else path
                if kind == "image":
                    result.images += 1
                    if target is None:
                        result.bad_images += 1
                        result.example("broken image", f"{where}: {href}")
                    continue
                result.links += 1
                if target is not None and target.suffix == ".html" and parse(target).redirect:
                    # An alias page: the reader lands where it points.
                    final = urlsplit(urljoin(resolved.path, parse(target).redirect))
                    target = page_file(out, "/" + final.path.removeprefix(base))
                if target is None:
                    result.bad_targets += 1
                    result.example("broken link target", f"{where}: {href}")
                elif fragment_missing(resolved.fragment, target, parse):
                    result.bad_anchors += 1
                    result.example("broken anchor", f"{where}: {href}")


def measure(spec: str, work: Path, kbsite: list[str], folder_layout: bool = False) -> Result:
    kind, _, path = spec.partition(":") if spec.split(":", 1)[0] in POST_DIRS else ("", "", spec)
    corpus = Path(path).resolve()
    kind = kind or guess_kind(corpus)
    result = Result(corpus.name, kind)
    notes = source_notes(corpus, kind)
    result.notes, result.src_formulas = len(notes), source_formulas(notes)
    site = work / corpus.name
    shutil.rmtree(site, ignore_errors=True)  # import never overwrites: start from nothing
    log: list[str] = []
    if kind == "folder":
        # A note folder is not a blog: start a site and make the folder its content/, as it
        # is (site.yaml as init wrote it; the example note goes, the writer's notes replace it).
        result.import_rc = run([*kbsite, "init", str(site)], log)
        if folder_layout:
            use_folder_layout(site / "site.yaml")
        shutil.rmtree(site / "content", ignore_errors=True)
        shutil.copytree(corpus, site / "content", ignore=shutil.ignore_patterns(".git"))
    else:
        result.import_rc = run([*kbsite, "import", "--site", str(site), kind, str(corpus)], log)
    result.build_rc = run([*kbsite, "build", "--site", str(site)], log)
    result.problems = problem_keys(log)
    (work / f"{corpus.name}.log").write_text("\n".join(log) + "\n", encoding="utf-8")
    out = output_folder(site)
    if out.is_dir():
        measure_pages(out, result, base_path(site))
    return result


def pct(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f}%)" if whole else str(part)


def report(results: list[Result]) -> None:
    head = (
        "| corpus | kind | notes | formulas in source | import/init rc | build rc | pages "
        "| note pages | problems | pages with TeX as text | pages with template syntax "
        "| pages with literal ** | math shown as code | formulas rendered | formulas failed "
        "| internal links | broken targets | broken anchors | images | broken images |"
    )
    print(head)
    print("|" + "---|" * head.count(" | ") + "---|")
    for r in results:
        cells = [
            r.name, r.kind, r.notes, r.src_formulas, r.import_rc, r.build_rc, r.pages,
            r.note_pages, sum(r.problems.values()), pct(r.tex_pages, r.note_pages),
            pct(r.template_pages, r.note_pages), pct(r.star_pages, r.note_pages), r.code_math,
            r.formulas - r.failed, pct(r.failed, r.formulas), r.links,
            pct(r.bad_targets, r.links), pct(r.bad_anchors, r.links), r.images,
            pct(r.bad_images, r.images),
        ]  # fmt: skip
        print("| " + " | ".join(str(c) for c in cells) + " |")
    for r in results:
        print(f"\n### {r.name}\n")
        for key, n in r.problems.most_common():
            print(f"- problem {key}: {n}")
        for what, found in r.examples.items():
            for text in found:
                print(f"- {what}: {text}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", help="[kind:]folder of a blog or of notes")
    parser.add_argument("--keep", type=Path, help="build the sites in DIR and keep them")
    parser.add_argument(
        "--folder-layout",
        action="store_true",
        help="for note folders, set `categories: auto` and `urls: path` in init's site.yaml",
    )
    parser.add_argument(
        "--kbsite", default="kbsite", help="the command to run (default: kbsite on PATH)"
    )
    args = parser.parse_args()
    kbsite = shlex.split(args.kbsite)
    if shutil.which(kbsite[0]) is None:
        print(f"real_notes: {kbsite[0]} not found", file=sys.stderr)
        return 2
    version = subprocess.run([*kbsite, "--version"], capture_output=True, text=True, check=False)
    print(f"kbsite: {version.stdout.strip().splitlines()[0] if version.stdout else '?'}\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = [measure(spec, work, kbsite, args.folder_layout) for spec in args.corpora]
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
