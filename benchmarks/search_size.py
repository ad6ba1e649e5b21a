"""Size of the search index and the build time it adds: the example site and a generated one.

    python benchmarks/search_size.py [--notes 5000]

Builds each site into temporary folders, with `search: true` and `search: false` (render cache
warm, so the difference is Pagefind's step): into an empty folder, again with nothing changed
(the index is kept), and after one note is edited (the index is made again); prints the times
and the index size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from kbsite.build import Builder, BuildOptions

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import generate  # noqa: E402


def with_search(site: Path, folder: Path, on: bool) -> Path:
    """Copy site.yaml with `search:` set, beside a link to the same content/."""
    copy = folder / ("on" if on else "off")
    copy.mkdir()
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("search:"))
    (copy / "site.yaml").write_text(text + f"\nsearch: {'true' if on else 'false'}\n")
    (copy / "content").symlink_to(site / "content")
    return copy


def timed_builds(site: Path, out: Path) -> tuple[float, float, float]:
    """Seconds of a build into an empty folder, a rebuild with no change, and one after an
    edit; the render cache is warmed first."""
    Builder(BuildOptions(site_dir=site, output=out)).build()
    shutil.rmtree(out)
    times = []
    note = sorted((site / "content").rglob("*.md"))[0]
    original = note.read_bytes()
    try:
        for step in ("empty", "unchanged", "edited"):
            if step == "edited":
                note.write_bytes(original + "\n补充一句。\n".encode())
            started = time.perf_counter()
            Builder(BuildOptions(site_dir=site, output=out)).build()
            times.append(time.perf_counter() - started)
    finally:
        note.write_bytes(original)
    return times[0], times[1], times[2]


def measure(name: str, site: Path, folder: Path) -> None:
    times = {}
    for on in (False, True):
        copy = with_search(site, folder, on)
        times[on] = timed_builds(copy, folder / f"out-{on}")
    index = folder / "out-True" / "pagefind"
    files = [p for p in index.rglob("*") if p.is_file()]
    data = [p for p in files if p.suffix in (".pf_fragment", ".pf_index", ".pf_filter", ".pf_meta")]
    size = sum(p.stat().st_size for p in files)
    data_size = sum(p.stat().st_size for p in data)
    notes = len(list((index / "fragment").iterdir()))  # one fragment per indexed note
    print(
        f"{name}: {notes} notes indexed; index {size / 1e6:.2f} MB in {len(files)} files "
        f"({data_size / 1e6:.2f} MB index data, the rest Pagefind's JS/WASM)"
    )
    for step, label in enumerate(("into an empty folder", "nothing changed", "one note edited")):
        off, on = times[False][step], times[True][step]
        print(f"  build {label}: {off:.2f} s without search, {on:.2f} s with (+{on - off:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kbsite-search-bench-") as tmp:
        folder = Path(tmp)
        (folder / "example").mkdir()
        measure("example site", REPO, folder / "example")
        generated = folder / "generated-site"
        generate(generated, args.notes)
        (folder / "generated").mkdir()
        measure(f"generated site ({args.notes} notes)", generated, folder / "generated")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
