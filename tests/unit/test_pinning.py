"""kbsite init pins the kbsite that runs it as pip recorded its installation (PEP 610)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from kbsite.release.pinning import Pin, load_pin, parse_pin

GIT = {
    "url": "https://github.com/ada/kbsite",
    "vcs_info": {"vcs": "git", "commit_id": "3f2a9c1e", "requested_revision": "main"},
}
EDITABLE = {"url": "file:///home/ada/kbsite", "dir_info": {"editable": True}}
LOCAL_WHEEL = {
    "url": "file:///tmp/dist/kbsite-0.2.0-py3-none-any.whl",
    "archive_info": {"hashes": {"sha256": "ab12"}},
}
WEB_WHEEL = {
    "url": "https://github.com/ada/kbsite/releases/download/v0.2.0/kbsite-0.2.0-py3-none-any.whl",
    "archive_info": {"hashes": {"sha256": "ab12"}},
}


def installed(tmp_path: Path, direct_url: dict[str, object] | None) -> metadata.Distribution:
    """Write the dist-info folder pip leaves for kbsite 0.2.0; return its distribution."""
    info = tmp_path / "kbsite-0.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.4\nName: kbsite\nVersion: 0.2.0\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    return metadata.Distribution.at(info)


def test_a_kbsite_from_an_index_pins_its_version(tmp_path: Path) -> None:
    assert load_pin(installed(tmp_path, None)) == Pin("kbsite==0.2.0\n")


def test_a_kbsite_from_git_pins_the_url_at_the_installed_commit(tmp_path: Path) -> None:
    pin = load_pin(installed(tmp_path, GIT))
    assert pin == Pin("kbsite @ git+https://github.com/ada/kbsite@3f2a9c1e\n")


def test_a_subdirectory_of_a_repository_is_kept() -> None:
    text = json.dumps({**GIT, "subdirectory": "python"})
    assert parse_pin(text, "0.2.0").requirements == (
        "kbsite @ git+https://github.com/ada/kbsite@3f2a9c1e#subdirectory=python\n"
    )


def test_a_wheel_from_the_web_pins_its_url_and_hash(tmp_path: Path) -> None:
    pin = load_pin(installed(tmp_path, WEB_WHEEL))
    assert pin == Pin(f"kbsite @ {WEB_WHEEL['url']}#sha256=ab12\n")


@pytest.mark.parametrize(
    ("direct_url", "source"),
    [
        (EDITABLE, "file:///home/ada/kbsite"),
        (LOCAL_WHEEL, "file:///tmp/dist/kbsite-0.2.0-py3-none-any.whl"),
        ({**GIT, "url": "file:///home/ada/kbsite"}, "file:///home/ada/kbsite"),
    ],
    ids=["editable", "local-wheel", "local-git"],
)
def test_a_kbsite_from_this_machine_asks_for_an_edit(
    tmp_path: Path, direct_url: dict[str, object], source: str
) -> None:
    pin = load_pin(installed(tmp_path, direct_url))
    assert pin.requirements == (
        f"# kbsite 0.2.0 was installed from {source}, which GitHub's runners cannot reach.\n"
        "# Replace the next line with a released kbsite (kbsite==VERSION, from PyPI) or a\n"
        "# pushed commit (kbsite @ git+https://github.com/OWNER/kbsite@COMMIT).\n"
        "kbsite==0.2.0\n"
    )
    assert pin.problem == (
        f"this kbsite was installed from {source}, so the Pages workflow cannot install it: "
        "it needs a released kbsite (from PyPI) or a pushed one (a git URL). "
        "Edit requirements.txt as its comment says before you push."
    )


def test_an_unreadable_record_asks_for_an_edit() -> None:
    pin = parse_pin("{not json", "0.2.0")
    assert pin.problem is not None and "installed from an unknown place" in pin.problem
    assert pin.requirements.endswith("\nkbsite==0.2.0\n")


def test_the_running_kbsite_is_pinned_as_pip_recorded_it() -> None:
    # The test environment's own kbsite, read from its real dist-info (editable in CI).
    running = metadata.distribution("kbsite")
    assert load_pin() == parse_pin(running.read_text("direct_url.json"), running.version)
