"""Write the site: never half of it, and (once built) only the files whose bytes changed.

The writers: a new site staged and swapped in whole (StagedOutput), a rebuild staging only
what changed (UpdatedOutput), serve's folder updated in place (SyncedOutput)."""

from __future__ import annotations

import filecmp
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from kbsite.write.files import (
    clear,
    inode,
    inodes,
    link_over,
    make_folder,
    prune,
    put_file,
    same_bytes,
    write_atomic,
)
from kbsite.write.outputdir import KEEP, MARKER, carry_kept, swap

log = logging.getLogger(__name__)


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
        self.workers_may_write = True  # worker processes render pages straight into root
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

    def keep(self, rel: str) -> bool:
        """Never keep a file unwritten: the staged site is whole (an UpdatedOutput compares
        the bytes of each file written with the built one's instead)."""
        return False

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
        swap(self.root, self.output)
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
                carry_kept(spare, output)  # a build killed right after its swap left them here
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
                clear(target)  # in the spare it may be a link to the built file
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
        held, folders = inodes(self.root, skip=(*KEEP, *self._preserve))
        for rel in self.written:
            if rel not in staged and held.get(rel) != built[rel]:
                link_over(self.output / rel, self._target(rel))
        prune(self.root, held, folders, keep=set(self.written) | {MARKER})

    def clear(self, folder: str) -> None:
        """Empty a top-level folder of the staged site before it is made anew (the index)."""
        shutil.rmtree(self.root / folder, ignore_errors=True)

    def removed(self) -> list[str]:
        """The built site's files the new one no longer has (KEEP and preserved folders aside)."""
        keep = set(self.written)
        return sorted(rel for rel in self._built_files() if rel not in keep and rel != MARKER)

    def _built_files(self) -> dict[str, int]:
        if self._built is None:
            self._built = inodes(self.output, skip=(*KEEP, *self._preserve))[0]
        return self._built

    def commit(self) -> list[str]:
        """Swap the new site in; return every file changed or removed."""
        self.link_unchanged()
        removed = self.removed()
        if inode(self.root / MARKER) != inode(self.output / MARKER):
            link_over(self.output / MARKER, self.root / MARKER)
        swap(self.root, self.output, keep_retired=self._spare is not None)
        return sorted(self.changed + removed)

    def abort(self) -> None:
        if self._spare is None:  # a spare stays: the next build checks every file it holds
            super().abort()


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
        self.workers_may_write = not manifest
        self.wants_digests = True  # the manifest keeps them

    def write(self, rel: str, data: bytes) -> None:
        self.fresh[rel] = hashlib.blake2b(data, digest_size=16).hexdigest()
        target = self.root / rel
        if self.manifest.get(rel) == self.fresh[rel] and target.exists():
            return
        # Bytes someone else put there (serve's quick page, written before this build) are
        # not a change: a browser that reloaded for them must not reload again.
        if not same_bytes(target, data):
            write_atomic(target, data)
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


def _scan(output: Path) -> Manifest:
    """Fingerprint what an earlier run left in output, so stale files get removed."""
    return {
        p.relative_to(output).as_posix(): "?"
        for p in output.rglob("*")
        if p.is_file() and p.name != MARKER and p.relative_to(output).parts[0] not in KEEP
    }


def file_count(writer: StagedOutput | SyncedOutput, changed: list[str], search: Path | None) -> int:
    """The files the site has now."""
    if isinstance(writer, SyncedOutput):
        return len(writer.fresh)
    if isinstance(writer, UpdatedOutput):
        indexed = sum(1 for p in search.rglob("*") if p.is_file()) if search else 0
        return len(writer.written) + indexed
    return len(changed)
