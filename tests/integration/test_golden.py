"""Golden sites: tests/sites/<name>/expected/ is the exact output; diffs show in review.

Run `pytest --update-golden` after a deliberate rendering change and review the diff.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from kbsite.build import Builder, BuildOptions
from kbsite.write.templates import THEME_DIR

SITES = Path(__file__).resolve().parent.parent / "sites"
# Theme files copied verbatim are the theme's business, not this test's.
THEME_STATIC = {
    p.relative_to(THEME_DIR / "static").as_posix()
    for p in (THEME_DIR / "static").rglob("*")
    if p.is_file()
}
SKIPPED = THEME_STATIC | {".kbsite-output"}


def output_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).as_posix() not in SKIPPED
    }


@pytest.mark.parametrize("name", sorted(p.name for p in SITES.iterdir() if p.is_dir()))
def test_golden_site(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    site = SITES / name
    out = tmp_path / "out"
    # cache=False: a test must not leave a render cache inside the repository's source tree.
    Builder(BuildOptions(site_dir=site, output=out, cache=False)).build()
    actual = output_files(out)
    expected_dir = site / "expected"
    if request.config.getoption("--update-golden"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, data in actual.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_bytes(data)
        pytest.skip(f"rewrote {expected_dir}")
    expected = output_files(expected_dir)
    assert sorted(actual) == sorted(expected), "the set of output files changed"
    diffs = []
    for rel in sorted(expected):
        if actual[rel] != expected[rel]:
            diff = difflib.unified_diff(
                expected[rel].decode("utf-8", "replace").splitlines(),
                actual[rel].decode("utf-8", "replace").splitlines(),
                f"expected/{rel}",
                f"actual/{rel}",
                lineterm="",
            )
            diffs.append("\n".join(diff))
    assert not diffs, (
        "output differs from golden (pytest --update-golden to accept):\n" + "\n".join(diffs)
    )
