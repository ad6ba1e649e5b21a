"""Shared fixtures: small sites written into temporary folders, and the CLI run in-process."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kbsite.accel import SWITCH
from kbsite.cli import main
from kbsite.render.math.formulas import Formulas

REPO = Path(__file__).resolve().parent.parent

SITE_YAML = """\
title: Test Notes
description: Notes for tests.
author: Tester
base_url: https://user.github.io/notes/
language: zh-CN
timezone: Asia/Shanghai
paginate: 2
search: false  # Pagefind costs ~0.4 s a build; tests/integration/test_search.py turns it on
categories:
  - name: Large Model
    slug: large-model
    description: 大模型。
  - name: Computer Vision
    slug: computer-vision
    description: 视觉。
"""


@pytest.fixture(scope="session")
def formulas() -> Iterator[Formulas]:
    """The renderings of formulas the session's tests share, as a build's notes share them; its
    formula process ends with the session."""
    math = Formulas()
    yield math
    math.stop()


@pytest.fixture
def accel_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """kbsite.accel's pieces installed whatever KBSITE_NO_ACCEL says, for a test comparing a
    piece with the library's own code (README's test command runs the suite both ways)."""
    monkeypatch.delenv(SWITCH, raising=False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/sites/*/expected/")


@dataclass
class Run:
    status: int
    out: str
    err: str


WriteSite = Callable[..., Path]


@pytest.fixture
def write_site(tmp_path: Path) -> WriteSite:
    """Write a site: site.yaml (default SITE_YAML) plus {relative path: text} files."""

    def write(files: dict[str, str | bytes] | None = None, site_yaml: str = SITE_YAML) -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
        (root / "content").mkdir(exist_ok=True)
        for rel, text in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run the kbsite CLI in-process from a given folder; return status and output."""

    def invoke(*args: str, cwd: Path | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        status = main(list(args))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)

    return invoke
