"""Files in a staging folder that may be a reused spare (the site a rebuild retired): every
write a new inode, since the built site may share the old one through a hard link."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path


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
    clear(target)
    target.write_bytes(data)


def stage_file(root: Path, rel: str, data: bytes) -> None:
    """Write a file into a staging folder that may be a reused spare (page workers)."""
    target = root / rel
    make_folder(root, target.parent)
    put_file(target, data)


def clear(target: Path) -> None:
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


def link_over(source: Path, target: Path) -> None:
    """Make target the same file as source (a hard link; a copy where links are not possible)."""
    clear(target)
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, target)  # a file system without hard links


def inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def inodes(root: Path, skip: tuple[str, ...]) -> tuple[dict[str, int], list[Path]]:
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


def prune(root: Path, held: dict[str, int], folders: list[Path], keep: set[str]) -> None:
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
