"""The example site served under /notes/ by a plain static server, as GitHub Pages serves a project."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import urlopen

import pytest

from kbsite.check.html import parse_page
from tests.conftest import REPO, Run

SUBPATH = "/notes/"
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve tmp/www on 127.0.0.1; the site goes in www/notes/, nothing else is there."""
    www = tmp_path / "www"
    www.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    httpd.shutdown()
    httpd.server_close()


def _fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except HTTPError as exc:
        return exc.code, "", b""


def _links(content_type: str, body: bytes) -> list[str]:
    if content_type == "text/html":
        return [ref.value for ref in parse_page(body.decode("utf-8")).references]
    if content_type == "text/css":
        return _CSS_URL.findall(body.decode("utf-8"))
    return []


def test_every_link_and_asset_of_the_site_served_under_a_subpath_answers(
    server: tuple[str, Path], run: Callable[..., Run]
) -> None:
    origin, www = server
    base_url = origin + SUBPATH
    built = run(
        "build", "--site", str(REPO), "--output", str(www / "notes"), "--base-url", base_url
    )
    assert built.status == 0, built.err

    queue, seen, external = [base_url], {base_url}, set()
    outside: list[str] = []
    broken: list[str] = []
    while queue:
        url = queue.pop()
        status, content_type, body = _fetch(url)
        if status != 200:
            broken.append(f"{url}: HTTP {status}")
            continue
        for value in _links(content_type, body):
            target, _ = urldefrag(urljoin(url, value))
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https"):
                continue  # mailto:, data:
            if f"{parts.scheme}://{parts.netloc}" != origin:
                external.add(target)  # not fetched: no network in tests
            elif not parts.path.startswith(SUBPATH):
                outside.append(f"{url}: {value}")
            elif target not in seen:
                seen.add(target)
                queue.append(target)
    assert broken == []
    assert outside == []
    # Every page but 404.html (and so every note, category, tag and archive page) is reachable
    # from the home page.
    paths = {unquote(urlsplit(url).path) for url in seen}
    built = {
        SUBPATH + p.relative_to(www / "notes").as_posix().removesuffix("index.html")
        for p in (www / "notes").rglob("*.html")
    }
    assert built - paths == {SUBPATH + "404.html"}
    assert any(url.endswith("/atom.xml") for url in seen)
    assert any(url.endswith(".svg") for url in seen)
    # The menu's GitHub link, and the papers the notes cite (arXiv and DOI links, issue 19).
    assert {urlsplit(url).netloc for url in external} <= {"github.com", "arxiv.org", "doi.org"}
