"""The package layering of docs/architecture.md, enforced on the real import graph.

A stage may import the stages below it (their public records and functions) and
``vaxmix.common``; never a stage above it, and never a sibling in the same layer. The graph is
grimp's (import-linter's library), which sees imports inside functions too, so a deferred
import cannot hide a cycle. ``benchmarks/import_cycles.py`` prints the same graph's cycles.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

grimp = pytest.importorskip("grimp")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from import_cycles import cycle_groups, import_edges  # noqa: E402

#: Top to bottom; packages in one tuple are independent siblings (docs/architecture.md).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__main__",),
    ("cli",),
    ("cohort",),
    ("store",),
    ("pipeline",),
    ("report",),
    ("vaccine",),
    ("ranking",),
    ("peptides",),
    ("variants",),
    ("mhc", "mrna", "virus", "trial"),
    ("common",),
    ("",),  # the top-level vaxmix package (__version__)
)


def _layer_of(package: str) -> int:
    name = package.split(".", 1)[1] if "." in package else ""
    for rank, members in enumerate(LAYERS):
        if name in members:
            return rank
    raise AssertionError(f"{package} is in no layer of LAYERS: add it here and in the docs")


@pytest.fixture(scope="module")
def edges() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    return import_edges()


def test_no_import_cycle_between_packages(edges) -> None:
    assert cycle_groups(edges[0]) == []


def test_no_import_cycle_between_modules(edges) -> None:
    assert cycle_groups(edges[1]) == []


def test_every_package_imports_only_downward(edges) -> None:
    upward = sorted(
        f"{source} -> {target}"
        for source, target in edges[0]
        if _layer_of(target) <= _layer_of(source)
    )
    assert upward == []


def test_cycle_finder_finds_a_planted_cycle() -> None:
    """The check itself can fail: a two-module loop and a three-package loop are found."""
    assert cycle_groups({("a", "b"), ("b", "a"), ("b", "c")}) == [["a", "b"]]
    assert cycle_groups({("x", "y"), ("y", "z"), ("z", "x")}) == [["x", "y", "z"]]
    assert cycle_groups({("x", "y"), ("y", "z")}) == []
