"""LaTeX `algorithmic` pseudocode -> HTML at build time: numbered lines, bold keywords, math.

Reads the dialect of pseudocode.js (`\\STATE`, `\\IF{c}`, `\\ENDIF`, `\\FUNCTION{name}{args}`,
`\\COMMENT{...}`) and of algorithmicx (`\\State`, `\\If{c}`, `\\EndIf`), case-insensitively, as
Hugo's `{{< pseudocode >}}` shortcode and LaTeX papers write it. Formulas go through
kbsite.render.math.tex like every other formula of a note: one engine, one cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from kbsite.render.math.formulas import Formulas
from kbsite.render.math.tex import MathError

# Command (lower case) -> (number of braced arguments, keyword before them, keyword after,
# indent change before the line, indent change after it).
_BLOCKS: dict[str, tuple[int, str, str, int, int]] = {
    "if": (1, "if", "then", 0, 1),
    "elsif": (1, "else if", "then", -1, 1),
    "elseif": (1, "else if", "then", -1, 1),
    "else": (0, "else", "", -1, 1),
    "endif": (0, "end if", "", -1, 0),
    "for": (1, "for", "do", 0, 1),
    "forall": (1, "for all", "do", 0, 1),
    "endfor": (0, "end for", "", -1, 0),
    "while": (1, "while", "do", 0, 1),
    "endwhile": (0, "end while", "", -1, 0),
    "repeat": (0, "repeat", "", 0, 1),
    "until": (1, "until", "", -1, 0),
    "loop": (0, "loop", "", 0, 1),
    "endloop": (0, "end loop", "", -1, 0),
    "function": (2, "function", "", 0, 1),
    "endfunction": (0, "end function", "", -1, 0),
    "procedure": (2, "procedure", "", 0, 1),
    "endprocedure": (0, "end procedure", "", -1, 0),
    "state": (0, "", "", 0, 0),
    "statex": (0, "", "", 0, 0),
    "return": (0, "return", "", 0, 0),
    "print": (0, "print", "", 0, 0),
    "break": (0, "break", "", 0, 0),
    "continue": (0, "continue", "", 0, 0),
}
# Pre- and postconditions: shown before the steps, without a number, as pseudocode.js does.
# Steps algorithmicx writes after `\State` on the same line.
_INLINE = frozenset(["return", "print", "break", "continue"])
_CONDITIONS = {"require": "Require:", "ensure": "Ensure:", "input": "Input:", "output": "Output:"}
# Inline words written as commands: \TRUE, \AND, \TO ...
_WORDS = {"true": "true", "false": "false", "and": "and", "or": "or", "not": "not", "to": "to"}
_STYLES = {"textbf": "strong", "textit": "em", "emph": "em", "texttt": "code", "text": "span"}
_COMMAND = re.compile(r"\\([A-Za-z]+)\*?")
_OPTIONS = re.compile(r"\s*\[[^\]\n]*\]")


@dataclass(frozen=True, slots=True)
class Algorithm:
    """The HTML of one algorithm and what could not be read in it (one line each)."""

    html: str
    problems: tuple[str, ...]


@dataclass(slots=True)
class _Reader:
    """The state of one pass over an algorithm's source."""

    text: str
    pos: int = 0
    caption: str = ""
    depth: int = 0
    number: int = 0

    def group(self) -> str:
        """Read a `{...}` argument after optional spaces; '' when there is none."""
        at = self.pos
        while at < len(self.text) and self.text[at] in " \t\n":
            at += 1
        if at >= len(self.text) or self.text[at] != "{":
            return ""
        end = _group_end(self.text, at)
        self.pos = end
        return self.text[at + 1 : end - 1]


@dataclass(frozen=True, slots=True)
class _Context:
    """What rendering one algorithm reads, and the problems it finds."""

    formulas: Formulas  # the note's renderings of formulas (kbsite.render.math.formulas)
    problems: list[str] = field(default_factory=list)


def render_algorithm(source: str, formulas: Formulas) -> Algorithm:
    """Render a `\\begin{algorithm}...` (or bare `algorithmic`) source as a numbered listing."""
    reader = _Reader(_without_comments(source))
    ctx = _Context(formulas)
    lines: list[str] = []
    for command, args, text in _statements(reader, ctx):
        lines.append(_line(reader, command, args, text, ctx))
    caption = _inline(reader.caption, ctx) if reader.caption else ""
    title = f"<figcaption>{caption}</figcaption>\n" if caption else ""
    body = "".join(lines)
    listing = f'<ol class="pseudocode-lines">\n{body}</ol>\n'
    html = f'<figure class="pseudocode">\n{title}{listing}</figure>\n'
    return Algorithm(html, tuple(dict.fromkeys(ctx.problems)))


def _without_comments(source: str) -> str:
    """Drop TeX comments (`%` to the end of the line, not `\\%`)."""
    return re.sub(r"(?<!\\)%[^\n]*", "", source)


def _statements(reader: _Reader, ctx: _Context) -> list[tuple[str, list[str], str]]:
    """Split the source into (command, braced arguments, the text up to the next command)."""
    found: list[tuple[str, list[str], str]] = []
    text, buffer = reader.text, []
    while reader.pos < len(text):
        char = text[reader.pos]
        if char == "$":
            end = _math_end(text, reader.pos)
            buffer.append(text[reader.pos : end])
            reader.pos = end
            continue
        if char == "{":
            end = _group_end(text, reader.pos)
            buffer.append(text[reader.pos : end])
            reader.pos = end
            continue
        match = _COMMAND.match(text, reader.pos) if char == "\\" else None
        name = match[1].lower() if match else ""
        if match is None or not _is_structure(name):
            step = match.end() if match else reader.pos + (2 if char == "\\" else 1)
            buffer.append(text[reader.pos : step])
            reader.pos = step
            continue
        reader.pos = match.end()
        if found:
            found[-1] = (*found[-1][:2], "".join(buffer))
        elif "".join(buffer).strip():
            skipped = "".join(buffer).strip()
            ctx.problems.append(f"text before the first step is not shown: {skipped}")
        buffer = []
        if name in ("begin", "end"):
            reader.group()
            options = _OPTIONS.match(text, reader.pos)
            reader.pos = options.end() if options else reader.pos
        elif name == "caption":
            reader.caption = reader.group()
        elif name == "label":
            reader.group()
        else:
            count = _BLOCKS[name][0] if name in _BLOCKS else 0
            if found and found[-1][0] == "state" and not found[-1][2].strip() and name in _INLINE:
                found.pop()  # algorithmicx: `\State \Return x` is one step
            found.append((name, [reader.group() for _ in range(count)], ""))
    if found:
        found[-1] = (*found[-1][:2], "".join(buffer))
    return found


def _is_structure(name: str) -> bool:
    return name in _BLOCKS or name in _CONDITIONS or name in ("begin", "end", "caption", "label")


def _line(reader: _Reader, command: str, args: list[str], text: str, ctx: _Context) -> str:
    """Render one step as a list item, moving the indent the way its block does."""
    rest = _inline(text.strip(), ctx)
    if command in _CONDITIONS:
        label = _keyword(_CONDITIONS[command])
        return f'<li class="pseudocode-condition">{label} {rest}</li>\n'
    _count, before, after, shift, indent = _BLOCKS[command]
    reader.depth = max(0, reader.depth + shift)
    parts = [_keyword(before)] if before else []
    if command in ("function", "procedure"):
        name = f'<span class="pseudocode-name">{_inline(args[0], ctx)}</span>'
        parts.append(f"{name}({_inline(args[1], ctx)})")
    elif args:
        parts.append(_inline(args[0], ctx))
    if after:
        parts.append(_keyword(after))
    if rest:
        parts.append(rest)
    reader.number += 1
    depth = reader.depth
    reader.depth += indent
    style = f' style="--indent: {depth}"' if depth else ""
    return f'<li value="{reader.number}"{style}>{" ".join(parts)}</li>\n'


def _keyword(word: str) -> str:
    return f'<strong class="pseudocode-keyword">{escape(word)}</strong>'


def _inline(text: str, ctx: _Context) -> str:
    """Render a step's text: formulas, \\COMMENT, \\CALL, \\textbf and kin, escapes."""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "$":
            end = _math_end(text, pos)
            out.append(_formula(text[pos:end], ctx))
            pos = end
        elif char == "{":
            end = _group_end(text, pos)
            out.append(_inline(text[pos + 1 : end - 1], ctx))
            pos = end
        elif char == "\\":
            pos = _inline_command(text, pos, out, ctx)
        else:
            out.append(" " if char in "~\n" else escape(char))
            pos += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _inline_command(text: str, pos: int, out: list[str], ctx: _Context) -> int:
    """Render the command at pos into out; return the position after it."""
    match = _COMMAND.match(text, pos)
    if match is None:  # \{ \$ \% \_ \\ : the character itself
        out.append(escape(text[pos + 1 : pos + 2]))
        return pos + 2
    reader = _Reader(text, match.end())
    name = match[1].lower()
    if name == "comment":
        comment = _inline(reader.group(), ctx)
        out.append(f' <span class="pseudocode-comment">▷ {comment}</span>')
    elif name == "call":
        called, args = reader.group(), reader.group()
        name_html = f'<span class="pseudocode-name">{_inline(called, ctx)}</span>'
        out.append(f"{name_html}({_inline(args, ctx)})")
    elif name in _STYLES:
        tag = _STYLES[name]
        out.append(f"<{tag}>{_inline(reader.group(), ctx)}</{tag}>")
    elif name in _WORDS:
        out.append(_keyword(_WORDS[name]))
    else:
        ctx.problems.append(f"unknown command \\{match[1]} is shown as text")
        out.append(escape(match[0]))
    return reader.pos


def _formula(source: str, ctx: _Context) -> str:
    """Render `$x$` (or `$$x$$`) inline, or show its TeX marked as an error."""
    tex = source.strip("$").strip()
    try:
        inner = ctx.formulas.render_tex(tex, False)
    except MathError as exc:
        ctx.problems.append(f"formula cannot be rendered: {exc.message}")
        inner = f'<code class="math-error" title="{escape(exc.message)}">{escape(tex)}</code>'
    return f'<span class="math inline">{inner}</span>'


def _math_end(text: str, start: int) -> int:
    """Return the position after the `$...$` (or `$$...$$`) opening at start."""
    mark = "$$" if text.startswith("$$", start) else "$"
    at = start + len(mark)
    while at < len(text):
        if text[at] == "\\":
            at += 2
            continue
        if text.startswith(mark, at):
            return at + len(mark)
        at += 1
    return len(text)  # unclosed: the rest is the formula, and KaTeX says what is wrong


def _group_end(text: str, start: int) -> int:
    """Return the position after the balanced `{...}` opening at start."""
    depth, at = 0, start
    while at < len(text):
        char = text[at]
        if char == "\\":
            at += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        at += 1
        if depth == 0:
            return at
    return len(text)
