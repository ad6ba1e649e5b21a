"""A code cell's saved outputs -> what its page shows: for each output the richest MIME type
kbsite can show safely, images taken out as files named by their content's hash (never
inlined as base64), with their width and height."""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
import struct
from dataclasses import dataclass, field
from typing import Any

# Richest first, as nbconvert orders them; JavaScript is never run, widgets need a kernel.
MIME_ORDER = (
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "text/latex",
    "image/png",
    "image/jpeg",
    "text/plain",
)
IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/svg+xml": ".svg"}
_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SVG_ATTR = re.compile(r'\s(width|height|viewBox)="([^"]*)"')
_LENGTH = re.compile(r"^\s*([\d.]+)\s*(px|pt)?\s*$")

# What the renderer gets of an output (kbsite.render.notebook): plain JSON values.
Item = dict[str, Any]
# A run of outputs for the renderer, or the text of a text/markdown output (rendered as
# Markdown with the rest of the note).
Block = list[Item] | str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a notebook holds (an output image), written into the site at `rel_path`."""

    rel_path: str  # inside content/, like an asset: <folder>/<notebook>/<hash>.png
    data: bytes


@dataclass(slots=True)
class OutputFiles:
    """The images of one notebook, in the folder named after it beside the notebook (so,
    in the usual layout, beside its page), one file per distinct content."""

    folder: str
    stem: str
    found: dict[str, Attachment] = field(default_factory=dict)

    def image(self, bundle: dict[str, Any]) -> tuple[str, bytes] | None:
        """Write the richest image of a MIME bundle; return (path from the notebook's folder,
        the image's bytes), or None when it holds no image kbsite can decode."""
        for mime in ("image/svg+xml", "image/png", "image/jpeg"):
            if mime in bundle:
                data = _image_bytes(mime, bundle[mime])
                if data is None:
                    continue
                name = f"{hashlib.sha256(data).hexdigest()[:20]}{IMAGE_TYPES[mime]}"
                relative = f"{self.stem}/{name}"
                full = posixpath.join(self.folder, relative)
                self.found.setdefault(full, Attachment(full, data))
                return relative, data
        return None

    def all(self) -> tuple[Attachment, ...]:
        return tuple(self.found[path] for path in sorted(self.found))


def text_of(value: Any) -> str:
    """nbformat's multiline strings: a string, or a list of lines to join."""
    return "".join(value) if isinstance(value, list) else str(value or "")


def output_blocks(outputs: list[Any], files: OutputFiles) -> tuple[list[Block], set[str]]:
    """Turn a cell's outputs into blocks; return them and the types left out."""
    blocks: list[Block] = []
    omitted: set[str] = set()
    for output in outputs:
        item = _item(output, files, omitted)
        if item is None:
            continue
        if isinstance(item, str):
            blocks.append(item)
            continue
        last = blocks[-1] if blocks and not isinstance(blocks[-1], str) else None
        if last is None:
            blocks.append([item])
        elif _continues(last[-1], item):  # one stream printed in pieces is one block
            last[-1]["text"] += item["text"]
        else:
            last.append(item)
    for block in blocks:
        if not isinstance(block, str):
            for item in block:
                if item["t"] == "stream":
                    item["text"] = _carriage_returns(item["text"])
    return blocks, omitted


def _continues(previous: Item, item: Item) -> bool:
    return bool(previous["t"] == item["t"] == "stream" and previous["name"] == item["name"])


def _item(output: Any, files: OutputFiles, omitted: set[str]) -> Item | str | None:
    kind = output.get("output_type")
    if kind == "stream":
        return {"t": "stream", "name": str(output.get("name")), "text": text_of(output.get("text"))}
    if kind == "error":
        lines = [text_of(line) for line in output.get("traceback") or []]
        text = "\n".join(lines) or f"{output.get('ename')}: {output.get('evalue')}"
        return {"t": "error", "text": text}
    if kind not in ("execute_result", "display_data"):
        return None
    bundle = dict(output.get("data") or {})
    count = output.get("execution_count") if kind == "execute_result" else None
    metadata = output.get("metadata") or {}
    for mime in MIME_ORDER:
        if mime not in bundle:
            continue
        if mime in IMAGE_TYPES:
            found = files.image({mime: bundle[mime]})
            if found is None:
                continue
            width, height = _size(mime, found[1], metadata.get(mime) or {})
            return {"t": "image", "src": found[0], "w": width, "h": height, "n": count}
        text = text_of(bundle[mime])
        if mime == "text/markdown":
            return text
        kinds = {"text/html": "html", "text/latex": "latex", "text/plain": "text"}
        return {"t": kinds[mime], "text": text, "n": count}
    omitted.update(bundle or {"(empty output)"})
    return None


def _carriage_returns(text: str) -> str:
    """What a terminal shows of progress bars: on each line, the text after its last `\\r`."""
    if "\r" not in text:
        return text
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


def _image_bytes(mime: str, value: Any) -> bytes | None:
    if mime == "image/svg+xml":
        return text_of(value).encode("utf-8")
    try:
        return base64.b64decode(text_of(value), validate=False)
    except (binascii.Error, ValueError):
        return None


def _size(mime: str, data: bytes, metadata: dict[str, Any]) -> tuple[int, int]:
    """The image's width and height in CSS pixels: the notebook's own (a retina figure is
    saved at twice its size), else the file's; 0 when unknown."""
    width, height = metadata.get("width"), metadata.get("height")
    known = _png_size(data) if mime == "image/png" else None
    known = _jpeg_size(data) if mime == "image/jpeg" else known
    known = _svg_size(data.decode("utf-8", "replace")) if mime == "image/svg+xml" else known
    if isinstance(width, int | float) and width > 0:
        ratio = known[1] / known[0] if known and known[0] else 0
        if isinstance(height, int | float) and height > 0:
            return round(width), round(height)
        return round(width), round(width * ratio)
    return known or (0, 0)


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
        at += 2 + length
    return None


def _svg_size(text: str) -> tuple[int, int] | None:
    tag = _SVG_TAG.search(text[:8192])
    if tag is None:
        return None
    attrs = dict(_SVG_ATTR.findall(tag[0]))
    width, height = _length(attrs.get("width", "")), _length(attrs.get("height", ""))
    if width and height:
        return round(width), round(height)
    box = attrs.get("viewBox", "").replace(",", " ").split()
    try:
        return (round(float(box[2])), round(float(box[3]))) if len(box) == 4 else None
    except ValueError:
        return None


def _length(value: str) -> float:
    """An SVG length in CSS pixels (matplotlib writes points); 0 for percentages and others."""
    match = _LENGTH.match(value)
    if match is None:
        return 0.0
    return float(match[1]) * (4 / 3 if match[2] == "pt" else 1)
