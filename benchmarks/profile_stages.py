"""Wall and CPU time of each stage of one kbsite build, the main process and its workers apart.

    python benchmarks/profile_stages.py SITE [--cold]

`--cold` moves SITE/.kbsite-cache and SITE/public aside first and deletes them after the build
(deleting them right before would time the file system's reuse of freed inodes: README.md).
CPU time comes from getrusage: the main process's own, and that of the worker processes it has
waited for ("children"), with the kernel's share ("sys") given apart, since creating files is
most of it on some file systems.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kbsite.build as build
import kbsite.render.notes as render

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import Discard  # moves old output aside, deletes it after the build


def cpu() -> tuple[float, float, float]:
    """(main CPU, children CPU, children kernel CPU) so far, in seconds."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime, children.ru_stime


def timed(owner: Any, name: str) -> None:
    """Wrap owner.name so each call prints its wall time and CPU time."""
    function: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, (main0, kids0, sys0) = time.perf_counter(), cpu()
        result = function(*args, **kwargs)
        main1, kids1, sys1 = cpu()
        print(
            f"{name.lstrip('_'):22s} wall {time.perf_counter() - started:6.2f} s  "
            f"main CPU {main1 - main0:6.2f} s  workers CPU {kids1 - kids0:6.2f} s "
            f"(kernel {sys1 - sys0:5.2f} s)"
        )
        return result

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="site folder (e.g. one benchmarks/corpus.py made)")
    parser.add_argument("--cold", action="store_true", help="remove the cache and output first")
    args = parser.parse_args()
    clear = Discard(args.site / ".discarded-by-profile", at_once=False)
    if args.cold:
        clear(args.site / ".kbsite-cache")
        clear(args.site / "public")
    for name in ("load_content", "render_notes", "build_graph", "write_extras"):
        timed(build, name)
    timed(render, "_render_formulas_first")
    timed(build.Builder, "_write_pages")
    started = time.perf_counter()
    result = build.Builder(build.BuildOptions(site_dir=args.site)).build()
    main_cpu, kids_cpu, kids_sys = cpu()
    print(
        f"{'total':22s} wall {time.perf_counter() - started:6.2f} s  main CPU {main_cpu:6.2f} s  "
        f"workers CPU {kids_cpu:6.2f} s (kernel {kids_sys:5.2f} s); "
        f"{result.notes} notes, {result.pages} pages"
    )
    clear.empty()


if __name__ == "__main__":
    main()
