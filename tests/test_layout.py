"""The package's import rules (DESIGN §2), read from the source: reading knows no rules and no
engine, export writes what an Evaluation holds without calling a stage, the sample tooling is
reached only from the command line, and no two modules import each other in a ring."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mujun

PACKAGE = Path(mujun.__file__).parent


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, inside_functions: bool = True) -> set[str]:
    """The mujun modules `path` imports when it runs (imports only for type checkers skipped;
    with `inside_functions` False, only those made when the module is imported)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] == "mujun")
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                if module.split(".")[0] != "mujun":
                    continue
                # `from . import scoring` imports a module, not a name of the package
                named = {f"{module}.{a.name}" for a in node.names}
                found.update((named & MODULES) or {module})
            if not inside_functions and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])
                elif isinstance(child, ast.ExceptHandler):
                    visit(child.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    # a module's own packages are imported before it: not an edge
    return {m for m in found if not _in(name, m)}


FILES = sorted(PACKAGE.rglob("*.py"))
MODULES = {_module_name(p) for p in FILES}
GRAPH = {_module_name(p): _imports(p) for p in FILES}
# imported when each module is imported: a result object's method may import, when called, the
# stage that computes what it offers (Evaluation.rerun, Rules.replace) without a ring at import
AT_IMPORT = {_module_name(p): _imports(p, inside_functions=False) for p in FILES}


def test_the_graph_is_read() -> None:
    # a sanity check on the reader itself: known edges are seen, type-only ones are not
    assert "mujun.engine.evaluation" in GRAPH["mujun.export.folder"]
    assert "mujun.engine.scoring" in GRAPH["mujun.engine.evaluation"]
    assert not any(_in(m, "mujun.selection") for m in GRAPH["mujun.export.folder"])
    assert len(GRAPH) > 40


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _in(m, "mujun.read")))
def test_reading_knows_no_rules_and_no_engine(module: str) -> None:
    bad = {m for m in GRAPH[module] if _in(m, "mujun.rules") or _in(m, "mujun.engine")}
    assert not bad, f"{module} imports {sorted(bad)}"


# what export may read from the engine: the result objects, never a stage
RESULT_OBJECTS = {"mujun.engine.evaluation", "mujun.engine.stability"}


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _in(m, "mujun.export")))
def test_export_calls_no_stage(module: str) -> None:
    bad = {
        m
        for m in GRAPH[module]
        if (_in(m, "mujun.engine") and m not in RESULT_OBJECTS)
        or _in(m, "mujun.selection")
        or _in(m, "mujun.read")
    }
    assert not bad, f"{module} imports {sorted(bad)}"


def test_only_the_command_line_reaches_the_sample_tooling() -> None:
    users = {
        m
        for m, imported in GRAPH.items()
        if not _in(m, "mujun.sample") and any(_in(i, "mujun.sample") for i in imported)
    }
    assert users <= {"mujun.cli", "mujun.clirun"}, sorted(users)


def test_the_engine_imports_no_later_stage() -> None:
    later = ("mujun.selection", "mujun.export", "mujun.sample", "mujun.cli", "mujun.read")
    bad = {
        (m, i)
        for m, imported in GRAPH.items()
        if _in(m, "mujun.engine")
        for i in imported
        if any(_in(i, p) for p in later)
    }
    assert not bad, sorted(bad)


def test_no_modules_import_each_other_in_a_ring() -> None:
    # a package's __init__ re-exports its modules; an edge into a package means its __init__
    edges = {m: {i for i in imported if i in AT_IMPORT} for m, imported in AT_IMPORT.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def walk(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for i in sorted(edges[m]):
            if state.get(i) == 1:
                return [*path[path.index(i) :], i]
            if i not in state and (ring := walk(i)):
                return ring
        state[m] = 2
        path.pop()
        return None

    for m in sorted(edges):
        if m not in state and (ring := walk(m)):
            pytest.fail(" → ".join(ring))
