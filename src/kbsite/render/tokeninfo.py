"""What the build needs of a parsed note besides its HTML: headings, anchors, links, math
errors and plain text runs, read off markdown-it's token stream."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import unescape
from typing import Literal

from markdown_it.token import Token

from kbsite.errors import Diagnostic, warning
from kbsite.render.math.formulas import Formulas
from kbsite.render.math.tex import ENGINE_FAILED, MathError

TOC_LEVELS = (1, 2, 3, 4)
MATH_TOKENS = {"math_inline": False, "math_inline_double": True, "math_block": True}
# Set on a formula token whose macros could not be read or expanded: the message
# (kbsite.render.math.macros).
MACRO_ERROR = "macro_error"
_MORE = re.compile(r"<!--\s*more\s*-->")
LINK_TAG = re.compile(r"</?a\b[^>]*>")
# href/src attributes in raw HTML, double-quoted (the only form links.py can rewrite).
RAW_ATTR = re.compile(r'(?<![\w-])(href|src|srcset)="([^"]*)"')


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of the note, for the table of contents and anchor checks."""

    level: int
    id: str  # the id attribute in the HTML, unescaped (e.g. "匈牙利匹配")
    text: str  # plain text of the heading, formulas as their TeX
    # The heading as HTML for the table of contents: formulas rendered, code and emphasis
    # kept, links (which cannot nest in the TOC's link) reduced to their text.
    html: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """A link or image reference found in the body, as written in the HTML attribute."""

    href: str  # attribute value exactly as it appears in html (before HTML-escaping)
    line: int  # line in the note's file (first_line-based)
    kind: Literal["link", "image"]


@dataclass(frozen=True, slots=True)
class TextRun:
    """Plain text of the body, for excerpts and reading time."""

    text: str
    atomic: bool  # True for a formula: an excerpt never cuts inside it
    # A heading's text: read (reading time) but left out of excerpts, where it would run into
    # the sentence after it ("背景 注意力的复杂度是…").
    heading: bool = False


def anchors(tokens: Sequence[Token]) -> Iterator[str]:
    """Yield every id in the note a link may point at: all headings, then footnotes."""
    for token in tokens:
        if token.type == "heading_close":
            yield token.meta["anchor"][0]
        elif token.type == "footnote_open":
            yield f"fn{token.meta['id'] + 1}"


def toc(tokens: Sequence[Token], inline_html: Callable[[Token], str]) -> Iterator[Heading]:
    """Yield the headings of the table of contents; `inline_html` renders a heading's inline
    token."""
    for index, token in enumerate(tokens):
        if token.type == "heading_close" and int(token.tag[1]) in TOC_LEVELS:
            slug, text = token.meta["anchor"]
            inline = tokens[index - 1]
            html = LINK_TAG.sub("", inline_html(inline)) if inline.type == "inline" else ""
            yield Heading(int(token.tag[1]), slug, text, html.strip())


def with_lines(tokens: Sequence[Token], first_line: int) -> Iterator[tuple[Token, int]]:
    """Yield every block and inline token with its file line."""
    line = first_line
    for token in tokens:
        if token.map is not None:
            line = token.map[0] + first_line
        yield token, line
        if token.type != "inline" or not token.children:
            continue
        child_line = line
        for child in token.children:
            yield child, child_line
            # Each soft or hard break is one source line; formulas and raw HTML may span lines.
            if child.type in ("softbreak", "hardbreak"):
                child_line += 1
            elif child.type == "html_inline" or child.type in MATH_TOKENS:
                child_line += child.content.count("\n")


def links(located: Iterable[tuple[Token, int]]) -> Iterator[Link]:
    """Yield every link and image the author wrote, with its file line (`located`: what
    with_lines yields)."""
    for token, line in located:
        if token.type == "link_open":
            yield Link(str(token.attrGet("href") or ""), line, "link")
        elif token.type == "image":
            yield Link(str(token.attrGet("src") or ""), line, "image")
        elif token.type in ("html_block", "html_inline"):
            for m in RAW_ATTR.finditer(token.content):
                kind: Literal["link", "image"] = "link" if m[1] == "href" else "image"
                at = line + token.content.count("\n", 0, m.start())
                # srcset lists candidates, "a.png 1x, b.png 2x": each URL is a link to check
                for url in srcset_urls(unescape(m[2])) if m[1] == "srcset" else [unescape(m[2])]:
                    yield Link(url, at, kind)


def srcset_urls(value: str) -> list[str]:
    """Return the URLs of a srcset value: "a.png 1x, b.png 2x" -> ["a.png", "b.png"]."""
    return [c.split()[0] for c in value.split(",") if c.strip()]


def math_diagnostics(
    located: Iterable[tuple[Token, int]], path: str, formulas: Formulas
) -> Iterator[Diagnostic]:
    """Yield a warning for each formula KaTeX cannot convert (`located`: what with_lines
    yields; `formulas`: the renderings the note was rendered with)."""
    for token, line in located:
        if token.type in MATH_TOKENS and "link" not in token.meta:
            display = MATH_TOKENS[token.type]
        elif token.type == "fence" and fence_lang(token.info) == "math":
            display = True
        else:
            continue
        tex = token.content.strip()
        if not tex:  # it only defined macros
            continue
        if MACRO_ERROR in token.meta:
            message = f"cannot expand macros: {token.meta[MACRO_ERROR]}"
            yield warning(path, line, message, key="math")
            continue
        try:
            formulas.render_tex(tex, display)
            problem = None
        except MathError as exc:
            problem = exc.message
        why = formulas.engine_failure(tex, display)  # known once render_tex has tried
        if why is not None:  # one message: the engine's failure, whatever the fallback made
            shown = "shown as TeX" if problem else "shown by latex2mathml"
            message = f"KaTeX's engine failed ({why}); {shown}, tried again next build"
            yield warning(path, line, message, key=ENGINE_FAILED)
        elif problem is not None:
            yield warning(path, line, f"cannot render formula: {problem}", key="math")


def text_runs(tokens: Sequence[Token], before: list[TextRun], after: list[TextRun]) -> None:
    """Collect the body's plain text, code and footnotes left out, split at `<!-- more -->`."""
    out = before
    skip_depth = 0  # inside the footnote block
    for i, token in enumerate(tokens):
        if token.type == "footnote_block_open":
            skip_depth += 1
        elif token.type == "footnote_block_close":
            skip_depth -= 1
        elif skip_depth:
            continue
        elif token.type == "html_block" and _MORE.search(token.content):
            out = after
        elif token.type == "math_block" or (
            token.type == "fence" and fence_lang(token.info) == "math"
        ):
            out.append(TextRun(token.content.strip(), True))
            out.append(TextRun("\n\n", False))
        elif token.type == "inline":
            heading = i > 0 and tokens[i - 1].type == "heading_open"
            for run in _inline_runs(token.children or []):
                if run is None:
                    out = after
                else:
                    out.append(TextRun(run.text, run.atomic, True) if heading else run)
            in_cell = i > 0 and tokens[i - 1].type in ("th_open", "td_open")
            # A blank line ends a block, so excerpts can tell it from a wrapped line.
            out.append(TextRun(" " if in_cell else "\n\n", False))


def _inline_runs(children: Sequence[Token]) -> Iterator[TextRun | None]:
    """Yield the runs of one inline token; None marks `<!-- more -->`."""
    in_bare_url = False  # the text of <https://…> and linkified URLs is the URL itself
    for child in children:
        if child.type in ("link_open", "link_close"):
            in_bare_url = child.type == "link_open" and child.markup in ("autolink", "linkify")
        elif in_bare_url:
            continue
        elif child.type in ("text", "code_inline", "crossref"):  # a reference reads "图 1"
            yield TextRun(child.content, False)
        elif child.type in MATH_TOKENS:
            yield TextRun(child.content.strip(), True)
        elif child.type in ("softbreak", "hardbreak"):
            yield TextRun("\n", False)
        elif child.type == "html_inline" and _MORE.search(child.content):
            yield None


def merge_runs(runs: Iterator[TextRun]) -> Iterator[TextRun]:
    """Join neighbouring plain runs and drop the trailing separator."""
    pending = ""
    for run in runs:
        if not run.atomic and not run.heading:
            pending += run.text
            continue
        if pending:
            yield TextRun(pending, False)
            pending = ""
        yield run
    if pending.strip():
        yield TextRun(pending.rstrip(), False)


def fence_lang(info: str) -> str:
    """Return the language word of a fence's info string."""
    return info.split(maxsplit=1)[0] if info.strip() else ""
