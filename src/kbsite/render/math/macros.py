"""TeX macros as MathJax keeps them (issue 20, item 5): site-wide ones from `math.macros` in
site.yaml, and `\\newcommand`, `\\renewcommand`, `\\providecommand`, `\\def`, `\\gdef` and
`\\DeclareMathOperator` written in a note, which hold from their formula to the note's end.

The macros are expanded here, before a formula reaches KaTeX, rather than handed to KaTeX as
its `macros` option: each formula then stays one self-contained piece of TeX, so the formula
cache, the formula process and the page workers need not know which note a formula came
from, and a note's macros cannot leak into another note's formulas. Redefining a name KaTeX
has (`\\R`) is allowed, as in MathJax: the user's definition is expanded before KaTeX sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from kbsite.render.tokeninfo import MACRO_ERROR, MATH_TOKENS, fence_lang

# Past this many expansions in one formula a definition calls itself (`\def\a{\a}`): MathJax
# stops at 10,000 and says so; a formula of a note never needs more than a few dozen.
_MAX_EXPANSIONS = 1000
_MAX_LENGTH = 100_000

_NAME = re.compile(r"\\([A-Za-z]+|.)")
_DEFINITION_START = re.compile(
    r"\\(?:(?:re)?newcommand|providecommand|g?def|DeclareMathOperator)(?![A-Za-z])"
)


class MacroError(Exception):
    """A definition that cannot be read, or an expansion that does not end."""


@dataclass(frozen=True, slots=True)
class Macro:
    body: str
    params: int = 0
    default: str | None = None  # the first parameter is optional, with this default


Macros = dict[str, Macro]  # name without the backslash -> definition


def site_macros(definitions: Iterable[tuple[str, str]]) -> Macros:
    """Read `math.macros` of site.yaml: (name, body) pairs, the parameters counted from the
    highest `#n` in the body, as KaTeX's `macros` option does."""
    table: Macros = {}
    for name, body in definitions:
        params = max((int(n) for n in re.findall(r"#([1-9])", body)), default=0)
        table[name.lstrip("\\")] = Macro(body, params)
    return table


def take_definitions(tex: str, table: Macros) -> str:
    """Remove the macro definitions from a formula, adding them to `table` (in order); return
    the rest of the formula, to be expanded with the table as it now stands."""
    if not _DEFINITION_START.search(tex):
        return tex
    kept: list[str] = []
    pos = 0
    while match := _DEFINITION_START.search(tex, pos):
        kept.append(tex[pos : match.start()])
        command = match[0][1:]
        pos = _read_definition(tex, match.end(), command, table)
    kept.append(tex[pos:])
    return "".join(kept)


def expand(tex: str, table: Mapping[str, Macro]) -> str:
    """Expand the macros of `table` in a formula; other commands stay as written."""
    if not table or "\\" not in tex:
        return tex
    out: list[str] = []
    pending = tex
    pos = 0
    expansions = 0
    while True:
        match = _NAME.search(pending, pos)
        if match is None:
            out.append(pending[pos:])
            return "".join(out)
        name = match[1]
        out.append(pending[pos : match.start()])
        if name not in table:
            out.append(match[0])
            pos = match.end()
            continue
        expansions += 1
        if expansions > _MAX_EXPANSIONS or len(pending) > _MAX_LENGTH:
            raise MacroError(f"the macro \\{name} does not stop expanding (does it call itself?)")
        replacement, end = _apply(table[name], pending, match.end(), name)
        # Expanded text is read again (a macro may use another), the rest after it.
        pending = replacement + pending[end:]
        pos = 0


def _apply(macro: Macro, tex: str, pos: int, name: str) -> tuple[str, int]:
    """Return the macro's body with its arguments put in, and where its call ends."""
    args: list[str] = []
    if macro.params and macro.default is not None:
        at = _skip_spaces(tex, pos)
        if at < len(tex) and tex[at] == "[":
            close = _closing(tex, at, "[", "]")
            args.append(tex[at + 1 : close])
            pos = close + 1
        else:
            args.append(macro.default)
    while len(args) < macro.params:
        argument, pos = _argument(tex, pos)
        if argument is None:
            raise MacroError(f"\\{name} needs {macro.params} argument(s)")
        args.append(argument)
    body = macro.body
    if args:
        body = re.sub(r"#([1-9])", lambda m: _arg(args, int(m[1])), body)
    if pos < len(tex) and tex[pos].isalpha() and re.search(r"\\[A-Za-z]+$", body):
        body += " "  # `\norm{x}y` must not read `\rVerty`
    return body, pos


def _arg(args: list[str], number: int) -> str:
    return args[number - 1] if number <= len(args) else ""


def _read_definition(tex: str, pos: int, command: str, table: Macros) -> int:
    """Read one definition starting after its command; add it to table; return its end."""
    starred = command == "DeclareMathOperator" and tex.startswith("*", pos)
    if starred:
        pos += 1
    name, pos = _defined_name(tex, pos, command)
    if command in ("def", "gdef"):
        params_text_end = tex.find("{", pos)
        if params_text_end < 0:
            raise MacroError(f"\\{command}\\{name} has no body")
        params = len(re.findall(r"#[1-9]", tex[pos:params_text_end]))
        body, pos = _argument(tex, params_text_end)
        if body is None:
            raise MacroError(f"\\{command}\\{name} has no body")
        table[name] = Macro(body, params)
        return pos
    if command == "DeclareMathOperator":
        body, pos = _argument(tex, pos)
        if body is None:
            raise MacroError(f"\\DeclareMathOperator\\{name} has no body")
        operator = "\\operatorname*" if starred else "\\operatorname"
        table[name] = Macro(f"{operator}{{{body}}}")
        return pos
    params, default = 0, None
    at = _skip_spaces(tex, pos)
    if tex.startswith("[", at):
        close = _closing(tex, at, "[", "]")
        count = tex[at + 1 : close].strip()
        if not count.isdigit() or not 0 <= int(count) <= 9:
            raise MacroError(f"\\{command}{{\\{name}}}: [{count}] is not a number of arguments")
        params, pos = int(count), close + 1
        at = _skip_spaces(tex, pos)
        if tex.startswith("[", at):
            close = _closing(tex, at, "[", "]")
            default, pos = tex[at + 1 : close], close + 1
    body, pos = _argument(tex, pos)
    if body is None:
        raise MacroError(f"\\{command}{{\\{name}}} has no body")
    if command != "providecommand" or name not in table:
        table[name] = Macro(body, params, default)
    return pos


def _defined_name(tex: str, pos: int, command: str) -> tuple[str, int]:
    """The name a definition defines: `\\name` or `{\\name}`."""
    at = _skip_spaces(tex, pos)
    braced = tex.startswith("{", at)
    if braced:
        at = _skip_spaces(tex, at + 1)
    match = _NAME.match(tex, at)
    if match is None:
        raise MacroError(f"\\{command} must be followed by the name it defines")
    end = match.end()
    if braced:
        end = _skip_spaces(tex, end)
        if not tex.startswith("}", end):
            raise MacroError(f"\\{command}{{\\{match[1]}...: the name's brace is not closed")
        end += 1
    return match[1], end


def _argument(tex: str, pos: int) -> tuple[str | None, int]:
    """One argument as TeX reads it: a braced group (without its braces) or one token."""
    at = _skip_spaces(tex, pos)
    if at >= len(tex):
        return None, at
    if tex[at] == "{":
        close = _closing(tex, at, "{", "}")
        return tex[at + 1 : close], close + 1
    if tex[at] == "\\":
        match = _NAME.match(tex, at)
        assert match is not None
        return match[0], match.end()
    if tex[at] == "}":
        return None, at
    return tex[at], at + 1


def _closing(tex: str, at: int, opener: str, closer: str) -> int:
    """The index of the bracket closing the one at `at` (escaped brackets skipped)."""
    depth = 0
    index = at
    while index < len(tex):
        char = tex[index]
        if char == "\\":
            index += 2
            continue
        if char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise MacroError(f"a '{opener}' is not closed")


def _skip_spaces(tex: str, pos: int) -> int:
    while pos < len(tex) and tex[pos] in " \t\n":
        pos += 1
    return pos


# The env key of the site's macros (RenderOptions.math_macros, read by site_macros).
SITE_MACROS = "kbsite_math_macros"


def macros_plugin(md: MarkdownIt) -> None:
    """Expand macros in every formula, in the note's order (before numbering reads them)."""
    md.core.ruler.push("math_macros", _expand_macros)


def _expand_macros(state: StateCore) -> None:
    table: Macros = dict(state.env.get(SITE_MACROS) or {})  # the note's own, from the site's
    for token in _formulas(state.tokens):
        tex = token.content
        if "\\" not in tex:
            continue
        try:
            token.content = expand(take_definitions(tex, table), table)
        except MacroError as exc:
            token.meta[MACRO_ERROR] = str(exc)


def _formulas(tokens: Iterable[Token]) -> Iterator[Token]:
    for token in tokens:
        if token.type in MATH_TOKENS or (
            token.type == "fence" and fence_lang(token.info) == "math"
        ):
            yield token
        yield from _formulas(token.children or ())
