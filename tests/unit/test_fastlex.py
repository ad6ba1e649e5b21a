"""kbsite.accel.fastlex lexes exactly as Pygments does, for every lexer Pygments ships."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pygments.lexer import Lexer, RegexLexer
from pygments.lexers import CppLexer, PythonLexer, find_lexer_class_by_name, get_all_lexers

from kbsite.accel import fastlex
from tests.fixtures.code.samples import SNIPPETS, soups

# Every test here compares fastlex with Pygments' loop, also in the run with KBSITE_NO_ACCEL=1.
pytestmark = pytest.mark.usefixtures("accel_on")

# Each sample lexed by every lexer: prose, code, and garbage that reaches error paths.
EVERY_LEXER_SAMPLES = [SNIPPETS["python"], SNIPPETS["bash"], soups()[2], soups()[-1]]
SLOW = 2.0  # seconds: a few of Pygments' own lexers backtrack for ages on unlike input


def tokens(lexer: Lexer, text: str) -> list[tuple[Any, str]]:
    return list(lexer.get_tokens(text))


def both(cls: type[Lexer], text: str) -> tuple[list[Any], list[Any]] | None:
    """Tokens from Pygments' loop and from fastlex's; None when Pygments' own is too slow."""
    started = time.perf_counter()
    expected = tokens(cls(stripnl=False), text)
    if time.perf_counter() - started > SLOW:
        return None
    return expected, tokens(fastlex.accelerate(cls(stripnl=False)), text)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_same_tokens_for_the_languages_of_notes(name: str) -> None:
    cls = find_lexer_class_by_name(name)
    for text in [*SNIPPETS.values(), *soups()]:
        pair = both(cls, text)
        assert pair is None or pair[0] == pair[1], (name, text[:80])


def test_same_tokens_for_every_lexer_pygments_ships() -> None:
    checked = 0
    for _name, aliases, _files, _mimes in get_all_lexers():
        if not aliases:
            continue
        cls = find_lexer_class_by_name(aliases[0])
        if not fastlex.qualifies(cls()):
            continue
        for text in EVERY_LEXER_SAMPLES:
            pair = both(cls, text)
            assert pair is None or pair[0] == pair[1], (cls.__name__, text[:80])
        checked += 1
    assert checked > 300  # not a loop that silently checks nothing


def test_fewer_rules_are_tried_and_custom_loops_are_left_alone() -> None:
    assert fastlex.AVAILABLE
    python = PythonLexer()
    assert fastlex.qualifies(python)
    assert "get_tokens_unprocessed" in vars(fastlex.accelerate(PythonLexer()))  # installed
    root = python._tokens["root"]  # type: ignore[attr-defined]
    assert len(fastlex._Dispatch(root)["d"]) < len(root) / 3  # `def` is not tried as a string
    cpp = CppLexer()  # overrides Pygments' loop: fastlex must not replace it
    assert not fastlex.qualifies(cpp)
    assert (
        fastlex.accelerate(cpp).get_tokens_unprocessed.__func__ is CppLexer.get_tokens_unprocessed
    )  # type: ignore[attr-defined]
    assert isinstance(python, RegexLexer)
