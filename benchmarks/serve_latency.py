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
import tempfile
import threading
import time
from pathlib import Path

from kbsite.serve import Preview, ServeOptions

CATEGORIES = [
    ("Large Model", "large-model"),
    ("Computer Vision", "computer-vision"),
    ("Generative Model", "generative-model"),
    ("3D Model", "3d-model"),
    ("Reinforcement Learning", "reinforcement-learning"),
    ("Multimodal", "multimodal"),
]
WORDS = [
    "注意力",
    "机制",
    "低秩",
    "适配",
    "微调",
    "显存",
    "扩散",
    "模型",
    "采样",
    "噪声",
    "梯度",
    "策略",
    "价值",
    "函数",
    "视觉",
    "编码器",
    "对齐",
    "推理",
]


def write_site(root: Path, count: int) -> None:
    """Write a deterministic site of `count` notes in six categories."""
    rng = random.Random(4)
    lines = ["title: Bench", "base_url: https://example.github.io/notes/", "categories:"]
    lines += [f"  - name: {name}\n    slug: {slug}" for name, slug in CATEGORIES]
    (root / "site.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for number in range(count):
        name, slug = CATEGORIES[number % len(CATEGORIES)]
        folder = root / "content" / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note-{number:05d}.md").write_text(note_text(rng, number, name), "utf-8")


def note_text(rng: random.Random, number: int, category: str, extra: str = "") -> str:
    paragraphs = [
        "".join(rng.choice(WORDS) for _ in range(60)) + "。其中 $x^2$ 与 $\\alpha_i$ 的关系很重要。"
        for _ in range(4)
    ]
    day = 1 + number % 28
    month = 1 + number // 28 % 12
    return (
        f"---\ntitle: 笔记 {number}\ncategory: {category}\ndate: 2025-{month:02d}-{day:02d}\n"
        f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]\n---\n\n"
        + "\n\n".join(paragraphs[:2])
        + "\n\n## 推导\n\n"
        + "\n\n".join(paragraphs[2:])
        + f"\n\n```python\nloss = (pred - target) ** 2  # {number}\n```\n{extra}"
    )


class Listener:
    """Read the preview's event stream in a thread; record when each reload arrives."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/notes/__kbsite/events")
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
        write_site(root, args.notes)
        with Preview(ServeOptions(root, port=0)) as preview:
            report = preview.start()
            print(f"cold build: {args.notes} notes, {report.pages} pages in {report.seconds:.2f} s")
            listener = Listener(preview.server.server_address[1])
            rng = random.Random(7)
            latencies, builds = [], []
            for edit in range(1, args.edits + 1):
                number = rng.randrange(args.notes)
                name, slug = CATEGORIES[number % len(CATEGORIES)]
                path = root / "content" / slug / f"note-{number:05d}.md"
                text = note_text(random.Random(number), number, name, f"\n编辑 {edit}。\n")
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
