"""`kbsite serve` on a real socket: what it serves, what it refuses, and what it tells the tabs."""

from __future__ import annotations

import http.client
import json
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import kbsite.build
from kbsite.serve.preview import BuildReport, Preview, ServeOptions
from tests.conftest import SITE_YAML, Run, WriteSite
from tests.helpers import note, start_serve

LM, CV = "Large Model", "Computer Vision"
LORA = "/notes/large-model/lora/"


def small_site(write_site: WriteSite) -> Path:
    return write_site(
        {
            "content/large-model/lora.md": note(
                "LoRA", LM, "2026-01-11", "冻结预训练权重，只训练低秩增量。\n\n![图](lora.svg)"
            ),
            "content/large-model/lora.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "content/computer-vision/detr.md": note("DETR", CV, "2026-01-20", "检测即集合预测。"),
            "static/css/extra.css": "body { color: black; }\n",
            "static/fonts/kai.woff2": "wOF2",
            "static/data/index.json": "{}",
            "static/wasm/seg.wasm": "\0asm",
        }
    )


class Server:
    """A running preview and a client for it."""

    def __init__(self, preview: Preview, reports: list[BuildReport]) -> None:
        self.preview = preview
        self.reports = reports
        self.port = preview.server.server_address[1]

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(method, path)  # sent as is: http.client does not normalise `..`
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def text(self, path: str) -> str:
        status, _, body = self.get(path)
        assert status == 200, (path, status)
        return body.decode()

    def events(self, query: str = "") -> EventStream:
        return EventStream(self.port, "/notes/__kbsite/events" + query)


class EventStream:
    """Read Server-Sent Events from the preview, with a timeout on every wait."""

    def __init__(self, port: int, path: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.request("GET", path)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")

    def next(self, timeout: float = 10.0) -> tuple[str, dict[str, Any]]:
        """Return the next event's name and data (skipping comments and retry lines)."""
        deadline = time.monotonic() + timeout
        name, data = "message", ""
        while time.monotonic() < deadline:
            line = self.response.fp.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data = line[len("data: ") :]
            elif not line and data:
                return name, json.loads(data)
        raise AssertionError("no event in time")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def serve(write_site: WriteSite) -> Iterator[Callable[..., Server]]:
    previews: list[Preview] = []

    def start(site: Path | None = None, drafts: bool = False) -> Server:
        reports: list[BuildReport] = []
        site = site or small_site(write_site)
        preview = Preview(ServeOptions(site, port=0, drafts=drafts), on_build=reports.append)
        previews.append(preview)
        preview.start()
        return Server(preview, reports)

    yield start
    for preview in previews:
        preview.close()
        assert not preview.output.exists()


def edit(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- what is served ---------------------------------------------------------------------------


CONTENT_TYPES = [
    ("/notes/", "text/html; charset=utf-8"),
    (LORA, "text/html; charset=utf-8"),
    ("/notes/large-model/lora.svg", "image/svg+xml"),
    ("/notes/css/kbsite.css", "text/css; charset=utf-8"),
    ("/notes/css/extra.css", "text/css; charset=utf-8"),
    ("/notes/js/kbsite.js", "text/javascript; charset=utf-8"),
    ("/notes/atom.xml", "application/atom+xml; charset=utf-8"),
    ("/notes/sitemap.xml", "application/xml"),
    ("/notes/robots.txt", "text/plain; charset=utf-8"),
    ("/notes/fonts/kai.woff2", "font/woff2"),
    ("/notes/data/index.json", "application/json"),
    ("/notes/wasm/seg.wasm", "application/wasm"),
    ("/notes/__kbsite/live-reload.js", "text/javascript; charset=utf-8"),
]


def test_serves_files_with_their_content_type(serve: Callable[..., Server]) -> None:
    server = serve()
    for path, content_type in CONTENT_TYPES:
        status, headers, body = server.get(path)
        assert (status, headers["Content-Type"]) == (200, content_type), path
        assert headers["Cache-Control"] == "no-cache"
        assert int(headers["Content-Length"]) == len(body) > 0


def test_head_sends_headers_only(serve: Callable[..., Server]) -> None:
    status, headers, body = serve().get(LORA, method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_serves_under_the_base_path_and_redirects_to_it(serve: Callable[..., Server]) -> None:
    server = serve()
    assert server.preview.url == f"http://127.0.0.1:{server.port}/notes/"
    for path in ("/", "/notes"):
        status, headers, _ = server.get(path)
        assert (status, headers["Location"]) == (302, "/notes/")
    status, headers, _ = server.get("/notes/large-model?x=1")
    assert (status, headers["Location"]) == (301, "/notes/large-model/?x=1")
    assert server.get("/large-model/")[0] == 404
    # canonical links point at the preview, subpath kept
    assert f'href="http://127.0.0.1:{server.port}{LORA}"' in server.text(LORA)


def test_missing_pages_get_the_sites_404_page(serve: Callable[..., Server]) -> None:
    status, headers, body = serve().get("/notes/no-such-note/")
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "404" in body.decode() and "live-reload.js" in body.decode()


TRAVERSALS = [
    "/notes/../site.yaml",
    "/notes/../../../../etc/passwd",
    "/notes/%2e%2e/site.yaml",
    "/notes/%2E%2E/%2e%2e/site.yaml",
    "/notes/large-model/..%2f..%2f..%2fsite.yaml",
    "/notes/..%5csite.yaml",
    "/notes/index.html%00.css",
    "/notes/%ff%fe",
    "/notes/.kbsite-output",
    "/notes/outside/secret.txt",  # a symlink in the output pointing out of it
    "/notes/leak.txt",
]


def test_refuses_paths_outside_the_output(serve: Callable[..., Server], tmp_path: Path) -> None:
    server = serve()
    secret = tmp_path / "outside"
    edit(secret / "secret.txt", "TOP SECRET")
    (server.preview.output / "outside").symlink_to(secret, target_is_directory=True)
    (server.preview.output / "leak.txt").symlink_to(secret / "secret.txt")
    for path in TRAVERSALS:
        status, _, body = server.get(path)
        assert status == 404, path
        assert b"TOP SECRET" not in body and b"base_url" not in body, path


def test_live_reload_script_is_only_in_served_pages(
    serve: Callable[..., Server], write_site: WriteSite, run: Callable[..., Run]
) -> None:
    server = serve()
    page = server.text(LORA)
    assert re.search(r'<script src="/notes/__kbsite/live-reload\.js\?v=\d+"[^>]* defer>', page)
    assert "EventSource" in server.text("/notes/__kbsite/live-reload.js")
    site = small_site(write_site)
    assert run("build", "--site", str(site), "-o", str(site / "public")).status == 0
    for html in (site / "public").rglob("*.html"):
        assert "__kbsite" not in html.read_text(encoding="utf-8"), html


def test_serve_never_writes_into_the_site(serve: Callable[..., Server]) -> None:
    server = serve()
    site = server.preview.options.site_dir
    assert not (site / "public").exists()
    assert not server.preview.output.is_relative_to(site)


# --- rebuilds and events ----------------------------------------------------------------------


def test_editing_a_note_reloads_with_the_new_text(serve: Callable[..., Server]) -> None:
    server = serve()
    events = server.events()
    edit(
        server.preview.options.site_dir / "content/large-model/lora.md",
        note("LoRA", LM, "2026-01-11", "改过的正文：秩 r=8。"),
    )
    name, data = events.next()
    assert name == "reload"
    assert "/notes/large-model/lora/index.html" in data["paths"]
    assert "改过的正文" in server.text(LORA)
    name, data = events.next()  # the rebuild: the cards showing the new excerpt
    assert (name, data["paths"]) == ("reload", data["paths"])
    assert "/notes/large-model/lora/index.html" not in data["paths"]  # no second reload
    assert "/notes/index.html" in data["paths"]
    assert server.reports[-1].ok and server.reports[-1].event == "reload"
    assert server.reports[-1].quick_page == "large-model/lora/index.html"
    assert 0 < server.reports[-1].quick_seconds < server.reports[-1].seconds


def test_front_matter_edits_wait_for_the_whole_rebuild(serve: Callable[..., Server]) -> None:
    server = serve()
    events = server.events()
    edit(
        server.preview.options.site_dir / "content/large-model/lora.md",
        note(
            "LoRA 新标题", LM, "2026-01-11", "冻结预训练权重，只训练低秩增量。\n\n![图](lora.svg)"
        ),
    )
    name, data = events.next()
    assert name == "reload" and "/notes/index.html" in data["paths"]  # one event, all of it
    assert "LoRA 新标题" in server.text("/notes/")
    assert server.reports[-1].quick_page == ""


def test_a_tab_reconnecting_after_a_rebuild_of_other_pages_stays(
    serve: Callable[..., Server],
) -> None:
    server = serve()
    stamp = re.search(r"live-reload\.js\?v=(\d+)", server.text("/notes/computer-vision/detr/"))
    assert stamp is not None
    events = server.events()
    edit(
        server.preview.options.site_dir / "content/large-model/lora.md",
        note("LoRA", LM, "2026-01-11", "只改了这一篇的正文。"),
    )
    assert events.next()[0] == "reload"  # the quick page
    assert events.next()[0] == "reload"  # the rest
    late = server.events(f"?v={stamp.group(1)}")  # the DETR tab, back from a lost connection
    name, data = late.next()
    assert name == "reload"
    assert data["paths"] and "/notes/computer-vision/detr/index.html" not in data["paths"]


def test_adding_and_deleting_a_note_updates_every_index(serve: Callable[..., Server]) -> None:
    server = serve()
    site = server.preview.options.site_dir
    events = server.events()
    edit(site / "content/large-model/dpo.md", note("DPO 直接偏好优化", LM, "2026-02-01"))
    name, data = events.next()
    assert name == "reload" and "/notes/large-model/dpo/index.html" in data["paths"]
    assert "DPO 直接偏好优化" in server.text("/notes/large-model/dpo/")
    assert "DPO 直接偏好优化" in server.text("/notes/large-model/")
    assert "DPO 直接偏好优化" in server.text("/notes/atom.xml")

    (site / "content/large-model/dpo.md").unlink()
    name, data = events.next()
    assert name == "reload" and "/notes/large-model/dpo/index.html" in data["paths"]
    assert server.get("/notes/large-model/dpo/")[0] == 404
    assert "DPO" not in server.text("/notes/large-model/")
    assert "DPO" not in server.text("/notes/atom.xml")


def test_broken_front_matter_shows_errors_and_keeps_the_last_good_site(
    serve: Callable[..., Server],
) -> None:
    server = serve()
    lora = server.preview.options.site_dir / "content/large-model/lora.md"
    good = lora.read_text(encoding="utf-8")
    events = server.events()
    edit(lora, "---\ntitle: LoRA\ncategory: [Large Model\ndate: 2026-01-11\n---\n\n坏了。\n")
    name, data = events.next()
    assert name == "error"
    [problem] = data["diagnostics"]
    assert problem["path"].endswith("content/large-model/lora.md")
    assert problem["line"] >= 2 and problem["message"]
    assert server.reports[-1].ok is False
    assert "冻结预训练权重" in server.text(LORA)  # the last good page, not a broken one
    late = server.events()  # a tab opened now learns about the error at once
    assert late.next()[0] == "error"

    edit(lora, good)  # back to exactly the last good site: nothing to reload, clear the overlay
    assert events.next()[0] == "ok"
    edit(lora, good.replace("冻结", "先冻结"))
    assert events.next()[0] == "reload"
    assert "先冻结预训练权重" in server.text(LORA)


def test_unknown_category_names_the_file(serve: Callable[..., Server]) -> None:
    server = serve()
    events = server.events()
    edit(
        server.preview.options.site_dir / "content/large-model/lora.md",
        note("LoRA", "Large Modle", "2026-01-11"),
    )
    name, data = events.next()
    assert name == "error"
    assert "Large Model" in data["diagnostics"][0]["message"]  # did you mean


def test_css_only_change_swaps_stylesheets(serve: Callable[..., Server]) -> None:
    server = serve()
    events = server.events()
    edit(server.preview.options.site_dir / "static/css/extra.css", "body { color: red; }\n")
    name, data = events.next()
    assert (name, data["urls"]) == ("css", ["/notes/css/extra.css"])
    assert "red" in server.text("/notes/css/extra.css")


def test_template_change_reloads_every_page(serve: Callable[..., Server]) -> None:
    server = serve()
    events = server.events()
    edit(
        server.preview.options.site_dir / "templates/partials/footer.html",
        "<footer>自定义页脚</footer>\n",
    )
    name, _ = events.next()
    assert name == "reload"
    assert "自定义页脚" in server.text(LORA) and "自定义页脚" in server.text("/notes/")


def test_a_tab_that_connects_after_a_rebuild_catches_up(serve: Callable[..., Server]) -> None:
    server = serve()
    stamp = re.search(r"live-reload\.js\?v=(\d+)", server.text(LORA))
    assert stamp is not None
    events = server.events()
    edit(
        server.preview.options.site_dir / "content/large-model/lora.md",
        note("LoRA 2", LM, "2026-01-11"),
    )
    events.next()
    late = server.events(f"?v={stamp.group(1)}")  # its page predates that rebuild
    assert late.next()[0] == "reload"


def test_many_tabs_hear_each_rebuild_and_close_on_shutdown(serve: Callable[..., Server]) -> None:
    server = serve()
    tabs = [server.events() for _ in range(24)]
    failures: list[BaseException] = []

    def fetch() -> None:
        try:
            for _ in range(5):
                assert server.get(LORA)[0] == 200
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    workers = [threading.Thread(target=fetch) for _ in range(8)]
    for worker in workers:
        worker.start()
    edit(
        server.preview.options.site_dir / "content/computer-vision/detr.md",
        note("DETR 2", CV, "2026-01-20"),
    )
    assert all(tab.next()[0] == "reload" for tab in tabs)
    for worker in workers:
        worker.join(10)
    assert not failures
    started = time.monotonic()
    server.preview.close()
    assert time.monotonic() - started < 3
    for tab in tabs:
        assert tab.response.fp.read() in (b"", None)  # the stream ended


def test_starts_with_a_broken_site_and_recovers(
    serve: Callable[..., Server], write_site: WriteSite
) -> None:
    site = small_site(write_site)
    lora = site / "content/large-model/lora.md"
    good = lora.read_text(encoding="utf-8")
    edit(lora, "---\ntitle: [\n---\n")
    server = serve(site)
    assert server.reports[0].ok is False
    status, _, body = server.get(LORA)  # nothing built yet: a page that still listens
    assert status == 404 and b"live-reload.js" in body
    # the overlay's words are the site's language, zh-CN, even before a good build
    assert 'data-title="kbsite：构建失败"'.encode() in body
    events = server.events()
    assert events.next()[0] == "error"
    edit(lora, good)
    assert events.next()[0] == "reload"
    assert "冻结预训练权重" in server.text(LORA)


def test_drafts_are_shown_when_asked(serve: Callable[..., Server], write_site: WriteSite) -> None:
    site = small_site(write_site)
    edit(site / "content/large-model/wip.md", note("草稿", LM, "2026-03-01", draft="true"))
    assert serve(site, drafts=True).get("/notes/large-model/wip/")[0] == 200
    assert serve(site).get("/notes/large-model/wip/")[0] == 404


# --- the command ------------------------------------------------------------------------------


def test_cli_serves_reports_rebuilds_and_stops_cleanly_on_ctrl_c(
    write_site: WriteSite, tmp_path: Path
) -> None:
    site = small_site(write_site)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = start_serve(site, scratch)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Built 2 notes")
        url = re.search(r"Serving (http://127\.0\.0\.1:(\d+)/notes/)", process.stdout.readline())
        assert url is not None
        assert next(p.name for p in scratch.iterdir()).startswith("kbsite-serve-")
        stream = EventStream(int(url.group(2)), "/notes/__kbsite/events")
        edit(site / "content/large-model/lora.md", "---\ntitle: [\n---\n")
        assert stream.next()[0] == "error"
        edit(site / "content/large-model/lora.md", note("LoRA", LM, "2026-01-11", "新的。"))
        assert stream.next()[0] == "reload"
        assert re.match(r"rebuilt in \d+ ms \(\d+ files changed\)", process.stdout.readline())
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "Traceback" not in err
    assert err.count("content/large-model/lora.md") == 1  # printed once per rebuild
    assert "build failed in" in err
    assert list(scratch.iterdir()) == []  # the temporary output is gone


def test_a_save_during_the_first_build_is_not_lost(
    write_site: WriteSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = small_site(write_site)
    read = kbsite.build.load_content
    calls = []

    def read_then_save(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        if not calls:  # the writer saves just after the first build has read the notes
            edit(site / "content/large-model/lora.md", note("LoRA", LM, "2026-01-11", "刚存的。"))
        calls.append(1)
        return found

    monkeypatch.setattr(kbsite.build, "load_content", read_then_save)
    with Preview(ServeOptions(site, port=0)) as preview:
        preview.start()
        page = (preview.output / "large-model/lora/index.html").read_text(encoding="utf-8")
    assert "刚存的" in page


def test_editing_the_bibliography_updates_the_notes_citing_it(
    serve: Callable[..., Server], write_site: WriteSite
) -> None:
    bib = "@misc{hu2022lora, title = {LoRA: Low-Rank Adaptation}, author = {Hu, Edward}, year = 2022}\n"
    site = write_site(
        {
            "bibliography/refs.bib": bib,
            "content/large-model/lora.md": note("LoRA", LM, "2026-01-11", "由 @hu2022lora 提出。"),
            "content/computer-vision/detr.md": note("DETR", CV, "2026-01-20", "检测即集合预测。"),
        },
        SITE_YAML + "bibliography: bibliography/refs.bib\n",
    )
    server = serve(site)
    assert "LoRA: Low-Rank Adaptation[A]" in server.text(LORA)  # GB/T 7714: a @misc is [A]
    events = server.events()
    edit(site / "bibliography/refs.bib", bib.replace("Low-Rank Adaptation", "低秩适配"))
    name, data = events.next()
    assert name == "reload"
    assert "/notes/large-model/lora/index.html" in data["paths"]
    assert "/notes/references/index.html" in data["paths"]
    assert "/notes/computer-vision/detr/index.html" not in data["paths"]
    assert "LoRA: 低秩适配" in server.text(LORA)
    assert server.reports[-1].ok
