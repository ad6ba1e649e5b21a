"""site.yaml's `math` (issue 20): the site's TeX macros, validated, with their lines."""

from __future__ import annotations

import re
from typing import Any

from kbsite.config.yamlmarks import YamlDocument, type_name
from kbsite.errors import Diagnostic, did_you_mean


def parse_math_macros(
    doc: YamlDocument, math: dict[Any, Any], problems: list[Diagnostic]
) -> tuple[tuple[str, str], ...]:
    """`math: {macros: {"\\E": "\\mathbb{E}", "norm": "\\lVert #1 \\rVert"}}`: names with
    or without their backslash, bodies in TeX, as KaTeX's `macros` option takes them."""
    macros: list[tuple[str, str]] = []
    for key, value in math.items():
        if key != "macros":
            hint = did_you_mean(str(key), ["macros"])
            problems.append(doc.error(("math", key), f"unknown key{hint}; known keys: macros"))
        elif not isinstance(value, dict):
            problems.append(doc.error(("math", key), f"expected a mapping, got {type_name(value)}"))
        else:
            for name, body in value.items():
                where = ("math", "macros", name)
                bare = str(name).removeprefix("\\")
                if not re.fullmatch(r"[A-Za-z]+", bare):
                    message = f"macro name '{name}' must be letters, such as \\E or \\norm"
                    problems.append(doc.error(where, message))
                elif not isinstance(body, str):
                    message = f"expected the macro's TeX as text, got {type_name(body)}"
                    problems.append(doc.error(where, message))
                else:
                    macros.append((bare, body))
    return tuple(macros)
