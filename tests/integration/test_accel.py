"""kbsite.accel's pieces change speed, never bytes: the example site built with all of them
and with none (KBSITE_NO_ACCEL=1) is the same site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def build(output: Path, *, accel: bool, jobs: str) -> dict[str, bytes]:
    env = {k: v for k, v in os.environ.items() if k != "KBSITE_NO_ACCEL"}
    if not accel:
        env["KBSITE_NO_ACCEL"] = "1"
    command = [sys.executable, "-m", "kbsite", "build", "--quiet", "--no-cache"]
    command += ["--jobs", jobs, "--output", str(output)]
    subprocess.run(command, cwd=REPO, env=env, check=True, timeout=300)
    return {
        p.relative_to(output).as_posix(): p.read_bytes()
        for p in sorted(output.rglob("*"))
        # Pagefind's index is its own program's output, compared by tests/integration/test_search.py.
        if p.is_file() and "pagefind" not in p.relative_to(output).parts
    }


def installed(accel: bool) -> str:
    """What a fresh process installs: the block chain markdown-it runs, the lexer loop and the
    Jinja environment class."""
    env = {k: v for k, v in os.environ.items() if k != "KBSITE_NO_ACCEL"}
    if not accel:
        env["KBSITE_NO_ACCEL"] = "1"
    probe = (
        "from kbsite.render.markdown import make_markdown\n"
        "from kbsite.render.highlight import _lexer\n"
        "from kbsite.accel.jinja import environment_class\n"
        "chain = make_markdown().block.ruler.getRules('')\n"
        "lexer = _lexer('python')\n"
        "print(len(chain), 'get_tokens_unprocessed' in vars(lexer), environment_class().__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_the_switch_turns_every_piece_off() -> None:
    assert installed(accel=True) == "1 True FastEnvironment"
    rules, lexer_patched, environment = installed(accel=False).split()
    assert (int(rules) > 1, lexer_patched, environment) == (True, "False", "Environment")


def test_the_example_site_is_the_same_with_and_without_them(tmp_path: Path) -> None:
    fast = build(tmp_path / "fast", accel=True, jobs="2")
    plain = build(tmp_path / "plain", accel=False, jobs="2")
    assert len(fast) > 100
    assert fast.keys() == plain.keys()
    assert [name for name in fast if fast[name] != plain[name]] == []
    assert build(tmp_path / "plain1", accel=False, jobs="1") == plain
