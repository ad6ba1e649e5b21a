"""Where a site's sources are, relative to its folder: the one owner of those names.

Light on purpose (pathlib only): `kbsite build` asks for the notes folder before it imports
the config's modules, to start the formula process (kbsite.render.math.prestart).
"""

from __future__ import annotations

from pathlib import Path

CONTENT_DIR = "content"  # the notes, and the files copied beside them


def content_dir(site_dir: Path) -> Path:
    """The folder of a site's notes."""
    return site_dir / CONTENT_DIR
