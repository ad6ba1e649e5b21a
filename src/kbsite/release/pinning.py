"""The kbsite a new site's requirements.txt installs: the one running `kbsite init`, pinned.

pip records how it installed a distribution in PEP 610's `direct_url.json`: none when the
distribution came from an index (PyPI), else the URL it came from, with the commit for a VCS
URL. The site's workflow installs on GitHub's runners, which reach PyPI and public git hosts,
never the folder or file on this machine that a local install came from (issue 18).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata

from kbsite import __version__

DISTRIBUTION = "kbsite"


@dataclass(frozen=True, slots=True)
class Pin:
    """What requirements.txt says, and why the workflow cannot install it as is (None: it can)."""

    requirements: str
    problem: str | None = None


def parse_pin(direct_url: str | None, version: str) -> Pin:
    """Pin kbsite as pip installed it, from the text of its direct_url.json (None: an index)."""
    if direct_url is None:
        return Pin(f"{DISTRIBUTION}=={version}\n")
    try:
        info = json.loads(direct_url)
        url = str(info["url"])
    except (ValueError, KeyError, TypeError):  # a file pip did not write: say we cannot tell
        return _unreachable("an unknown place", version)
    if url.startswith("file:"):  # a local folder, an editable checkout, a wheel on this disk
        return _unreachable(url, version)
    fragment = _fragment(info)
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict):  # the exact commit, so every deploy installs the same code
        return Pin(f"{DISTRIBUTION} @ {vcs['vcs']}+{url}@{vcs['commit_id']}{fragment}\n")
    return Pin(f"{DISTRIBUTION} @ {url}{fragment}\n")  # an archive on the web: a release's wheel


def load_pin(distribution: metadata.Distribution | None = None) -> Pin:
    """Pin the given kbsite distribution, by default the installed one."""
    if distribution is None:
        try:
            distribution = metadata.distribution(DISTRIBUTION)
        except metadata.PackageNotFoundError:  # run from a source tree put on sys.path
            return _unreachable("a source tree", __version__)
    return parse_pin(distribution.read_text("direct_url.json"), distribution.version)


def _fragment(info: dict[str, object]) -> str:
    """Return the URL fragment naming the archive's hash and the project's subdirectory."""
    parts = []
    archive = info.get("archive_info")
    hashes = archive.get("hashes") if isinstance(archive, dict) else None
    if isinstance(hashes, dict) and "sha256" in hashes:  # pip checks it before installing
        parts.append(f"sha256={hashes['sha256']}")
    if info.get("subdirectory"):
        parts.append(f"subdirectory={info['subdirectory']}")
    return "#" + "&".join(parts) if parts else ""


def _unreachable(source: str, version: str) -> Pin:
    """Pin a kbsite the workflow cannot install: a line to edit, and the reason why."""
    requirements = (
        f"# kbsite {version} was installed from {source}, which GitHub's runners cannot reach.\n"
        "# Replace the next line with a released kbsite (kbsite==VERSION, from PyPI) or a\n"
        "# pushed commit (kbsite @ git+https://github.com/OWNER/kbsite@COMMIT).\n"
        f"{DISTRIBUTION}=={version}\n"
    )
    problem = (
        f"this kbsite was installed from {source}, so the Pages workflow cannot install it: "
        "it needs a released kbsite (from PyPI) or a pushed one (a git URL). "
        "Edit requirements.txt as its comment says before you push."
    )
    return Pin(requirements, problem)
