"""Links between posts (`{% post_url %}`, `{% post_link %}`, Hugo's `ref`/`relref`) -> links
to the imported notes, relative to the note that holds them, as kbsite links notes."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field


@dataclass(slots=True)
class PostIndex:
    """Every way a blog names a post -> the note's path inside content/ (cat/name.md)."""

    targets: dict[str, str] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)

    def add(self, names: list[str], target: str) -> None:
        """Register a post under each of its names; a name two posts share finds neither."""
        for name in dict.fromkeys(_key(n) for n in names if n):
            if name in self.targets and self.targets[name] != target:
                self.ambiguous.add(name)
            self.targets.setdefault(name, target)

    def link(self, name: str, source: str) -> str | None:
        """Return the relative link from note `source` to the post `name` (with its #anchor)."""
        path, hash_, anchor = name.strip().strip("\"'").partition("#")
        key = _key(path)
        if key in self.ambiguous or key not in self.targets:
            key = _key(posixpath.basename(path.rstrip("/")))
            if key in self.ambiguous or key not in self.targets:
                return None
        target = posixpath.relpath(self.targets[key], posixpath.dirname(source) or ".")
        return target + hash_ + anchor


def _key(name: str) -> str:
    """Read `/posts/x.md`, `posts/x/`, `x/index.md` and `x` alike, ignoring letter case."""
    name = name.strip().strip("/").lower()
    for suffix in (".md", ".markdown", "/index", "/_index"):
        name = name.removesuffix(suffix)
    return name
