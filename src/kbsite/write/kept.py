"""Which output files a build may leave as they are: a question the build's caller answers.

A build writes every file it makes; a writer that updates a folder in place (serve's,
kbsite.write.output.SyncedOutput) can also keep a file as it was last written. Whether the
file's inputs are unchanged since then is not the build's to know: serve answers it with page
fingerprints (kbsite.serve.pagekeys), through this Protocol, which build never looks behind.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol

from kbsite.site.index import Site


class KeptFiles(Protocol):
    """Tells, file by file, whether what a file is made from is what it was last written from.

    `made_from` is a planned Page for a page, and for any other file a value naming all it is
    made from (a feed: the config and its newest entries)."""

    def start(self, site: Site, templates: Hashable) -> None:
        """A build of `site` with templates of this signature begins."""

    def unchanged(self, rel: str, made_from: Hashable) -> bool:
        """Tell whether output file `rel` was last written from `made_from`."""

    def written(self, rel: str, made_from: Hashable) -> None:
        """Note that `rel` has just been written from `made_from`."""


class KeepNone:
    """A build's own answer: every file is written (UpdatedOutput still compares bytes)."""

    def start(self, site: Site, templates: Hashable) -> None:
        pass

    def unchanged(self, rel: str, made_from: Hashable) -> bool:
        return False

    def written(self, rel: str, made_from: Hashable) -> None:
        pass


class KeepingWriter(Protocol):
    def write(self, rel: str, data: bytes) -> None: ...

    def keep(self, rel: str) -> bool: ...


def write_unless_kept(
    writer: KeepingWriter,
    kept: KeptFiles,
    rel: str,
    made_from: Hashable,
    produce: Callable[[], bytes],
) -> None:
    """Write `rel` from what `produce` makes, unless it is made from what it was last written
    from and the writer still has it."""
    if kept.unchanged(rel, made_from) and writer.keep(rel):
        return
    writer.write(rel, produce())
    kept.written(rel, made_from)
