"""Publishing: the GitHub Pages workflow, and `kbsite init` making a site that deploys the same way."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kbsite import __version__
from kbsite.release.pinning import load_pin
from kbsite.scaffold.create import EXAMPLE_NOTE, WORKFLOW_PATH, pages_workflow
from tests.conftest import REPO, Run

REQUIRED = os.environ.get("KBSITE_REQUIRE_BROWSER") == "1"  # CI: a missing tool is a failure
RELEASE_PATH = ".github/workflows/release.yml"


def _workflow(text: str) -> dict[Any, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    # YAML 1.1 reads the key `on` as the boolean true.
    data["on"] = data.pop(True)
    return data


def _steps(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step.get("uses", step.get("name", "")).split("@")[0]: step for step in job["steps"]}


def test_repository_workflow_is_the_starter_workflow_built_from_source() -> None:
    # One source of truth: src/kbsite/scaffold/starter/pages.yml; the repository installs from its checkout.
    repo_copy = (REPO / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert repo_copy == pages_workflow(from_source=True)
    assert "run: pip install ." in repo_copy
    assert "run: pip install -r requirements.txt" in pages_workflow()


@pytest.mark.parametrize("from_source", [True, False], ids=["repository", "scaffold"])
def test_workflow_builds_on_push_and_deploys_with_least_privilege(from_source: bool) -> None:
    flow = _workflow(pages_workflow(from_source=from_source))
    assert flow["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert flow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build = _steps(flow["jobs"]["build"])
    assert list(build)[:2] == ["actions/checkout", "actions/setup-python"]
    # Undated notes are dated from git history: the build needs all of it, not the last commit.
    assert build["actions/checkout"]["with"] == {"fetch-depth": 0}
    python = build["actions/setup-python"]["with"]
    assert python["python-version"] == "3.11" and python["cache"] == "pip"
    assert build["actions/configure-pages"]["id"] == "pages"
    cache = build["actions/cache"]["with"]  # warm builds: only changed notes are rendered
    assert cache["path"] == ".kbsite-cache" and cache["key"] == "kbsite-render-${{ github.sha }}"
    assert cache["restore-keys"] == "kbsite-render-"
    assert list(build).index("actions/cache") < list(build).index("Build")
    assert build["Build"]["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}/"
    assert build["Build"]["run"] == 'kbsite build --strict --output public --base-url "$BASE_URL"'
    assert build["actions/upload-pages-artifact"]["with"]["path"] == "public"
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert _steps(deploy)["actions/deploy-pages"]["id"] == "deployment"


def _actionlint() -> str:
    found = shutil.which("actionlint")
    if found is None:
        if REQUIRED:
            pytest.fail("actionlint is missing: pip install -e '.[test]'")
        pytest.skip("actionlint is not installed (pip install -e '.[test]')")
    return found


def test_actionlint_passes_on_the_repository_and_scaffolded_workflows(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    actionlint = _actionlint()
    assert run("init", str(tmp_path / "site")).status == 0
    for workflow in (REPO / WORKFLOW_PATH, REPO / RELEASE_PATH, tmp_path / "site" / WORKFLOW_PATH):
        result = subprocess.run(
            [actionlint, "-no-color", str(workflow)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_mistake_in_a_workflow(tmp_path: Path) -> None:
    actionlint = _actionlint()
    broken = tmp_path / "pages.yml"
    broken.write_text(pages_workflow().replace("steps.pages.outputs", "steps.page.outputs"))
    result = subprocess.run(
        [actionlint, "-no-color", str(broken)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert 'property "page" is not defined' in result.stdout


def _release_job(name: str) -> dict[str, Any]:
    job = _workflow((REPO / RELEASE_PATH).read_text(encoding="utf-8"))["jobs"][name]
    assert isinstance(job, dict)
    return job


def _run_step(job: str, name: str, cwd: Path, tag: str) -> subprocess.CompletedProcess[str]:
    """Run a release step's script with bash as GitHub's runner does, for the given tag."""
    (step,) = [s for s in _release_job(job)["steps"] if s.get("name") == name]
    assert step["env"]["TAG"] == "${{ github.ref_name }}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env={**os.environ, "TAG": tag},
        capture_output=True,
        text=True,
        check=False,
    )


def test_release_on_a_version_tag_tests_builds_and_publishes_without_a_token() -> None:
    flow = _workflow((REPO / RELEASE_PATH).read_text(encoding="utf-8"))
    assert flow["on"] == {"push": {"tags": ["v*"]}}
    assert flow["permissions"] == {"contents": "read"}
    assert set(flow["jobs"]) == {"test", "build", "publish", "github-release"}
    # The same test run as CI's: .ci/run, which ends with the README's test command.
    assert [s.get("run") for s in _release_job("test")["steps"]] == [None, ".ci/run"]
    build = [s.get("run") for s in _release_job("build")["steps"]]
    assert "python -m build" in build and "python -m twine check --strict dist/*" in build
    publish = _release_job("publish")
    assert publish["needs"] == ["test", "build"]
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing
    assert publish["environment"]["name"] == "pypi"
    pypi = _steps(publish)["pypa/gh-action-pypi-publish"]
    assert pypi["uses"] == "pypa/gh-action-pypi-publish@release/v1" and "with" not in pypi
    release = _release_job("github-release")
    assert release["needs"] == "publish" and release["permissions"] == {"contents": "write"}
    assert _steps(release)["Create the GitHub release with the sdist and wheel"]["run"] == (
        'gh release create "$TAG" dist/* --repo "$GITHUB_REPOSITORY" --verify-tag '
        '--title "kbsite ${TAG#v}" --notes-file notes.md'
    )


def test_release_refuses_a_tag_that_is_not_the_version_built(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / f"dist/kbsite-{__version__}-py3-none-any.whl").write_bytes(b"")
    step = "Check the tag names the version built"
    assert _run_step("build", step, tmp_path, f"v{__version__}").returncode == 0
    wrong = _run_step("build", step, tmp_path, "v9.9.9")
    assert wrong.returncode == 1
    assert wrong.stdout.startswith("::error::tag v9.9.9 is not the version built: kbsite-")


@pytest.mark.parametrize(
    ("heading", "status"),
    [
        ("## [1.2.0] - 2027-01-31", 0),
        ("## [1.2.0] - Unreleased", 1),
        ("## [1.1.0] - 2027-01-01", 1),
    ],
    ids=["dated", "undated", "missing"],
)
def test_release_needs_a_dated_changelog_section(tmp_path: Path, heading: str, status: int) -> None:
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n## [Unreleased]\n\n{heading}\n\n- x\n")
    step = "Check CHANGELOG.md has this version's section, dated"
    assert _run_step("build", step, tmp_path, "v1.2.0").returncode == status


def test_release_notes_are_the_versions_changelog_section(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n- soon\n\n## [1.2.0] - 2027-01-31\n\n"
        "### Fixed\n\n- a [link](x) in 1.2\n\n## [1.1.0] - 2027-01-01\n\n- older\n"
    )
    assert _run_step("github-release", "Release notes", tmp_path, "v1.2.0").returncode == 0
    assert (tmp_path / "notes.md").read_text() == "\n### Fixed\n\n- a [link](x) in 1.2\n\n"


def test_changelog_has_a_section_for_this_version() -> None:
    headings = [
        line
        for line in (REPO / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    assert headings[0] == "## [Unreleased]"  # Keep a Changelog: what is not released yet
    assert re.fullmatch(
        rf"## \[{re.escape(__version__)}\] - (\d{{4}}-\d\d-\d\d|Unreleased)", headings[1]
    )


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    command = (
        'python3 -m venv .venv && . .venv/bin/activate && pip install -q -e ".[test]" && pytest'
        ' && KBSITE_NO_ACCEL=1 pytest -m "not browser"'  # again on the libraries' own code
    )
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"```sh\n{command}\n```" in readme
    assert (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()[-1] == command


def test_init_makes_a_site_that_builds_and_checks_right_away(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = tmp_path / "my-notes"
    result = run("init", str(site))
    assert result.status == 0, result.err
    for rel in ("site.yaml", EXAMPLE_NOTE, WORKFLOW_PATH, "requirements.txt", ".gitignore"):
        assert (site / rel).is_file(), rel
        assert f"Created {site / rel}" in result.out
    assert (site / ".gitignore").read_text() == "public/\n.kbsite-cache/\n"
    assert (site / WORKFLOW_PATH).read_text() == pages_workflow()
    # Pinned as the running kbsite was installed; the test command's editable install cannot be
    # installed by a workflow, so init says so (tests/integration/test_release.py: a wheel's).
    pin = load_pin()
    assert (site / "requirements.txt").read_text() == pin.requirements
    assert result.err == (f"\nkbsite: warning: {pin.problem}\n" if pin.problem else "")

    built = run("build", "--site", str(site), "--quiet")
    assert built.status == 0, built.err
    assert built.err == ""  # the example note renders without a warning
    page = (site / "public/machine-learning/hello-kbsite/index.html").read_text()
    assert '<html lang="zh-CN">' in page and "你好，kbsite" in page
    assert "<math" in page and 'class="highlight' in page
    assert run("check", "--site", str(site)).status == 0


def test_init_in_english_with_a_base_url(tmp_path: Path, run: Callable[..., Run]) -> None:
    site = tmp_path / "site"
    url = "https://ada.github.io/research/"
    assert run("init", str(site), "--language", "en", "--base-url", url).status == 0
    config = yaml.safe_load((site / "site.yaml").read_text())
    assert config["language"] == "en" and config["base_url"] == url
    assert run("build", "--site", str(site), "--quiet").status == 0
    page = (site / "public/index.html").read_text()
    assert '<html lang="en">' in page
    assert 'href="/research/machine-learning/hello-kbsite/"' in page


def test_init_fills_a_fresh_clone_and_extends_its_gitignore(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    clone = tmp_path / "notes"
    (clone / ".git").mkdir(parents=True)
    (clone / "README.md").write_text("# notes\n")
    (clone / ".gitignore").write_text("__pycache__/\npublic\n")
    result = run("init", str(clone))
    assert result.status == 0, result.err
    assert (clone / "README.md").read_text() == "# notes\n"
    assert (clone / ".gitignore").read_text() == "__pycache__/\npublic\n# kbsite\n.kbsite-cache/\n"
    assert run("build", "--site", str(clone), "--quiet").status == 0


def test_init_never_overwrites_and_writes_nothing_on_conflict(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = tmp_path / "site"
    (site / ".github/workflows").mkdir(parents=True)
    (site / "site.yaml").write_text("title: mine\n")
    (site / WORKFLOW_PATH).write_text("name: mine\n")
    result = run("init", str(site))
    assert result.status == 1
    assert result.err.splitlines()[:2] == [
        f"{site / WORKFLOW_PATH}: already exists; kbsite init never overwrites files "
        "(move it away, or run kbsite init in an empty folder)",
        f"{site / 'site.yaml'}: already exists; kbsite init never overwrites files "
        "(move it away, or run kbsite init in an empty folder)",
    ]
    assert (site / "site.yaml").read_text() == "title: mine\n"
    assert sorted(p.name for p in site.iterdir()) == [".github", "site.yaml"]


def test_a_custom_domain_cname_reaches_the_output_root(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    site = tmp_path / "site"
    assert run("init", str(site), "--base-url", "https://notes.example.com/").status == 0
    (site / "static").mkdir()
    (site / "static/CNAME").write_text("notes.example.com\n")
    assert run("build", "--site", str(site), "--quiet").status == 0
    assert (site / "public/CNAME").read_text() == "notes.example.com\n"
    assert 'href="/machine-learning/hello-kbsite/"' in (site / "public/index.html").read_text()
    assert run("check", "--site", str(site), "--no-build").status == 0
