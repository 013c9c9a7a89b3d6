"""Import cycles in src/vaxmix: between subpackages and between modules.

The graph is grimp's (the library behind import-linter), which reads every ``import`` statement,
those inside functions included. A package ``__init__`` importing its own submodule (a
re-export) is not counted as a module cycle. Issue 18 asks for none of either kind; the test
``tests/test_architecture.py`` enforces it.

Run: ``python benchmarks/import_cycles.py``
"""

from __future__ import annotations

import grimp
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def package_of(module: str) -> str:
    """``vaxmix.vaccine.design`` -> ``vaxmix.vaccine``."""
    return ".".join(module.split(".")[:2])


def import_edges() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(package edges, module edges) of the vaxmix import graph."""
    graph = grimp.build_graph("vaxmix", include_external_packages=False)
    packages: set[tuple[str, str]] = set()
    modules: set[tuple[str, str]] = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if package_of(module) != package_of(imported):
                packages.add((package_of(module), package_of(imported)))
            if not imported.startswith(module + "."):
                modules.add((module, imported))
    return packages, modules


def cycle_groups(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (each one is a cycle group)."""
    if not edges:
        return []
    nodes = sorted({name for edge in edges for name in edge})
    index = {name: i for i, name in enumerate(nodes)}
    rows = [index[source] for source, _ in edges]
    cols = [index[target] for _, target in edges]
    matrix = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(matrix, directed=True, connection="strong")
    groups = [[nodes[i] for i in np.flatnonzero(labels == k)] for k in np.unique(labels)]
    return [group for group in groups if len(group) > 1]


def main() -> None:
    packages, modules = import_edges()
    for label, edges in (("package", packages), ("module", modules)):
        groups = cycle_groups(edges)
        print(f"{label} cycles: {len(groups)} groups")
        for group in groups:
            print("   ", " <-> ".join(group))


if __name__ == "__main__":
    main()
