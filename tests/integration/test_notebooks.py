"""Jupyter notebooks as notes (issue 24): real .ipynb files in real sites, built through the
CLI; each output type, front matter, the Markdown pipeline across cells, and a notebook
everywhere a note is."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kbsite.build import Builder, BuildOptions
from tests.conftest import SITE_YAML, Run, WriteSite
from tests.helpers import (
    code_cell,
    display,
    markdown_cell,
    note,
    notebook,
    raw_cell,
    result,
    stream,
)

LM = "Large Model"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAACgAAAAUCAIAAABwJOjsAAAAJ0lEQVR4nGM8ISfHMBCAaUBsHbV41OJRi0ctHrV4"
    "1OJRi0ctHhAAAF+MASwoT9QRAAAAAElFTkSuQmCC"
)  # 40 x 20
JPEG_HEAD = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffc0001108001000 1e03012200021101031101".replace(
        " ", ""
    )
)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="90pt" height="60pt"><rect width="9" height="9"/></svg>'
TRACEBACK = [
    "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
    "\x1b[31mValueError\x1b[39m                                Traceback (most recent call last)",
    "\x1b[1;32m----> 1\x1b[0m \x1b[38;5;28mraise\x1b[39m ValueError(\x1b[33m'秩不对'\x1b[39m)",
    "\x1b[31mValueError\x1b[39m: 秩不对",
]
FRONT = """\
    ---
    title: 秩的实验
    category: Large Model
    date: 2026-02-03
    tags: [LoRA, 实验]
    ---"""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def every_output() -> str:
    """A notebook with one output of each kind kbsite shows, and one it does not."""
    frame = (
        '<div><style scoped>.dataframe td {color: red}</style><table border="1" '
        'class="dataframe"><thead><tr><th></th><th>误差</th></tr></thead><tbody><tr><th>0</th>'
        "<td>0.9047</td></tr></tbody></table></div><script>alert(1)</script>"
    )
    long_text = "".join(f"第 {i} 步\n" for i in range(60))
    widget = {"application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2}}
    return notebook(
        raw_cell(FRONT),
        markdown_cell("# 标题\n\n冻结 $W_0$，只训练 $BA$。"),
        code_cell("print('hi')", stream("训练开始\n"), stream("警告：学习率过大\n", "stderr")),
        code_cell("df", result({"text/html": frame, "text/plain": "   误差\n0  0.9"}, 3), count=3),
        code_cell(
            "plot()",
            display({"image/png": b64(PNG), "text/plain": "<Figure>"}),
            display({"image/png": b64(PNG)}, {"image/png": {"width": 20, "height": 10}}),
            display({"image/jpeg": b64(JPEG_HEAD + b"\xff\xd9")}),
            display({"image/svg+xml": SVG}),
            count=4,
        ),
        code_cell("sympy()", result({"text/latex": "$$\\frac{a}{b}$$", "text/plain": "a/b"}, 5)),
        code_cell("Markdown()", display({"text/markdown": "**加粗的输出**", "text/plain": "x"})),
        code_cell(
            "raise",
            {
                "output_type": "error",
                "ename": "ValueError",
                "evalue": "秩不对",
                "traceback": TRACEBACK,
            },
        ),
        code_cell("log()", stream(long_text)),
        code_cell("slider", display(widget), display(widget)),
        code_cell("folded", stream("藏起来的输出\n"), count=9)
        | {"metadata": {"jupyter": {"outputs_hidden": True}}},
    )


@pytest.fixture
def built(write_site: WriteSite, run: Callable[..., Run]) -> Callable[..., tuple[Path, Run]]:
    def build(files: dict[str, str | bytes], site_yaml: str = SITE_YAML) -> tuple[Path, Run]:
        site = write_site(files, site_yaml)
        outcome = run("build", cwd=site)
        assert outcome.status == 0, outcome.err
        assert "Traceback" not in outcome.err
        return site / "public", outcome

    return build


def page_of(public: Path, path: str = "large-model/demo") -> str:
    return (public / path / "index.html").read_text(encoding="utf-8")


def test_each_output_type_is_shown_as_jupyter_would(built: Callable[..., tuple[Path, Run]]) -> None:
    public, outcome = built({"content/large-model/demo.ipynb": every_output()})
    html = page_of(public)
    body = html[html.index('<div class="note-body">') :]
    # streams: stdout, and stderr marked
    assert '<div class="nb-output nb-stream nb-stdout"><pre>训练开始\n</pre></div>' in body
    assert '<div class="nb-output nb-stream nb-stderr"><pre>警告：学习率过大\n</pre></div>' in body
    # the DataFrame: its table kept, pandas' page-wide <style> and the <script> dropped
    assert (
        '<div class="nb-prompt nb-out">Out [3]:</div><div class="nb-output nb-html"><div>' in body
    )
    assert 'class="dataframe"' in body and "<style" not in body and "<script>alert" not in html
    # images: files beside the page, named by their content's hash, with their size
    png_name = hashlib.sha256(PNG).hexdigest()[:20] + ".png"
    assert (public / "large-model/demo" / png_name).read_bytes() == PNG
    src = f'src="/notes/large-model/demo/{png_name}"'
    assert f'<img {src} alt="" width="40" height="20" loading="lazy">' in body
    assert f'<img {src} alt="" width="20" height="10" loading="lazy">' in body  # retina: its own
    assert re.search(r'<img src="[^"]+\.jpg" alt="" width="30" height="16"', body)
    assert re.search(r'<img src="[^"]+\.svg" alt="" width="120" height="80"', body)
    assert "base64" not in html and "data:image" not in html
    assert len(list((public / "large-model/demo").glob("*.png"))) == 1  # the same image, once
    # LaTeX through KaTeX, Markdown through the Markdown pipeline
    assert re.search(
        r'<div class="nb-output nb-latex"><div class="math display"><span class="katex"><math', body
    )
    assert '<div class="nb-output nb-markdown" data-pagefind-ignore>\n<p><strong>加粗的输出' in body
    # the traceback: colours as classes, no escape codes; 256 colours dropped
    assert '<span class="ansi-red">ValueError</span>: 秩不对' in body
    assert '<span class="ansi-bold ansi-green">----&gt; 1</span> raise ValueError(' in body
    assert "\x1b" not in html and "[31m" not in html
    # a long output scrolls in its box; a folded one stays folded
    assert '<pre class="nb-scrolled" tabindex="0">第 0 步' in body
    assert '<details class="nb-hidden"><summary>笔记本中已折叠的输出，点击展开</summary>' in body
    # code: highlighted in the kernel's language, with its execution count; outputs unindexed
    assert '<div class="nb-prompt nb-in" data-pagefind-ignore>In [3]:</div>' in body
    assert '<div class="code-block" data-lang="python"><div class="code-lang">python</div>' in body
    # every cell's outputs but the Markdown one (Markdown) and the widgets' (none shown)
    assert body.count('<div class="nb-outputs" data-pagefind-ignore>') == 7
    # the widget: left out, one warning for the notebook at its first cell
    assert outcome.err.count("warning") == 1
    assert (
        "content/large-model/demo.ipynb:cell 10: warning: output: outputs of types kbsite does "
        "not show were left out: application/vnd.jupyter.widget-view+json"
    ) in outcome.err


def test_scripts_in_html_outputs_are_kept_when_the_site_allows(
    built: Callable[..., tuple[Path, Run]],
) -> None:
    public, _ = built(
        {"content/large-model/demo.ipynb": every_output()},
        SITE_YAML + "notebook_scripts: true\n",
    )
    assert "<script>alert(1)</script>" in page_of(public)


def test_markdown_cells_share_one_pipeline_and_messages_name_cells(
    built: Callable[..., tuple[Path, Run]],
) -> None:
    text = notebook(
        markdown_cell(
            r"""
            # 推导

            $\newcommand{\KL}{D_{\mathrm{KL}}}$

            \begin{equation}\label{eq:a} a = \KL(p \| q) \end{equation}
            """
        ),
        code_cell("x = 1"),
        markdown_cell(
            r"""
            ## 第二节

            \begin{equation} b = \KL(q \| p) \end{equation}

            由 \eqref{eq:a} 可知。见 [[LoRA]] 和 [不存在](missing.md)。

            > [!note] 提示
            > 一个 callout。
            """
        ),
    )
    lora = note("LoRA", LM, "2026-01-01", "见笔记本 [[demo]]，或写全名 [[demo.ipynb|笔记本]]。")
    public, outcome = built(
        {"content/large-model/demo.ipynb": text, "content/large-model/lora.md": lora}
    )
    html = page_of(public)
    assert '<h1 class="note-title"' in html and ">推导</h1>" in html  # title from the # heading
    assert html.count('class="eqn-num"') == 2  # one counter: (1) in cell 1, (2) in cell 3
    assert '由 <a class="eqref" href="#eq:a">(1)</a> 可知' in html
    assert "\\KL" not in html.split('<div class="note-body">')[1].split("annotation")[0]
    assert '<h2 id="第二节">' in html and 'href="#第二节"' in html  # heading id, in the TOC
    assert 'class="callout admonition note"' in html
    assert 'href="/notes/large-model/lora/"' in html
    lora_page = page_of(public, "large-model/lora")
    assert '<a href="/notes/large-model/demo/" class="wikilink">demo</a>' in lora_page
    assert '<a href="/notes/large-model/demo/" class="wikilink">笔记本</a>' in lora_page
    assert "链接到本文的笔记" in html  # its backlinks: the LoRA note
    assert (
        "content/large-model/demo.ipynb:cell 3:5: warning: link: broken link 'missing.md'"
        in outcome.err
    )


def test_front_matter_from_metadata_else_title_and_folder(
    built: Callable[..., tuple[Path, Run]],
) -> None:
    meta = {"kbsite": {"title": "元数据里的标题", "date": "2026-03-01", "tags": ["实验"]}}
    files: dict[str, str | bytes] = {
        "content/large-model/meta.ipynb": notebook(markdown_cell("正文。"), metadata=meta),
        "content/computer-vision/plain.ipynb": notebook(
            markdown_cell("# 只有标题\n\n正文。"), code_cell("1")
        ),
    }
    public, _outcome = built(files)
    meta_page = page_of(public, "large-model/meta")
    assert ">元数据里的标题</h1>" in meta_page and 'datetime="2026-03-01' in meta_page
    assert "/notes/tags/shi-yan/" in meta_page
    plain = page_of(public, "computer-vision/plain")
    assert ">只有标题</h1>" in plain and ">Computer Vision</a>" in plain


def test_a_notebook_is_everywhere_a_note_is(built: Callable[..., tuple[Path, Run]]) -> None:
    public, _ = built({"content/large-model/demo.ipynb": every_output()})
    category = (public / "large-model/index.html").read_text(encoding="utf-8")
    assert "秩的实验" in category and "冻结 W_0，只训练 BA。" in category  # excerpt: Markdown
    assert "print(" not in category and "训练开始" not in category  # not code, not outputs
    assert "秩的实验" in (public / "tags/shi-yan/index.html").read_text(encoding="utf-8")
    assert "秩的实验" in (public / "atom.xml").read_text(encoding="utf-8")
    previews = json.loads((public / "previews.json").read_text(encoding="utf-8"))
    assert any("秩的实验" in json.dumps(v, ensure_ascii=False) for v in previews.values())
    # the download link: the notebook itself, as written
    html = page_of(public)
    match = re.search(r'<a class="notebook-download" href="/notes/([^"]+)" download>', html)
    assert match is not None and match[1] == "large-model/demo.ipynb"
    written = (public / match[1]).read_text(encoding="utf-8")
    assert written == every_output()


def test_a_version_3_notebook_is_converted(built: Callable[..., tuple[Path, Run]]) -> None:
    old = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old"},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {"cell_type": "heading", "level": 1, "metadata": {}, "source": "旧笔记本"},
                    {"cell_type": "markdown", "metadata": {}, "source": "三版的格式。"},
                    {
                        "cell_type": "code",
                        "language": "python",
                        "input": "print(3)",
                        "prompt_number": 2,
                        "metadata": {},
                        "outputs": [{"output_type": "stream", "stream": "stdout", "text": "3\n"}],
                    },
                ],
            }
        ],
    }
    public, _ = built({"content/large-model/old.ipynb": json.dumps(old, ensure_ascii=False)})
    html = page_of(public, "large-model/old")
    assert ">旧笔记本</h1>" in html and "In [2]:" in html and "<pre>3\n</pre>" in html


def test_a_broken_notebook_stops_the_build_and_keeps_the_last_site(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = write_site({"content/large-model/demo.ipynb": every_output()})
    assert run("build", cwd=site).status == 0
    before = page_of(site / "public")
    (site / "content/large-model/demo.ipynb").write_text('{"cells": [', encoding="utf-8")
    outcome = run("build", cwd=site)
    assert outcome.status == 1 and "Traceback" not in outcome.err
    assert "content/large-model/demo.ipynb:1:12: not a valid notebook: invalid JSON" in outcome.err
    assert page_of(site / "public") == before


def test_images_are_written_once_and_builds_are_deterministic(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = write_site(
        {
            "content/large-model/demo.ipynb": every_output(),
            "content/large-model/other.md": note("另一篇", LM, "2026-01-01"),
        }
    )
    builder = Builder(BuildOptions(site_dir=site))
    first = builder.build()
    again = Builder(BuildOptions(site_dir=site, output=tmp_path / "again", cache=False)).build()
    files = sorted(p.relative_to(first.output) for p in first.output.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != ".kbsite-output":
            assert (first.output / rel).read_bytes() == (again.output / rel).read_bytes(), rel
    (site / "content/large-model/other.md").write_text(
        note("另一篇", LM, "2026-01-01", "改过。"), encoding="utf-8"
    )
    rebuilt = builder.build()
    assert rebuilt.rendered == 1  # the notebook came from the render cache
    assert not [path for path in rebuilt.changed if path.startswith("large-model/demo/")]


def test_search_indexes_markdown_and_code_cells_not_outputs(
    write_site: WriteSite, tmp_path: Path
) -> None:
    from tests.integration.test_search import SEARCH_ON, fragments

    text = notebook(
        markdown_cell("# 奇异值实验\n\n截断误差随秩下降。"),
        code_cell("singular_values = svd(delta_w)", stream("最大奇异值输出 108.48\n")),
    )
    site = write_site({"content/large-model/svd.ipynb": text}, site_yaml=SEARCH_ON)
    out = tmp_path / "out"
    Builder(BuildOptions(site_dir=site, output=out, jobs=1)).build()
    (page,) = fragments(out)
    assert page["url"] == "/large-model/svd/"
    # The indexed copy spaces out CJK characters (kbsite.write.searchtext): read it unspaced.
    content = "".join(str(page["content"]).replace("\u200b", "").split())
    assert "截断误差随秩下降" in content and "singular_values" in content
    assert "108.48" not in content and "In [1]" not in content


def test_a_draft_notebook_publishes_neither_its_page_nor_its_files(
    built: Callable[..., tuple[Path, Run]],
) -> None:
    draft = notebook(
        markdown_cell("# 草稿"),
        code_cell("plot()", display({"image/png": b64(PNG)})),
        metadata={"kbsite": {"draft": True, "date": "2026-01-01"}},
    )
    public, _ = built(
        {
            "content/large-model/draft.ipynb": draft,
            "content/large-model/other.md": note("另一篇", LM, "2026-01-01"),
        }
    )
    assert (public / "large-model/other/index.html").is_file()
    assert not (public / "large-model/draft").exists()
    assert not (public / "large-model/draft.ipynb").exists()
