"""The render cache: rendered notes kept between builds in one SQLite file.

One file rather than one file per note: creating a file is the slowest thing a cold build does
on some disks (0.1-1 ms of kernel time each on the VM we benchmark on, against 20 µs for a
row), and a single file is written in one transaction, so a crash never leaves half an entry.

A rendered note's HTML stays in the database, not in memory: at 10,000 notes of MathML-heavy
HTML, holding every body would cost gigabytes. The build keeps only what indexes need (TOC,
links, excerpt) and reads a body back when it writes that note's page or a feed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from kbsite.render.rendered import RenderedNote

log = logging.getLogger(__name__)

# Rows no build has used for this long are dropped, so the file does not grow forever while
# notes are edited; a month keeps the renderings of a branch you come back to.
UNUSED_FOR = 30 * 24 * 3600
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS renders"
    " (key TEXT PRIMARY KEY, meta BLOB NOT NULL, html BLOB NOT NULL, used INTEGER NOT NULL)"
)
_BATCH = 500  # keys per `IN (...)` query, under SQLite's limit on bound parameters


class RenderStore:
    """Rendered notes by cache key: in a SQLite file, or in memory when there is none."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.index: dict[str, RenderedNote] = {}
        self._memory: dict[str, str] = {}  # when there is no file, or it cannot be written
        self._local = threading.local()  # a connection per thread, opened on first use
        self._broken = path is None  # set when writing fails: build on without the file
        self._marked: set[str] = set()  # keys whose row this process has marked as used
        # Renderings made while KaTeX's engine failed: for the build that made them, never
        # found by a later one (serve keeps its store between rebuilds).
        self._this_build_only: set[str] = set()
        self._pruned = False  # rows unused for a month dropped (once per process)

    def get_many(self, keys: Collection[str]) -> dict[str, RenderedNote]:
        """Return the stored renderings among `keys`, from memory or the file."""
        self._forget(self._this_build_only)
        self._this_build_only = set()
        found = {k: self.index[k] for k in keys if k in self.index}
        wanted = sorted({k for k in keys if k not in found})
        db = self._db()
        if db is None or not wanted:
            return found
        try:
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, meta FROM renders WHERE key IN ({marks})"
                for key, blob in db.execute(query, batch):
                    meta = _unpickle(blob)
                    if meta is not None:
                        found[key] = self.index[key] = meta
        except sqlite3.Error as exc:
            self._give_up(exc)
        return found

    def html(self, key: str) -> str:
        """Return the stored HTML of a rendered note."""
        if key in self._memory:
            return self._memory[key]
        db = self._db()
        row = None
        if db is not None:
            try:
                row = db.execute("SELECT html FROM renders WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                self._give_up(exc)
        if row is None:
            raise KeyError(f"no rendering stored under {key}")
        return bytes(row[0]).decode("utf-8")

    def put_many(self, rendered: Iterable[tuple[RenderedNote, str]]) -> bool:
        """Store renderings in one transaction; keep them in memory if the file fails.

        Return whether they went into the file.
        """
        rows = []
        for meta, html in rendered:
            self.index[meta.key] = meta
            rows.append((meta, html))
        db = None if self._broken else self._db()
        if db is not None:
            now = int(time.time())
            # Made before the transaction: two workers take turns at the file's write lock.
            values = [(m.key, _pickle(m), h.encode("utf-8"), now) for m, h in rows]
            try:
                with _transaction(db):
                    db.executemany("INSERT OR REPLACE INTO renders VALUES (?, ?, ?, ?)", values)
                self._marked.update(m.key for m, _h in rows)  # stored as used just now
                return True
            except sqlite3.Error as exc:
                self._give_up(exc)
        self._memory.update((m.key, h) for m, h in rows)
        return False

    def keep_for_this_build(self, rendered: Iterable[tuple[RenderedNote, str]]) -> None:
        """Hold renderings until the next get_many: they must not outlive this build."""
        for meta, html in rendered:
            self.index[meta.key] = meta
            self._memory[meta.key] = html
            self._this_build_only.add(meta.key)

    def _forget(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.index.pop(key, None)
            self._memory.pop(key, None)

    def adopt(self, rendered: Iterable[RenderedNote]) -> None:
        """Take in renderings a worker process has just stored in the file (as used)."""
        for meta in rendered:
            self.index[meta.key] = meta
            self._marked.add(meta.key)

    def retain(self, keys: set[str]) -> None:
        """Forget (in memory) renderings no note uses; in the file, mark the used ones and drop
        rows unused for a month, once per process (serve rebuilds must not pay for it)."""
        self.index = {k: v for k, v in self.index.items() if k in keys}
        self._memory = {k: v for k, v in self._memory.items() if k in keys}
        unmarked = sorted(keys - self._marked)
        db = None if self._broken else self._db()
        if db is None or (not unmarked and self._pruned):
            return
        now = int(time.time())
        try:
            with _transaction(db):
                for start in range(0, len(unmarked), _BATCH):
                    batch = unmarked[start : start + _BATCH]
                    marks = ",".join("?" * len(batch))
                    db.execute(f"UPDATE renders SET used = ? WHERE key IN ({marks})", [now, *batch])
                if not self._pruned:
                    db.execute("DELETE FROM renders WHERE used < ?", (now - UNUSED_FOR,))
            self._marked.update(unmarked)
            self._pruned = True
        except sqlite3.Error as exc:
            self._give_up(exc)

    def close(self) -> None:
        """Close this thread's connection (the file stays for the next build)."""
        db = getattr(self._local, "db", None)
        if db is not None and self._local.pid == os.getpid():
            db.close()
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection | None:
        """This thread's connection (a forked child opens its own), or None without a file."""
        if self.path is None:
            return None
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.pid = os.getpid()
            local.db = self._connect()
        db: sqlite3.Connection | None = local.db
        return db

    def _connect(self) -> sqlite3.Connection | None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit, with explicit transactions for writes. A busy timeout lets a second
            # kbsite process (serve while building) wait for the other's write, not fail.
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # A cache may lose its last writes to a power cut; it must not cost an fsync each.
            db.execute("PRAGMA synchronous=OFF")
            db.execute(_SCHEMA)
            return db
        except (OSError, sqlite3.Error) as exc:
            self._give_up(exc)
            return None

    def _give_up(self, exc: Exception) -> None:
        """Keep building without the file: a cache must never fail a build."""
        if not self._broken:
            log.warning("cannot use the render cache %s (%s); rendering without it", self.path, exc)
        self._broken = True
        if isinstance(exc, sqlite3.DatabaseError) and any(
            words in str(exc) for words in ("malformed", "not a database")
        ):
            # A damaged file would fail every later build the same way: start a new one.
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: all of it lands, or (on any error) none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _pickle(meta: RenderedNote) -> bytes:
    return pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle(blob: bytes) -> RenderedNote | None:
    """Read a stored RenderedNote; None for a row written by incompatible code."""
    try:
        meta = pickle.loads(blob)  # our own cache file, in the site folder
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return meta if isinstance(meta, RenderedNote) else None
