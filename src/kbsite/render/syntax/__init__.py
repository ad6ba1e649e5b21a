"""Markdown syntax other tools allow, each a markdown-it plugin given to `md.use()`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from markdown_it.token import Token

from kbsite.errors import Diagnostic, warning
from kbsite.render.syntax.embeds import WARNING


def syntax_diagnostics(tokens: Iterable[tuple[Token, int]], path: str) -> Iterator[Diagnostic]:
    """Yield the plugins' warnings, and one for the template tags left as text in a note."""
    unknown: list[tuple[str, int]] = []
    for token, line in tokens:
        if token.meta and WARNING in token.meta:
            yield warning(path, line, token.meta[WARNING], key="markdown")
        elif token.type == "template_tag":
            unknown.append((token.content, line))
    if unknown:
        tag, line = unknown[0]
        more = f" (and {len(unknown) - 1} more in this note)" if len(unknown) > 1 else ""
        yield warning(
            path,
            line,
            f"template tag {tag} is not supported by kbsite and is shown as text{more}",
            key="markdown",
        )
