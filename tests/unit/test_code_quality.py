"""The codebase stays ruff-clean, formatted, and type-checked (mypy --strict on src/)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ("ruff", "check", "src", "tests", "benchmarks"),
        ("ruff", "format", "--check", "src", "tests", "benchmarks"),
    ],
    ids=["lint", "format"],
)
def test_ruff(args: tuple[str, ...]) -> None:
    if shutil.which("ruff") is None and run_tool("ruff", "--version").returncode != 0:
        pytest.fail("ruff is not installed; run: pip install -e '.[test]'")
    result = run_tool(*[a for a in args if a != "benchmarks" or (REPO / "benchmarks").is_dir()])
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run_tool("mypy", "src")
    assert result.returncode == 0, result.stdout + result.stderr
