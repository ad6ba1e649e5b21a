"""What `kbsite --version` reports: kbsite, and the engines that render its math and search.

Read from the installed packages' metadata: nothing is started, so it answers at once and also
where an engine would fail to start (the report is what a bug report needs then).
"""

from __future__ import annotations

import platform
from importlib import metadata

from kbsite import __version__
from kbsite.render.math.katexengine import KATEX_VERSION


def version_report() -> str:
    """Return kbsite's version, then its math and search engines', one line each."""
    return "\n".join(
        [
            f"kbsite {__version__} (Python {platform.python_version()})",
            f"math: KaTeX {KATEX_VERSION} in {_math_engines()}",
            f"search: {_search_engine()}",
        ]
    )


def installed_version(package: str) -> str | None:
    """Return the installed version of a package, None if it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _math_engines() -> str:
    # kbsite.render.math.katexengine, in the formula process: V8 for large batches, QuickJS for
    # small ones; latex2mathml only when KaTeX's engine itself fails.
    engines = [
        f"{name} {version} ({engine})"
        for name, engine in (("mini-racer", "V8"), ("pykatex", "QuickJS"))
        if (version := installed_version(name)) is not None
    ]
    fallback = installed_version("latex2mathml")
    if fallback is not None:
        engines.append(f"fallback latex2mathml {fallback}")
    return ", ".join(engines) or "no engine installed"


def _search_engine() -> str:
    # The extended binary segments Chinese; kbsite.write.search prefers it to the standard one.
    for package, kind in (
        ("pagefind_bin_extended", "extended"),
        ("pagefind_bin", "standard, without Chinese segmentation"),
    ):
        version = installed_version(package)
        if version is not None:
            return f"Pagefind {version} ({kind})"
    return f"Pagefind not installed (pagefind {installed_version('pagefind') or 'missing'})"
