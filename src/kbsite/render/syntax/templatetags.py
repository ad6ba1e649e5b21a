"""Template tags of Hexo, Jekyll (Liquid) and Hugo (shortcodes), which kbsite does not run.

The common ones become their natural equivalent:
    {% asset_img a.png 说明 %}             an image from the post's asset folder (<note>/a.png)
    {% raw %}…{% endraw %}                 the text between, literally
    {{ site.url }}, {{ site.baseurl }}     nothing, so `/x.png` after them is a site path that
    {{ "/x.png" | relative_url }}          links.py puts under base_url; the path itself
    {{< figure src="x.png" caption="…" >}} a <figure>
    {% highlight py %}, {% codeblock %}, {{< highlight py >}} … end tag: a code block
Any other tag stays as visible text; markdown.py reports the first of a note with its line.
Nothing inside code spans or code blocks is touched: notes about templates keep their examples.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from html import escape
from pathlib import PurePosixPath
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from kbsite.load.fences import fence_after
from kbsite.render.blocklines import line_text, opening_line

NOTE_PATH = "kbsite_path"  # env key: the note's path, for asset_img's folder
_RAW_LINES = "kbsite_raw_lines"  # env key: (start, end) line ranges inside {% raw %} blocks

_LIQUID = r"\{%-?\s*(?P<liquid>[^\n]*?)\s*-?%\}"
_SHORTCODE = r"\{\{(?:<\s*(?P<short>[^\n]*?)\s*>|%\s*(?P<short2>[^\n]*?)\s*%)\}\}"
_OUTPUT = r"\{\{-?\s*(?P<output>[^\n{}]*?)\s*-?\}\}"
_TAG = re.compile(f"{_LIQUID}|{_SHORTCODE}|{_OUTPUT}")
_RAW_INLINE = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}")
# {{ site.url }}{{ site.baseurl }}/x.png and {{ "/x.png" | relative_url }}: Jekyll's site paths.
_SITE_VAR = re.compile(r"\{\{-?\s*site\.(?:url|baseurl)\s*-?\}\}")
_URL_FILTER = re.compile(
    r"""\{\{-?\s*(["'])([^"'\n]*)\1\s*\|\s*(?:relative_url|absolute_url|prepend:\s*site\.baseurl)\s*-?\}\}"""
)
_ATTR = re.compile(r"""(\w+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")
# Paired code tags: opening pattern (its first group is the rest of the tag) -> closing tag.
_LIQUID_LINE = r"^\{{%-?\s*{}\s*-?%\}}$"
_CODE_TAGS = tuple(
    (re.compile(opener), re.compile(closer))
    for opener, closer in (
        (_LIQUID_LINE.format(r"highlight\s+([^%]*?)"), _LIQUID_LINE.format("endhighlight")),
        (_LIQUID_LINE.format(r"codeblock\b([^%]*?)"), _LIQUID_LINE.format("endcodeblock")),
        (r"^\{\{<\s*highlight\s+([^>]*?)\s*>\}\}$", r"^\{\{<\s*/\s*highlight\s*>\}\}$"),
    )
)
_RAW_OPEN = re.compile(r"^\{%-?\s*raw\s*-?%\}$")
_RAW_CLOSE = re.compile(r"^\{%-?\s*endraw\s*-?%\}$")
_FIGURE = re.compile(r"^\{\{(?:<\s*figure\s+(.*?)\s*>|%\s*figure\s+(.*?)\s*%)\}\}$")


def template_tags_plugin(md: MarkdownIt) -> None:
    """Register the rules; see the module docstring for what each tag becomes."""
    md.core.ruler.after("normalize", "site_variables", _site_variables)
    md.block.ruler.before(
        "fence", "template_block", _block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.inline.ruler.before("link", "template_tag", _inline)
    md.core.ruler.after("inline", "template_raw", _raw_ranges_to_text)
    md.add_render_rule("template_tag", _render_tag)


# --- {{ site.url }} and friends, everywhere but code -------------------------------------------


def _site_variables(state: StateCore) -> None:
    """Drop Jekyll's site URL variables outside code, so links after them become site paths."""
    if "{{" not in state.src:
        return
    out, fence = [], ""
    for line in state.src.split("\n"):
        before, fence = fence, fence_after(fence, line)
        if not before and not fence and "{{" in line:
            parts = re.split(r"(`+[^`]*`+)", line)  # keep inline code spans as they are
            line = "".join(p if p.startswith("`") else site_paths(p) for p in parts)
        out.append(line)
    state.src = "\n".join(out)


def site_paths(text: str) -> str:
    """Replace Jekyll's site URL variables by nothing and `{{ "/x" | relative_url }}` by /x."""
    return _URL_FILTER.sub(r"\2", _SITE_VAR.sub("", text))


# --- block tags: paired code tags, {% raw %} lines, a figure on its own line -------------------


def _block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    line = opening_line(state, start, "{")
    if line is None:
        return False
    for opener, closer in _CODE_TAGS:
        match = opener.match(line)
        if match:
            return _code_tag(state, start, end, silent, match[1], closer)
    if _RAW_OPEN.match(line) or _RAW_CLOSE.match(line):
        if not silent:
            if _RAW_OPEN.match(line):
                close = next(
                    (n for n in range(start + 1, end) if _RAW_CLOSE.match(line_text(state, n))), end
                )
                state.env.setdefault(_RAW_LINES, []).append((start, close))
            state.line = start + 1
        return True
    figure = _FIGURE.match(line)
    if figure is None:
        return False
    if not silent:
        token = state.push("html_block", "", 0)
        token.content = figure_html(figure[1] or figure[2] or "") + "\n"
        token.map = [start, start + 1]
    state.line = start + 1
    return True


def _code_tag(
    state: StateBlock, start: int, end: int, silent: bool, args: str, closer: re.Pattern[str]
) -> bool:
    """Turn `{% highlight py %}…{% endhighlight %}` (and kin) into a fence token."""
    close = next((n for n in range(start + 1, end) if closer.match(line_text(state, n))), None)
    if close is None:
        return False
    if not silent:
        token = state.push("fence", "code", 0)
        token.info = _code_language(args)
        token.markup = "```"
        token.content = state.getLines(start + 1, close, state.sCount[start], True)
        token.map = [start, close + 1]
    state.line = close + 1
    return True


def _code_language(args: str) -> str:
    """Find the language in `py linenos`, `lang:python title`, or `go "linenos=table"`."""
    words = args.split()
    for word in words:
        if word.startswith("lang:"):
            return word[5:]
    first = words[0].strip("\"'") if words else ""
    return first if first and "=" not in first and ":" not in first else ""


def figure_html(args: str, *, inline: bool = False) -> str:
    """Render the arguments of Hugo's figure shortcode as a <figure> (an <img> when inline)."""
    attrs = {m[1]: next(v for v in m.groups()[1:] if v is not None) for m in _ATTR.finditer(args)}
    src = attrs.get("src", "")
    caption = attrs.get("caption", "") or attrs.get("title", "")
    alt = attrs.get("alt", "") or caption
    size = "".join(f' {k}="{escape(attrs[k])}"' for k in ("width", "height") if attrs.get(k))
    image = f'<img src="{escape(src)}" alt="{escape(alt)}"{size}>'
    if inline:
        return image
    if attrs.get("link"):
        image = f'<a href="{escape(attrs["link"])}">{image}</a>'
    title = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{image}{title}</figure>"


# --- inline tags --------------------------------------------------------------------------------


def _inline(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "{" or pos + 1 >= len(src) or src[pos + 1] not in "{%":
        return False
    raw = _RAW_INLINE.match(src, pos, state.posMax)
    match = raw or _TAG.match(src, pos, state.posMax)
    if match is None:
        return False
    if not silent:
        if raw is not None:
            state.push("text", "", 0).content = raw[1]
        elif not _known_inline(state, match):
            token = state.push("template_tag", "", 0)
            token.content = match[0]
    state.pos = match.end()
    return True


def _known_inline(state: StateInline, match: re.Match[str]) -> bool:
    """Push the equivalent of a tag kbsite understands; False for any other tag."""
    shortcode = match["short"] if match["short"] is not None else match["short2"]
    if shortcode is not None:
        name, _, args = shortcode.partition(" ")
        if name == "figure":  # inside a paragraph: a <figure> there is invalid HTML
            state.push("html_inline", "", 0).content = figure_html(args, inline=True)
            return True
        return False
    if match["liquid"] is None:
        return False
    name, _, args = match["liquid"].partition(" ")
    if name in ("asset_img", "asset_image", "asset_link", "asset_path"):
        return _asset(state, name, args)
    return False


def _asset(state: StateInline, name: str, args: str) -> bool:
    """Hexo's post asset tags: files in the folder named like the post, beside it."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    slug = next((w for w in words if "." in w and not w.isdigit()), None)
    if slug is None:
        return False
    folder = PurePosixPath(str(state.env.get(NOTE_PATH, "note.md"))).stem
    src = quote(f"{folder}/{slug}")
    rest = [w for w in words[words.index(slug) + 1 :]]
    sizes = [w for w in rest if w.isdigit()][:2]
    title = " ".join(w for w in rest if not w.isdigit())
    if name == "asset_path":
        state.push("text", "", 0).content = src
    elif name == "asset_link":
        state.push("link_open", "a", 1).attrs = {"href": src}
        state.push("text", "", 0).content = title or slug
        state.push("link_close", "a", -1)
    else:
        token = state.push("image", "img", 0)
        token.attrs = {"src": src, "alt": ""}
        for key, value in zip(("width", "height"), sizes, strict=False):
            token.attrs[key] = value
        token.content = title
        alt = Token("text", "", 0, content=title)
        token.children = [alt] if title else []
        if title:
            token.attrs["title"] = title
    return True


def _raw_ranges_to_text(state: StateCore) -> None:
    """Inside {% raw %} … {% endraw %} blocks, tags are text: that is what raw means."""
    ranges = state.env.get(_RAW_LINES, [])
    if not ranges:
        return
    for token in state.tokens:
        if token.type != "inline" or not token.map or not token.children:
            continue
        if any(a < token.map[0] < b for a, b in ranges):
            for child in token.children:
                if child.type == "template_tag":
                    child.type = "text"


def _render_tag(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<span class="template-tag">{escape(tokens[idx].content, quote=False)}</span>'


# What a line must start with for the block rule above to match (kbsite.accel.fastblock).
TAG_BLOCK_STARTS = {_block: "{"}
