"""Markdown -> HTML for one note body: pure, cacheable by (body, settings).

CONTRACT (other modules code against these names; keep them):
    render_markdown(body, *, path, first_line) -> RenderedMarkdown
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape, unescape
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.anchors.index import slugify
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from kbsite.errors import Diagnostic, warning
from kbsite.highlight import render_code_block
from kbsite.math import MathError, bracket_math_plugin, render_tex
from kbsite.syntax import syntax_diagnostics
from kbsite.syntax.callouts import callout_plugin
from kbsite.syntax.embeds import embed_plugin
from kbsite.syntax.mark import mark_plugin
from kbsite.syntax.templatetags import NOTE_PATH, template_tags_plugin
from kbsite.wikilinks import wikilinks_plugin


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of the note, for the table of contents and anchor checks."""

    level: int
    id: str  # the id attribute in the HTML, unescaped (e.g. "匈牙利匹配")
    text: str  # plain text of the heading


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


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    toc: tuple[Heading, ...]
    links: tuple[Link, ...]
    text: tuple[TextRun, ...]  # the whole body's plain text (reading time counts all of it)
    diagnostics: tuple[Diagnostic, ...]
    excerpt_runs: int = 0  # how many runs of `text` precede `<!-- more -->` (all when absent)
    anchors: tuple[str, ...] = ()  # every id a link may target: headings of all levels, footnotes
    has_mermaid: bool = False  # a ```mermaid diagram: the page needs the mermaid script

    @property
    def excerpt_text(self) -> tuple[TextRun, ...]:
        """Return the runs an excerpt is made from: the text before `<!-- more -->`."""
        return self.text[: self.excerpt_runs]


TOC_LEVELS = (1, 2, 3, 4)
MATH_TOKENS = {"math_inline": False, "math_inline_double": True, "math_block": True}
_MORE = re.compile(r"<!--\s*more\s*-->")
# href/src attributes in raw HTML, double-quoted (the only form links.py can rewrite).
_RAW_ATTR = re.compile(r'(?<![\w-])(href|src|srcset)="([^"]*)"')
# Han and CJK punctuation end a bare URL: "见https://a.org/x，然后" links only the URL.
# Browsers copy non-ASCII URLs percent-encoded, so a raw Han character is almost
# always the sentence going on.
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def render_markdown(body: str, *, path: str, first_line: int) -> RenderedMarkdown:
    """Render one note body; `first_line` is the file line of the body's first line."""
    md = make_markdown()
    env: EnvType = {NOTE_PATH: path}
    tokens = md.parse(body, env)
    before: list[TextRun] = []
    after: list[TextRun] = []
    _text_runs(tokens, before, after)
    text = (*_merge_runs(iter(before)), *_merge_runs(iter(after)))
    return RenderedMarkdown(
        html=md.renderer.render(tokens, md.options, env),
        toc=tuple(_toc(tokens)),
        links=tuple(_links(tokens, first_line)),
        text=text,
        diagnostics=(
            *_math_diagnostics(tokens, path, first_line),
            *syntax_diagnostics(_with_lines(tokens, first_line), path),
        ),
        excerpt_runs=len(text) - len(tuple(_merge_runs(iter(after)))),
        anchors=tuple(_anchors(tokens)),
        has_mermaid=any(t.type == "fence" and _fence_lang(t.info) == "mermaid" for t in tokens),
    )


@functools.cache
def make_markdown() -> MarkdownIt:
    """Build the one MarkdownIt instance every note is rendered with."""
    # typographer stays off: it would turn Chinese "引号" into the wrong curly quotes.
    # xhtmlOut off: HTML5 void elements need no "/>" (the Nu Html Checker flags it).
    options = {"html": True, "linkify": True, "typographer": False, "xhtmlOut": False}
    md = MarkdownIt("commonmark", options, renderer_cls=_Renderer)
    md.enable(["table", "strikethrough", "linkify"])
    # Fuzzy links would turn "train.py" and "detr.md" into links to Paraguay and Moldova.
    assert md.linkify is not None  # linkify-it-py is a declared dependency
    md.linkify.set({"fuzzy_link": False})
    # linkify-it's pretest regex is a third of parse time on CJK text. Without fuzzy links a
    # link needs a scheme (":"), "//" or an e-mail "@", so text without them skips it.
    pretest = md.linkify.pretest
    md.linkify.pretest = lambda text: (":" in text or "@" in text or "//" in text) and pretest(text)
    # No space inside the dollars and no digit after the closing one: "costs $5 and
    # $10" and "| $10 | $30 |" stay text (pandoc's rule).
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        double_inline=True,
    )
    md.use(bracket_math_plugin)
    md.use(footnote_plugin).use(deflist_plugin).use(tasklists_plugin).use(admon_plugin)
    md.use(wikilinks_plugin)  # [[note#heading|label]]; resolved in links.py
    # Syntax of Obsidian, GitHub, Hexo, Jekyll and Hugo notes (kbsite/syntax/).
    md.use(callout_plugin).use(mark_plugin).use(embed_plugin).use(template_tags_plugin)
    md.core.ruler.after("linkify", "linkify_cjk", _trim_linkify_at_cjk)
    md.core.ruler.push("heading_ids", _heading_ids)
    for name in ("math_inline", "math_inline_double", "math_block"):
        md.add_render_rule(name, _render_math)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("heading_close", _render_heading_close)
    md.add_render_rule("html_block", _render_raw_html)
    md.add_render_rule("html_inline", _render_raw_html)
    return md


class _Renderer(RendererHTML):
    """RendererHTML whose attributes are escaped with html.escape, as links.py expects."""

    @staticmethod
    def renderAttrs(token: Token) -> str:
        """Render attributes; html.escape also escapes `'`, unlike markdown-it's escapeHtml."""
        return "".join(f' {escape(key)}="{escape(str(value))}"' for key, value in token.attrItems())


# --- core rules: linkify trimming, heading ids --------------------------------------------


def _trim_linkify_at_cjk(state: StateCore) -> None:
    """End bare URLs at the first Han character or CJK punctuation."""
    for block in state.tokens:
        children = block.children
        if block.type != "inline" or not children:
            continue
        for i in range(len(children) - 2, 0, -1):
            link, text = children[i - 1], children[i]
            if link.type != "link_open" or link.markup != "linkify" or text.type != "text":
                continue
            cut = _CJK.search(text.content)
            if cut is None or cut.start() == 0:
                continue
            head, tail = text.content[: cut.start()], text.content[cut.start() :]
            href = str(link.attrGet("href") or "")
            prefix = "mailto:" if href.startswith("mailto:") and ":" not in head else ""
            link.attrSet("href", state.md.normalizeLink(prefix + head))
            text.content = head
            children.insert(i + 2, Token("text", "", 0, content=tail))


def _heading_ids(state: StateCore) -> None:
    """Give every heading a unique GitHub-style id; keep it for the permalink anchor."""
    seen: set[str] = set()
    tokens = state.tokens
    for idx, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = _plain_text(tokens[idx + 1].children or [])
        base = slugify(text.strip()) or "section"
        slug, n = base, 0
        while slug in seen:
            n += 1
            slug = f"{base}-{n}"
        seen.add(slug)
        token.attrSet("id", slug)
        close = next(t for t in tokens[idx:] if t.type == "heading_close")
        close.meta["anchor"] = (slug, text.strip())


def _plain_text(children: Sequence[Token]) -> str:
    """Return the visible text of inline tokens, formulas as their TeX."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline") or child.type in MATH_TOKENS:
            parts.append(child.content.strip() if child.type in MATH_TOKENS else child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


# --- render rules -------------------------------------------------------------------------


def _render_math(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render a formula token: block math as a div, math inside a paragraph as a span."""
    token = tokens[idx]
    return _math_html(token.content, MATH_TOKENS[token.type], block=token.type == "math_block")


def _math_html(tex: str, display: bool, *, block: bool) -> str:
    """Return the MathML wrapper, or the TeX source visibly marked when it cannot render."""
    tex = tex.strip()
    try:
        inner = render_tex(tex, display)
    except MathError as exc:
        inner = f'<code class="math-error" title="{escape(exc.message)}">{escape(tex)}</code>'
    if block:
        return f'<div class="math display">{inner}</div>\n'
    # Display math written inside a paragraph ($$x$$ mid-sentence) stays a span:
    # a <div> inside <p> is invalid and browsers would split the paragraph.
    kind = "display" if display else "inline"
    return f'<span class="math {kind}">{inner}</span>'


def _fence_lang(info: str) -> str:
    """Return the language word of a fence's info string."""
    return info.split(maxsplit=1)[0] if info.strip() else ""


def _render_fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render ```math as display math and other fences as highlighted code."""
    token = tokens[idx]
    lang = _fence_lang(token.info)
    if lang == "math":
        return _math_html(token.content, True, block=True)
    if lang == "mermaid":  # drawn in the browser by the mermaid script (see has_mermaid)
        return f'<pre class="mermaid">{escape(token.content, quote=False)}</pre>\n'
    return render_code_block(token.content, lang)


def _render_code_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Render an indented code block like a fence without a language."""
    return render_code_block(tokens[idx].content, "")


def _render_heading_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Close a heading after its permalink anchor."""
    token = tokens[idx]
    slug, text = token.meta["anchor"]
    label = escape(f"本节链接：{text}")
    anchor = f'<a class="heading-anchor" href="#{escape(slug)}" aria-label="{label}">#</a>'
    return f"{anchor}</{token.tag}>\n"


def _render_raw_html(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Pass raw HTML through, with href/src values escaped the way links.py looks for them."""
    return _RAW_ATTR.sub(
        lambda m: f'{m[1]}="{escape(unescape(m[2]))}"',
        tokens[idx].content,
    )


# --- what the build needs besides HTML ----------------------------------------------------


def _anchors(tokens: Sequence[Token]) -> Iterator[str]:
    """Yield every id in the note a link may point at: all headings, then footnotes."""
    for token in tokens:
        if token.type == "heading_close":
            yield token.meta["anchor"][0]
        elif token.type == "footnote_open":
            yield f"fn{token.meta['id'] + 1}"


def _toc(tokens: Sequence[Token]) -> Iterator[Heading]:
    """Yield the headings of the table of contents."""
    for token in tokens:
        if token.type == "heading_close" and int(token.tag[1]) in TOC_LEVELS:
            slug, text = token.meta["anchor"]
            yield Heading(int(token.tag[1]), slug, text)


def _with_lines(tokens: Sequence[Token], first_line: int) -> Iterator[tuple[Token, int]]:
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


def _links(tokens: Sequence[Token], first_line: int) -> Iterator[Link]:
    """Yield every link and image the author wrote, with its file line."""
    for token, line in _with_lines(tokens, first_line):
        if token.type == "link_open":
            yield Link(str(token.attrGet("href") or ""), line, "link")
        elif token.type == "image":
            yield Link(str(token.attrGet("src") or ""), line, "image")
        elif token.type in ("html_block", "html_inline"):
            for m in _RAW_ATTR.finditer(token.content):
                kind: Literal["link", "image"] = "link" if m[1] == "href" else "image"
                at = line + token.content.count("\n", 0, m.start())
                # srcset lists candidates, "a.png 1x, b.png 2x": each URL is a link to check
                for url in srcset_urls(unescape(m[2])) if m[1] == "srcset" else [unescape(m[2])]:
                    yield Link(url, at, kind)


def srcset_urls(value: str) -> list[str]:
    """Return the URLs of a srcset value: "a.png 1x, b.png 2x" -> ["a.png", "b.png"]."""
    return [c.split()[0] for c in value.split(",") if c.strip()]


def _math_diagnostics(tokens: Sequence[Token], path: str, first_line: int) -> Iterator[Diagnostic]:
    """Yield a warning for each formula KaTeX cannot convert."""
    for token, line in _with_lines(tokens, first_line):
        if token.type in MATH_TOKENS:
            display = MATH_TOKENS[token.type]
        elif token.type == "fence" and _fence_lang(token.info) == "math":
            display = True
        else:
            continue
        try:
            render_tex(token.content.strip(), display)
        except MathError as exc:
            yield warning(path, line, f"cannot render formula: {exc.message}", key="math")


def _text_runs(tokens: Sequence[Token], before: list[TextRun], after: list[TextRun]) -> None:
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
            token.type == "fence" and _fence_lang(token.info) == "math"
        ):
            out.append(TextRun(token.content.strip(), True))
            out.append(TextRun("\n\n", False))
        elif token.type == "inline":
            for run in _inline_runs(token.children or []):
                if run is None:
                    out = after
                else:
                    out.append(run)
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
        elif child.type in ("text", "code_inline"):
            yield TextRun(child.content, False)
        elif child.type in MATH_TOKENS:
            yield TextRun(child.content.strip(), True)
        elif child.type in ("softbreak", "hardbreak"):
            yield TextRun("\n", False)
        elif child.type == "html_inline" and _MORE.search(child.content):
            yield None


def _merge_runs(runs: Iterator[TextRun]) -> Iterator[TextRun]:
    """Join neighbouring plain runs and drop the trailing separator."""
    pending = ""
    for run in runs:
        if not run.atomic:
            pending += run.text
            continue
        if pending:
            yield TextRun(pending, False)
            pending = ""
        yield run
    if pending.strip():
        yield TextRun(pending.rstrip(), False)
