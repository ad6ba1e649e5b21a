"""Record sha256 manifests of kbsite's output, to prove a refactoring changes no byte.

    python benchmarks/manifest.py record /tmp/manifests-base     # before the change
    python benchmarks/manifest.py record /tmp/manifests-new      # after it
    python benchmarks/manifest.py compare /tmp/manifests-base /tmp/manifests-new

Each case builds a site through the command line (`python -m kbsite build`), so the script
works whatever the package's layout, and writes `<case>.sha256`: one `digest  path` line per
output file, sorted. The cases: the golden site, the same site in English, the example site at
the repository's root, the generated corpus built cold with --jobs 2 and with --jobs 1, and a
warm rebuild of the corpus after one note was edited. `compare` prints every path whose bytes
differ, appeared or disappeared, and exits 1 if any did.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import generate  # noqa: E402


def manifest(output: Path) -> str:
    """One `sha256  path` line per file under output, sorted by path."""
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(output).as_posix()}"
        for p in sorted(output.rglob("*"))
        if p.is_file()
    ]
    return "\n".join(lines) + "\n"


def build(site: Path, output: Path, *extra: str) -> None:
    command = [sys.executable, "-m", "kbsite", "build", "--site", str(site)]
    command += ["--output", str(output), "--quiet", *extra]
    subprocess.run(command, check=True, cwd=site)


def copy_site(source: Path, target: Path) -> Path:
    """A copy of a site without its output or cache, so a build never writes into the repo."""
    ignore = shutil.ignore_patterns("public", ".kbsite-cache", "expected", ".git", ".venv")
    shutil.copytree(source, target, ignore=ignore)
    return target


def english(site: Path) -> Path:
    config = site / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("timezone:", "language: en\ntimezone:", 1), encoding="utf-8")
    return site


def example_site(work: Path) -> Path:
    """The repository's root as a site: site.yaml, content/, the overrides and the
    bibliography beside them."""
    site = work / "example"
    site.mkdir()
    for name in ("site.yaml", "content", "templates", "static", "bibliography"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, site / name)
        elif source.is_file():
            shutil.copy2(source, site / name)
    return site


def record(into: Path, notes: int) -> None:
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kbsite-manifest-") as tmp:
        work = Path(tmp)

        def case(name: str, make: Callable[[], Path]) -> None:
            output = make()
            (into / f"{name}.sha256").write_text(manifest(output), encoding="utf-8")
            print(f"{name}: {sum(1 for p in output.rglob('*') if p.is_file())} files")

        def golden() -> Path:
            site = copy_site(ROOT / "tests" / "sites" / "basic", work / "golden")
            build(site, work / "golden-out", "--no-cache")
            return work / "golden-out"

        def golden_en() -> Path:
            site = english(copy_site(ROOT / "tests" / "sites" / "basic", work / "golden-en"))
            build(site, work / "golden-en-out", "--no-cache")
            return work / "golden-en-out"

        def example() -> Path:
            build(example_site(work), work / "example-out", "--no-cache")
            return work / "example-out"

        corpus = work / "corpus"
        generate(corpus, notes)

        def cold(jobs: int) -> Callable[[], Path]:
            def run() -> Path:
                output = work / f"corpus-j{jobs}"
                shutil.rmtree(corpus / ".kbsite-cache", ignore_errors=True)
                build(corpus, output, "--jobs", str(jobs))
                return output

            return run

        def warm_after_edit() -> Path:
            # The cache and output of the --jobs 2 build are still there: this one is warm.
            edited = sorted((corpus / "content").rglob("*.md"))[0]
            with edited.open("a", encoding="utf-8") as note:
                note.write("\n\n编辑后新增的一段，含公式 $a^2 + b^2 = c^2$。\n")
            build(corpus, work / "corpus-j2", "--jobs", "2")
            return work / "corpus-j2"

        case("golden", golden)
        case("golden-en", golden_en)
        case("example", example)
        case("corpus-cold-j1", cold(1))
        case("corpus-cold-j2", cold(2))
        case("corpus-warm-edit", warm_after_edit)


def read(path: Path) -> dict[str, str]:
    pairs = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines())
    return {name: digest for digest, name in pairs}


def compare(base: Path, new: Path) -> int:
    differ = 0
    for old_file in sorted(base.glob("*.sha256")):
        old = read(old_file)
        current = read(new / old_file.name) if (new / old_file.name).exists() else {}
        changed = [
            f"  {'changed' if p in old and p in current else 'only in base' if p in old else 'new'}"
            f": {p}"
            for p in sorted(old.keys() | current.keys())
            if old.get(p) != current.get(p)
        ]
        print(f"{old_file.stem}: {'identical' if not changed else f'{len(changed)} differ'}")
        print("\n".join(changed[:50]), end="\n" if changed else "")
        differ += len(changed)
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="build every case and write its manifest")
    rec.add_argument("into", type=Path)
    rec.add_argument("--notes", type=int, default=1000, help="notes in the corpus (1000)")
    cmp = commands.add_parser("compare", help="print what differs between two recordings")
    cmp.add_argument("base", type=Path)
    cmp.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "record":
        record(args.into, args.notes)
        return 0
    return compare(args.base, args.new)


if __name__ == "__main__":
    sys.exit(main())
