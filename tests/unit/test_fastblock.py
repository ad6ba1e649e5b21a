"""The block dispatch (kbsite.accel.fastblock) gives exactly the tokens of markdown-it's own loop."""

from __future__ import annotations

import string
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from kbsite.accel import SWITCH
from kbsite.accel.fastblock import accelerate_blocks, stock_rules
from kbsite.render.markdown import FIRST_CHARACTERS, make_markdown
from kbsite.render.math.formulas import MATH, Formulas
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import corpus  # the benchmark's generator of notes like ours

# The parser with the dispatch, also in the run with KBSITE_NO_ACCEL=1 (this file compares the
# dispatch itself with markdown-it's loop); made afresh, so the process's own stays as it was.
with pytest.MonkeyPatch.context() as switch:
    switch.delenv(SWITCH, raising=False)
    FAST = make_markdown.__wrapped__()
STOCK = make_markdown(fast_blocks=False)
# Characters every block rule starts with, and what surrounds them in notes.
ALPHABET = st.sampled_from(
    list("中文。，") + list(string.ascii_letters[:6] + "0123")
    + list("    \t\n\n\n\n#*_`~$\\{}[]()<>!?|-+=:>%&^")
    + ["```", "~~~", "$$", "> ", "- ", "1. ", "   ", "___", "***", "???", "!!!", "[^1]: ", "{%"]
)  # fmt: skip


def tokens(md: MarkdownIt, text: str, formulas: Formulas) -> list[dict[str, object]]:
    return [t.as_dict() for t in md.parse(text, {"note_path": "x.md", MATH: formulas})]


def test_every_rule_kbsite_uses_is_dispatched_by_its_first_characters() -> None:
    """A rule missing from the table still works (always tried), but costs the speed-up."""
    known = set(stock_rules()) | {rule.__code__ for rule in FIRST_CHARACTERS}
    always = {r.__name__ for r in STOCK.block.ruler.getRules("") if r.__code__ not in known}
    assert always == {"table", "code", "lheading", "deflist", "paragraph"}
    assert len(FAST.block.ruler.getRules("")) == 1  # installed: the dispatch is the one rule


def test_fixtures_and_example_notes_parse_to_the_same_tokens(formulas: Formulas) -> None:
    texts = [p.read_text("utf-8") for p in sorted((REPO / "tests/fixtures/markdown").glob("*.md"))]
    texts += [p.read_text("utf-8") for p in sorted((REPO / "content").rglob("*.md"))]
    assert len(texts) > 30
    for text in texts:
        assert tokens(FAST, text, formulas) == tokens(STOCK, text, formulas)


def test_generated_notes_parse_to_the_same_tokens(tmp_path: Path, formulas: Formulas) -> None:
    corpus.generate(tmp_path, 60)
    for path in sorted((tmp_path / "content").rglob("*.md")):
        text = path.read_text("utf-8")
        assert tokens(FAST, text, formulas) == tokens(STOCK, text, formulas), path.name


def test_each_first_character_in_every_position_gives_the_same_tokens(formulas: Formulas) -> None:
    """Every character a rule starts with, repeated and followed by what makes each rule
    match, at the start of a note, after a paragraph, inside a quote and a list item."""
    characters = sorted(set(string.punctuation + string.digits + "a中 "))  # not from the table
    tails = [
        "",
        " x",
        "x",
        ". x",
        ") x",
        " note\n  body",
        "[[a]]",
        "}}\n",
        "\n\n    code",
        "\n===",
        "\n: d",
    ]
    for character in characters:
        for repeat in (1, 2, 3, 4):
            for tail in tails:
                line = character * repeat + tail
                for text in (
                    line,
                    f"段落\n{line}",
                    f"> {line}",
                    f"- item\n\n  {line}",
                    f"1. {line}",
                ):
                    assert tokens(FAST, text + "\n", formulas) == tokens(
                        STOCK, text + "\n", formulas
                    ), repr(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=120).map("".join))
def test_any_text_parses_to_the_same_tokens(formulas: Formulas, text: str) -> None:
    assert tokens(FAST, text, formulas) == tokens(STOCK, text, formulas)


@pytest.mark.usefixtures("accel_on")
def test_a_rule_added_afterwards_is_used() -> None:
    """Changing the rules recompiles markdown-it's chain: the dispatch gives way, correctly."""
    md = MarkdownIt("commonmark")
    accelerate_blocks(md, {})

    def shout(state, line, end, silent):  # type: ignore[no-untyped-def]
        if not state.src[state.bMarks[line] + state.tShift[line] :].startswith("!!"):
            return False
        state.line = line + 1
        state.push("shout", "", 0)
        return True

    md.block.ruler.before("paragraph", "shout", shout)
    assert [t.type for t in md.parse("!! hey\n")] == ["shout"]
