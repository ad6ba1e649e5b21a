"""Read the pixels of a Chromium screenshot (8-bit RGB or RGBA PNG, not interlaced) with the
standard library only, so a test can measure what the reader sees: a shadow, a plate."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    rows: tuple[bytes, ...]  # unfiltered scanlines
    channels: int

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """Return the (r, g, b) at x, y."""
        at = x * self.channels
        r, g, b = self.rows[y][at : at + 3]
        return r, g, b

    def column_median(self, x: int) -> float:
        """Return the median brightness (mean of r, g, b) of column x: the background wins over
        the glyphs drawn on it, which cover much less than half of any column."""
        values = sorted(sum(self.pixel(x, y)) / 3 for y in range(self.height))
        return values[len(values) // 2]


def read_png(data: bytes) -> Image:
    """Decode a PNG as Chromium writes it."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 0xFF
        rows.append(bytes(line))
        previous = line
    return Image(width, height, tuple(rows), channels)
