"""Imports go one way, through the layers the README's Development section draws; no cycles.

Every import statement under src/kbsite counts: at the top, inside functions, under
`if TYPE_CHECKING:`. A cycle hidden behind a late import is still a cycle to the reader.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Each top-level module or package of kbsite, and its layer: a module may import its own
# package and anything in a lower layer, nothing else. The stages form a chain (config <- load
# <- render <- site <- write), so a stage may use every stage before it, never one after.
LAYERS: Mapping[str, int] = {
    "kbsite": 0,  # the package itself: __version__
    **dict.fromkeys(["errors", "urls", "workers", "progress", "accel"], 1),
    "config": 2,
    "load": 3,
    "render": 4,
    "site": 5,
    "write": 6,
    "build": 7,
    **dict.fromkeys(["serve", "check", "importers", "scaffold", "release"], 8),
    "cli": 9,
    "__main__": 10,
}


def module_name(src: Path, path: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str, known: set[str]) -> Iterator[tuple[str, int]]:
    """Yield each kbsite module `path` imports, with the line, resolved to a known module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            # `from kbsite.render import notes` imports a module; `from x import name` an object
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target, node.lineno


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def import_graph(src: Path) -> dict[str, dict[str, int]]:
    """Map each kbsite module to the kbsite modules it imports (with a line of each)."""
    paths = {module_name(src, p): p for p in sorted((src / "kbsite").rglob("*.py"))}
    known = set(paths)
    graph: dict[str, dict[str, int]] = {}
    for name, path in paths.items():
        graph[name] = {}
        for target, line in imports_of(path, name, known):
            graph[name].setdefault(target, line)
    return graph


def wrong_way(graph: Mapping[str, Mapping[str, int]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        source = layer_of(module)
        if source not in LAYERS:
            problems.append(f"{module}: not in a layer (a new stage module belongs in a package)")
            continue
        for target, line in sorted(targets.items()):
            into = layer_of(target)
            if into == source:
                continue
            if into not in LAYERS or LAYERS[into] >= LAYERS[source]:
                problems.append(f"{module}:{line}: imports {target} ({source} -> {into})")
    return problems


def cycles(graph: Mapping[str, Mapping[str, int]]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph.get(module, {}):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_imports_go_down_the_layers() -> None:
    problems = wrong_way(import_graph(SRC))
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_no_import_cycles() -> None:
    found = cycles(import_graph(SRC))
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_top_level_holds_only_the_pipeline_and_its_shared_parts() -> None:
    top = sorted(p.stem for p in (SRC / "kbsite").glob("*.py") if p.stem != "__init__")
    assert top == ["__main__", "build", "cli", "errors", "progress", "urls", "workers"]


def write_package(root: Path, files: Mapping[str, str]) -> Path:
    for rel, text in files.items():
        (root / "kbsite" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "kbsite" / rel).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("from kbsite.build import Builder\n", id="a stage imports build"),
        pytest.param("import kbsite.write.output\n", id="a stage imports a later one"),
        pytest.param(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kbsite.serve import x\n",
            id="under TYPE_CHECKING",
        ),
        pytest.param("def f():\n    from kbsite.cli import main\n", id="inside a function"),
        pytest.param("from ..write import output\n", id="relative"),
    ],
)
def test_an_import_against_the_layers_fails(tmp_path: Path, code: str) -> None:
    src = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "build.py": "",
            "cli.py": "",
            "serve/__init__.py": "",
            "write/__init__.py": "",
            "write/output.py": "",
            "render/__init__.py": "",
            "render/notes.py": code,
        },
    )
    problems = wrong_way(import_graph(src))
    assert len(problems) == 1 and problems[0].startswith("kbsite.render.notes:"), problems


def test_a_late_import_cycle_fails(tmp_path: Path) -> None:
    src = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "site/__init__.py": "",
            "site/links.py": "from kbsite.site.wiki import x\n",
            "site/wiki.py": "def f():\n    from kbsite.site import links\n",
        },
    )
    assert cycles(import_graph(src)) == [["kbsite.site.links", "kbsite.site.wiki"]]
