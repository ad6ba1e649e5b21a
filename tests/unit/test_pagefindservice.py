"""kbsite's client of `pagefind --service`: files come back whole, in memory; failures are
PagefindError, never a hang."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbsite.write.pagefindservice import PagefindError, PagefindService
from kbsite.write.search import pagefind_executable

PAGE = (
    '<!doctype html><html lang="zh-CN"><body><article data-pagefind-body>'
    "<h1>{title}</h1><p>注意力机制与低秩适配。</p></article></body></html>"
)


def test_files_come_back_in_memory_with_every_bundle_file() -> None:
    with PagefindService(pagefind_executable()) as service:
        index = service.new_index({})
        service.add_pages(index, [(f"/n{i}/", PAGE.format(title=f"笔记{i}")) for i in range(70)])
        files = service.files(index)
    assert {"pagefind.js", "pagefind-entry.json", "wasm.unknown.pagefind"} <= set(files)
    assert sum(rel.startswith("fragment/") for rel in files) == 70  # more than one batch
    assert all(files.values())


def test_an_error_answer_raises() -> None:
    with PagefindService(pagefind_executable()) as service, pytest.raises(PagefindError):
        service.add_pages(12345, [("/a/", PAGE.format(title="a"))])  # no such index


def test_a_program_that_exits_at_once_raises_instead_of_hanging(tmp_path: Path) -> None:
    true = shutil.which("true")
    if true is None:
        pytest.skip("no `true` program here")
    service = PagefindService(Path(true))
    # Gone before the request was flushed ("stopped": a broken pipe) or before answering.
    with pytest.raises(PagefindError, match=r"exited|stopped"):
        service.new_index({})
    service.close()
