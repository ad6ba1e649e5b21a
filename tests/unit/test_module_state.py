"""No module-level mutable state in kbsite, but the fork hand-off in workers.py (issue 17).

State a build or a serve session keeps belongs to an object someone creates and passes on (a
Builder's BuildCache, its Formulas), so two builds in one process share nothing by accident
and a test can make two side by side. Read from the source of every module under src/kbsite:

- no `global` statement (workers.py's hand-off to forked workers aside);
- no module-level dict, list or set (or a class attribute) that any module changes: constant
  tables are fine, a memo filling up is not;
- no atexit hook: whoever starts something ends it;
- every functools cache says on its decorator's line why it may be process-wide (a pure
  function of what never changes while the process runs).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "kbsite"
HAND_OFF = SRC / "workers.py"  # start_worker/fork_map: what forked workers inherit

_CONTAINERS = {"dict", "list", "set", "defaultdict", "deque", "OrderedDict", "Counter"}
_MUTATORS = {
    "append", "appendleft", "extend", "extendleft", "insert", "update", "setdefault", "pop",
    "popitem", "popleft", "clear", "add", "discard", "remove", "sort", "reverse", "__setitem__",
}  # fmt: skip
_CACHES = {"cache", "lru_cache", "cached_property"}


def _is_container(value: ast.expr | None) -> bool:
    if isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp):
        return True
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in _CONTAINERS
    return False


def _bound_names(statement: ast.stmt) -> Iterator[tuple[str, ast.expr | None]]:
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                yield target.id, statement.value
    elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        yield statement.target.id, statement.value


def _mutable_globals(tree: ast.Module) -> set[str]:
    """The module-level names bound to a mutable container."""
    return {
        name
        for statement in tree.body
        for name, value in _bound_names(statement)
        if _is_container(value)
    }


def _class_names(tree: ast.Module) -> set[str]:
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def _root_name(node: ast.expr) -> str | None:
    """`a` for `a`, `a[1]`, `a.b[2]`: the name a subscript or attribute chain starts from."""
    while isinstance(node, ast.Subscript | ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def problems_in(source: str, path: str, *, shared: frozenset[str] = frozenset()) -> list[str]:
    """What breaks the rules in one module's source; `shared`: mutable module-level names of
    other modules (a module must not change them either)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    watched = _mutable_globals(tree) | shared
    classes = _class_names(tree)
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{path}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Global) and path != HAND_OFF.name:
            report(node, f"global statement ({', '.join(node.names)})")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            )
            if "atexit" in modules:
                report(node, "atexit: end what you start where you start it")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                func = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _CACHES and "#" not in lines[decorator.lineno - 1]:
                    report(decorator, f"{name} on {node.name} without a comment saying why")
    # Changes made while the program runs, in functions; a table set up once as the module is
    # imported (a YAML loader's resolvers) is a constant.
    in_functions = {
        inner
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for statement in function.body
        for inner in ast.walk(statement)
    }
    for node in sorted(in_functions, key=lambda n: (getattr(n, "lineno", 0), id(n))):
        for change in _changes(node, watched, classes):
            report(node, change)
    return found


def _changes(node: ast.AST, watched: set[str] | frozenset[str], classes: set[str]) -> Iterator[str]:
    """What a statement or call changes of the module-level state."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in _MUTATORS and _root_name(node.func.value) in watched:
            yield f"changes module-level {_root_name(node.func.value)}"
        return
    if not isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete):
        return
    targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
    for target in targets:
        if isinstance(target, ast.Subscript) and _root_name(target) in watched:
            yield f"changes module-level {_root_name(target)}"
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            if target.value.id == "cls" or target.value.id in classes:
                yield f"changes class attribute {target.value.id}.{target.attr}"
        elif isinstance(node, ast.AugAssign) and getattr(target, "id", None) in watched:
            yield f"changes module-level {getattr(target, 'id', '')}"


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_no_module_keeps_mutable_state() -> None:
    sources = {path: path.read_text(encoding="utf-8") for path in _modules()}
    shared = frozenset(
        name for source in sources.values() for name in _mutable_globals(ast.parse(source))
    )
    found = [
        problem
        for path, source in sources.items()
        for problem in problems_in(
            source, path.relative_to(SRC).as_posix(), shared=shared & _imported(source)
        )
    ]
    assert found == []


def _imported(source: str) -> frozenset[str]:
    """The names a module imports from kbsite."""
    return frozenset(
        alias.asname or alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kbsite")
        for alias in node.names
    )


@pytest.mark.parametrize(
    ("planted", "message"),
    [
        ("_SEEN = {}\ndef f(k):\n    _SEEN[k] = 1\n", "m.py:3: changes module-level _SEEN"),
        (
            "_ALL: list[int] = []\ndef f():\n    _ALL.append(1)\n",
            "m.py:3: changes module-level _ALL",
        ),
        ("_N = set()\ndef f():\n    _N.clear()\n", "m.py:3: changes module-level _N"),
        ("X = 0\ndef f():\n    global X\n    X = 1\n", "m.py:3: global statement (X)"),
        ("import atexit\n", "m.py:1: atexit: end what you start where you start it"),
        (
            "class R:\n    own = None\n    @classmethod\n    def set(cls, v):\n        cls.own = v\n",
            "m.py:5: changes class attribute cls.own",
        ),
        (
            "import functools\n@functools.cache\ndef f(x):\n    return x\n",
            "m.py:2: cache on f without a comment saying why",
        ),
    ],
)
def test_the_scan_finds_each_kind_of_state(planted: str, message: str) -> None:
    assert problems_in(planted, "m.py") == [message]


def test_constant_tables_and_commented_caches_pass() -> None:
    source = (
        "import functools\n"
        "TABLE = {'a': 1}\n"
        "TABLE['b'] = 2  # set up as the module is imported\n"
        "def f(k):\n"
        "    seen = {}\n"
        "    seen[k] = TABLE[k]\n"
        "    return seen\n"
        "@functools.cache  # pure: a function of its string\n"
        "def g(x: str) -> str:\n"
        "    return x\n"
    )
    assert problems_in(source, "m.py") == []


def test_a_module_may_not_change_a_table_it_imports() -> None:
    source = "from kbsite.x import TABLE\ndef f():\n    TABLE['k'] = 1\n"
    assert problems_in(source, "m.py", shared=frozenset({"TABLE"})) == [
        "m.py:3: changes module-level TABLE"
    ]
