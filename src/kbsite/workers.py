"""Map work over forked processes, for the stages of a cold build that are CPU-bound."""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Job = TypeVar("Job")


@dataclass(frozen=True, slots=True)
class Tuning:
    """How much work a build's stages need before they hand it to other processes: below
    these, starting the processes costs more than they save. One frozen value a build is given
    (BuildOptions.tuning) and passes to each stage, so a test passes small numbers to send a
    small site down the parallel paths, instead of patching each module's constant."""

    parallel_reads: int = 400  # notes to parse (kbsite.load.content)
    parallel_renders: int = 64  # notes to render (kbsite.render.notes)
    parallel_pages: int = 400  # pages to render (kbsite.build, kbsite.write.pagerender)
    # Notes in a cold build from which the formula process starts ahead with V8 and scans them
    # (kbsite.render.math.prestart): our notes have ~1.7 distinct formulas each, so some 300
    # formulas, where V8's start pays.
    formula_process_from: int = 200


DEFAULT_TUNING = Tuning()


def can_fork() -> bool:
    """Tell whether worker processes may be forked from this one.

    fork hands workers the parent's imported modules and data without pickling or importing
    again. A process running other threads (serve) must not fork: a lock another thread holds
    would stay locked forever in the child.
    """
    return "fork" in get_all_start_methods() and threading.active_count() == 1


def can_spawn() -> bool:
    """Tell whether spawned workers can start: they re-run the main module from its file, so a
    program read from stdin (`python - < script.py`) cannot have them."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path is None or Path(path).is_file()


# The job of the workers fork_map is starting: they inherit it through fork, so neither the
# items (5,000 notes, say) nor the function (a partial holding the site's config) is pickled.
_JOB: tuple[Callable[[Sequence[Any]], list[Any]], Sequence[Any]] | None = None


def fork_map(
    function: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    jobs: int,
    *,
    shares: int = 16,
) -> list[Result]:
    """Return `function`'s results for `items`, in order, computed by `jobs` forked processes.

    The items go out in `shares * jobs` contiguous slices, so each worker gets many and the
    last slice to finish leaves the other cores idle only briefly. Only the results are
    pickled, on their way back.
    """
    # Here, not at the top: `kbsite build` imports this module (through
    # kbsite.render.math.formulaserver) before it forks the formula process, which needs none of
    # concurrent.futures.
    from concurrent.futures import ProcessPoolExecutor

    global _JOB
    size = max(1, -(-len(items) // (jobs * shares)))
    results: list[Result] = []
    _JOB = (function, items)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("fork")) as pool:
            starts = range(0, len(items), size)
            for part in pool.map(_run_slice, starts, [start + size for start in starts]):
                results.extend(part)
    finally:
        _JOB = None
    return results


def _run_slice(start: int, stop: int) -> list[Any]:
    """Worker: apply the job's function to its items[start:stop]."""
    assert _JOB is not None, "fork_map's worker was not forked from fork_map"
    function, items = _JOB
    return function(items[start:stop])


# The job a pool's worker process was started with (start_worker, its initializer): forked, it
# gets the parent's objects themselves, so the notes or pages a worker reads by index are never
# pickled. Set only in workers, as fork_map's _JOB is.
_WORKER_JOB: object = None


def start_worker(job: object) -> None:
    """A process pool's initializer: keep what this worker was started for (worker_job)."""
    global _WORKER_JOB
    _WORKER_JOB = job


def worker_job(kind: type[Job]) -> Job:
    """In a worker started by start_worker: its job, which must be a `kind`."""
    job = _WORKER_JOB
    assert isinstance(job, kind), f"this process was not started as a worker for a {kind}"
    return job


def default_jobs() -> int:
    """Use every core the process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def return_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing).
    Freed objects stay in this process's memory otherwise, and every worker forked after
    shares that bigger heap, as do Pagefind's processes beside it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return
    trim(0)
