"""Write the site: never half of it, and (once built) only the files whose bytes changed."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import filecmp
import hashlib
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
        _remove_leftovers(output)
        yield
    finally:
        os.close(handle)  # releases the lock


def _remove_leftovers(output: Path) -> None:
    """Delete the staging and retired folders a killed build left beside `output`.

    Only with the lock held: then no other build is using such a folder. A build stopped by
    Ctrl-C or an error removes its own; these come from `kill -9`, a crash or a power cut.
    What the user keeps in the output folder (KEEP) may be in one of them, carried halfway
    from the old site to the new: it goes back first.
    """
    for prefix in (f".{output.name}.new-", f".{output.name}.old-"):
        for folder in output.parent.glob(f"{glob_escape(prefix)}*"):
            if folder.is_dir() and not folder.is_symlink():
                retired = folder / output.name  # _swap without an atomic exchange
                if prefix.endswith(".old-") and not output.exists() and retired.is_dir():
                    log.info("putting back %s, moved away by an interrupted build", output)
                    os.replace(retired, output)
                for held in (folder, retired):
                    _carry_kept(held, output)
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


class StagedOutput:
    """`kbsite build`: write the whole site into a temporary folder, swap it in on success."""

    def __init__(self, output: Path, root: Path | None = None) -> None:
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.root = root or Path(
            tempfile.mkdtemp(prefix=f".{self.output.name}.new-", dir=self.output.parent)
        )
        self.written: list[str] = []
        self.compare_to: Path | None = None  # a new site: nothing to compare with
        self.wants_digests = False
        self._folders: set[Path] = {self.root}  # made already: thousands of pages share few

    def _target(self, rel: str) -> Path:
        target = self.root / rel
        if target.parent not in self._folders:
            make_folder(self.root, target.parent)
            self._folders.add(target.parent)
        return target

    def write(self, rel: str, data: bytes) -> None:
        self._target(rel).write_bytes(data)
        self.written.append(rel)

    def record(self, rel: str, staged: bool, digest: str) -> None:
        """Note a file a worker process wrote into the staging folder (if `staged`)."""
        self.written.append(rel)

    def copy(self, rel: str, source: Path) -> None:
        target = self._target(rel)
        try:
            shutil.copyfile(source, target)
        except FileNotFoundError:
            log.warning("%s disappeared during the build; not copied", source)
            return
        self.written.append(rel)

    def commit(self) -> list[str]:
        """Swap the staged site in; return every file written."""
        (self.root / MARKER).write_text("Made by kbsite; replaced on each build.\n")
        _swap(self.root, self.output)
        return sorted(self.written)

    def abort(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class UpdatedOutput(StagedOutput):
    """`kbsite build` over a site it built before: stage only the files whose bytes differ from
    the built ones, hard-link the others from the built site, then swap the whole staged site
    in at once.

    Rewriting thousands of unchanged pages was most of a rebuild, and on a file system that
    delays reusing deleted inodes (ext4 without a journal) it slowed the next build too: a hard
    link writes no bytes and frees no inode. Moving the changed files into the built site one
    by one was cheaper still, but a build killed halfway (kill -9, a crash: nothing to catch)
    left a mix of old and new pages, and the search index behind them; a whole staged site
    swapped in one step leaves the old site or the new one (issue 16).

    `spare`: where the site the swap retires is kept (in the cache), to be the next build's
    staging folder. It differs from the built site only in what the last build changed, so a
    rebuild re-links those files and deletes what is gone, instead of linking every file into
    an empty folder and deleting the whole retired site: at 5,000 notes that was 1.2 s of
    system time a build. Nothing in it is trusted: a file is taken as the built one only if it
    is the same inode, so a spare a killed build left half-updated costs time, never a wrong
    page. None: stage into a new folder beside the output (no cache, or another file system).
    """

    def __init__(
        self, output: Path, *, preserve: tuple[str, ...] = (), spare: Path | None = None
    ) -> None:
        output = output.resolve()
        if spare is not None:
            spare.parent.mkdir(parents=True, exist_ok=True)
            if os.stat(spare.parent).st_dev != os.stat(output.parent).st_dev:
                spare = None  # hard links and the swap need one file system
            elif spare.is_symlink() or (spare.exists() and not spare.is_dir()):
                spare.unlink()
            else:
                spare.mkdir(exist_ok=True)
                _carry_kept(spare, output)  # a build killed right after its swap left them here
        super().__init__(output, spare)
        self._spare = spare
        self.compare_to: Path | None = self.output
        self.changed: list[str] = []
        self._preserve = preserve  # top-level folders made apart from the pages (search index)
        self._linked = False
        self._built: dict[str, int] | None = None  # the built site's files and their inodes

    def write(self, rel: str, data: bytes) -> None:
        staged = not same_bytes(self.output / rel, data)
        if staged:
            put_file(self._target(rel), data)
        self.record(rel, staged, "")

    def record(self, rel: str, staged: bool, digest: str) -> None:
        self.written.append(rel)
        if staged:
            self.changed.append(rel)

    def copy(self, rel: str, source: Path) -> None:
        # Compared in chunks, not read whole: an asset may be a video of hundreds of MB.
        built = self.output / rel
        try:
            staged = not (built.is_file() and filecmp.cmp(source, built, shallow=False))
            if staged:
                target = self._target(rel)
                _clear(target)  # in the spare it may be a link to the built file
                shutil.copyfile(source, target)
        except FileNotFoundError:
            log.warning("%s disappeared during the build; not copied", source)
            return
        self.record(rel, staged, "")

    def link_unchanged(self) -> None:
        """Complete the staged site with the built files whose bytes did not change, and remove
        what it holds that the new site does not have, so that it is the whole new site
        (Pagefind may index it); once, before commit()."""
        if self._linked:
            return
        self._linked = True
        staged = set(self.changed)
        built = self._built_files()
        held, folders = _inodes(self.root, skip=(*KEEP, *self._preserve))
        for rel in self.written:
            if rel not in staged and held.get(rel) != built[rel]:
                _link_over(self.output / rel, self._target(rel))
        _prune(self.root, held, folders, keep=set(self.written) | {MARKER})

    def clear(self, folder: str) -> None:
        """Empty a top-level folder of the staged site before it is made anew (the index)."""
        shutil.rmtree(self.root / folder, ignore_errors=True)

    def carry(self, folder: str) -> None:
        """Take a top-level folder of the built site into the new one as it is (a search
        index still true of the pages)."""
        built, _ = _inodes(self.output / folder, skip=())
        held, folders = _inodes(self.root / folder, skip=())
        for rel, inode in built.items():
            if held.get(rel) != inode:
                _link_over(self.output / folder / rel, self._target(f"{folder}/{rel}"))
        _prune(self.root / folder, held, folders, keep=set(built))

    def removed(self) -> list[str]:
        """The built site's files the new one no longer has (KEEP and preserved folders aside)."""
        keep = set(self.written)
        return sorted(rel for rel in self._built_files() if rel not in keep and rel != MARKER)

    def _built_files(self) -> dict[str, int]:
        if self._built is None:
            self._built = _inodes(self.output, skip=(*KEEP, *self._preserve))[0]
        return self._built

    def commit(self) -> list[str]:
        """Swap the new site in; return every file changed or removed."""
        self.link_unchanged()
        removed = self.removed()
        if _inode(self.root / MARKER) != _inode(self.output / MARKER):
            _link_over(self.output / MARKER, self.root / MARKER)
        _swap(self.root, self.output, keep_retired=self._spare is not None)
        return sorted(self.changed + removed)

    def abort(self) -> None:
        if self._spare is None:  # a spare stays: the next build checks every file it holds
            super().abort()


def make_folder(root: Path, folder: Path) -> None:
    """Make `folder` (under root), removing a file in its way: in a reused staging folder, a
    file of the last site may stand where this one has a folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        for parent in (folder, *folder.parents):
            if parent == root:
                break
            if parent.is_file() or parent.is_symlink():
                parent.unlink()
        folder.mkdir(parents=True, exist_ok=True)


def put_file(target: Path, data: bytes) -> None:
    """Write a staged file as a new inode: writing into the old one would change the built
    site through a hard link."""
    _clear(target)
    target.write_bytes(data)


def stage_file(root: Path, rel: str, data: bytes) -> None:
    """Write a file into a staging folder that may be a reused spare (page workers)."""
    target = root / rel
    make_folder(root, target.parent)
    put_file(target, data)


def _clear(target: Path) -> None:
    """Remove whatever stands at target: a file, or a folder of the last site."""
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(target)
    except PermissionError:  # unlink of a folder: EPERM on macOS
        if not target.is_dir():
            raise
        shutil.rmtree(target)


def _link_over(source: Path, target: Path) -> None:
    """Make target the same file as source (a hard link; a copy where links are not possible)."""
    _clear(target)
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, target)  # a file system without hard links


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _inodes(root: Path, skip: tuple[str, ...]) -> tuple[dict[str, int], list[Path]]:
    """The files under root (posix paths relative to it) with their inode numbers, and the
    folders; top-level names in `skip` left out. Inodes come from the directory entries
    (no stat per file on Linux): the walk is cheap next to the build."""
    files: dict[str, int] = {}
    folders: list[Path] = []
    pending: list[tuple[str, str]] = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if not prefix and entry.name in skip:
                continue
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                folders.append(Path(entry.path))
                pending.append((entry.path, rel + "/"))
            else:
                files[rel] = entry.inode()
    return files, folders


def _prune(root: Path, held: dict[str, int], folders: list[Path], keep: set[str]) -> None:
    """Delete the files of a reused staging folder the new site does not have, then the
    folders left empty (deepest first)."""
    for rel in held.keys() - keep:
        stale = root / rel
        if stale.is_symlink() or not stale.is_dir():  # else the new site made a folder there
            stale.unlink(missing_ok=True)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty


def same_bytes(path: Path, data: bytes) -> bool:
    """Tell whether the file at path holds exactly `data` (False when there is none)."""
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:  # missing, or a folder where a file will go
        return False


# rel path -> fingerprint of what was last written there (bytes digest, or source file stat).
Manifest = dict[str, str]


class SyncedOutput:
    """`kbsite serve`: update the output in place, touching only files whose bytes changed.

    Rewriting 5,000 unchanged pages per keystroke would dominate a rebuild. Each file is
    replaced atomically, so a browser never reads half a page.
    """

    def __init__(self, output: Path, manifest: Manifest) -> None:
        self.root = output.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        if not manifest:
            manifest.update(_scan(self.root))
        self.manifest = manifest
        self.fresh: Manifest = {}
        self.changed: list[str] = []
        # Worker processes write pages straight into the folder, only for the first build
        # (nothing to compare with, and no server reading the folder yet).
        self.compare_to: Path | None = None
        self.wants_digests = True  # the manifest keeps them

    def write(self, rel: str, data: bytes) -> None:
        self.fresh[rel] = hashlib.blake2b(data, digest_size=16).hexdigest()
        if self.manifest.get(rel) != self.fresh[rel] or not (self.root / rel).exists():
            write_atomic(self.root / rel, data)
            self.changed.append(rel)

    def copy(self, rel: str, source: Path) -> None:
        try:
            stat = source.stat()
            fingerprint = f"{source}:{stat.st_mtime_ns}:{stat.st_size}"
            if self.manifest.get(rel) != fingerprint or not (self.root / rel).exists():
                write_atomic(self.root / rel, source.read_bytes())
                self.changed.append(rel)
        except FileNotFoundError:  # deleted mid-build: the next build removes it from the site
            log.warning("%s disappeared during the build; not copied", source)
            return
        self.fresh[rel] = fingerprint

    def record(self, rel: str, staged: bool, digest: str) -> None:
        """Note a page a worker process wrote into the folder."""
        self.fresh[rel] = digest
        self.changed.append(rel)

    def keep(self, rel: str) -> bool:
        """Keep a file as last written; False when there is none, so it must be written."""
        if rel not in self.manifest or self.manifest[rel] == "?":
            return False
        self.fresh[rel] = self.manifest[rel]
        return True

    def commit(self) -> list[str]:
        """Remove files this build no longer makes; return every file changed."""
        for rel in sorted(set(self.manifest) - set(self.fresh)):
            (self.root / rel).unlink(missing_ok=True)
            self.changed.append(rel)
        (self.root / MARKER).touch()
        self.manifest.clear()
        self.manifest.update(self.fresh)
        return sorted(self.changed)

    def abort(self) -> None:
        """Nothing to undo: files written so far are complete and correct on their own."""


def _swap(staging: Path, output: Path, *, keep_retired: bool = False) -> None:
    """Replace output with staging, carrying over the files in KEEP.

    On Linux the two folders trade places in one step (renameat2's RENAME_EXCHANGE), so a
    build killed at any moment leaves output the old site or the new one; with `keep_retired`
    the old site then stays where staging was (the next build's spare). Elsewhere the old
    folder is moved aside first: killed in between, there is no output folder until the next
    build puts the old one back (_remove_leftovers).
    """
    if not output.exists():
        os.replace(staging, output)
    elif _exchange(staging, output):
        _carry_kept(staging, output)  # staging now holds the old site
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


def _carry_kept(old: Path, output: Path) -> None:
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


def _scan(output: Path) -> Manifest:
    """Fingerprint what an earlier run left in output, so stale files get removed."""
    return {
        p.relative_to(output).as_posix(): "?"
        for p in output.rglob("*")
        if p.is_file() and p.name != MARKER and p.relative_to(output).parts[0] not in KEEP
    }


def write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".kbsite-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_count(writer: StagedOutput | SyncedOutput, changed: list[str], search: Path | None) -> int:
    """The files the site has now."""
    if isinstance(writer, SyncedOutput):
        return len(writer.fresh)
    if isinstance(writer, UpdatedOutput):
        indexed = sum(1 for p in search.rglob("*") if p.is_file()) if search else 0
        return len(writer.written) + indexed
    return len(changed)
