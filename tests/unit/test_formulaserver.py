"""The formula process: the one place KaTeX runs, owned by a build or a serve session.

Each test runs in a fresh Python process: it forks, and the test runner may have threads.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import REPO
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


def test_the_formula_process_gives_the_engines_bytes_and_no_engine_runs_here() -> None:
    out = run_python(
        r"""
        import sys, threading
        from kbsite.render.math.formulas import Formulas
        from kbsite.render.math.katexengine import Engine
        from kbsite.render.math.variants import unicode_variants
        formulas = [(r"\frac{a}{b}", True), ("x^2", False), (r"\foobar", False), (r"\mathbb{R}", False)]
        served = [result for _formula, result in Formulas().render_many(formulas)]
        assert "pykatex" not in sys.modules and "py_mini_racer" not in sys.modules
        assert threading.active_count() == 1  # so this process may still fork its workers
        with Engine() as engine:
            here = [(ok, unicode_variants(t) if ok else t) for ok, t in engine.render_many(formulas)]
        assert served == here, (served, here)
        assert served[2] == (False, r"Undefined control sequence: \foobar at position 1: \foobar")
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_the_engine_refuses_a_thread_that_did_not_make_it() -> None:
    out = run_python(
        """
        import threading
        from kbsite.render.math.katexengine import Engine
        with Engine() as engine:
            assert engine.render_many([("x", False)])[0][0] is True
            errors = []
            def other():
                try:
                    engine.render_many([("y", False)])
                except RuntimeError as exc:
                    errors.append(str(exc))
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
            print(errors)
        """
    )
    assert "used only by the thread that made it" in out


def test_threads_and_forked_workers_all_reach_the_one_process() -> None:
    """serve renders from its watcher thread and its main thread; a build's forked workers
    render the formulas the build did not find ahead. All of them ask the owner's process."""
    out = run_python(
        """
        import os, threading
        from kbsite.render.math.formulas import Formulas
        math = Formulas()
        expected = {i: math.result(f"x_{{{i}}}", False) for i in range(40)}
        process = math.process()
        got, threads = {}, []
        def ask(i):
            got[i] = process.render([(f"x_{{{i}}}", False)])[0]  # as serve's threads ask
        for i in range(40):
            threads.append(threading.Thread(target=ask, args=(i,)))
            threads[-1].start()
        for thread in threads:
            thread.join()
        assert got == expected
        children = []
        for i in range(4):
            pid = os.fork()
            if pid == 0:
                math.forget_engine_failures()
                same = math.render_many([(f"y_{{{i}}}", False)])[0][1][0] is True
                os._exit(0 if same and math.process() is None else 1)
            children.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
        assert math.process() is process  # the workers did not start one of their own
        print(codes)
        """
    )
    assert out.strip() == "[0, 0, 0, 0]"


def test_a_killed_formula_process_is_replaced() -> None:
    """An engine that dies mid-session (a crash in V8 or QuickJS) costs the request it was
    on (answered as an engine failure, never as wrong TeX), never the owner; the next request
    goes to a new process."""
    out = run_python(
        r"""
        import os, signal
        from kbsite.render.math.formulas import Formulas
        math = Formulas()
        exact = math.result(r"\frac{a}{b}", True)
        first = math.process()
        os.kill(first._process.pid, signal.SIGKILL)
        [lost] = first.render([(r"\frac{a}{b}", True)])
        assert lost == (None, "the formula process stopped (exit status -9)"), lost
        assert Formulas().result(r"\frac{a}{b}", True) == exact  # a new one
        assert math.result(r"\frac{c}{d}", True)[0] is True
        assert math.process() not in (None, first)
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_an_engine_failure_is_shown_warned_and_never_cached() -> None:
    """A formula nested too deep for the engine's stack: not the TeX's fault, so it is shown
    by latex2mathml with a warning, and neither the formula nor the note is kept for a later
    build, which tries the engine again."""
    out = run_python(
        r"""
        from pathlib import Path
        from kbsite.render.math.formulas import Formulas
        from kbsite.config.siteconfig import parse_config
        from kbsite.load.content import parse_note
        from kbsite.render.notes import render_notes
        from kbsite.render.options import RenderOptions
        from kbsite.render.store import RenderStore
        deep = "{" * 5000 + "x" + "}" * 5000
        config = parse_config("title: T\nbase_url: https://e.com/\ncategories: [{name: CV, slug: cv}]\n", root=Path("/s"))
        note = parse_note("cv/deep.md", f"---\ndate: 2026-01-01\n---\n深 $${deep}$$\n", config)[0]
        store = RenderStore(None)
        km = Formulas()
        [meta], fresh = render_notes([note], store, RenderOptions(160), math=km, jobs=1)
        [warning] = meta.diagnostics
        print(warning.key, warning.location.line, warning.message)
        print('<code class="math-error"' in store.html(meta.key))
        print(km.is_known((deep, False)), km.engine_failure(deep, False))  # inline: mid-sentence
        km.forget_engine_failures()
        [again], fresh = render_notes([note], store, RenderOptions(160), math=km, jobs=1)
        print(fresh)  # rendered again: the first rendering was not kept
        """
    )
    assert out.splitlines() == [
        "math-engine 4 KaTeX's engine failed (Maximum call stack size exceeded); shown as TeX,"
        " tried again next build",
        "True",
        "False Maximum call stack size exceeded",
        "1",
    ]


def test_the_process_ends_when_its_owner_is_killed() -> None:
    out = run_python(
        r"""
        import subprocess, sys, time
        from pathlib import Path
        owner = subprocess.Popen([sys.executable, "-c", (
            "import time\n"
            "from kbsite.render.math.formulas import Formulas\n"
            "math = Formulas()\n"
            "math.render_tex('x', False)\n"
            "print(math.process()._process.pid, flush=True)\n"
            "time.sleep(30)\n"
        )], stdout=subprocess.PIPE, text=True)
        status = Path(f"/proc/{int(owner.stdout.readline())}/status")
        owner.kill()
        owner.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if not status.exists() or "\tZ" in status.read_text():  # gone, or a zombie
                print("gone")
                break
            time.sleep(0.05)
        else:
            print("still running")
        """
    )
    assert out.strip() == "gone"


def test_a_process_with_v8_lets_its_owner_exit_promptly() -> None:
    """V8's threads once kept a process's exit waiting for ever (one exit in 15 alone, most of
    12 at once on two cores): the owner never runs V8 now, and the formula process ends with
    os._exit."""
    script = textwrap.dedent(
        """
        from kbsite.render.math.formulaserver import FormulaProcess
        process = FormulaProcess.start(v8_now=True)
        assert process.render([("x", False)])[0][0] is True
        print("v8")
        """
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for _ in range(12)
    ]
    deadline = time.monotonic() + 60  # each exits in ~0.3 s when it works
    hung = 0
    for run in runs:
        try:
            out, _ = run.communicate(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            run.kill()
            run.communicate()
            hung += 1
            continue
        assert (run.returncode, out.strip()) == (0, "v8")
    assert hung == 0, f"{hung} of 12 processes did not exit"


def test_kbsite_build_gives_the_same_bytes_with_v8_quickjs_and_one_job(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", 210)
    script = """
        import multiprocessing, sys
        from kbsite.cli import main
        code = main(["build", "--quiet", "--no-cache", "--site", *sys.argv[1:2], "--output", *sys.argv[2:]])
        print(code)
        """
    assert run_python(script, str(site), str(tmp_path / "a")).split() == ["0"]
    without = run_python(script, str(site), str(tmp_path / "b"), KBSITE_KATEX_ENGINE="quickjs")
    assert without.split() == ["0"]
    one_job = run_python(script, str(site), str(tmp_path / "c"), "--jobs", "1")
    assert one_job.split() == ["0"]
    built = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.html"))
    assert len(built) > 210
    for rel in built:
        page = (tmp_path / "a" / rel).read_bytes()
        assert page == (tmp_path / "b" / rel).read_bytes() == (tmp_path / "c" / rel).read_bytes()


def test_the_process_starts_ahead_only_for_large_cold_builds(tmp_path: Path) -> None:
    small = write_site(tmp_path / "small", 199)
    large = write_site(tmp_path / "large", 200)
    cached = write_site(tmp_path / "cached", 200)
    (cached / ".kbsite-cache").mkdir()
    (cached / ".kbsite-cache" / "render.sqlite3").write_bytes(b"")
    script = """
        import sys
        from pathlib import Path
        from kbsite.render.math.prestart import worth_starting
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


def test_a_build_that_fails_early_leaves_no_process_behind(tmp_path: Path) -> None:
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


def test_the_process_finds_and_renders_the_formulas_of_a_content_folder(tmp_path: Path) -> None:
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
        from kbsite.render.math.formulas import Formulas
        from kbsite.load.content import note_bodies
        from kbsite.render.math.formulafinder import find_formulas
        from kbsite.render.math.formulaserver import FormulaProcess
        folder = Path(sys.argv[1])
        server = FormulaProcess.start()
        server.scan(folder)
        served = server.collect()
        scanned = server.scanned()
        server.close()
        wanted = sorted({f for _rel, body in note_bodies(folder) for f in find_formulas(body)})
        assert sorted(f for f, _result in served) == wanted, set(wanted) ^ {f for f, _r in served}
        by_itself = Formulas()  # another process, asked for the same formulas
        assert sorted(served) == sorted(zip(wanted, (r for _f, r in by_itself.render_many(wanted))))
        by_itself.stop()
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
        from kbsite.render.math.formulaserver import FormulaProcess
        server = FormulaProcess.start()
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
