"""Pagefind's index made byte-identical from run to run (issue 21 keeps what issue 14 found).

Pagefind 1.5.2 writes each filter's values in Rust HashMap order, which changes from run to
run; the filter file's name is a hash of its bytes, the language's meta file names it, and
pagefind-entry.json names the meta file. Sort the values and rename along that chain, so the
same pages give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from typing import Any

log = logging.getLogger(__name__)

_SIGNATURE = b"pagefind_dcd"
ENTRY = "pagefind-entry.json"


def canonicalize(files: dict[str, bytes]) -> dict[str, bytes]:
    """Return a bundle's files (path -> bytes) with filter values sorted and names fixed."""
    out = dict(files)
    renames: dict[bytes, bytes] = {}
    for path in sorted(p for p in files if p.startswith("filter/") and p.endswith(".pf_filter")):
        try:
            name, values = _cbor_load(_unpack(files[path]))
        except (ValueError, KeyError, TypeError) as exc:  # a newer Pagefind's format
            log.warning("search index: cannot canonicalize %s (%s); output may vary", path, exc)
            return dict(files)
        data = _pack(_cbor_dump([name, sorted(values, key=lambda v: v[0])]))
        renamed = _hashed_name(path, data, 7)
        del out[path]
        out[renamed] = data
        renames[_stem(path)] = _stem(renamed)
    for path in sorted(p for p in files if p.endswith(".pf_meta") and "/" not in p):
        raw = _unpack(files[path])
        for old, new in renames.items():
            raw = raw.replace(old, new)
        data = _pack(raw)
        renamed = _hashed_name(path, data, 13)
        del out[path]
        out[renamed] = data
        out[ENTRY] = out[ENTRY].replace(_stem(path), _stem(renamed))
    return out


def _hashed_name(path: str, data: bytes, digits: int) -> str:
    """The path renamed after a hash of data, keeping its folder, language prefix and suffix."""
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    prefix, _, _ = stem.rpartition("_")
    renamed = f"{prefix}_{hashlib.sha256(data).hexdigest()[:digits]}{dot}{suffix}"
    return f"{folder}/{renamed}" if folder else renamed


def _stem(path: str) -> bytes:
    """The part of a file's name other files use for it: `zh-cn_1a2b3c4`."""
    name = path.rpartition("/")[2]
    return name.rpartition(".")[0].removeprefix("pagefind.").encode()


def _unpack(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return raw[len(_SIGNATURE) :]


def _pack(payload: bytes) -> bytes:
    return gzip.compress(_SIGNATURE + payload, compresslevel=9, mtime=0)


def _cbor_load(data: bytes) -> Any:
    """Decode the CBOR subset Pagefind writes: unsigned ints, text, bytes, arrays, maps."""
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes in CBOR data")
    return value


def _cbor_item(data: bytes, at: int) -> tuple[Any, int]:
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        arg = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        arg, at = int.from_bytes(data[at : at + size], "big"), at + size
    if major == 0:
        return arg, at
    if major in (2, 3):
        chunk = data[at : at + arg]
        return (chunk.decode() if major == 3 else bytes(chunk)), at + arg
    if major in (4, 5):
        items = []
        for _ in range(arg * (2 if major == 5 else 1)):
            item, at = _cbor_item(data, at)
            items.append(item)
        if major == 5:
            return dict(zip(items[::2], items[1::2], strict=True)), at
        return items, at
    raise ValueError(f"unsupported CBOR major type {major}")


def _cbor_dump(value: Any) -> bytes:
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, str):
        encoded = value.encode()
        return _cbor_head(3, len(encoded)) + encoded
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_dump(v) for v in value)
    if isinstance(value, dict):
        body = b"".join(_cbor_dump(k) + _cbor_dump(v) for k, v in value.items())
        return _cbor_head(5, len(value)) + body
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")
