"""No import cycles inside the gentool package: modules are read with `ast` (nothing is imported), and every import
of a gentool module counts, including those inside functions, since a cycle closed by a deferred import is still a
cycle of dependencies (and breaks as soon as the import moves to the top)."""

from __future__ import annotations

import ast
from pathlib import Path

import gentool

PACKAGE = Path(gentool.__file__).parent


def module_files() -> dict[str, Path]:
    """'gentool.gan.train' -> its file; a package is named by its __init__.py."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The gentool modules `name` imports: `from a.b import c` counts as a.b.c where that is a module, else a.b."""

    def known(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {known(alias.name) for alias in node.names if alias.name.split(".")[0] == "gentool"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] == "gentool":
                found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else known(base)
                          for alias in node.names}
    return found - {None, name}


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first walk meets (a -> b -> ... -> a), each closed by an import back to a module on the
    current path; none means the graph has no cycle at all."""
    found, finished = [], set()
    for start in sorted(graph):
        if start in finished:
            continue
        path, branches = [start], [iter(sorted(graph[start]))]
        while branches:
            step = next(branches[-1], None)
            if step is None:
                finished.add(path.pop())
                branches.pop()
            elif step in path:
                found.append(path[path.index(step):] + [step])
            elif step not in finished:
                path.append(step)
                branches.append(iter(sorted(graph.get(step, ()))))
    return found


def test_the_detector_finds_a_cycle_and_passes_a_tree():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_graph_sees_imports_inside_functions_and_relative_ones(tmp_path):
    modules = {"gentool.x": tmp_path / "x.py", "gentool.y": tmp_path / "y.py", "gentool.z": tmp_path / "z.py"}
    source = "def f():\n    from gentool.y import thing\n    import gentool.z\nfrom . import y\n"
    modules["gentool.x"].write_text(source)
    assert imported_modules("gentool.x", modules["gentool.x"], modules) == {"gentool.y", "gentool.z"}


def test_gentool_has_no_import_cycles():
    graph = import_graph()
    assert "gentool.gan.train" in graph["gentool.gan.family"]  # the graph is the package's, not empty
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)
