"""Time from saving a note to the reload event, on a generated site (default 5,000 notes).

    python benchmarks/serve_latency.py [--notes 5000] [--edits 7]

Runs the real preview in-process (watchdog, debounce, incremental build, event hub) and
listens on its event stream the way a browser tab does. Prints two latencies per save, both
including the debounce every save waits for: until the reload event for the edited note's page
(written ahead of the rebuild, see kbsite/serve/quickpage.py), and until the whole site is rebuilt.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from kbsite.config.siteconfig import load_config
from kbsite.serve.preview import Preview, ServeOptions

sys.path.insert(0, str(Path(__file__).parent))
from corpus import generate, note_place


class Listener:
    """Read the preview's event stream in a thread; record when each reload arrives."""

    def __init__(self, port: int, base_path: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", f"{base_path}__kbsite/events")
        self.response = self.conn.getresponse()
        self.arrived = threading.Condition()
        self.reloads: list[tuple[float, list[str] | None]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = b""
        try:
            for raw in self.response.fp:
                if raw.startswith(b"event: "):
                    name = raw[len(b"event: ") :].strip()
                elif raw.startswith(b"data: ") and name == b"reload":
                    paths = json.loads(raw[len(b"data: ") :]).get("paths")
                    with self.arrived:
                        self.reloads.append((time.perf_counter(), paths))
                        self.arrived.notify_all()
        except OSError:
            pass

    def wait(self, page: str, after: float, timeout: float = 60) -> float:
        """Return when the first reload event after `after` that concerns `page` arrived."""

        def arrived() -> float | None:
            for when, paths in self.reloads:
                if when > after and (paths is None or page in paths):
                    return when
            return None

        with self.arrived:
            if not self.arrived.wait_for(lambda: arrived() is not None, timeout):
                raise SystemExit(f"no reload event for {page} within a minute")
            return arrived()  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kbsite-bench-"))
    try:
        generate(root, args.notes)
        built: list[float] = []  # when each build finished
        with Preview(ServeOptions(root, port=0), on_build=lambda _: built.append(now())) as preview:
            report = preview.start()
            print(f"cold build: {args.notes} notes, {report.pages} pages in {report.seconds:.2f} s")
            base_path = load_config(root).base_path
            listener = Listener(preview.server.server_address[1], base_path)
            rng = random.Random(7)
            latencies, whole, builds = [], [], []
            for edit in range(1, args.edits + 1):
                # A writer's save: one more sentence in the body of an existing note.
                number = rng.randrange(args.notes)
                slug, name = note_place(number)
                path = root / "content" / slug / name
                text = path.read_text(encoding="utf-8") + f"\n编辑 {edit}：补充一句说明。\n"
                page = f"{base_path}{slug}/{Path(name).stem}/index.html"
                count = len(built)
                saved = now()
                path.write_text(text, encoding="utf-8")
                latencies.append(listener.wait(page, saved) - saved)
                while len(built) == count:
                    time.sleep(0.001)
                whole.append(built[-1] - saved)
                builds.append(preview_last_build(preview))
                time.sleep(0.3)  # let the watcher settle between edits
            print(f"save -> reload event for the edited page: {summary(latencies)}")
            print(f"  each save, in order: {', '.join(f'{s * 1000:.0f}' for s in latencies)} ms")
            print(f"save -> whole site rebuilt: {summary(whole)}")
            print(f"rebuild alone: {summary(builds)}; {len(latencies)} edits")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def now() -> float:
    return time.perf_counter()


def summary(seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"median {statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f})"


def preview_last_build(preview: Preview) -> float:
    return preview.last_report.seconds if preview.last_report else float("nan")


if __name__ == "__main__":
    main()
