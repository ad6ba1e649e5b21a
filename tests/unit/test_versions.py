"""`kbsite --version` names kbsite and the engines behind its math and search."""

from __future__ import annotations

import platform
from importlib import metadata
from importlib.resources import files

import pytest

from kbsite import __version__
from kbsite.cli import main
from kbsite.render.math.katexengine import KATEX_VERSION


def test_version_prints_kbsite_and_its_math_and_search_engines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    v = metadata.version
    assert capsys.readouterr().out.splitlines() == [
        f"kbsite {__version__} (Python {platform.python_version()})",
        f"math: KaTeX {KATEX_VERSION} in mini-racer {v('mini-racer')} (V8), "
        f"pykatex {v('pykatex')} (QuickJS), fallback latex2mathml {v('latex2mathml')}",
        f"search: Pagefind {v('pagefind_bin_extended')} (extended)",
    ]


def test_the_reported_katex_version_is_the_vendored_one() -> None:
    script = (
        files("kbsite.render.math")
        .joinpath("vendor/katex/katex.min.js")
        .read_text(encoding="utf-8")
    )
    assert f'version:"{KATEX_VERSION}"' in script


def test_the_package_version_is_the_installed_distributions() -> None:
    # pyproject.toml reads the version from kbsite.__version__: one number, the tag's.
    assert metadata.version("kbsite") == __version__
