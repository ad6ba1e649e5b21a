"""Browser fixtures: the example site built once, served under /notes/, and one Chromium.

Chromium is Debian's (/usr/bin/chromium), never a Playwright download. Where it is missing the
browser tests skip, unless KBSITE_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"  # git-ignored: the visual review set
PREFIX = "/notes/"  # the example site's base_url subpath; serving under it tests url_for
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


class _SubpathHandler(SimpleHTTPRequestHandler):
    """Serve the built site at PREFIX only, as GitHub Pages serves a project site."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(PREFIX):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + path[len(PREFIX) :])

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; failed requests are asserted from the browser side


@dataclass(frozen=True)
class SiteServer:
    root: Path  # the built site on disk
    origin: str  # http://127.0.0.1:PORT

    def url(self, site_path: str = "/") -> str:
        """Return the served URL of a site path such as /large-model/lora/."""
        return self.origin + PREFIX.rstrip("/") + site_path


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the repository's example site once per session."""
    from kbsite.build import Builder, BuildOptions

    output = tmp_path_factory.mktemp("browser-site") / "public"
    Builder(BuildOptions(site_dir=REPO, output=output)).build()
    return output


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[SiteServer]:
    """Serve a built site on 127.0.0.1 at a free port, in a background thread."""
    handler = functools.partial(_SubpathHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SiteServer(root, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[SiteServer]:
    """Serve the example site."""
    with serve_directory(built_site) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch one headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: apt-get install chromium"
        if os.environ.get("KBSITE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Visit:
    """One page open in its own browser context, with everything it logged and requested."""

    page: Any
    origin: str
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about")
            and not url.startswith(self.origin + "/")
        ]


Open = Callable[..., Visit]


@pytest.fixture
def open_page(browser: Any, site_server: SiteServer) -> Iterator[Open]:
    """Open a site path in a fresh context (width, colour scheme, JavaScript on or off); phones
    (under 600 px) get a touch screen and 844 px of height, as an iPhone 14 at 390 px."""
    contexts = []

    def open_(
        path: str,
        width: int = 1280,
        theme: str = "light",
        js: bool = True,
        *,
        height: int | None = None,
        site: SiteServer | None = None,
    ) -> Visit:
        phone = width < 600
        context = browser.new_context(
            viewport={"width": width, "height": height or (844 if phone else 800)},
            color_scheme=theme,
            java_script_enabled=js,
            is_mobile=phone,
            has_touch=phone,
        )
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page, (site or site_server).origin)
        page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
        page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
        page.on("request", lambda r: visit.requests.append(r.url))
        page.on("requestfailed", lambda r: visit.failed.append(f"{r.url}: {r.failure}"))
        page.on(
            "response", lambda r: r.status >= 400 and visit.failed.append(f"{r.url}: {r.status}")
        )
        page.goto((site or site_server).url(path), wait_until="load")
        return visit

    yield open_
    for context in contexts:
        context.close()
