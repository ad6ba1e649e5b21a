"""Pygments' RegexLexer loop, made three times faster with the same tokens out.

Highlighting was a third of a note's render time. Pygments' loop tries each rule of the
current state in order until one matches: about 40 regex calls per token for Python. This
loop keeps "the first rule that matches wins" but skips rules that cannot start with the next
character. A rule's possible first characters come from its parse tree (anchors and
lookarounds are skipped, which only widens the set) and are tested with `re` itself, so case
folding and flags are exact; rules that may match the empty string, or that cannot be
analysed, are always tried. The candidates are kept per (state, character), in tables each
accelerated lexer owns.

It reads the parse tree through `re`'s private modules (stable since Python 3.11). Where they
are missing or change, or a lexer overrides Pygments' loop, highlighting uses Pygments' own
loop: accelerate() returns the lexer untouched. tests/unit/test_fastlex.py checks that every
lexer Pygments ships gives the same tokens both ways.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Callable, Iterator
from typing import Any

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

from kbsite.accel import enabled

try:  # private, and stable since 3.11; without them lexers keep Pygments' loop
    from re import _compiler as sre_compile  # type: ignore[attr-defined]
    from re import _constants as sre_c  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]

    _CHAR_OPS = {sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.IN, sre_c.ANY}
    _ZERO_WIDTH = {sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT}
    _REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT}
    AVAILABLE = True
except (ImportError, AttributeError):
    AVAILABLE = False

Rule = tuple[Callable[..., Any], Any, Any]  # (rexmatch, action, new_state)
Items = dict[tuple[str, int], re.Pattern[str]]  # one-char item -> its pattern


def _pattern(rule: Rule) -> re.Pattern[str] | None:
    """Return the rule's compiled str pattern if it matches via ``Pattern.match``."""
    pat = getattr(rule[0], "__self__", None)  # None e.g. for ProfilingRegexLexer
    ok = isinstance(pat, re.Pattern) and isinstance(pat.pattern, str)
    return pat if ok and rule[0].__name__ == "match" else None


def _first(items: Any, flags: int, out: set[re.Pattern[str]], compiled: Items) -> bool:
    """Add to ``out`` the one-char items ``items`` may start with; True if nullable.
    ``compiled``: the items compiled so far, so a branch repeating one compiles it once."""
    for op, av in items:
        if op in _CHAR_OPS:
            key = (repr((op, av)), flags)
            if key not in compiled:
                sub = sre_parse.SubPattern(sre_parse.State(), [(op, av)])
                compiled[key] = sre_compile.compile(sub, flags)
            out.add(compiled[key])
            return False
        if op in _ZERO_WIDTH:
            continue  # only restricts what follows; skipping it widens the set
        if op is sre_c.SUBPATTERN:
            inner = sre_compile._combine_flags(flags, av[1], av[2])
            nullable = _first(av[3], inner, out, compiled)
        elif op is sre_c.BRANCH:
            nullable = any([_first(alt, flags, out, compiled) for alt in av[1]])  # visit all
        elif op in _REPEATS:
            nullable = _first(av[2], flags, out, compiled) or av[0] == 0
        elif op is sre_c.ATOMIC_GROUP:
            nullable = _first(av, flags, out, compiled)
        else:  # back-references, conditionals...: give up
            raise ValueError(op)
        if not nullable:
            return False
    return True


def _starts(rule: Rule) -> tuple[re.Pattern[str], ...] | None:
    """Return patterns for the rule's possible first char; None: always a candidate."""
    pat = _pattern(rule)
    return None if pat is None else _pattern_starts(pat.pattern, pat.flags)


@functools.cache  # pure: a function of the regex's text and flags, which `re` fixes
def _pattern_starts(pattern: str, flags: int) -> tuple[re.Pattern[str], ...] | None:
    """_starts of one regex. Cached: a lexer's states share rules (Python's: 437 rules, 85
    distinct regexes, one a 3,475-character class), and parsing them is most of a table's
    cost, which each worker process paid for the states its notes' code entered."""
    out: set[re.Pattern[str]] = set()
    try:
        if _first(sre_parse.parse(pattern, flags), flags, out, {}):
            return None
    except Exception:  # an op we do not know (ValueError), or `re`'s internals changed
        return None
    return tuple(out)


class _Dispatch(dict[str, tuple[Rule, ...]]):
    """Per state: next char ('' at end of text) -> the rules that may match there."""

    def __init__(self, rules: list[Rule]) -> None:
        super().__init__()
        self.rules = rules
        self.starts = [_starts(r) for r in rules]
        self.subsets: dict[tuple[int, ...], tuple[Rule, ...]] = {}  # shared by many chars

    def __missing__(self, char: str) -> tuple[Rule, ...]:
        may = [s is None or (char and any(p.match(char) for p in s)) for s in self.starts]
        key = tuple(i for i, ok in enumerate(may) if ok)
        self[char] = self.subsets.setdefault(key, tuple(self.rules[i] for i in key))
        return self[char]


class _States:
    """One accelerated lexer's dispatch tables, a state's made when the lexer first enters it."""

    def __init__(self, tokendefs: dict[str, list[Rule]]) -> None:
        self._tokendefs = tokendefs
        self._tables: dict[str, _Dispatch] = {}

    def __getitem__(self, state: str) -> _Dispatch:
        table = self._tables.get(state)
        if table is None:
            table = self._tables[state] = _Dispatch(self._tokendefs[state])
        return table


def _fast_gtu(
    self: RegexLexer, text: str, stack: Any = ("root",), *, states: _States
) -> Iterator[Any]:
    """``RegexLexer.get_tokens_unprocessed`` (Pygments 2.21) with dispatch; the
    state transitions and the no-match fallback are copied from Pygments."""
    pos = 0
    statestack = list(stack)
    dispatch = states[statestack[-1]]
    while 1:
        for rexmatch, action, new_state in dispatch[text[pos : pos + 1]]:
            m = rexmatch(text, pos)
            if m:
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        yield from action(self, m)
                pos = m.end()
                if new_state is not None:
                    # state transition
                    if isinstance(new_state, tuple):
                        for state in new_state:
                            if state == "#pop":
                                if len(statestack) > 1:
                                    statestack.pop()
                            elif state == "#push":
                                statestack.append(statestack[-1])
                            else:
                                statestack.append(state)
                    elif isinstance(new_state, int):
                        # pop, but keep at least one state on the stack
                        if abs(new_state) >= len(statestack):
                            del statestack[1:]
                        else:
                            del statestack[new_state:]
                    elif new_state == "#push":
                        statestack.append(statestack[-1])
                    else:
                        raise AssertionError(f"wrong state def: {new_state!r}")
                    dispatch = states[statestack[-1]]
                break
        else:
            # no rule matched at pos
            try:
                if text[pos] == "\n":
                    # at EOL, reset state to "root"
                    statestack = ["root"]
                    dispatch = states["root"]
                    yield pos, Whitespace, "\n"
                    pos += 1
                    continue
                yield pos, Error, text[pos]
                pos += 1
            except IndexError:
                break


_ORIGINAL = RegexLexer.get_tokens_unprocessed


def qualifies(lexer: Lexer) -> bool:
    """Tell whether the lexer runs the stock RegexLexer loop (not Extended/custom)."""
    return AVAILABLE and type(lexer).get_tokens_unprocessed is _ORIGINAL


def accelerate(lexer: Lexer) -> Lexer:
    """Use the fast loop for this instance (in place) if it qualifies, and unless
    KBSITE_NO_ACCEL=1; return it.

    ``get_tokens`` (stripnl, ensurenl, tabsize, encoding, filters) is unchanged and
    calls ``self.get_tokens_unprocessed``, now this instance attribute.
    """
    if enabled() and qualifies(lexer):
        tokendefs = lexer._tokens  # type: ignore[attr-defined]  # set by RegexLexerMeta
        fast = types.MethodType(functools.partial(_fast_gtu, states=_States(tokendefs)), lexer)
        lexer.get_tokens_unprocessed = fast  # type: ignore[method-assign]
    return lexer
