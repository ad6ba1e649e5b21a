"""Whether a build starts the formula process ahead, with V8, and has it read the notes.

Decided here once, for `kbsite build` (which asks before it imports the rest of kbsite, so V8
starts on another core meanwhile) and for a Builder (a large cold build started otherwise).
Imports stay light for that reason.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from kbsite.config.folders import content_dir
from kbsite.render.cachefiles import CACHE_DIR, RENDER_CACHE
from kbsite.render.math.formulas import Formulas
from kbsite.render.math.katexengine import ENGINE_VARIABLE  # light: engines load on use
from kbsite.workers import DEFAULT_TUNING, Tuning


def start_ahead(
    formulas: Formulas,
    site_dir: Path,
    *,
    cache: bool,
    cold: bool = True,
    tuning: Tuning = DEFAULT_TUNING,
) -> bool:
    """Start the formulas' process with V8 and a scan of the notes if this build is worth it;
    tell whether the process scans the notes (it may have been started so before)."""
    process = formulas.process()
    if process is not None and process.scanning:
        return True
    if not cold or not worth_starting(site_dir, cache=cache, tuning=tuning):
        return False
    formulas.start(v8_now=True).scan(content_dir(site_dir))
    return True


def worth_starting(site_dir: Path, *, cache: bool, tuning: Tuning = DEFAULT_TUNING) -> bool:
    """Tell whether a build of the site should start the formula process ahead, with V8 and a
    scan of the notes: a cold build (no render cache to use) of many notes
    (tuning.formula_process_from)."""
    if not _v8_may_start():
        return False
    if cache and (site_dir / CACHE_DIR / RENDER_CACHE).exists():
        return False  # a warm build: it renders only edited notes, too few formulas for V8
    enough = tuning.formula_process_from
    return _count_notes(content_dir(site_dir), up_to=enough) >= enough


def _v8_may_start() -> bool:
    """Tell whether V8 can be tried here: mini-racer installed and not switched off."""
    if os.environ.get(ENGINE_VARIABLE, "").lower() == "quickjs":
        return False
    return importlib.util.find_spec("py_mini_racer") is not None


def _count_notes(folder: Path, *, up_to: int) -> int:
    """Count the Markdown files under folder, stopping at `up_to` (a cheap size guess,
    before any note is read)."""
    count = 0
    for _folder, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += sum(1 for name in files if name.lower().endswith(".md"))
        if count >= up_to:
            break
    return count
