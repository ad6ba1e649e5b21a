"""The release as a new user gets it: built, checked as PyPI checks it, installed in a clean venv
with no source tree on the path, and used to make a site whose Pages workflow installs, builds
and checks it the way GitHub's runner would (issue 18)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from kbsite import __version__
from kbsite.scaffold.create import WORKFLOW_PATH
from tests.conftest import REPO

# Where GitHub Pages would publish a project site named my-notes (configure-pages' base_url).
PAGES_URL = "https://ada.github.io/my-notes"
# Everything the build job's steps may say in ${{ }}, and what it stands for in this test.
EXPRESSIONS = {"${{ steps.pages.outputs.base_url }}": PAGES_URL}
WHEEL = f"kbsite-{__version__}-py3-none-any.whl"
SDIST = f"kbsite-{__version__}.tar.gz"


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; return its stdout, failing the test with its output on error."""
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def clean_env(venv: Path, **extra: str) -> dict[str, str]:
    """Return an environment where `venv` comes first on PATH and nothing points at the source."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", **extra}


def make_venv(path: Path) -> Path:
    """Make an empty venv (no system site-packages) at path."""
    sh(sys.executable, "-m", "venv", path, cwd=path.parent)
    return path


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the sdist, then the wheel from the sdist (so the sdist must be complete), once."""
    out = tmp_path_factory.mktemp("dist")
    sh(sys.executable, "-m", "build", "--outdir", out, REPO, cwd=out)
    assert sorted(p.name for p in out.iterdir()) == [WHEEL, SDIST]
    return out


@pytest.fixture(scope="module")
def find_links(dist: Path) -> str:
    """pip's find-links with the built files first: they stand in for the release on PyPI."""
    return " ".join(filter(None, [str(dist), os.environ.get("PIP_FIND_LINKS")]))


@pytest.fixture(scope="module")
def user_venv(tmp_path_factory: pytest.TempPathFactory, find_links: str) -> Path:
    """A clean venv where kbsite was installed from an index, as `pip install kbsite` will."""
    venv = make_venv(tmp_path_factory.mktemp("user") / "venv")
    sh(
        venv / "bin/python",
        *("-m", "pip", "install", "-q", f"kbsite=={__version__}"),
        cwd=venv.parent,
        env=clean_env(venv, PIP_FIND_LINKS=find_links),
    )
    return venv


def test_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    out = sh(sys.executable, "-m", "twine", "check", "--strict", *dist.iterdir(), cwd=dist)
    assert out.count("PASSED") == 2, out


def test_wheel_carries_the_whole_package_and_nothing_else(dist: Path) -> None:
    with zipfile.ZipFile(dist / WHEEL) as wheel:
        names = set(wheel.namelist())
    package = REPO / "src"
    expected = {
        path.relative_to(package).as_posix()
        for path in (package / "kbsite").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    # The theme, the starter site, the vendored KaTeX and mermaid among them.
    for rel in (
        "kbsite/write/theme/templates/base.html",
        "kbsite/write/theme/static/js/vendor/mermaid.min.js",
        "kbsite/render/math/vendor/katex/katex.min.js",
        "kbsite/scaffold/starter/pages.yml",
        "kbsite/scaffold/starter/gitignore",
    ):
        assert rel in expected, rel
    info = f"kbsite-{__version__}.dist-info/"
    assert {n for n in names if not n.startswith(info)} == expected
    assert f"{info}licenses/LICENSE" in names


def test_sdist_holds_the_package_and_not_the_tests_or_example_site(dist: Path) -> None:
    root = f"kbsite-{__version__}/"
    with tarfile.open(dist / SDIST) as sdist:
        names = {n.removeprefix(root) for n in sdist.getnames()}
    assert {"LICENSE", "README.md", "pyproject.toml", "src/kbsite/cli.py"} <= names
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"tests", "content", "benchmarks", "site.yaml", ".github", ".ci"}


def test_installed_wheel_runs_from_the_venv_and_reports_its_engines(
    user_venv: Path, tmp_path: Path
) -> None:
    env = clean_env(user_venv)
    where = sh(
        user_venv / "bin/python",
        "-c",
        "import kbsite; print(kbsite.__file__)",
        cwd=tmp_path,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(user_venv)
    report = sh("kbsite", "--version", cwd=tmp_path, env=env).splitlines()
    assert report[0].startswith(f"kbsite {__version__} (Python ")
    assert report[1].startswith("math: KaTeX ") and "(V8)" in report[1]
    assert report[2] == "search: Pagefind 1.5.2 (extended)"


def test_a_site_made_by_the_release_deploys_with_its_own_workflow(
    user_venv: Path, find_links: str, tmp_path: Path
) -> None:
    # The user: kbsite from the index; init pins that release, without a warning.
    site = tmp_path / "my-notes"
    init = subprocess.run(
        ["kbsite", "init", str(site)],
        env=clean_env(user_venv),
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0 and init.stderr == "", init.stderr
    assert (site / "requirements.txt").read_text() == f"kbsite=={__version__}\n"
    # GitHub's runner: a clean Python, then every `run` step of the build job, in order.
    runner = make_venv(tmp_path / "runner")
    env = clean_env(runner, PIP_FIND_LINKS=find_links)
    job = yaml.safe_load((site / WORKFLOW_PATH).read_text())["jobs"]["build"]
    ran = [run_step(step, site, env) for step in job["steps"] if "run" in step]
    assert ran == [
        "pip install -r requirements.txt",
        'kbsite build --strict --output public --base-url "$BASE_URL"',
        'kbsite check --no-build --output public --base-url "$BASE_URL"',
    ]
    kbsite = sh(runner / "bin/python", "-m", "pip", "show", "kbsite", cwd=site, env=env)
    assert f"Version: {__version__}" in kbsite
    # What upload-pages-artifact publishes: the note under the project site's subpath.
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages"))
    page = (site / upload["with"]["path"] / "machine-learning/hello-kbsite/index.html").read_text()
    assert f'href="{PAGES_URL}/machine-learning/hello-kbsite/"' in page
    assert "<math" in page


def run_step(step: dict[str, Any], site: Path, env: dict[str, str]) -> str:
    """Run one `run` step of a workflow with bash, as the runner does; return its command."""
    step_env = {key: resolve(str(value)) for key, value in step.get("env", {}).items()}
    command = resolve(step["run"])
    sh(
        "bash",
        "--noprofile",
        "--norc",
        "-eo",
        "pipefail",
        "-c",
        command,
        cwd=site,
        env={**env, **step_env},
    )
    return command


def resolve(text: str) -> str:
    """Replace the workflow expressions this test knows; fail on any other."""
    for expression, value in EXPRESSIONS.items():
        text = text.replace(expression, value)
    unknown = re.findall(r"\$\{\{.*?\}\}", text)
    assert not unknown, f"the test does not know what {unknown} stands for"
    return text
