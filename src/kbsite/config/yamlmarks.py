"""YAML with line numbers: values plus the file line of every key and list item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from kbsite.errors import Diagnostic, KbsiteError, error, warning

KeyPath = tuple[str | int, ...]

# CSafeLoader is several times faster on large front matter; fall back where libyaml is absent.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _NoTimestampLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that leaves dates as strings, so kbsite parses every date format one way."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """Parsed YAML: the value and where each key path sits in the file (1-based)."""

    value: Any
    lines: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    path: str = ""
    first_line: int = 1
    warnings: tuple[Diagnostic, ...] = ()

    def where(self, key_path: KeyPath) -> tuple[int, int]:
        """Return (line, column) of a key path, or of its nearest known parent."""
        while key_path:
            if key_path in self.lines:
                return self.lines[key_path]
            key_path = key_path[:-1]
        return (self.first_line, 0)

    def error(self, key_path: KeyPath, message: str) -> Diagnostic:
        """Make an error located at a key path, keyed by its dotted name."""
        line, column = self.where(key_path)
        key = ".".join(str(k) for k in key_path)
        return error(self.path, line, message, key=key, column=column)


def parse_yaml(text: str, *, path: str, first_line: int = 1) -> YamlDocument:
    """Parse YAML whose first line is file line `first_line`; raise KbsiteError if malformed.

    YAML forbids tabs for indentation, yet editors insert them: when the text only parses with
    its tabs turned into spaces, it is read that way with a warning at the first tab.
    """
    try:
        return _parse(text, path, first_line)
    except KbsiteError as original:
        if "\t" not in text:
            raise
        try:
            doc = _parse(text.replace("\t", "  "), path, first_line)
        except KbsiteError:
            raise original from None
    line = first_line + text[: text.index("\t")].count("\n")
    note = warning(path, line, "tab in YAML read as two spaces; YAML allows only spaces here")
    return YamlDocument(doc.value, doc.lines, path, first_line, (note,))


def _parse(text: str, path: str, first_line: int) -> YamlDocument:
    loader = _NoTimestampLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        column = (mark.column + 1) if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if exc.problem and exc.context and context and mark and context.line != mark.line:
            problem += f" ({exc.context} started at line {first_line + context.line})"
        raise KbsiteError([error(path, line, f"invalid YAML: {problem}", column=column)]) from None
    except yaml.YAMLError as exc:
        raise KbsiteError([error(path, first_line, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        message = "invalid YAML: nested too deeply"
        raise KbsiteError([error(path, first_line, message)]) from None
    finally:
        loader.dispose()
    lines: dict[KeyPath, tuple[int, int]] = {}
    if node is not None:
        _record_lines(node, (), first_line, lines, set())
    return YamlDocument(value, lines, path, first_line)


def _record_lines(
    node: yaml.Node,
    prefix: KeyPath,
    first_line: int,
    out: dict[KeyPath, tuple[int, int]],
    seen: set[int],
) -> None:
    # Aliases share nodes: visit each once, or `&a [*a, *a]` chains take exponential time.
    if id(node) in seen or len(prefix) > 50:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            path = (*prefix, key)
            out[path] = (first_line + key_node.start_mark.line, key_node.start_mark.column + 1)
            _record_lines(value_node, path, first_line, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, index)
            out[path] = (first_line + item.start_mark.line, item.start_mark.column + 1)
            _record_lines(item, path, first_line, out, seen)


def type_name(value: object) -> str:
    """Name a YAML value's type the way a user would."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return type(value).__name__
