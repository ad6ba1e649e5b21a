"""Helpers for writing test notes, and for running code in a fresh interpreter."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

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


def start_serve(site: Path, scratch: Path) -> subprocess.Popen[str]:
    """Start `kbsite serve` on a free port in its own process, its temporary folder (the served
    output) under `scratch`; its first two lines say what it built and where it serves."""
    return subprocess.Popen(
        [sys.executable, "-m", "kbsite.cli", "serve", "--site", str(site), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch), "PYTHONUNBUFFERED": "1"},
    )


# The script tag serve adds to every page (with the overlay's strings as data attributes): the
# one difference between a served page and a built one.
LIVE_RELOAD_TAG = re.compile(r'<script src="[^"]*/__kbsite/live-reload\.js[^>]*></script>')


def notebook(*cells: dict[str, object], metadata: dict[str, object] | None = None) -> str:
    """Return the JSON text of a version 4.5 notebook holding `cells` (made by the cell
    helpers below), as Jupyter saves it."""
    import json

    numbered = [{"id": f"c{i}", "metadata": {}, **cell} for i, cell in enumerate(cells, 1)]
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    data = {"cells": numbered, "metadata": {**meta, **(metadata or {})}}
    return json.dumps({**data, "nbformat": 4, "nbformat_minor": 5}, ensure_ascii=False, indent=1)


def markdown_cell(text: str) -> dict[str, object]:
    return {"cell_type": "markdown", "source": textwrap.dedent(text).strip()}


def raw_cell(text: str) -> dict[str, object]:
    return {"cell_type": "raw", "source": textwrap.dedent(text).strip()}


def code_cell(code: str, *outputs: dict[str, object], count: int | None = 1) -> dict[str, object]:
    return {"cell_type": "code", "execution_count": count, "source": code, "outputs": list(outputs)}


def stream(text: str, name: str = "stdout") -> dict[str, object]:
    return {"output_type": "stream", "name": name, "text": text}


def display(
    data: dict[str, object], metadata: dict[str, object] | None = None
) -> dict[str, object]:
    return {"output_type": "display_data", "data": data, "metadata": metadata or {}}


def result(data: dict[str, object], count: int = 1) -> dict[str, object]:
    return {"output_type": "execute_result", "data": data, "metadata": {}, "execution_count": count}


def build_with_seed(site: Path, out: Path, seed: str) -> dict[Path, bytes]:
    """Build `site` into `out` with the given PYTHONHASHSEED (set/dict order must not leak
    into the output); return every output file's bytes by path."""
    subprocess.run(
        [sys.executable, "-m", "kbsite.cli", "build", "--quiet", "--output", str(out)],
        cwd=site,
        env={**os.environ, "PYTHONHASHSEED": seed},
        check=True,
    )
    return {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
