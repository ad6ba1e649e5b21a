"""Speed pieces that copy or patch another library's internals (markdown-it, Pygments, Jinja).

Each gives the same output as the library's own code, has a test that proves it, and is
installed through one factory (fastblock.accelerate_blocks, fastlex.accelerate,
jinja.environment_class) that installs nothing when KBSITE_NO_ACCEL=1: to rule them out when
a page looks wrong, and so that a test can build a site both ways and compare the bytes
(tests/integration/test_accel.py).
"""

from __future__ import annotations

import os

SWITCH = "KBSITE_NO_ACCEL"


def enabled() -> bool:
    """False when KBSITE_NO_ACCEL is set to anything but "" or "0"."""
    return os.environ.get(SWITCH, "") in ("", "0")
