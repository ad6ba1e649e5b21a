"""Output writers: a site rebuilt in place changes only the files whose bytes changed."""

from __future__ import annotations

from pathlib import Path

from kbsite.write.output import StagedOutput, UpdatedOutput
from kbsite.write.outputdir import MARKER


def built_site(tmp_path: Path, files: dict[str, bytes]) -> Path:
    writer = StagedOutput(tmp_path / "public")
    for rel, data in files.items():
        writer.write(rel, data)
    writer.commit()
    return tmp_path / "public"


def test_copies_are_compared_by_content_not_size(tmp_path: Path) -> None:
    out = built_site(tmp_path, {"a.png": b"AAAA", "b.png": b"BBBB"})
    (tmp_path / "a.png").write_bytes(b"AAAA")
    (tmp_path / "b.png").write_bytes(b"CCCC")  # same size, new bytes
    writer = UpdatedOutput(out)
    writer.copy("a.png", tmp_path / "a.png")
    writer.copy("b.png", tmp_path / "b.png")
    writer.copy("gone.png", tmp_path / "missing.png")  # deleted mid-build: skipped
    assert writer.commit() == ["b.png"]
    assert (out / "b.png").read_bytes() == b"CCCC"
    assert (out / MARKER).exists()


def test_stale_files_and_empty_folders_go_but_kept_names_stay(tmp_path: Path) -> None:
    out = built_site(tmp_path, {"x/old/index.html": b"old", "index.html": b"home"})
    (out / "CNAME").write_text("notes.example.org\n", encoding="utf-8")
    writer = UpdatedOutput(out)
    writer.write("index.html", b"home")
    assert writer.commit() == ["x/old/index.html"]
    assert not (out / "x").exists()
    assert (out / "CNAME").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]  # staging removed


def test_abort_leaves_the_built_site_as_it_was(tmp_path: Path) -> None:
    out = built_site(tmp_path, {"index.html": b"home"})
    writer = UpdatedOutput(out)
    writer.write("index.html", b"new home")
    writer.abort()
    assert (out / "index.html").read_bytes() == b"home"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_a_folder_a_killed_build_left_is_removed_and_kept_files_go_back(tmp_path: Path) -> None:
    """kill -9 between swapping a site in and carrying `.git` over leaves `.git` in the
    retired folder: the next build puts it back before removing that folder."""
    from kbsite.write.outputdir import output_lock

    out = built_site(tmp_path, {"index.html": b"new"})
    retired = tmp_path / ".public.new-killed"
    (retired / ".git").mkdir(parents=True)
    (retired / ".git/HEAD").write_text("ref: refs/heads/gh-pages\n", encoding="utf-8")
    (retired / "index.html").write_bytes(b"old")
    with output_lock(out):
        pass
    assert (out / ".git/HEAD").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_an_updated_site_is_swapped_in_whole_and_unchanged_files_are_linked(
    tmp_path: Path,
) -> None:
    out = built_site(tmp_path, {"a.html": b"same", "b.html": b"old"})
    (out / ".git").mkdir()
    before = (out / "a.html").stat().st_ino
    writer = UpdatedOutput(out)
    writer.write("a.html", b"same")
    writer.write("b.html", b"new")
    assert writer.commit() == ["b.html"]
    assert (out / "a.html").stat().st_ino == before  # linked, not rewritten
    assert (out / "b.html").read_bytes() == b"new"
    assert (out / ".git").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
