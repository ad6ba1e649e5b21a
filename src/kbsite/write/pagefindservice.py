"""Pagefind's indexer as a child process (`pagefind --service`), spoken to over its pipes.

The PyPI wrapper (pagefind.index.PagefindIndex) cannot be used as it is (issue 21):
- it asks the binary to write the index, then terminates it at once. Pagefind 1.5.2 writes
  through tokio's File, whose last write of each file is still in flight when the binary
  answers; terminated, it left empty or short files (`pagefind-entry.json` 0 bytes,
  `wasm.unknown.pagefind` 65,536 of 68,024) in 18 of 20 indexes built four at a time;
- it sleeps 0.1 s before reading each answer, so a record a note would cost 100 s a thousand;
- it reads answers of at most 2 MiB, less than the files of a large index.
So this client asks for the files in memory (`GetFiles`) and kbsite writes them itself; it
sends requests without waiting for each answer, and reads answers of any size. The protocol
(base64 JSON messages ended by a comma) is the one Pagefind's Node and Python wrappers use.
"""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import json
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

INSTALL_HINT = 'pip install "pagefind[extended]"'
BATCH = 64  # pages sent before their answers are read; an answer is ~300 bytes


class PagefindError(Exception):
    """The indexer failed, or answered something this client does not understand."""


class PagefindService:
    """One running indexer; close() it (or use `with`) to end it."""

    def __init__(self, binary: Path) -> None:
        self._process = subprocess.Popen(
            [str(binary), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # its log goes nowhere near our stdout
        )
        self._sent = 0
        self._pending = b""
        # Popen's stdout is a BufferedReader; typeshed calls it IO[bytes], which has no read1.
        assert isinstance(self._process.stdout, io.BufferedReader)
        self._stdout = self._process.stdout

    def __enter__(self) -> PagefindService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def new_index(self, config: dict[str, Any]) -> int:
        """Make an empty index in the service; return its id."""
        self._send({"type": "NewIndex", "config": config})
        return int(self._answers(1, "NewIndex")[0]["index_id"])

    def add_pages(self, index: int, pages: Iterable[tuple[str, str]]) -> None:
        """Index (url, html) pages, sent in batches whose answers are read after each batch: a
        round trip a page would leave the indexer idle, and answers never read could fill the
        pipe back. `pages` is read a batch at a time, so a shard's pages need not all be held."""
        iterator = iter(pages)
        while batch := list(itertools.islice(iterator, BATCH)):
            for url, html in batch:
                self._send(
                    {
                        "type": "AddFile",
                        "index_id": index,
                        "url": url,
                        "file_path": None,
                        "file_contents": html,
                    }
                )
            self._answers(len(batch), "IndexedFile")

    def files(self, index: int) -> dict[str, bytes]:
        """Return the index's files (path relative to the bundle -> bytes), then free it."""
        self._send({"type": "GetFiles", "index_id": index})
        answer = self._answers(1, "GetFiles")[0]
        files = {f["path"]: base64.b64decode(f["content"]) for f in answer["files"]}
        self._send({"type": "DeleteIndex", "index_id": index})
        self._answers(1, "DeleteIndex")
        return files

    def close(self) -> None:
        """End the service: closing its input lets it exit by itself."""
        if self._process.stdin and not self._process.stdin.closed:
            with contextlib.suppress(OSError):  # it is gone already
                self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()

    def _send(self, payload: dict[str, Any]) -> None:
        self._sent += 1
        # As UTF-8: escaped, a Chinese character took 6 bytes instead of 3, before base64.
        message = json.dumps(
            {"message_id": self._sent, "payload": payload}, ensure_ascii=False
        ).encode()
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(base64.b64encode(message) + b",")
        except OSError as exc:
            raise PagefindError(f"the indexer stopped ({exc})") from None

    def _answers(self, count: int, kind: str) -> list[dict[str, Any]]:
        """Read `count` answers of type `kind`; raise on an error answer or an early exit."""
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.flush()
        except OSError as exc:
            raise PagefindError(f"the indexer stopped ({exc})") from None
        answers: list[dict[str, Any]] = []
        parts = [self._pending]  # joined once an answer ends: the files can be 30 MB
        while len(answers) < count:
            chunk = self._stdout.read1(1 << 20)
            if not chunk:
                code = self._process.wait()
                raise PagefindError(f"the indexer exited (status {code}) before answering")
            if b"," not in chunk:
                parts.append(chunk)
                continue
            complete = chunk.split(b",")
            complete[0] = b"".join([*parts, complete[0]])
            parts = [complete.pop()]
            for raw in complete:
                payload = json.loads(base64.b64decode(raw))["payload"]
                if payload.get("type") != kind:
                    raise PagefindError(str(payload.get("message", payload)))
                answers.append(payload)
        self._pending = b"".join(parts)
        return answers
