"""The mRNA modules import one way: no module reaches back to one that imports it.

Issue 18: ``design`` imported ``qc`` and ``repair``, ``repair`` imported ``qc`` and ``qc``
imported ``design`` (for ``MrnaDesign``), so none could be read or changed alone. Every import is
counted here, including those inside functions and under ``TYPE_CHECKING``, as grimp counts them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vaxmix.mrna

PACKAGE = Path(vaxmix.mrna.__file__).parent


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name.split(".")[2] for name in found if name.startswith("vaxmix.mrna.")}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None (depth-first search)."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_cycle_finder_sees_a_cycle():
    assert _cycle({"design": {"qc"}, "qc": {"records"}, "records": set()}) is None
    assert _cycle({"design": {"qc"}, "qc": {"design"}}) == ["design", "qc", "design"]


def test_mrna_modules_import_one_way():
    graph = {p.stem: _imports(p) - {p.stem} for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert _cycle(graph) is None, _cycle(graph)
    assert {"design", "qc", "repair", "records", "folding"} <= set(graph)
    assert "design" not in graph["qc"] and "design" not in graph["repair"]
