"""benchmarks/real_notes.py runs end to end on a tiny synthetic blog, so it cannot rot.

The blog holds one known case of each failure class the script counts, so the columns are
checked against what they mean, whatever kbsite's current behaviour for that case is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SCRIPT = REPO / "benchmarks" / "real_notes.py"

POST = """---
title: 测试
date: 2024-01-02 03:04:05
categories: 学习
---
# 一节

公式 $x^2$ 与 $$
\\frac{a}{b}
$$

[本节](#一节) 与 [没有的节](#nowhere) 与 [没有的页](/no/such/page/)。
"""


def test_real_notes_measures_a_hexo_blog(tmp_path: Path) -> None:
    blog = tmp_path / "hexo-tiny"
    (blog / "source" / "_posts").mkdir(parents=True)
    (blog / "_config.yml").write_text("title: t\nlanguage: zh-CN\n", encoding="utf-8")
    (blog / "source" / "_posts" / "a.md").write_text(POST, encoding="utf-8")
    kbsite = shutil.which("kbsite") or f"{sys.executable} -m kbsite"
    args = [str(blog), "--keep", str(tmp_path / "sites"), "--kbsite", kbsite]
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("| hexo-tiny"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:4] == ["hexo-tiny", "hexo", "1", "2"]  # name, kind, notes, formulas
    assert cells[7] == "1"  # one note page
    assert int(cells[13]) + int(cells[14].split()[0]) == 2  # both formulas found
    assert cells[16].startswith("1 ")  # the missing page
    assert cells[17].startswith("1 ")  # the missing anchor
    assert (tmp_path / "sites" / "hexo-tiny.log").exists()
