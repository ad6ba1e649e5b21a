"""The search index: Pagefind run over the finished HTML, through its Python API.

Pagefind's extended binary segments Chinese text at index time (and its JavaScript does the same
for queries), so 注意力 or 低秩 find notes that contain them mid-sentence. Only the note article
is indexed (`data-pagefind-body` in note.html); inside it, chrome carries `data-pagefind-ignore`.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kbsite.errors import KbsiteError, error
from kbsite.write.output import StagedOutput, UpdatedOutput

log = logging.getLogger(__name__)

SEARCH_DIR = "pagefind"
INSTALL_HINT = 'pip install "pagefind[extended]"'
# Inside a formula only its TeX source (the MathML <annotation>) is indexed: the presentation
# glyphs would index "h=W0xh" beside "h = W_0 x".
EXCLUDE = [
    "math semantics > :not(annotation)",
    ".heading-anchor",
    ".footnote-backref",
]


@dataclass(frozen=True, slots=True)
class SearchIndex:
    pages: int
    files: tuple[str, ...]  # written under the site root, e.g. pagefind/pagefind.js
    seconds: float


def pagefind_executable() -> Path:
    """Find Pagefind's binary, preferring the extended one; explain the fix when it is missing."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        binary = None
    else:
        binary = get_executable()
    if binary is None:
        raise KbsiteError(
            [
                error(
                    "site.yaml",
                    0,
                    "the Pagefind search indexer is not installed; install it with "
                    f"`{INSTALL_HINT}`, or set `search: false` in site.yaml",
                    key="search",
                )
            ]
        )
    if "extended" not in binary.name:
        log.warning(
            "Pagefind at %s is not the extended build: Chinese text will not be segmented (%s)",
            binary,
            INSTALL_HINT,
        )
    return binary


def build_search_index(site_root: Path) -> SearchIndex:
    """Index the HTML under site_root into site_root/pagefind/; return what was written."""
    return _build_into(site_root, site_root / SEARCH_DIR)


# Left in the index folder by earlier versions of kbsite, which moved a rebuild's pages in first and
# indexed after: a build stopped in between left new pages with an old index and this mark. A
# build now indexes the staged site before swapping it in; it still re-indexes a marked index.
STALE_MARK = ".kbsite-stale"


def _build_into(site_root: Path, target: Path) -> SearchIndex:
    pagefind_executable()
    started = time.perf_counter()
    pages = _run_index(site_root, target)
    canonicalize(target)
    files = tuple(
        sorted(p.relative_to(site_root).as_posix() for p in target.rglob("*") if p.is_file())
    )
    seconds = time.perf_counter() - started
    log.info("search index: %d pages, %d files in %.2f s", pages, len(files), seconds)
    return SearchIndex(pages, files, seconds)


def _run_index(site_root: Path, target: Path) -> int:
    """Run the asyncio indexer; in a thread of its own when this one already runs a loop."""
    import asyncio  # only builds with search pay for it (7 ms)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_index(site_root, target))
    with ThreadPoolExecutor(1) as pool:  # e.g. called from Playwright's or Jupyter's loop
        return pool.submit(lambda: asyncio.run(_index(site_root, target))).result()


async def _index(site_root: Path, target: Path) -> int:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(exclude_selectors=EXCLUDE, output_path=str(target))
    # The service logs to a file it is given, never to our stdout; keep it out of the site.
    with tempfile.TemporaryDirectory(prefix="kbsite-pagefind-") as scratch:
        config["logfile"] = str(Path(scratch) / "pagefind.log")
        try:
            async with PagefindIndex(config=config) as index:
                result = await index.add_directory(str(site_root))
        except (OSError, AssertionError, KeyError) as exc:
            raise KbsiteError(
                [error("site.yaml", 0, f"the Pagefind search indexer failed: {exc}", key="search")]
            ) from None
    return int(result["page_count"])


# --- determinism ------------------------------------------------------------------------------
# Pagefind 1.5.2 writes each filter's values in Rust HashMap order, which changes from run to
# run; the filter file's name is a hash of its bytes, the language's meta file names it, and
# pagefind-entry.json names the meta file. Sort the values and rename along that chain, so the
# same site gives the same bytes.

_SIGNATURE = b"pagefind_dcd"


def canonicalize(bundle: Path) -> None:
    """Rewrite Pagefind's filter files in sorted order and fix the names that point at them."""
    renames: dict[bytes, bytes] = {}
    for path in sorted((bundle / "filter").glob("*.pf_filter")):
        try:
            name, values = _cbor_load(_unpack(path.read_bytes()))
        except (ValueError, KeyError, TypeError, OSError) as exc:  # a newer Pagefind's format
            log.warning("search index: cannot canonicalize %s (%s); output may vary", path, exc)
            return
        data = _pack(_cbor_dump([name, sorted(values, key=lambda v: v[0])]))
        renames[path.stem.encode()] = _renamed(path, data, 7)
    for path in sorted(bundle.glob("*.pf_meta")):
        raw = _unpack(path.read_bytes())
        for old, new in renames.items():
            raw = raw.replace(old, new)
        entry = bundle / "pagefind-entry.json"
        new_stem = _renamed(path, _pack(raw), 13)
        text = entry.read_bytes().replace(path.stem.removeprefix("pagefind.").encode(), new_stem)
        entry.write_bytes(text)


def _renamed(path: Path, data: bytes, digits: int) -> bytes:
    """Write data under a name hashed from it (keeping the language prefix); return the stem."""
    prefix, _, _ = path.stem.rpartition("_")
    stem = f"{prefix}_{hashlib.sha256(data).hexdigest()[:digits]}"
    path.unlink()
    path.with_name(stem + path.suffix).write_bytes(data)
    return stem.removeprefix("pagefind.").encode()


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


def index_staged(writer: StagedOutput, output: Path) -> None:
    """Index the staged site for search before it is swapped in, so its pages and index
    arrive together; an updated site keeps its index if no page changed (Pagefind takes
    5 s a thousand notes)."""
    if not isinstance(writer, UpdatedOutput):
        writer.written.extend(build_search_index(writer.root).files)
        return
    writer.link_unchanged()  # Pagefind reads the whole new site
    if _search_is_stale(output, writer.changed + writer.removed()):
        writer.clear(SEARCH_DIR)
        writer.changed.extend(build_search_index(writer.root).files)
    else:
        writer.carry(SEARCH_DIR)


def _search_is_stale(output: Path, changed: list[str]) -> bool:
    """An updated site needs a new search index only if a page changed (5 s a thousand notes).

    An index marked stale was left by an earlier kbsite, which indexed after moving the pages
    in, and was stopped in between."""
    index = output / SEARCH_DIR
    return (
        any(rel.endswith(".html") for rel in changed)
        or not index.is_dir()
        or (index / STALE_MARK).exists()
    )
