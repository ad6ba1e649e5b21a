"""Image references a blog's server forgave: letter case (`PIC/` for `pic/`) and `\\` for `/`.

Windows and macOS file systems ignore case, so such posts showed their images on the
writer's machine; a static host does not. Each reference is looked up as written, then
ignoring case with `\\` read as `/`; a match rewrites it to the file's real spelling, and a
miss is reported with the closest file's name.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from kbsite.errors import did_you_mean

_MARKDOWN = re.compile(r"(!\[[^\]\n]*\]\()(<[^>\n]+>|[^)\s]+)")
_HTML = re.compile(r"""(<img\b[^>]*?\bsrc=)(["'])([^"'\n]+)\2""", re.I)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)
_TEMPLATE = ("{{", "{%")


@dataclass(slots=True)
class ImageFiles:
    """The blog's files by lower-cased path: site paths (static) and paths under its root."""

    root: Path
    site: dict[str, str]  # lower-cased site path -> site path as spelled: img/a.png
    prefix: str = ""  # the blog's own base path (Hexo root, Jekyll baseurl): /blog/
    _files: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            hidden = any(p.startswith(".") or p == "node_modules" for p in rel.split("/"))
            if path.is_file() and not hidden:
                self._files.setdefault(rel.lower(), rel)

    def fix(self, line: str, post_dir: Path) -> tuple[str, list[str]]:
        """Return the line with near-miss references respelled, and the references missing."""
        missing: list[str] = []

        def markdown(match: re.Match[str]) -> str:
            ref = match[2].strip("<>")
            return match[1] + self._respell(ref, post_dir, missing)

        def html(match: re.Match[str]) -> str:
            return match[1] + match[2] + self._respell(match[3], post_dir, missing) + match[2]

        if "![" in line:
            line = _MARKDOWN.sub(markdown, line)
        if "<img" in line.lower():
            line = _HTML.sub(html, line)
        return line, missing

    def _respell(self, ref: str, post_dir: Path, missing: list[str]) -> str:
        if _EXTERNAL.match(ref) or ref.startswith(_TEMPLATE) or not ref.strip():
            return ref
        path, _, query = ref.replace("\\", "/").partition("?")
        path = unquote(path)
        if path.startswith("/"):
            under = self.prefix and path.startswith(self.prefix + "/")
            site_path = (path[len(self.prefix) :] if under else path).lstrip("/")
            found = self.site.get(site_path.lower())
            if found is not None:
                return ref if found == site_path and "\\" not in ref else _url("/" + found, query)
            missing.append(ref + did_you_mean(site_path, list(self.site.values())))
            return ref
        base = post_dir.relative_to(self.root).as_posix() if post_dir != self.root else ""
        wanted = posixpath.normpath(posixpath.join(base, path))
        found = self._files.get(wanted.lower())
        if found is None:
            missing.append(ref + did_you_mean(wanted, list(self._files.values())))
            return ref
        if found == wanted and "\\" not in ref:
            return ref
        return _url(posixpath.relpath(found, base or "."), query)


def _url(path: str, query: str) -> str:
    return path.replace(" ", "%20") + (f"?{query}" if query else "")
