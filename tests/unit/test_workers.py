"""fork_map: results in order, and items handed to workers through fork, never pickled."""

from __future__ import annotations

import subprocess
import sys


def test_fork_map_keeps_order_and_needs_no_pickling_of_items() -> None:
    """In a fresh process: forking is only safe without other threads, which pytest may run."""
    script = """
import os, threading
from kbsite.workers import fork_map
# A lock cannot be pickled: the items must reach the workers through fork.
items = [(i, threading.Lock()) for i in range(100)]
def work(part):
    return [(i * i, os.getpid()) for i, _lock in part]
results = fork_map(work, items, 2)
assert [square for square, _pid in results] == [i * i for i in range(100)]
assert os.getpid() not in {pid for _square, pid in results}  # computed in the workers
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr
