"""Markdown -> HTML for one note body: pure, cacheable by (body, settings).

CONTRACT (other modules code against these names; keep them):
    render_markdown(body, *, path, first_line) -> RenderedMarkdown
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from kbsite.accel.fastblock import BlockRule, accelerate_blocks
from kbsite.errors import Diagnostic
from kbsite.render.anchors import resolve_own_anchors
from kbsite.render.corerules import heading_ids, normalize_line_ends, trim_linkify_at_cjk
from kbsite.render.excerpt import INLINE_MATH
from kbsite.render.labels import NAMES, Label
from kbsite.render.math.dollarblocks import DOLLAR_BLOCK_STARTS, dollar_blocks_plugin
from kbsite.render.math.equationids import EQUATION_ID_STARTS, equation_ids_plugin
from kbsite.render.math.equations import (
    LABELS,
    equation_diagnostics,
    equations_plugin,
)
from kbsite.render.math.formulas import MATH, Formulas
from kbsite.render.math.macros import SITE_MACROS, macros_plugin, site_macros
from kbsite.render.math.tex import MATH_BLOCK_STARTS, bracket_math_plugin
from kbsite.render.notebook.cells import NOTEBOOK, NotebookSettings, notebook_cells
from kbsite.render.options import DEFAULT_HEADING_ANCHOR, DEFAULT_LABEL_NAMES
from kbsite.render.renderrules import (
    HEADING_ANCHOR,
    render_code,
    render_fence,
    render_heading_close,
    render_math,
    render_raw_html,
)
from kbsite.render.syntax import syntax_diagnostics
from kbsite.render.syntax.blogcallouts import BOX_STARTS, blog_callouts_plugin
from kbsite.render.syntax.callouts import callout_plugin
from kbsite.render.syntax.citations import (
    CITE_CONTEXT,
    CITED,
    NoteCitations,
    bibliography_anchors,
    bibliography_headings,
    citations_plugin,
)
from kbsite.render.syntax.cjkemphasis import cjk_emphasis_plugin
from kbsite.render.syntax.crossrefs import crossrefs_plugin, note_labels
from kbsite.render.syntax.embeds import embed_plugin
from kbsite.render.syntax.fenceddivs import FENCED_DIV_STARTS, fenced_divs_plugin
from kbsite.render.syntax.mark import mark_plugin
from kbsite.render.syntax.numbered import numbered_plugin
from kbsite.render.syntax.pseudocode import SHORTCODE_STARTS, pseudocode_plugin
from kbsite.render.syntax.sidenotes import SIDENOTES, sidenotes_plugin
from kbsite.render.syntax.templatetags import NOTE_PATH, TAG_BLOCK_STARTS, template_tags_plugin
from kbsite.render.syntax.theorems import theorems_plugin
from kbsite.render.syntax.wikilinks import wikilinks_plugin
from kbsite.render.tokeninfo import (
    LINK_TAG,
    Heading,
    Link,
    TextRun,
    anchors,
    fence_lang,
    links,
    math_diagnostics,
    merge_runs,
    text_runs,
    toc,
    with_lines,
)


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
    # Theorems, figures, tables and equations a reference may name (kbsite.render.labels)
    labels: tuple[Label, ...] = ()
    has_sidenotes: bool = False  # some footnote is also beside its reference
    cited: tuple[str, ...] = ()  # the bibliography keys the note cites, in its bibliography's order

    @property
    def excerpt_text(self) -> tuple[TextRun, ...]:
        """Return the runs an excerpt is made from: the text before `<!-- more -->`."""
        return self.text[: self.excerpt_runs]


# Han and CJK punctuation end a bare URL: "见https://a.org/x，然后" links only the URL.


def render_markdown(
    body: str,
    *,
    path: str,
    first_line: int,
    math: Formulas,
    heading_anchor: str = DEFAULT_HEADING_ANCHOR,
    math_macros: tuple[tuple[str, str], ...] = (),
    label_names: tuple[tuple[str, str], ...] = DEFAULT_LABEL_NAMES,
    sidenotes: bool = False,
    citations: NoteCitations | None = None,
    notebook: NotebookSettings | None = None,
) -> RenderedMarkdown:
    """Render one note body; `first_line` is the file line of the body's first line, `math`
    the renderings of formulas (kbsite.render.math.formulas), `heading_anchor` the label of
    each heading's permalink ({heading} for its text),
    `math_macros` the site's TeX macros, `label_names` the words of numbered blocks by kind
    ("thm" -> "定理"), `sidenotes` whether footnotes are also written beside their
    references, `citations` the works the note may cite, and `notebook` set for a
    notebook's text."""
    md = make_markdown()
    env: EnvType = {
        NOTE_PATH: path,
        MATH: math,
        HEADING_ANCHOR: heading_anchor,
        SITE_MACROS: site_macros(math_macros),
        NAMES: dict(label_names),
        SIDENOTES: sidenotes,
        CITE_CONTEXT: citations,
        NOTEBOOK: notebook,
    }
    tokens = md.parse(body, env)
    before: list[TextRun] = []
    after: list[TextRun] = []
    text_runs(tokens, before, after)
    text = (*merge_runs(iter(before)), *merge_runs(iter(after)))
    located = list(with_lines(tokens, first_line))  # read four times: made once
    labels = note_labels(tokens, env, lambda run: md.renderer.render(run, md.options, env))
    ids = tuple(
        dict.fromkeys(
            (
                *anchors(tokens),
                *_equation_anchors(env),
                *(la.id for la in labels),
                *bibliography_anchors(env),
            )
        )
    )
    anchor_problems = resolve_own_anchors(located, ids, path)  # before rendering: it edits hrefs
    headings = tuple(toc(tokens, lambda inline: _toc_html(md, inline, env)))
    return RenderedMarkdown(
        html=md.renderer.render(tokens, md.options, env),
        toc=(*headings, *bibliography_headings(env, headings)),
        links=tuple(links(located)),
        text=text,
        diagnostics=(
            *math_diagnostics(located, path, math),
            *equation_diagnostics(located, path, env),
            *syntax_diagnostics(located, path),
            *anchor_problems,
        ),
        excerpt_runs=len(text) - len(tuple(merge_runs(iter(after)))),
        anchors=ids,
        has_mermaid=any(t.type == "fence" and fence_lang(t.info) == "mermaid" for t in tokens),
        labels=labels,
        has_sidenotes=bool(env[SIDENOTES]),
        cited=env[CITED],
    )


def render_title(
    title: str, *, math: Formulas, math_macros: tuple[tuple[str, str], ...] = ()
) -> str:
    """Render a title's math (`$\\beta_t$ 的参数化`) for the note's heading; "" for a title
    without math, which templates show as it is. Links become their text: the title is
    inside links on other pages."""
    if not INLINE_MATH.search(title):
        return ""
    md = make_markdown()
    env: EnvType = {
        NOTE_PATH: "",
        MATH: math,
        HEADING_ANCHOR: "",
        SITE_MACROS: site_macros(math_macros),
    }
    tokens = md.parseInline(title, env)
    return LINK_TAG.sub("", md.renderer.render(tokens, md.options, env)).strip()


def _toc_html(md: MarkdownIt, inline: Token, env: EnvType) -> str:
    """A heading's text as HTML for the table of contents: footnote marks left out (their
    ids would repeat the article's)."""
    children = [c for c in inline.children or () if c.type != "footnote_ref"]
    renderer = md.renderer
    assert isinstance(renderer, RendererHTML)
    html: str = renderer.renderInline(children, md.options, env)
    return html


def warm_up_markdown() -> None:
    """Set up the parser and its plugins now (~15 ms), e.g. before forking workers that would
    each do it for their first note. No formula: rendering one would start KaTeX here."""
    text = "# h\n\n`y` https://example.org [[z]] **b**\n"
    render_markdown(text, path="warm-up.md", first_line=1, math=Formulas())


@functools.cache  # one parser for all notes: what a note's parse keeps is in its env
def make_markdown(*, fast_blocks: bool = True) -> MarkdownIt:
    """Build the one MarkdownIt instance every note is rendered with (`fast_blocks`: with
    kbsite.accel.fastblock's dispatch, the same tokens faster; off only to check that)."""
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
    md.use(dollar_blocks_plugin)  # $$ interrupts a paragraph; $$x$$ mid-sentence is inline
    md.use(bracket_math_plugin)
    md.use(macros_plugin)  # expanded first: a macro may hold a \label or a whole environment
    md.use(equations_plugin)  # numbers, \label, \eqref: after every math syntax is parsed
    md.use(equation_ids_plugin)  # Quarto's `$$ … $$ {#eq-elbo}`: a \label for the above
    md.use(footnote_plugin).use(deflist_plugin).use(tasklists_plugin).use(admon_plugin)
    md.use(wikilinks_plugin)  # [[note#heading|label]]; resolved in links.py
    md.use(citations_plugin)  # [@key], @key: pandoc citations from the bibliography
    # Syntax of Obsidian, GitHub, Hexo, Jekyll and Hugo notes (kbsite/render/syntax/).
    md.use(callout_plugin).use(mark_plugin).use(embed_plugin).use(template_tags_plugin)
    md.use(cjk_emphasis_plugin)  # **“中文”**后: CJK beside ** counts as a word boundary
    md.use(blog_callouts_plugin).use(pseudocode_plugin)  # Hexo notes, Hugo admonitions
    # Quarto's numbered theorems, figures, tables and their @references (issue 19)
    md.use(fenced_divs_plugin).use(theorems_plugin).use(numbered_plugin).use(crossrefs_plugin)
    md.use(sidenotes_plugin)  # footnotes beside their references too, with `footnotes: side`
    md.core.ruler.at("normalize", normalize_line_ends)
    md.core.ruler.after("linkify", "linkify_cjk", trim_linkify_at_cjk)
    md.core.ruler.push("heading_ids", heading_ids)
    md.core.ruler.push("notebook_cells", notebook_cells)  # a notebook's code and outputs
    for name in ("math_inline", "math_inline_double", "math_block"):
        md.add_render_rule(name, render_math)
    md.add_render_rule("fence", render_fence)
    md.add_render_rule("code_block", render_code)
    md.add_render_rule("heading_close", render_heading_close)
    md.add_render_rule("html_block", render_raw_html)
    md.add_render_rule("html_inline", render_raw_html)
    if fast_blocks:
        accelerate_blocks(md, FIRST_CHARACTERS)
    return md


# The first characters each of kbsite's own block rules can match (kbsite.accel.fastblock),
# declared beside each rule.
FIRST_CHARACTERS: dict[BlockRule, str] = {
    **DOLLAR_BLOCK_STARTS,
    **MATH_BLOCK_STARTS,
    **TAG_BLOCK_STARTS,
    **BOX_STARTS,
    **SHORTCODE_STARTS,
    **FENCED_DIV_STARTS,
    **EQUATION_ID_STARTS,
}


class _Renderer(RendererHTML):
    """RendererHTML whose attributes are escaped with html.escape, as links.py expects."""

    @staticmethod
    def renderAttrs(token: Token) -> str:
        """Render attributes; html.escape also escapes `'`, unlike markdown-it's escapeHtml."""
        return "".join(f' {escape(key)}="{escape(str(value))}"' for key, value in token.attrItems())


def _equation_anchors(env: EnvType) -> list[str]:
    """The ids of the labelled equation rows (kbsite.render.math.equations)."""
    labels = env.get(LABELS)
    return [key for key, number in labels.numbers.items() if number != "??"] if labels else []
