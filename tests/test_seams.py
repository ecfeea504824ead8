"""The seams between Kept's modules, read from the source (pure: no database, no Slack).

- An import inside a function hides what a module depends on, and so hid import cycles: only
  the command line (bot/cli/, which imports a command's needs when it runs) imports inside
  functions, and the few imports kept lazy for a measured reason, listed in LAZY below.
- No import cycle among Kept's modules, imports inside functions counted too.
- No private helper (`_name`) imported from another module: what another module needs is
  public, with a docstring.

An import under `if TYPE_CHECKING:` never runs, so it counts for none of these but the last.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "scheduler")
COMMAND_LINE = "bot.cli"

# (module, what it imports) -> why that import waits until it is needed, measured
LAZY = {
    ("bot.language.holidays", "holidays"): (
        "16-25 ms to import (python -X importtime), needed only where KEPT_HOLIDAYS names "
        "countries; imported in one function, _package()"
    ),
    ("bot.reports.chart_png", "matplotlib.backends.backend_agg.FigureCanvasAgg"): (
        "matplotlib: 400-650 ms to import (time.perf_counter), needed only to draw a chart"
    ),
    ("bot.reports.chart_png", "matplotlib.figure.Figure"): "as above",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    line: int
    names: tuple[str, ...]  # what it names, dotted: `from a.b import c` -> ("a.b.c",)
    targets: tuple[str, ...]  # Kept's modules it runs: a.b and a.b.c when c is a module
    in_function: bool
    type_checking: bool
    private: tuple[str, ...]  # `_names` imported from one of Kept's modules


def kept_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(
    tree: ast.AST, in_function: bool = False, type_checking: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, in_function, type_checking
        elif isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                yield from _statements(ast.Module([child], []), in_function, True)
            for child in node.orelse:
                yield from _statements(ast.Module([child], []), in_function, type_checking)
            continue
        inner = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _statements(node, in_function or inner, type_checking)


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import statement of `module`. Its targets: the modules of Kept it runs, with the
    packages above them (their __init__ runs first), but not the module's own packages (they
    are being imported already when it runs)."""
    is_package = path.name == "__init__.py"
    found = []
    for node, in_function, type_checking in _statements(ast.parse(path.read_text("utf-8"))):
        private: tuple[str, ...] = ()
        if isinstance(node, ast.Import):
            names = tuple(alias.name for alias in node.names)
            runs = list(names)
        else:
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            names = tuple(f"{base}.{alias.name}" for alias in node.names)
            runs = [base, *names]
            if base.split(".")[0] in PACKAGES:
                private = tuple(a.name for a in node.names if a.name.startswith("_"))
        own = set(_ancestors(module))
        targets = sorted(
            {
                above
                for name in runs
                if name in modules
                for above in _ancestors(name)
                if above in modules and above not in own
            }
        )
        found.append(
            Import(module, node.lineno, names, tuple(targets), in_function, type_checking, private)
        )
    return found


def all_imports() -> list[Import]:
    modules = kept_modules()
    return [found for name, path in modules.items() for found in imports_of(name, path, modules)]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One shortest cycle (a -> b -> ... -> a) in the graph, or None."""
    best: list[str] | None = None
    for start in sorted(graph):
        came_from: dict[str, str] = {}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            if start in graph.get(here, ()):
                path = [here]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                cycle = [*reversed(path), start]
                if best is None or len(cycle) < len(best):
                    best = cycle
                break
            for there in sorted(graph.get(here, ())):
                if there not in came_from and there != start:
                    came_from[there] = here
                    queue.append(there)
    return best


def test_imports_inside_functions_only_in_the_command_line_and_the_measured_lazy_ones() -> None:
    inside = [
        (found.module, name, found.line)
        for found in all_imports()
        if found.in_function and not found.type_checking
        if found.module != COMMAND_LINE and not found.module.startswith(COMMAND_LINE + ".")
        for name in found.names
    ]
    stray = [
        f"{module}:{line} imports {name}"
        for module, name, line in inside
        if (module, name) not in LAZY
    ]
    assert stray == [], "import at the module's top (or measure why not and add it to LAZY):\n" + (
        "\n".join(stray)
    )
    lazy = [(module, name) for module, name, _ in inside if (module, name) in LAZY]
    assert sorted(lazy) == sorted(LAZY), (
        "each lazy import once, in one place; LAZY lists only what is lazy today"
    )


def test_no_import_cycle_among_kept_modules() -> None:
    graph: dict[str, set[str]] = {name: set() for name in kept_modules()}
    for found in all_imports():
        if not found.type_checking:
            graph[found.module].update(found.targets)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_private_helper_is_imported_from_another_module() -> None:
    crossing = [
        f"{found.module}:{found.line} imports {name} from {found.names[0].rsplit('.', 1)[0]}"
        for found in all_imports()
        for name in found.private
    ]
    assert crossing == [], "make it public (with a docstring) or move it:\n" + "\n".join(crossing)


def test_the_cycle_finder_finds_the_shortest_cycle_and_none_in_a_tree() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c", "a"}, "c": {"a"}}) == ["a", "b", "a"]
    assert find_cycle({"x": {"y"}, "y": {"z"}, "z": {"y"}}) == ["y", "z", "y"]


def test_the_import_reader_sees_inside_functions_and_past_type_checking(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "low.py").write_text("")
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.low import Thing\n"
        "def f():\n"
        "    from pkg import low\n"
        "    from bot.x import _private\n"
    )
    (tmp_path / "pkg" / "high.py").write_text(source)
    modules = {"pkg": tmp_path / "pkg/__init__.py", "pkg.low": tmp_path / "pkg/low.py"}
    found = imports_of("pkg.high", tmp_path / "pkg" / "high.py", modules)
    [typing, checking, lazy, private] = found
    assert not typing.in_function and not typing.type_checking
    assert checking.type_checking and checking.targets == ("pkg.low",)
    assert lazy.in_function and lazy.names == ("pkg.low",) and lazy.targets == ("pkg.low",)
    assert private.private == ("_private",)
