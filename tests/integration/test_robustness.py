"""No input crashes the build and nothing is lost: nasty files, names, sizes and orders."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import kbsite.load.content
from tests.conftest import SITE_YAML, Run, WriteSite
from tests.helpers import note

GOOD = note("好笔记", "Large Model", "2026-01-01", "正文 $x^2$。")


def build(run: Callable[..., Run], site: Path) -> Run:
    result = run("build", "--quiet", cwd=site)
    assert "Traceback" not in result.err
    return result


def test_a_5_mb_note_builds(write_site: WriteSite, run: Callable[..., Run]) -> None:
    paragraph = (
        "低秩适配冻结预训练权重 $W_0$，只训练增量 $\\Delta W = BA$，显存省下 $5 到 $10 的开销。"
        "代码 `loss.backward()` 和 **加粗** 以及 [链接](#a)。\n\n"
    )
    body = paragraph * (5_000_000 // len(paragraph.encode()))
    site = write_site(
        {"content/large-model/big.md": note("大笔记", "Large Model", "2026-01-01", body)}
    )
    assert (site / "content/large-model/big.md").stat().st_size > 5_000_000
    result = build(run, site)
    assert result.status == 0, result.err[-2000:]
    assert (site / "public/large-model/big/index.html").stat().st_size > 5_000_000


def test_a_note_that_is_only_front_matter(write_site: WriteSite, run: Callable[..., Run]) -> None:
    # It costs only itself (issue 23): left out with a warning, the rest of the site written.
    site = write_site(
        {
            "content/large-model/empty.md": "---\ntitle: 空\ndate: 2026-01-01\n---\n",
            "content/large-model/ok.md": GOOD,
        }
    )
    result = build(run, site)
    assert result.status == 0
    assert (
        "content/large-model/empty.md:5: warning: note has no text, so it is left out; write "
        "something below the front matter"
    ) in result.err
    assert not (site / "public/large-model/empty").exists()
    assert (site / "public/large-model/ok/index.html").is_file()


def test_non_utf8_file_is_an_error_naming_the_file(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    gbk = "---\ntitle: 中文\ndate: 2026-01-01\n---\n\n正文。\n".encode("gbk")
    site = write_site({"content/large-model/gbk.md": gbk, "content/large-model/ok.md": GOOD})
    result = build(run, site)
    assert result.status == 1
    assert (
        "content/large-model/gbk.md:2: not valid UTF-8; re-save the file as UTF-8 "
        "(it reads as GBK/GB18030: `iconv -f GB18030 -t UTF-8` converts it)"
    ) in result.err


def test_utf16_with_bom_is_read(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = write_site({"content/large-model/u16.md": GOOD.encode("utf-16")})
    assert build(run, site).status == 0
    assert "好笔记" in (site / "public/large-model/u16/index.html").read_text(encoding="utf-8")


def test_binary_file_named_md(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = write_site(
        {"content/large-model/image.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))}
    )
    result = build(run, site)
    assert result.status == 1
    assert (
        "content/large-model/image.md:1: binary file, not Markdown text; rename it or move it out of content/"
        in result.err
    )


def test_chinese_space_and_emoji_names(write_site: WriteSite, run: Callable[..., Run]) -> None:
    yaml = SITE_YAML + "  - name: 机器 学习 🤖\n"
    body = "见 ![图](<我的 图 🚀.png>) 和 [另一篇](<../large-model/空 格 ✨.md>)。"
    site = write_site(
        {
            "content/机器 学习 🤖/深度 笔记 🧠.md": note(
                "深度", "机器 学习 🤖", "2026-01-01", body
            ),
            "content/机器 学习 🤖/我的 图 🚀.png": b"png",
            "content/large-model/空 格 ✨.md": GOOD,
        },
        site_yaml=yaml,
    )
    result = build(run, site)
    assert result.status == 0, result.err
    html = (site / "public/ji-qi-xue-xi/shen-du-bi-ji/index.html").read_text(encoding="utf-8")
    assert "/notes/%E6%9C%BA%E5%99%A8%20%E5%AD%A6%E4%B9%A0%20%F0%9F%A4%96/" in html
    assert (site / "public/机器 学习 🤖/我的 图 🚀.png").read_bytes() == b"png"
    assert 'href="/notes/large-model/kong-ge/"' in html


def test_urls_differing_only_in_case_get_distinct_urls(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    # One folder on macOS would hold both: the later by path moves, with a warning.
    site = write_site({"content/large-model/LoRA.md": GOOD, "content/large-model/lora.md": GOOD})
    result = build(run, site)
    assert result.status == 0
    assert (
        "content/large-model/lora.md:1: warning: slug: URL /large-model/lora/ is also used by "
        "content/large-model/LoRA.md, so this note is at /large-model/lora-2/; set `slug:` in "
        "its front matter to choose its URL"
    ) in result.err
    assert (site / "public/large-model/lora/index.html").is_file()
    assert (site / "public/large-model/lora-2/index.html").is_file()


def test_symlink_loop_and_dangling_link_under_content(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = write_site({"content/large-model/a.md": GOOD})
    os.symlink("..", site / "content/large-model/loop")
    os.symlink(site / "content", site / "content/large-model/loop2")
    os.symlink("missing.png", site / "content/large-model/gone.png")
    result = build(run, site)
    assert result.status == 0, result.err
    assert "content/large-model/gone.png: warning: broken symbolic link; not copied" in result.err
    assert (site / "public/large-model/a/index.html").is_file()


def test_note_deleted_mid_build_is_left_out(
    write_site: WriteSite, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = write_site({"content/large-model/a.md": GOOD, "content/large-model/gone.md": GOOD})
    real = Path.read_bytes

    def vanish(self: Path) -> bytes:
        if self.name == "gone.md":  # listed, then deleted before it is read
            self.unlink()
            raise FileNotFoundError(2, "No such file or directory", str(self))
        return real(self)

    monkeypatch.setattr(kbsite.load.content.Path, "read_bytes", vanish)
    result = build(run, site)
    assert result.status == 0, result.err
    assert not (site / "public/large-model/gone").exists()


def test_tabs_in_yaml(write_site: WriteSite, run: Callable[..., Run]) -> None:
    text = "---\ntitle: 制表符\ndate: 2026-01-01\ntags:\n\t- LoRA\n\t- PEFT\n---\n正文。\n"
    site = write_site({"content/large-model/tabs.md": text})
    result = build(run, site)
    assert result.status == 0
    assert "content/large-model/tabs.md:5: warning: tab in YAML read as two spaces" in result.err
    assert (site / "public/tags/peft/index.html").is_file()


def test_currency_next_to_math(write_site: WriteSite, run: Callable[..., Run]) -> None:
    body = "训练花了 $5，推理 $10/小时；损失 $L = -\\log p$，再加 $3.5 的 $\\alpha$ 项。"
    site = write_site(
        {"content/large-model/money.md": note("钱", "Large Model", "2026-01-01", body)}
    )
    assert build(run, site).status == 0
    html = (site / "public/large-model/money/index.html").read_text(encoding="utf-8")
    assert "训练花了 $5，推理 $10/小时；" in html
    assert html.count('<span class="math inline">') == 2


def test_ten_levels_of_folders(write_site: WriteSite, run: Callable[..., Run]) -> None:
    deep = "content/large-model/" + "/".join(f"层{i}" for i in range(10)) + "/deep.md"
    site = write_site({deep: GOOD, deep.replace("deep.md", "fig.png"): b"img"})
    assert build(run, site).status == 0
    assert (site / "public/large-model/deep/index.html").is_file()
    assert (site / "public" / deep.removeprefix("content/").replace("deep.md", "fig.png")).is_file()


def test_undecodable_file_name_is_an_error(write_site: WriteSite, run: Callable[..., Run]) -> None:
    site = write_site({"content/large-model/a.md": GOOD})
    os.makedirs(os.fsencode(site / "content/large-model"), exist_ok=True)
    with open(os.fsencode(site / "content/large-model") + b"/\xd6\xd0.md", "wb") as handle:
        handle.write(GOOD.encode())
    result = build(run, site)
    assert result.status == 1
    assert (
        "content/large-model/\ufffd\ufffd.md: file name is not valid UTF-8; rename the file"
        in result.err
    )


# --- reproducibility -------------------------------------------------------------------------

FILES = {
    "content/large-model/b.md": note(
        "B", "Large Model", "2026-01-02", "正文 $a$。", tags="[x, y, z]"
    ),
    "content/large-model/a.md": note("A", "Large Model", "2026-01-02", "正文。", tags="[z, y]"),
    "content/computer-vision/c.md": note(
        "C", "Computer Vision", "2026-01-02", "[B](../large-model/b.md)", tags="[y]"
    ),
    "content/computer-vision/d.md": note(
        "D", "Computer Vision", "2025-12-31", "![](fig.png)", tags="[x]"
    ),
    "content/computer-vision/fig.png": "png",
    "content/large-model/e.md": note("E", "Large Model", "2026-01-02", "同一天。"),
}


def output_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_builds_are_byte_identical_across_hash_seeds_and_file_order(tmp_path: Path) -> None:
    outputs = []
    for number, (seed, order) in enumerate((("0", FILES), ("4242", dict(reversed(FILES.items()))))):
        site = tmp_path / f"site{number}"
        (site / "content").mkdir(parents=True)
        (site / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
        for rel, text in order.items():  # a different creation order: a different directory order
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_text(text, encoding="utf-8")
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "kbsite", "build", "--site", str(site), "--quiet"],
            check=True,
            env=env,
            cwd=tmp_path,
        )
        outputs.append(output_digest(site / "public"))
    assert outputs[0] == outputs[1]
