"""The output folder as a whole: whether a build may replace it (its marker), one build at a
time (a lock), and a new site swapped in for the old in one step."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path

from kbsite.config.siteconfig import SiteConfig
from kbsite.errors import KbsiteError, error

log = logging.getLogger(__name__)

# Written into every output folder, so a later build knows it may replace that folder.
MARKER = ".kbsite-output"
# Kept across builds: a checked-out gh-pages branch and a custom domain live here.
KEEP = (".git", "CNAME")


@contextlib.contextmanager
def output_lock(output: Path) -> Iterator[None]:
    """Let one build at a time write into the folders beside `output`: a second `kbsite build`
    into the same folder waits (and says so) instead of interleaving its updates.

    The lock is on the parent folder itself (flock), so nothing is created for it; where flock
    does not exist (Windows), builds are not serialised.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(output.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another kbsite build is writing %s; waiting for it", output)
            fcntl.flock(handle, fcntl.LOCK_EX)
        remove_leftovers(output)
        yield
    finally:
        os.close(handle)  # releases the lock


def remove_leftovers(output: Path) -> None:
    """Delete the staging and retired folders a killed build left beside `output`.

    Only with the lock held: then no other build is using such a folder. A build stopped by
    Ctrl-C or an error removes its own; these come from `kill -9`, a crash or a power cut.
    What the user keeps in the output folder (KEEP) may be in one of them, carried halfway
    from the old site to the new: it goes back first.
    """
    for prefix in (f".{output.name}.new-", f".{output.name}.old-"):
        for folder in output.parent.glob(f"{glob_escape(prefix)}*"):
            if folder.is_dir() and not folder.is_symlink():
                retired = folder / output.name  # swap() without an atomic exchange
                if prefix.endswith(".old-") and not output.exists() and retired.is_dir():
                    log.info("putting back %s, moved away by an interrupted build", output)
                    os.replace(retired, output)
                for held in (folder, retired):
                    carry_kept(held, output)
                log.info("removing %s, left by an interrupted build", folder)
                shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C until the block is done, then raise it: stopped halfway through the swap and
    what follows it (carrying .git and CNAME over), a build would leave work for the next.

    Signal handlers belong to the main thread; elsewhere (serve's builder) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if received:
        raise KeyboardInterrupt


def check_output_dir(config: SiteConfig, output: Path) -> None:
    """Refuse output folders whose replacement would destroy the user's files."""
    root = config.root.resolve()
    output = output.resolve()
    reason = ""
    if output == root:
        reason = "is the site folder itself"
    elif output in root.parents:
        reason = "contains the site folder"
    elif output == config.content_dir.resolve() or config.content_dir.resolve() in output.parents:
        reason = "is inside content/"
    elif output in (root / "templates", root / "static"):
        reason = "is a source folder"
    elif output.exists() and not output.is_dir():
        reason = "is a file"
    elif blocked := next((p for p in output.parents if p.exists() and not p.is_dir()), None):
        reason = f"would be inside {blocked}, which is a file"
    elif output.is_dir() and not (output / MARKER).exists():
        other = [p.name for p in output.iterdir() if p.name not in KEEP]
        if other:
            reason = (
                "is not empty and was not made by kbsite (remove it or choose another --output)"
            )
    if reason:
        raise KbsiteError(
            [error(str(output), 0, f"refusing to write the site here: the output folder {reason}")]
        )


def swap(staging: Path, output: Path, *, keep_retired: bool = False) -> None:
    """Replace output with staging, carrying over the files in KEEP.

    On Linux the two folders trade places in one step (renameat2's RENAME_EXCHANGE), so a
    build killed at any moment leaves output the old site or the new one; with `keep_retired`
    the old site then stays where staging was (the next build's spare). Elsewhere the old
    folder is moved aside first: killed in between, there is no output folder until the next
    build puts the old one back (remove_leftovers).
    """
    if not output.exists():
        os.replace(staging, output)
    elif _exchange(staging, output):
        carry_kept(staging, output)  # staging now holds the old site
        if not keep_retired:
            shutil.rmtree(staging, ignore_errors=True)
    else:
        for name in KEEP:
            if (output / name).exists() and not (staging / name).exists():
                os.replace(output / name, staging / name)
        retired = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
        os.replace(output, retired / output.name)
        os.replace(staging, output)
        shutil.rmtree(retired, ignore_errors=True)
    os.chmod(output, 0o755)


def carry_kept(old: Path, output: Path) -> None:
    """Move what the user keeps in the output folder (KEEP) from the old site into output,
    unless the new site has its own."""
    for name in KEEP:
        if (old / name).exists() and not (output / name).exists():
            os.replace(old / name, output / name)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system or file system cannot."""
    if sys.platform != "linux":
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:  # a C library older than glibc 2.28
        return False
    path, flags = ctypes.c_char_p, ctypes.c_uint
    renameat2.argtypes = [ctypes.c_int, path, ctypes.c_int, path, flags]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
