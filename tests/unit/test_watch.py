"""watch.py: which file events mean which rebuild, and bursts becoming one rebuild."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kbsite.serve.watch import (
    Batch,
    ChangeKind,
    Debouncer,
    SiteWatcher,
    classify,
    git_index_lock,
    git_is_writing,
    quiet_watchdog,
)

SITE = Path("/home/me/notes")
OUT = Path("/tmp/kbsite-serve-x1")

CASES = [
    ("content/large-model/lora.md", ChangeKind.CONTENT),
    ("content/large-model/lora.svg", ChangeKind.CONTENT),
    ("content/新文件夹/扩散模型.md", ChangeKind.CONTENT),
    ("content/large-model", ChangeKind.CONTENT),  # a folder created, moved or deleted
    ("content", ChangeKind.CONTENT),
    ("templates/note.html", ChangeKind.TEMPLATE),
    ("templates/partials/header.html", ChangeKind.TEMPLATE),
    ("static/css/extra.css", ChangeKind.STATIC),
    ("static/fonts/LXGW.woff2", ChangeKind.STATIC),
    ("site.yaml", ChangeKind.CONFIG),
    # editor temp and backup files
    ("content/large-model/.#lora.md", ChangeKind.IGNORED),  # emacs lock
    ("content/large-model/#lora.md#", ChangeKind.IGNORED),  # emacs autosave
    ("content/large-model/lora.md~", ChangeKind.IGNORED),
    ("content/large-model/.lora.md.swp", ChangeKind.IGNORED),  # vim
    ("content/large-model/.lora.md.swx", ChangeKind.IGNORED),
    ("content/large-model/4913", ChangeKind.IGNORED),  # vim's write test
    ("content/large-model/lora.md___jb_tmp___", ChangeKind.IGNORED),  # JetBrains
    ("content/large-model/lora.md.tmp", ChangeKind.IGNORED),
    ("content/large-model/lora.md.vsctmp", ChangeKind.IGNORED),  # VS Code's atomic write
    ("content/.DS_Store", ChangeKind.IGNORED),
    ("templates/.note.html.swp", ChangeKind.IGNORED),
    ("site.yaml~", ChangeKind.IGNORED),
    (".site.yaml.swp", ChangeKind.IGNORED),
    # hidden folders, other folders, the output
    (".git/index", ChangeKind.IGNORED),
    (".git/refs/heads/main", ChangeKind.IGNORED),
    ("content/.obsidian/workspace.json", ChangeKind.IGNORED),
    ("public/index.html", ChangeKind.IGNORED),
    ("README.md", ChangeKind.IGNORED),
    # bibliographies (issue 19): their folder, or a .bib beside site.yaml
    ("bibliography/references.bib", ChangeKind.CONTENT),
    ("references.bib", ChangeKind.CONTENT),
    ("bibliography/.references.bib.swp", ChangeKind.IGNORED),
    ("", ChangeKind.IGNORED),  # the site folder itself
]


@pytest.mark.parametrize(("rel", "kind"), CASES, ids=[rel or "<site>" for rel, _ in CASES])
def test_classifies_changes(rel: str, kind: ChangeKind) -> None:
    assert classify(SITE / rel, SITE, ignore=(OUT,)) is kind


def test_ignores_the_preview_output_and_paths_outside_the_site() -> None:
    assert classify(OUT / "index.html", SITE, ignore=(OUT,)) is ChangeKind.IGNORED
    inside = SITE / "content" / ".serve-out"
    assert classify(inside / "index.html", SITE, ignore=(inside,)) is ChangeKind.IGNORED
    assert classify(Path("/etc/passwd"), SITE) is ChangeKind.IGNORED


class Recorder:
    """An action that records its batches and can be made to take time."""

    def __init__(self, delay: float = 0.0) -> None:
        self.batches: list[dict[Path, ChangeKind]] = []
        self.delay = delay
        self.started = threading.Event()
        self.done = threading.Condition()

    def __call__(self, batch: Batch) -> None:
        self.started.set()
        time.sleep(self.delay)
        with self.done:
            self.batches.append(dict(batch))
            self.done.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self.done:
            assert self.done.wait_for(lambda: len(self.batches) >= count, timeout), self.batches


MakeDebouncer = Callable[..., tuple[Debouncer, Recorder]]


@pytest.fixture
def debounced() -> Iterator[MakeDebouncer]:
    made: list[Debouncer] = []

    def make(
        delay: float = 0.0, quiet: float = 0.05, max_delay: float = 1.0
    ) -> tuple[Debouncer, Recorder]:
        recorder = Recorder(delay)
        debouncer = Debouncer(recorder, quiet=quiet, max_delay=max_delay)
        debouncer.start()
        made.append(debouncer)
        return debouncer, recorder

    yield make
    for debouncer in made:
        debouncer.close()


def test_a_burst_of_events_becomes_one_build(debounced: MakeDebouncer) -> None:
    debouncer, recorder = debounced()
    for number in range(300):  # `git checkout` touching hundreds of files
        debouncer.add(SITE / f"content/n{number}.md", ChangeKind.CONTENT)
    recorder.wait_for(1)
    time.sleep(0.15)  # three quiet periods: no second build may follow
    assert len(recorder.batches) == 1
    assert len(recorder.batches[0]) == 300


def test_keeps_the_last_event_per_path(debounced: MakeDebouncer) -> None:
    debouncer, recorder = debounced()
    path = SITE / "content/a.md"
    debouncer.add(path, ChangeKind.CONTENT)
    debouncer.add(SITE / "site.yaml", ChangeKind.CONFIG)
    debouncer.add(path, ChangeKind.CONTENT)
    debouncer.add(SITE / "content/.#a.md", ChangeKind.IGNORED)
    recorder.wait_for(1)
    assert list(recorder.batches[0]) == [SITE / "site.yaml", path]


def test_events_during_a_build_queue_exactly_one_more(debounced: MakeDebouncer) -> None:
    debouncer, recorder = debounced(delay=0.3)
    debouncer.add(SITE / "content/a.md", ChangeKind.CONTENT)
    assert recorder.started.wait(5)
    for number in range(50):
        debouncer.add(SITE / f"content/b{number}.md", ChangeKind.CONTENT)
    recorder.wait_for(2)
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:
        assert debouncer.idle() or len(recorder.batches) == 2
        time.sleep(0.01)
    assert len(recorder.batches) == 2
    assert len(recorder.batches[1]) == 50


def test_continuous_events_still_build_after_max_delay(debounced: MakeDebouncer) -> None:
    debouncer, recorder = debounced(quiet=0.1, max_delay=0.3)
    started = time.monotonic()
    while not recorder.batches and time.monotonic() - started < 3:
        debouncer.add(SITE / "content/log.md", ChangeKind.CONTENT)
        time.sleep(0.02)
    assert recorder.batches, "never built while events kept coming"
    assert time.monotonic() - started < 1.0


def test_a_burst_waits_while_git_holds_its_lock_then_settles() -> None:
    """Events paused longer than the quiet time (git descheduled mid-checkout) and a burst
    longer than max_delay still make one build, once the lock goes and `settle` has passed."""
    lock = threading.Event()
    lock.set()
    recorder = Recorder()
    debouncer = Debouncer(recorder, quiet=0.02, max_delay=0.1, held=lock.is_set, settle=0.3)
    debouncer.start()
    try:
        for number in range(4):
            debouncer.add(SITE / f"content/n{number}.md", ChangeKind.CONTENT)
            time.sleep(0.06)  # three quiet times; four make more than max_delay
        assert recorder.batches == [] and not debouncer.idle()
        released = time.monotonic()
        lock.clear()
        recorder.wait_for(1)
        # settle, counted from the last look that saw the lock: a quiet time before, or more
        # when the machine is busy and the look came late
        assert time.monotonic() - released >= 0.15
        assert len(recorder.batches[0]) == 4
    finally:
        debouncer.close()


def test_a_lock_left_behind_stops_holding_after_the_limit(debounced: MakeDebouncer) -> None:
    recorder = Recorder()
    debouncer = Debouncer(recorder, quiet=0.02, held=lambda: True, settle=0.05, hold_limit=0.3)
    debouncer.start()
    try:
        started = time.monotonic()
        debouncer.add(SITE / "content/a.md", ChangeKind.CONTENT)
        recorder.wait_for(1)
        assert 0.3 <= time.monotonic() - started < 2.0
        debouncer.add(SITE / "content/a.md", ChangeKind.CONTENT)  # each burst waits again
        recorder.wait_for(2)
    finally:
        debouncer.close()


def test_finds_the_index_lock_of_a_repository_and_of_a_linked_worktree(tmp_path: Path) -> None:
    site = tmp_path / "repo" / "notes"
    site.mkdir(parents=True)
    assert git_index_lock(site) is None or not git_index_lock(site).is_relative_to(tmp_path)
    (tmp_path / "repo" / ".git").mkdir()
    assert git_index_lock(site) == tmp_path / "repo" / ".git" / "index.lock"
    assert not git_is_writing(site)
    (tmp_path / "repo" / ".git" / "index.lock").touch()
    assert git_is_writing(site)
    worktree = tmp_path / "wt"
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: ../repo/.git/worktrees/wt\n", encoding="utf-8")
    assert git_index_lock(worktree) == worktree / "../repo/.git/worktrees/wt/index.lock"


def test_a_failing_action_does_not_stop_the_watcher() -> None:
    calls: list[Batch] = []

    def action(batch: Batch) -> None:
        calls.append(batch)
        if len(calls) == 1:
            raise RuntimeError("boom")

    debouncer = Debouncer(action, quiet=0.02)
    debouncer.start()
    try:
        debouncer.add(SITE / "content/a.md", ChangeKind.CONTENT)
        _poll(lambda: len(calls) == 1)
        debouncer.add(SITE / "content/a.md", ChangeKind.CONTENT)
        _poll(lambda: len(calls) == 2)
    finally:
        debouncer.close()


def test_site_watcher_reports_real_file_events(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "site.yaml").write_text("title: x\n")
    seen: list[tuple[Path, ChangeKind]] = []
    lock = threading.Lock()

    def record(path: Path, kind: ChangeKind) -> None:
        with lock:
            seen.append((path, kind))

    def kinds_for(path: Path) -> set[ChangeKind]:
        with lock:
            return {k for p, k in seen if p == path}

    watcher = SiteWatcher(site, record)
    watcher.start()
    try:
        note = site / "content" / "a.md"
        note.write_text("hello")
        _poll(lambda: ChangeKind.CONTENT in kinds_for(note))
        (site / "site.yaml").write_text("title: y\n")
        _poll(lambda: ChangeKind.CONFIG in kinds_for(site / "site.yaml"))
        # a templates/ folder made after start is watched from then on
        (site / "templates").mkdir()
        _poll(lambda: ChangeKind.TEMPLATE in kinds_for(site / "templates"))
        time.sleep(0.05)  # let the watch on the new folder settle
        template = site / "templates" / "note.html"
        template.write_text("x")
        _poll(lambda: ChangeKind.TEMPLATE in kinds_for(template))
        (site / "content" / ".#a.md").write_text("lock")
        (site / "README.md").write_text("readme")
        (site / "content" / "b.md").write_text("new")  # its folder's time changes too
        _poll(lambda: ChangeKind.CONTENT in kinds_for(site / "content" / "b.md"))
        time.sleep(0.1)
        with lock:
            assert all(p.name not in (".#a.md", "README.md") for p, _ in seen)
            assert site / "content" not in {p for p, _ in seen}  # not a folder "modified"
    finally:
        watcher.stop()


def _poll(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_watchdogs_warning_about_a_new_folders_watch_is_hidden_and_no_other() -> None:
    """The warning watchdog 7 gives when a folder created during serve gets its watch twice
    (text as it appeared in this project's browser test), and only that one, is silenced."""
    duplicate = (
        "Callback with id '139622981699856' already exists for watch <bound method "
        "Watch.short_str of Watch(wd=5, mask=33556478)>. It will be Overwritten."
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_watchdog()
        for text, module in [
            (duplicate, "watchdog.observers.inotify"),
            ("Trying to remove callback from a watch that does not exist", "watchdog.observers"),
            (duplicate, "kbsite.somewhere"),
        ]:
            warnings.warn_explicit(text, RuntimeWarning, "x.py", 1, module=module)
    shown = [(str(w.message)[:20], w.filename) for w in caught]
    assert shown == [("Trying to remove cal", "x.py"), ("Callback with id '13", "x.py")]
