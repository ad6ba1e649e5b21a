"""A post's Markdown in its blog's dialect -> kbsite's Markdown.

Line by line, outside fenced code: Hexo `{% note %}` and Hugo `admonition` become callouts
(`> [!kind]`), Hugo `pseudocode` a ```pseudocode fence, `{{< figure >}}` a <figure>, kramdown's
`* TOC {:toc}` goes (every note page has its table of contents) and its attribute lists too
(class and style name the old theme's CSS); blogdown's `` `$x$` `` becomes math, Liquid's
`{{ '/x' | relative_url }}` the path, and links between posts links between notes. What is
left is counted by kind in the tally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kbsite.importers.images import ImageFiles
from kbsite.importers.postlinks import PostIndex
from kbsite.importers.tally import Tally
from kbsite.load.fences import fence_after
from kbsite.render.syntax.blogcallouts import box_of_admonition, box_of_note
from kbsite.render.syntax.templatetags import figure_html, site_paths

_NOTE = (re.compile(r"^\{%-?\s*note\b(.*?)-?%\}$"), re.compile(r"^\{%-?\s*endnote\s*-?%\}$"))
_ADMONITION = (
    re.compile(r"^\{\{[<%]\s*admonition\b(.*?)[>%]\}\}$"),
    re.compile(r"^\{\{[<%]\s*/\s*admonition\s*[>%]\}\}$"),
)
_PSEUDOCODE = (
    re.compile(r"^\{\{[<%]\s*pseudocode\b(.*?)[>%]\}\}$"),
    re.compile(r"^\{\{[<%]\s*/\s*pseudocode\s*[>%]\}\}$"),
)
_FIGURE = re.compile(r"^\{\{[<%]\s*figure\s+(.*?)\s*[>%]\}\}$")
_TOC = re.compile(r"^[*+-]\s+TOC\s*$|^\{:\s*\.?toc\s*\}$")
_ATTRIBUTES = re.compile(r"\{:\s*[^{}\n]*\}")  # kramdown: {: class="x"}, {:.x}, {: style=…}
_ATTRIBUTES_DROPPED = (
    "kramdown attribute lists ({: class=…}, {:.name}, {: style=…}) dropped: "
    "they name the old theme's CSS"
)
# blogdown keeps math from Markdown in code spans: `$x$`, `$$x$$` (which may span lines).
# A span is a run of backticks, text without a blank line, the same run (CommonMark).
_SPANS = re.compile(r"(?<!`)(`+)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
_MATH_ONLY = re.compile(r"\$\$.+\$\$|\$[^$\s][^\n]*\$", re.S)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_POST_URL = re.compile(r"\{%-?\s*post_url\s+(\S+?)\s*-?%\}")
_POST_LINK = re.compile(r"\{%-?\s*post_(link|path)\s+(\"[^\"]+\"|'[^']+'|\S+)(.*?)-?%\}")
_REF = re.compile(r"\{\{[<%]\s*(?:rel)?ref\s+(\"[^\"]+\"|'[^']+'|\S+)\s*[>%]\}\}")
# Tags kbsite reads itself at build time (kbsite.render.syntax.templatetags): not left over.
_READ_AT_BUILD = frozenset(
    [
        "asset_img",
        "asset_image",
        "asset_link",
        "asset_path",
        "raw",
        "endraw",
        "highlight",
        "endhighlight",
        "/highlight",
        "codeblock",
        "endcodeblock",
        "figure",
    ]
)
_LINK_TAGS = frozenset(["post_url", "post_link", "post_path", "ref", "relref"])
_LEFT = re.compile(r"\{%-?\s*(/?\w+)|\{\{[<%]\s*(/?[\w-]+)|\{\{-?\s*([\w.]+)")


@dataclass(frozen=True, slots=True)
class PostText:
    """Where a post's body is and where its note goes, for links and messages."""

    body: str
    source: str  # the post's file, as messages show it
    first_line: int  # the body's first line in that file
    note: str  # the note's path inside content/, for relative links
    blogdown: bool  # Hugo: code spans holding only math are math
    folder: Path  # the post's folder, where its relative image paths start


@dataclass(slots=True)
class Lookups:
    """What a body's references are checked against, and where results are counted."""

    posts: PostIndex
    images: ImageFiles
    tally: Tally
    problems: list[str]


def convert_body(post: PostText, found: Lookups) -> str:
    """Return the body in kbsite's Markdown; count what was dropped or left in the tally, and
    list the images missing in problems."""
    index, tally = found.posts, found.tally
    out: list[str] = []
    start = post.first_line  # the file line of each run's first line: blocks change counts
    for in_code, lines in _segments(post.body.split("\n")):
        run_start, start = start, start + len(lines)
        if in_code:
            out.extend(lines)
            continue
        if post.blogdown and "`$" in "".join(lines):
            lines = _blogdown_math("\n".join(lines)).split("\n")
        number = 0
        while number < len(lines):
            taken = _block(lines, number, out, post.source, run_start, tally)
            if not taken:
                where = run_start + number
                line = _inline(lines[number], post, index, tally, where)
                line, missing = found.images.fix(line, post.folder)
                found.problems += [f"{post.source}:{where}: image {m}" for m in missing]
                out.append(line)
            number += taken or 1
    return "\n".join(out)


def _segments(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """Split lines into runs of text and of fenced code (fences included), in order."""
    runs: list[tuple[bool, list[str]]] = []
    fence = ""
    for line in lines:
        before, fence = fence, fence_after(fence, line)
        in_code = bool(before or fence)
        if runs and runs[-1][0] == in_code:
            runs[-1][1].append(line)
        else:
            runs.append((in_code, [line]))
    return runs


def _block(
    lines: list[str], number: int, out: list[str], source: str, start: int, tally: Tally
) -> int:
    """Convert a block construct starting at lines[number]; return how many lines it took."""
    line = lines[number].strip()
    if not line.startswith(("{", "*", "-", "+")):
        return 0
    if _TOC.match(line):
        return 1
    if _ATTRIBUTES.fullmatch(line):
        following = lines[number + 1].strip() if number + 1 < len(lines) else ""
        if not _TOC.match(following):  # {: class="table-of-content"} goes with its TOC
            tally.add(_ATTRIBUTES_DROPPED, source, start + number)
        return 1
    if figure := _FIGURE.match(line):
        out.append(figure_html(figure[1]))
        return 1
    for opener, closer in (_NOTE, _ADMONITION, _PSEUDOCODE):
        opened = opener.match(line)
        if opened is None:
            continue
        after = range(number + 1, len(lines))
        close = next((n for n in after if closer.match(lines[n].strip())), 0)
        if not close:
            return 0  # left as it is: _inline counts it
        inner = lines[number + 1 : close]
        if opener is _PSEUDOCODE[0]:
            out.extend(["```pseudocode", *inner, "```"])
        else:
            note = opener is _NOTE[0]
            box = box_of_note(opened[1]) if note else box_of_admonition(opened[1].strip())
            out.append(_callout(box))
            out.extend(f"> {text}" if text.strip() else ">" for text in inner)
        return close - number + 1
    return 0


def _callout(box: tuple[str, str, str]) -> str:
    kind, title, fold = box
    return f"> [!{kind}]{fold}" + (f" {title}" if title else "")


def _inline(line: str, post: PostText, index: PostIndex, tally: Tally, where: int) -> str:
    """Rewrite one line's tags outside code spans; count the tags that stay."""
    if "{" not in line:
        return line
    done, pos = [], 0
    for span in [*_CODE_SPAN.finditer(line), None]:
        end = span.start() if span else len(line)
        text = site_paths(line[pos:end])
        text = _ATTRIBUTES.sub(lambda m: _dropped(m, post.source, tally, where), text)
        text = _links(text, post, index, tally, where)
        for match in _LEFT.finditer(text):
            name = match[1] or match[2] or match[3]
            if name not in _READ_AT_BUILD and name not in _LINK_TAGS:  # those counted above
                tally.add(f"{_shape(match[0], name)} kept as text", post.source, where)
        done.append(text + (span[0] if span else ""))
        pos = span.end() if span else end
    return "".join(done)


def _dropped(match: re.Match[str], source: str, tally: Tally, where: int) -> str:
    tally.add(_ATTRIBUTES_DROPPED, source, where)
    return ""


def _links(text: str, post: PostText, index: PostIndex, tally: Tally, where: int) -> str:
    def url(match: re.Match[str], name: str, shown: str) -> str:
        found = index.link(name, post.note)
        if found is None:
            tally.add(f"{shown} to a post that was not imported kept as text", post.source, where)
            return match[0]
        return found

    def post_link(match: re.Match[str]) -> str:
        shown = "{% post_" + match[1] + " %}"
        target = url(match, match[2].strip("\"'"), shown)
        if target == match[0] or match[1] == "path":
            return target
        title = match[3].strip().strip("\"'") or match[2].strip("\"'")
        return f"[{title}]({target})"

    text = _POST_URL.sub(lambda m: url(m, m[1], "{% post_url %}"), text)
    text = _POST_LINK.sub(post_link, text)
    return _REF.sub(lambda m: url(m, m[1].strip("\"'"), "{{< ref >}}"), text)


def _shape(tag: str, name: str) -> str:
    """Name a tag's kind the way its blog writes it: {% name %}, {{< name >}}, {{ name }}."""
    if tag.startswith("{%"):
        return f"{{% {name} %}}"
    if tag.startswith(("{{<", "{{%")):
        return f"{{{{{tag[2]} {name} {tag[2].translate(str.maketrans('<%', '>%'))}}}}}"
    return f"{{{{ {name} }}}}"


def _blogdown_math(text: str) -> str:
    """Unwrap blogdown's math from its code spans: `` `$x$` `` -> `$x$`, lines kept. Spans of
    two or more backticks are code about math, and stay."""

    def unwrap(match: re.Match[str]) -> str:
        single = len(match[1]) == 1
        return match[2] if single and _MATH_ONLY.fullmatch(match[2]) else match[0]

    return _SPANS.sub(unwrap, text)
