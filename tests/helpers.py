"""Helpers for writing test notes, and for running code in a fresh interpreter."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

from tests.conftest import REPO


def note(title: str, category: str, date: str, body: str = "正文。", **extra: str) -> str:
    """Return the text of a note with front matter."""
    lines = [f"title: {title}", f"category: {category}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).strip() + "\n"


def run_python(script: str, *args: str, **env: str) -> str:
    """Run `script` in a fresh interpreter (forking, or starting V8, is only safe in a process
    without the test runner's threads); return its stdout, failing on any error."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# The script tag serve adds to every page (with the overlay's strings as data attributes): the
# one difference between a served page and a built one.
LIVE_RELOAD_TAG = re.compile(r'<script src="[^"]*/__kbsite/live-reload\.js[^>]*></script>')
