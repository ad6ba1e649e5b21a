"""Browser fixtures: the example site built once, served under /notes/, and one Chromium.

Chromium is Debian's (/usr/bin/chromium), never a Playwright download. Where it is missing the
browser tests skip, unless KBSITE_REQUIRE_BROWSER=1 (CI), where they fail instead.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
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


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[SiteServer]:
    """Serve the built site on 127.0.0.1 at a free port, in a background thread."""
    handler = functools.partial(_SubpathHandler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SiteServer(built_site, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


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
