"""Every page of the example site passes the Nu Html Checker (vnu.jar, run with Java)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, Run

# Where .ci/run installs it: `npm install --prefix .cache/vnu vnu-jar`. KBSITE_VNU_JAR overrides.
VNU_JAR = REPO / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
REQUIRED = os.environ.get("KBSITE_REQUIRE_BROWSER") == "1"  # CI: a missing checker fails


def _checker() -> list[str]:
    jar = Path(os.environ.get("KBSITE_VNU_JAR", VNU_JAR))
    java = shutil.which("java")
    if java is None or not jar.is_file():
        missing = "java (apt-get install default-jre-headless)" if java is None else str(jar)
        message = (
            f"Nu Html Checker unavailable: no {missing}; `npm install --prefix .cache/vnu vnu-jar`"
        )
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-jar", str(jar)]


def test_example_site_pages_have_no_html_errors(tmp_path: Path, run: Callable[..., Run]) -> None:
    checker = _checker()
    out = tmp_path / "public"
    assert run("build", "--site", str(REPO), "--output", str(out), "--quiet").status == 0
    pages = sorted(str(p) for p in out.rglob("*.html"))
    assert len(pages) > 50
    _assert_valid(checker, out, pages)


def test_folder_tree_and_marked_links_have_no_html_errors(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    """The explorer, a category's README and broken links marked by the build (issue 23)."""
    checker = _checker()
    pages = []
    for case in ("sites_folders/knowledge_base", "sites_warnings/broken_links"):
        site = tmp_path / case.replace("/", "-")
        shutil.copytree(REPO / "tests" / case, site)
        assert run("build", "--quiet", cwd=site).status == 0
        pages += sorted(str(p) for p in (site / "public").rglob("*.html"))
    _assert_valid(checker, tmp_path, pages)


def _assert_valid(checker: list[str], out: Path, pages: list[str]) -> None:
    # One Java start for all pages: the JVM takes seconds to start.
    result = subprocess.run(
        [*checker, "--errors-only", "--format", "json", *pages],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m.get('url', '').removeprefix('file:' + str(out))}:{m.get('lastLine', 0)}: "
        f"{m['type']}: {m['message']}"
        for m in messages
    ]
    assert errors == []
    assert result.returncode == 0
