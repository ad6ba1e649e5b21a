"""`kbsite check`: every broken link, anchor, image, feed and sitemap URL, with file and line."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from tests.conftest import REPO, Run, WriteSite
from tests.helpers import note

LM = "Large Model"

# Broken references the build itself lets through: root-relative links in raw HTML and
# Markdown, and #anchors. Line numbers count from the top of the file (--- is line 1).
LORA = note(
    "LoRA",
    LM,
    "2026-01-11",
    """
    ## 低秩分解

    见 [分解](#低秩分解)、[DPO 的损失](../large-model/dpo.md#损失) 与 <a href="/large-model/dpo/#损失">DPO</a>。

    缺的笔记：<a href="/large-model/no-such-note/">不存在</a>

    缺的标题：[不存在的标题](#不存在) 和 <a href="/large-model/dpo/#目标">目标</a>

    缺的图：![架构](/figures/missing.svg)

    <img src="/figures/also-missing.png" srcset="/large-model/lora.svg 2x" alt="">
    """,
)
DPO = note("DPO", LM, "2026-02-01", "## 损失\n\n直接偏好优化。")
# A site template override that links past url_for() and to a page that does not exist.
NOT_FOUND = """\
{% extends "base.html" %}
{% block content %}
<p><a href="{{ url_for('/gone/') }}">gone</a></p>
<p><a href="/tags/">tags without the subpath</a></p>
{% endblock %}
"""


def broken_site(write_site: WriteSite) -> Path:
    return write_site(
        {
            "content/large-model/lora.md": LORA,
            "content/large-model/lora.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "content/large-model/dpo.md": DPO,
            "templates/404.html": NOT_FOUND,
        }
    )


def test_check_reports_each_broken_reference_at_its_note_line(
    write_site: WriteSite, run: Callable[..., Run]
) -> None:
    site = broken_site(write_site)
    result = run("check", cwd=site)
    assert result.status == 1
    lines = result.err.splitlines()
    notes = [line for line in lines if line.startswith("content/")]
    assert notes == [
        # The build itself warns about a #fragment naming no heading of its note (issue 23)
        "content/large-model/lora.md:13: warning: link: link '#不存在': no such heading in this "
        "note (its headings: 低秩分解)",
        "content/large-model/lora.md:11: broken link '/notes/large-model/no-such-note/': /notes/large-model/no-such-note/ is not in the site",
        "content/large-model/lora.md:13: broken anchor '#%E4%B8%8D%E5%AD%98%E5%9C%A8': no element with id '不存在' in this page",
        "content/large-model/lora.md:13: broken anchor '/notes/large-model/dpo/#目标': no element with id '目标' in /notes/large-model/dpo/",
        "content/large-model/lora.md:15: broken image '/notes/figures/missing.svg': /notes/figures/missing.svg is not in the site",
        "content/large-model/lora.md:17: broken image '/notes/figures/also-missing.png': /notes/figures/also-missing.png is not in the site",
    ]
    # Template links have no note: they are reported in the built page, which is kept.
    kept = [line for line in lines if "404.html:" in line]
    assert len(kept) == 2
    assert kept[0].endswith("broken link '/notes/gone/': /notes/gone/ is not in the site")
    assert "link '/tags/' points outside the site's base path /notes/" in kept[1]
    page = Path(kept[0].split(":")[0])
    assert page.is_file() and "kept in" in result.out
    shutil.rmtree(page.parent.parent)
    # srcset candidates are rewritten under the subpath, and made absolute in feeds.
    assert not [line for line in lines if "atom.xml:" in line]
    assert lines[-2:] == [
        "kbsite check: 7 broken references",
        "kbsite check: 1 problem in 1 note; `kbsite build --strict` fails on them",
    ]


def test_check_passes_on_the_example_site(run: Callable[..., Run], tmp_path: Path) -> None:
    # Builds into a temporary folder: the repository's public/ is never touched.
    result = run("check", "--site", str(REPO))
    assert result.status == 0, result.err
    assert result.out.startswith("Checked ")
    assert "external links (not fetched; --external fetches them)" in result.out


def test_example_site_feeds_parse_with_absolute_links(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    out = tmp_path / "public"
    assert run("build", "--site", str(REPO), "--output", str(out), "--quiet").status == 0
    feeds = sorted(out.rglob("atom.xml"))
    assert len(feeds) == 7
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        assert feed.entries
        for entry in feed.entries:
            assert entry.link.startswith("https://example.github.io/notes/")


def test_example_site_overrides_reach_every_page(run: Callable[..., Run], tmp_path: Path) -> None:
    """The example site's own templates/ and static/ (README, "Themes and overrides"): its
    custom_head.html links its stylesheet on every page, and its favicon replaces the theme's."""
    out = tmp_path / "public"
    assert run("build", "--site", str(REPO), "--output", str(out), "--quiet").status == 0
    assert (out / "css/example.css").read_bytes() == (REPO / "static/css/example.css").read_bytes()
    assert (out / "favicon.svg").read_bytes() == (REPO / "static/favicon.svg").read_bytes()
    link = '<link rel="stylesheet" href="/notes/css/example.css">'
    heads = {p: p.read_text("utf-8").split("</head>")[0] for p in sorted(out.rglob("*.html"))}
    pages = {p: head for p, head in heads.items() if 'http-equiv="refresh"' not in head}
    assert len(pages) > 50
    assert [p for p, head in pages.items() if link not in head] == []


def test_no_build_checks_an_existing_output_folder(
    write_site: WriteSite, run: Callable[..., Run], tmp_path: Path
) -> None:
    site = write_site(
        {
            "content/large-model/dpo.md": DPO,
            "content/large-model/lora.md": note("LoRA", LM, "2026-01-11"),
        }
    )
    out = tmp_path / "out"
    assert run("build", "--site", str(site), "--output", str(out), "--quiet").status == 0
    assert run("check", "--site", str(site), "--output", str(out), "--no-build").status == 0

    (out / "css/kbsite.css").unlink()
    (out / "large-model/dpo/index.html").unlink()
    atom = out / "atom.xml"
    atom.write_text(
        atom.read_text().replace(
            "https://user.github.io/notes/large-model/lora/", "/large-model/lora/"
        )
    )
    sitemap = out / "sitemap.xml"
    sitemap.write_text(
        sitemap.read_text().replace(
            "https://user.github.io/notes/tags/", "https://user.github.io/tags/"
        )
    )
    (out / "large-model/atom.xml").write_text("<feed><title>x</feed>")
    result = run("check", "--site", str(site), "--output", str(out), "--no-build")
    assert result.status == 1
    err = result.err
    assert "index.html:" in err and "broken stylesheet '/notes/css/kbsite.css'" in err
    assert (
        "broken link '/notes/large-model/dpo/': /notes/large-model/dpo/ is not in the site" in err
    )
    assert "atom.xml:" in err and "'/large-model/lora/' is not an absolute URL" in err
    assert "'https://user.github.io/notes/large-model/dpo/' is not in the site" in err
    assert "large-model/atom.xml:1: feed is not well-formed XML: mismatched tag" in err
    assert (
        "sitemap.xml:" in err
        and "'https://user.github.io/tags/' is not under base_url https://user.github.io/notes/"
        in err
    )


def test_no_build_needs_a_built_site(
    write_site: WriteSite, run: Callable[..., Run], tmp_path: Path
) -> None:
    site = write_site({"content/large-model/dpo.md": DPO})
    result = run("check", "--site", str(site), "--output", str(tmp_path / "none"), "--no-build")
    assert result.status == 1
    assert "no built site here; run kbsite build first, or drop --no-build" in result.err


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[str]:
    """Serve a folder with ok.html on 127.0.0.1, standing in for the outside world."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "ok.html").write_text("<!doctype html><title>ok</title>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_links_are_listed_and_fetched_only_when_asked(
    write_site: WriteSite, run: Callable[..., Run], local_server: str
) -> None:
    body = f"见 [可达]({local_server}/ok.html)。\n\n以及 [不可达]({local_server}/missing.html)。"
    site = write_site({"content/large-model/dpo.md": note("DPO", LM, "2026-02-01", body)})
    listed = run("check", "--verbose", cwd=site)
    assert listed.status == 0, listed.err
    assert f"content/large-model/dpo.md:7: external link {local_server}/ok.html" in listed.out
    assert f"content/large-model/dpo.md:9: external link {local_server}/missing.html" in listed.out
    assert "2 external links (not fetched; --external fetches them)" in listed.out

    fetched = run("check", "--external", "--timeout", "5", cwd=site)
    assert fetched.status == 1
    assert fetched.err.splitlines()[0] == (
        f"content/large-model/dpo.md:9: external link '{local_server}/missing.html' failed: "
        "HTTP 404 File not found"
    )
    assert "ok.html" not in fetched.err
