"""KaTeX in V8 and in QuickJS give the same bytes; V8 starts only for large batches.

An engine belongs to the thread that made it, and V8 leaves threads running, so every test
runs it in a fresh Python process (as the formula process does: kbsite.render.math.formulaserver).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from kbsite.render.math.formulafinder import find_formulas
from tests.conftest import REPO
from tests.helpers import run_python

BROKEN = [r"\frac{a", r"\foobar + 1", "x^", r"\begin{aligned} a &= b", "}", r"\left( x"]


def example_formulas() -> list[tuple[str, bool]]:
    """Every formula in the example site's notes, plus some that cannot parse."""
    found = {
        f for path in (REPO / "content").rglob("*.md") for f in find_formulas(path.read_text())
    }
    return sorted(found) + [(tex, display) for tex in BROKEN for display in (False, True)]


def render_in_both(formulas: list[tuple[str, bool]]) -> dict[str, list[list[object]]]:
    script = """
    import json, sys
    from kbsite.render.math.katexengine import Engine
    formulas = [tuple(f) for f in json.load(sys.stdin)]
    with Engine() as engine:
        quickjs = engine.render_many(formulas[:299])
        quickjs += engine.render_many(formulas[299:])
        assert engine.name == "quickjs", "V8 started for a small batch"
        assert engine.start_v8(), "V8 did not start"
        v8 = engine.render_many(formulas)
        print(json.dumps({"v8": v8, "quickjs": quickjs}))
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcomes: dict[str, list[list[object]]] = json.loads(result.stdout)
    return outcomes


def test_v8_and_quickjs_render_the_same_bytes_and_errors() -> None:
    formulas = example_formulas()
    assert 100 < len(formulas) < 2 * 299  # dense with math; QuickJS renders them in two batches
    outcomes = render_in_both(formulas)
    assert outcomes["v8"] == outcomes["quickjs"]
    by_formula = dict(zip(formulas, outcomes["v8"], strict=True))
    assert sum(ok is True for ok, _text in outcomes["v8"]) == len(formulas) - 2 * len(BROKEN)
    assert by_formula[(r"\foobar + 1", False)] == [
        False,
        r"Undefined control sequence: \foobar at position 1: \foobar + 1",
    ]
    assert by_formula[("x^", True)][1].startswith("Expected group after '^'")


def test_v8_starts_for_a_large_batch_only() -> None:
    out = run_python(
        """
        import threading
        from kbsite.render.math.katexengine import WORTH_STARTING_V8, Engine
        with Engine() as engine:
            engine.render_many([("x", False)] * (WORTH_STARTING_V8 - 1))
            print(engine.name, threading.active_count())
            engine.render_many([("x", False)] * WORTH_STARTING_V8)
            print(engine.name, threading.active_count() > 1)
        """
    )
    assert out.split() == ["quickjs", "1", "v8", "True"]


def test_a_formula_too_deep_for_quickjs_is_rendered_by_v8() -> None:
    """pykatex says "size exceeded" (as a ParseError) when QuickJS runs out of stack: that is
    the engine failing, so V8 renders the formula, as a cold build's V8 would have."""
    out = run_python(
        """
        from kbsite.render.math.katexengine import Engine
        deep = "{" * 300 + "x" + "}" * 300
        with Engine() as engine:
            [(ok, html)] = engine.render_many([(deep, False)])
            print(ok, engine.name, "<mi>x</mi>" in html)
        """
    )
    assert out.split() == ["True", "v8", "True"]


def test_the_environment_variable_keeps_v8_out() -> None:
    out = run_python(
        """
        from kbsite.render.math.katexengine import Engine
        with Engine() as engine:
            print(engine.start_v8(), engine.name)
            deep = "{" * 300 + "x" + "}" * 300
            print(engine.render_many([(deep, False)]))
        """,
        KBSITE_KATEX_ENGINE="quickjs",
    )
    assert out.splitlines() == ["False quickjs", "[(None, 'QuickJS ran out of stack')]"]


def test_without_mini_racer_quickjs_renders() -> None:
    out = run_python(
        """
        import sys
        sys.modules["py_mini_racer"] = None  # as on a platform with no wheel: import fails
        from kbsite.render.math.katexengine import Engine
        with Engine() as engine:
            [(ok, html)] = engine.render_many([("x^2", False)] * 400)[:1]
            print(engine.name, ok, "<msup>" in html)
        """
    )
    assert out.split() == ["quickjs", "True", "True"]


def test_v8_failing_mid_build_hands_over_to_quickjs() -> None:
    out = run_python(
        """
        import logging, sys
        from kbsite.render.math.katexengine import Engine
        logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
        with Engine() as engine:
            engine.start_v8()
            def broken(text):
                raise RuntimeError("isolate out of memory")
            engine._v8 = broken
            [(ok, html)] = engine.render_many([(r"\\sqrt{2}", True)])
            print(ok, "<msqrt>" in html, engine.name)
        """
    )
    assert "KaTeX in V8 failed (isolate out of memory); rendering in QuickJS" in out
    assert out.splitlines()[-1] == "True True quickjs"
