"""The formula server: KaTeX in V8 in a process of its own, started ahead of a large cold build.

It forks, and V8 leaves threads behind, so each test runs in a fresh Python process.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_python


def write_site(root: Path, notes: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(
        "title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\nsearch: false\n",
        encoding="utf-8",
    )
    folder = root / "content" / "cv"
    folder.mkdir(parents=True)
    for i in range(notes):
        body = f"共享 $x^2$，各自 $y_{{{i}}}$ 与\n\n$$\\frac{{a_{{{i}}}}}{{b}}$$\n"
        text = f"---\ntitle: 笔记 {i}\ndate: 2026-01-{1 + i % 28:02d}\n---\n{body}"
        (folder / f"n{i:03d}.md").write_text(text, encoding="utf-8")
    return root


def test_the_server_renders_the_bytes_this_process_would() -> None:
    out = run_python(
        r"""
        import threading
        import kbsite.katexengine as ke, kbsite.math as km
        from kbsite.formulaserver import FormulaServer
        formulas = [(r"\frac{a}{b}", True), ("x^2", False), (r"\foobar", False), (r"\mathbb{R}", False)]
        server = FormulaServer.start()
        server.submit(formulas[:2])
        server.submit(formulas[2:])
        served = server.collect()
        assert server.collect() == []  # everything was handed over
        server.close()
        assert served == km.render_results(formulas), served  # rendered here in QuickJS
        assert ke._v8 is None and threading.active_count() == 1  # V8 stayed in the server
        assert served[2][1] == (False, r"Undefined control sequence: \foobar at position 1: \foobar")
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_a_server_that_cannot_start_v8_hands_the_formulas_back() -> None:
    """The build then renders them in its workers (QuickJS), as it would without a server."""
    out = run_python(
        """
        from pathlib import Path
        import kbsite.math as km, kbsite.render as r
        from kbsite.config import parse_config
        from kbsite.content import parse_note
        from kbsite.formulaserver import FormulaServer
        from kbsite.renderstore import RenderStore
        config = parse_config("title: T\\nbase_url: https://e.com/\\ncategories: [{name: CV, slug: cv}]\\n", root=Path("/s"))
        notes = [parse_note(f"cv/n{i}.md", f"---\\ndate: 2026-01-01\\n---\\n公式 $z_{{{i}}}$。\\n", config)[0] for i in range(70)]
        server = FormulaServer.start()
        server.submit([("x", False)])
        print(server.collect())
        rendered, fresh = r.render_notes(notes, RenderStore(None), 160, jobs=2, formulas=server)
        server.close()
        print(fresh, km.is_known(("z_{69}", False)))
        """,
        KBSITE_KATEX_ENGINE="quickjs",
    )
    assert out.split() == ["None", "70", "True"]


def test_the_server_is_started_only_for_large_cold_builds(tmp_path: Path) -> None:
    small = write_site(tmp_path / "small", 199)
    large = write_site(tmp_path / "large", 200)
    cached = write_site(tmp_path / "cached", 200)
    (cached / ".kbsite-cache").mkdir()
    (cached / ".kbsite-cache" / "render.sqlite3").write_bytes(b"")
    script = """
        import sys
        from pathlib import Path
        from kbsite.formulaserver import worth_starting
        small, large, cached = map(Path, sys.argv[1:])
        print(
            worth_starting(small, cache=True),
            worth_starting(large, cache=True),
            worth_starting(cached, cache=True),
            worth_starting(cached, cache=False),
        )
        """
    sites = [str(small), str(large), str(cached)]
    assert run_python(script, *sites).split() == ["False", "True", "False", "True"]
    assert run_python(script, *sites, KBSITE_KATEX_ENGINE="quickjs").split() == ["False"] * 4


def test_kbsite_build_renders_formulas_in_the_server_then_stops_it(tmp_path: Path) -> None:
    """Same site, same bytes, with the server and without, and with one job: a one-job build
    (`--jobs 1`, a one-core machine) uses the server too, where it rendered every formula in
    QuickJS before. No process is left running."""
    site = write_site(tmp_path / "site", 210)
    script = """
        import multiprocessing, sys
        import kbsite.formulaserver as fs, kbsite.render as r
        from kbsite.cli import main
        fallback, scans = [], []
        original = r._render_formulas_first
        r._render_formulas_first = lambda *a, **k: fallback.append(a) or original(*a, **k)
        send = fs.FormulaServer._send
        fs.FormulaServer._send = lambda self, m: (type(m) is tuple and scans.append(m)) or send(self, m)
        code = main(["build", "--quiet", "--no-cache", "--site", *sys.argv[1:2], "--output", *sys.argv[2:]])
        print(code, len(fallback), len(multiprocessing.active_children()), len(scans))
        """
    with_server = run_python(script, str(site), str(tmp_path / "a"))
    without = run_python(script, str(site), str(tmp_path / "b"), KBSITE_KATEX_ENGINE="quickjs")
    one_job = run_python(script, str(site), str(tmp_path / "c"), "--jobs", "1")
    # No fallback: the server rendered them; it was asked to scan the notes once.
    assert with_server.split() == ["0", "0", "0", "1"]
    assert without.split() == ["0", "1", "0", "0"]
    assert one_job.split() == ["0", "0", "0", "1"]
    built = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.html"))
    assert len(built) > 210
    for rel in built:
        page = (tmp_path / "a" / rel).read_bytes()
        assert page == (tmp_path / "b" / rel).read_bytes() == (tmp_path / "c" / rel).read_bytes()


def test_a_build_that_fails_early_stops_the_server_started_for_it(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", 200)
    (site / "site.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    out = run_python(
        """
        import multiprocessing, sys
        from kbsite.cli import main
        code = main(["build", "--quiet", "--site", sys.argv[1]])
        print(code, len(multiprocessing.active_children()))
        """,
        str(site),
    )
    assert out.split() == ["1", "0"]


def test_the_server_finds_and_renders_the_formulas_of_a_content_folder(tmp_path: Path) -> None:
    """scan(): what the build would find and submit, found by the server while the build reads
    its notes; a file that is not a readable UTF-8 note is left to the build."""
    site = write_site(tmp_path / "site", 40)
    folder = site / "content" / "cv"
    (folder / "crlf.md").write_bytes(
        "\ufeff---\r\ntitle: W\r\n---\r\n换行 $w_{\\rm crlf}$\r\n".encode()
    )
    (folder / "bad.md").write_bytes(b"---\ntitle: B\n---\n\xff\xfe $b$\n" + b"\xc3" * 3)
    (folder / ".hidden.md").write_text("$h$\n", encoding="utf-8")
    (folder / "notes.txt").write_text("$t$\n", encoding="utf-8")
    out = run_python(
        r"""
        import json, sys
        from pathlib import Path
        import kbsite.math as km
        from kbsite.content import note_bodies
        from kbsite.formulafinder import find_formulas
        from kbsite.formulaserver import FormulaServer
        folder = Path(sys.argv[1])
        server = FormulaServer.start()
        server.scan(folder)
        served = server.collect()
        scanned = server.scanned()
        server.close()
        wanted = sorted({f for _rel, body in note_bodies(folder) for f in find_formulas(body)})
        assert sorted(f for f, _result in served) == wanted, set(wanted) ^ {f for f, _r in served}
        assert sorted(served) == km.render_results(wanted)  # rendered here in QuickJS
        print(json.dumps(sorted(scanned)))
        """,
        str(site / "content"),
    )
    scanned = json.loads(out)
    assert scanned == sorted([f"cv/n{i:03d}.md" for i in range(40)] + ["cv/crlf.md"])


def test_a_scan_stops_when_the_build_asks_what_it_covered(tmp_path: Path) -> None:
    """The build asks once it has read its notes, and finds the formulas of the rest itself:
    the server answers after the share of notes it is on (it starts V8 first, so here it has
    the question before it scans at all, and answers after its first share)."""
    site = write_site(tmp_path / "site", 200)
    out = run_python(
        """
        import json, sys
        from pathlib import Path
        from kbsite.formulaserver import FormulaServer
        server = FormulaServer.start()
        server.scan(Path(sys.argv[1]))
        scanned = server.scanned()
        served = server.collect()
        server.close()
        print(json.dumps([sorted(scanned), sorted({tex for (tex, _), _r in served})]))
        """,
        str(site / "content"),
    )
    scanned, formulas = json.loads(out)
    assert scanned == [f"cv/n{i:03d}.md" for i in range(32)]
    first_share = range(32)
    wanted = {"x^2"} | {f"y_{{{i}}}" for i in first_share}
    assert formulas == sorted(wanted | {rf"\frac{{a_{{{i}}}}}{{b}}" for i in first_share})


def test_the_folder_kbsite_build_has_scanned_early_is_the_configs(tmp_path: Path) -> None:
    from kbsite.config import load_config
    from kbsite.formulaserver import content_folder

    site = write_site(tmp_path / "site", 1)
    assert content_folder(site).resolve() == load_config(site).content_dir.resolve()
