"""Warm rebuilds with a notebook of 20 plots against a Markdown note with 20 images (issue 24).

    python benchmarks/notebook_rebuild.py [--notes 30] [--edits 9]

Builds two sites the way `kbsite serve` rebuilds them (in place, keeping parsed and rendered
notes): the same notes, plus either a Markdown note showing 20 PNG files or a notebook holding
the same 20 PNGs as saved outputs. Prints the median rebuild after an edit of another note and
after an edit of that note itself, and how many images each rebuild wrote again.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import struct
import tempfile
import time
import zlib
from pathlib import Path

from kbsite.build import Builder, BuildOptions
from kbsite.serve.pagekeys import PageFingerprints

SITE = """\
title: Bench
base_url: https://example.org/notes/
search: false
categories:
  - name: Large Model
    slug: large-model
"""
PLOTS = 20


def png(seed: int, width: int = 160, height: int = 100) -> bytes:
    """A PNG of noise (about 48 KB, as large as a small matplotlib figure)."""
    rnd = random.Random(seed)
    rows = b"".join(
        b"\0" + bytes(rnd.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))


def note(i: int, extra: str = "") -> str:
    front = f"---\ntitle: 笔记 {i}\ncategory: Large Model\ndate: 2026-01-{i % 28 + 1:02d}\n---\n"
    return f"{front}\n第 {i} 篇 $x_{i}^2$ {extra}。\n"


def write_site(root: Path, kind: str, notes: int) -> Path:
    """Write the notes, then the plots as a Markdown note or a notebook; return its path."""
    folder = root / "content/large-model"
    folder.mkdir(parents=True)
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    for i in range(notes):
        (folder / f"n{i}.md").write_text(note(i), encoding="utf-8")
    images = [png(k) for k in range(PLOTS)]
    if kind == "markdown":
        for k, data in enumerate(images):
            (folder / f"fig{k}.png").write_bytes(data)
        body = "\n\n".join(f"图 {k}：$y = x^{k}$\n\n![图](fig{k}.png)" for k in range(PLOTS))
        front = "---\ntitle: 图\ncategory: Large Model\ndate: 2026-02-01\n---\n\n"
        path = folder / "plots.md"
        path.write_text(front + body + "\n", encoding="utf-8")
        return path
    cells: list[dict[str, object]] = [{"cell_type": "markdown", "metadata": {}, "source": "# 图"}]
    for k, data in enumerate(images):
        output = {"image/png": base64.b64encode(data).decode(), "text/plain": "<Figure>"}
        cells.append({"cell_type": "markdown", "metadata": {}, "source": f"图 {k}：$y = x^{k}$"})
        cells.append(
            {
                "cell_type": "code",
                "execution_count": k + 1,
                "metadata": {},
                "source": f"plot({k})",
                "outputs": [{"output_type": "display_data", "metadata": {}, "data": output}],
            }
        )
    meta = {"kbsite": {"date": "2026-02-01"}}
    path = folder / "plots.ipynb"
    notebook = {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 4}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def edit_plots(path: Path, edit: int) -> None:
    """Change the last Markdown text of the plots' note (not its excerpt)."""
    if path.suffix == ".md":
        path.write_text(path.read_text(encoding="utf-8") + f"\n改 {edit}\n", encoding="utf-8")
        return
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"][-2]["source"] += f" 改 {edit}"
    path.write_text(json.dumps(notebook), encoding="utf-8")


def measure(kind: str, notes: int, edits: int) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        plots = write_site(root, kind, notes)
        options = BuildOptions(site_dir=root, output=root / "out", incremental_output=True)
        builder = Builder(options, kept=PageFingerprints())  # as serve makes it
        started = time.perf_counter()
        builder.build()
        cold = time.perf_counter() - started
        other, own, rewritten = [], [], 0
        for edit in range(edits):
            (root / "content/large-model/n3.md").write_text(note(3, f"改 {edit}"), "utf-8")
            started = time.perf_counter()
            builder.build()
            other.append(time.perf_counter() - started)
            edit_plots(plots, edit)
            started = time.perf_counter()
            result = builder.build()
            own.append(time.perf_counter() - started)
            rewritten += sum(1 for path in result.changed if path.endswith(".png"))
    return (
        f"{kind:9} cold {cold:5.2f} s | warm, another note edited: {_ms(other)} | "
        f"warm, this note edited: {_ms(own)} | images written again: {rewritten}"
    )


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:4.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=30)
    parser.add_argument("--edits", type=int, default=9)
    args = parser.parse_args()
    for kind in ("markdown", "notebook"):
        print(measure(kind, args.notes, args.edits))


if __name__ == "__main__":
    main()
