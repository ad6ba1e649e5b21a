"""Things an import left or dropped, counted by kind: one report line per kind, not per place.

A blog with 300 `{{< tab >}}` shortcodes needs one line saying so, and where the first is.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Tally:
    """Places by kind, in the order they were found (posts are read in path order)."""

    places: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def add(self, kind: str, path: str, line: int) -> None:
        self.places.setdefault(kind, []).append((path, line))

    def lines(self) -> list[str]:
        """Return one line per kind, sorted: where it is first, how often and in how many posts."""
        out = []
        for kind, places in sorted(self.places.items()):
            path, line = places[0]
            where = f"{path}:{line}" if line else path
            posts = len({p for p, _ in places})
            count = f"{len(places)} time{'s' if len(places) > 1 else ''}"
            spread = f" in {posts} posts" if posts > 1 else ""
            out.append(f"{where}: {kind} ({count}{spread})")
        return out
