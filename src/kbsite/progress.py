"""Build progress for humans: a bar on a terminal, a few plain lines in CI logs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

# Below this many items a stage finishes too fast for progress output to help.
_MIN_ITEMS = 200
_LOG_EVERY_SECONDS = 2.0


def progress_printer(stream: TextIO) -> Callable[[str, int, int], None]:
    """Return a callback(stage, done, total) that draws progress suited to the stream."""
    interactive = stream.isatty()
    last_logged: dict[str, float] = {}

    def report(stage: str, done: int, total: int) -> None:
        if total < _MIN_ITEMS:
            return
        if interactive:
            width = 30
            filled = width * done // total
            bar = "#" * filled + "-" * (width - filled)
            end = "\n" if done == total else ""
            stream.write(f"\r{stage:>7} [{bar}] {done}/{total}{end}")
            stream.flush()
            return
        now = time.monotonic()
        if done == total or now - last_logged.get(stage, 0.0) >= _LOG_EVERY_SECONDS:
            last_logged[stage] = now
            stream.write(f"{stage}: {done}/{total}\n")

    return report
