"""Each folder in tests/sites_invalid/ is a site the build cannot read: it must report exactly
its problems (errors, and the warnings found beside them) and write nothing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

CASES = Path(__file__).resolve().parent.parent / "sites_invalid"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_reports_errors_with_file_and_line(
    case: str, tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = tmp_path / case
    shutil.copytree(CASES / case, site)
    expected = (site / "expected_errors.txt").read_text(encoding="utf-8").splitlines()
    result = run("build", cwd=site)
    assert result.status == 1
    lines = result.err.splitlines()
    assert lines[:-1] == expected
    errors = sum(1 for line in expected if ": warning: " not in line)
    assert errors > 0
    assert lines[-1] == f"kbsite: {errors} error{'s' if errors != 1 else ''}; nothing was written"
    assert "Traceback" not in result.err
    assert not (site / "public").exists()
