"""Time from saving a note to the reload event, on a generated site (default 5,000 notes).

    python benchmarks/serve_latency.py [--notes 5000] [--edits 7]

Runs the real preview in-process (watchdog, debounce, incremental build, event hub) and
listens on its event stream the way a browser tab does. The latency includes the ~100 ms
debounce every save waits for.
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from kbsite.config import load_config
from kbsite.serve import Preview, ServeOptions

sys.path.insert(0, str(Path(__file__).parent))
from corpus import generate, note_place


class Listener:
    """Read the preview's event stream in a thread; record when each reload arrives."""

    def __init__(self, port: int, base_path: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", f"{base_path}__kbsite/events")
        self.response = self.conn.getresponse()
        self.arrived = threading.Condition()
        self.reloads: list[float] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.response.fp:
                if raw.startswith(b"event: reload"):
                    with self.arrived:
                        self.reloads.append(time.perf_counter())
                        self.arrived.notify_all()
        except OSError:
            pass

    def wait(self, count: int, timeout: float = 60) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.reloads) >= count, timeout):
                raise SystemExit("no reload event within a minute")
            return self.reloads[count - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kbsite-bench-"))
    try:
        generate(root, args.notes)
        with Preview(ServeOptions(root, port=0)) as preview:
            report = preview.start()
            print(f"cold build: {args.notes} notes, {report.pages} pages in {report.seconds:.2f} s")
            base_path = load_config(root).base_path
            listener = Listener(preview.server.server_address[1], base_path)
            rng = random.Random(7)
            latencies, builds = [], []
            for edit in range(1, args.edits + 1):
                # A writer's save: one more sentence in the body of an existing note.
                number = rng.randrange(args.notes)
                slug, name = note_place(number)
                path = root / "content" / slug / name
                text = path.read_text(encoding="utf-8") + f"\n编辑 {edit}：补充一句说明。\n"
                saved = time.perf_counter()
                path.write_text(text, encoding="utf-8")
                latencies.append(listener.wait(edit) - saved)
                builds.append(preview_last_build(preview))
                time.sleep(0.3)  # let the watcher settle between edits
            print(
                f"save -> reload event: median {statistics.median(latencies) * 1000:.0f} ms "
                f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}) over "
                f"{len(latencies)} edits; rebuild alone: median "
                f"{statistics.median(builds) * 1000:.0f} ms"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def preview_last_build(preview: Preview) -> float:
    return preview.last_report.seconds if preview.last_report else float("nan")


if __name__ == "__main__":
    main()
