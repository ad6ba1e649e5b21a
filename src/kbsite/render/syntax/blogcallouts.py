"""Hexo's `{% note type %}` and Hugo's `admonition` shortcode, read as kbsite callouts.

    {% note warning %}               {{< admonition tip "标题" false >}}
    …Markdown…                       …Markdown…
    {% endnote %}                    {{< /admonition >}}

Notes copied from a blog without `kbsite import` keep working; each box gets a warning naming
kbsite's own syntax (`> [!warning]`), which `kbsite import` writes. The tokens are the
callouts' (kbsite.render.syntax.callouts), so both look the same.
"""

from __future__ import annotations

import re
import shlex

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from kbsite.load.fences import fence_after
from kbsite.render.blocklines import line_text, opening_line
from kbsite.render.syntax.embeds import WARNING

_NOTE_OPEN = re.compile(r"^\{%-?\s*note\b(.*?)-?%\}$")
_NOTE_CLOSE = re.compile(r"^\{%-?\s*endnote\s*-?%\}$")
_ADMONITION_OPEN = re.compile(r"^\{\{[<%]\s*admonition\b(.*?)[>%]\}\}$")
_ADMONITION_CLOSE = re.compile(r"^\{\{[<%]\s*/\s*admonition\s*[>%]\}\}$")
# NexT's note classes -> callout kinds kbsite styles; `no-icon` and the like are looks only.
_NEXT_KINDS = {"default": "note", "primary": "note", "success": "success", "info": "info"}
_NAMED = re.compile(r"""(\w+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")


def box_of_note(args: str) -> tuple[str, str, str]:
    """Return (kind, title, fold) of `{% note ARGS %}`: NexT writes a class and maybe a title."""
    words = args.split()
    kind = next((w for w in words if w.isalpha() and w != "no"), "note")
    kind = _NEXT_KINDS.get(kind.lower(), kind.lower())
    return kind, "", ""


def box_of_admonition(args: str) -> tuple[str, str, str]:
    """Return (kind, title, fold) of an admonition shortcode's arguments, named or in order."""
    named = {m[1]: next(v for v in m.groups()[1:] if v is not None) for m in _NAMED.finditer(args)}
    if not named:
        try:
            words = shlex.split(args)
        except ValueError:
            words = args.split()
        named = dict(zip(("type", "title", "open"), words, strict=False))
    kind = re.sub(r"[^a-z0-9-]", "", named.get("type", "note").lower()) or "note"
    fold = "-" if named.get("open", "").lower() == "false" else ""
    return kind, named.get("title", ""), fold


def blog_callouts_plugin(md: MarkdownIt) -> None:
    """Read both boxes before paragraphs; callout_plugin's render rules draw them."""
    md.block.ruler.before(
        "fence", "blog_callouts", _box, {"alt": ["paragraph", "blockquote", "list"]}
    )


def _box(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    line = opening_line(state, start, "{")
    if line is None:
        return False
    if opened := _NOTE_OPEN.match(line):
        closer, (kind, title, fold) = _NOTE_CLOSE, box_of_note(opened[1])
        preferred = f"Hexo tag {{% note %}} read as a callout; kbsite's syntax is `> [!{kind}]`"
    elif opened := _ADMONITION_OPEN.match(line):
        closer, (kind, title, fold) = _ADMONITION_CLOSE, box_of_admonition(opened[1].strip())
        preferred = (
            f"Hugo shortcode {{{{< admonition >}}}} read as a callout; "
            f"kbsite's syntax is `> [!{kind}]{fold}`"
        )
    else:
        return False
    close = closing_line(state, start, end, closer)
    if close is None:
        return False
    if not silent:
        _push_box(state, start, close, (kind, title, fold), preferred)
    state.line = close + 1
    return True


def _push_box(
    state: StateBlock, start: int, close: int, box: tuple[str, str, str], preferred: str
) -> None:
    """Push a callout holding lines start+1 .. close-1, parsed as Markdown."""
    kind, title, fold = box
    tag = "details" if fold else "div"
    opener = state.push("callout_open", tag, 1)
    opener.meta = {"kind": kind, "open": fold == "+", WARNING: preferred}
    opener.map = [start, close + 1]
    title_tag = "summary" if fold else "p"
    state.push("callout_title_open", title_tag, 1)
    inline = state.push("inline", "", 0)
    inline.content = title or kind.capitalize()
    inline.map = [start, start + 1]
    inline.children = []
    state.push("callout_title_close", title_tag, -1)
    old_max, old_parent = state.lineMax, state.parentType
    state.lineMax, state.parentType = close, "blockquote"  # lazy lines stop at the closing tag
    state.md.block.tokenize(state, start + 1, close)
    state.lineMax, state.parentType = old_max, old_parent
    state.push("callout_close", tag, -1)


def closing_line(state: StateBlock, start: int, end: int, closer: re.Pattern[str]) -> int | None:
    """Return the line of the closing tag after start, skipping fenced code; None if none."""
    fence = ""
    for number in range(start + 1, end):
        line = line_text(state, number)
        before, fence = fence, fence_after(fence, line)
        if not before and not fence and closer.match(line):
            return number
    return None


# What a line must start with for the block rule above to match (kbsite.accel.fastblock).
BOX_STARTS = {_box: "{"}
