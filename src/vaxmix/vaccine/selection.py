"""Exact choice of up to N long peptides: a two-stage mixed-integer programme (HiGHS).

Variables: ``x_w`` = 1 if window ``w`` is in the vaccine, ``y_a`` = 1 if allele ``a`` is covered
(some chosen window holds an eligible epitope of ``a``). Constraints: at most ``N`` windows; at
most one window per mutation; ``y_a <= sum of x_w over windows covering a``; optionally a cap on
the total number of cysteines. Stage 1 maximises the number of covered alleles; stage 2 keeps
that coverage and maximises the summed window value (expression- and clonality-weighted epitope
values from the ranking preset). Both stages are solved to proven optimality by
``scipy.optimize.milp`` (HiGHS branch and bound), so "every allele covered where possible" is
exact, not greedy. An allele that no candidate window covers is reported, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, vstack

from vaxmix.common.errors import VaxmixError

__all__ = ["SelectionResult", "select_windows"]


@dataclass
class SelectionResult:
    """Chosen windows and what the optimiser proved about them."""

    selected: pd.DataFrame
    covered_alleles: list[str]
    uncoverable_alleles: list[str]
    uncovered_alleles: list[str]
    objective: float
    status: str
    warnings: list[str] = field(default_factory=list)


def _solve(c: np.ndarray, constraints: list[LinearConstraint], n_vars: int) -> np.ndarray:
    result = milp(
        c,
        integrality=np.ones(n_vars),
        bounds=Bounds(np.zeros(n_vars), np.ones(n_vars)),
        constraints=constraints,
    )
    if result.status != 0 or result.x is None:
        raise VaxmixError(f"selection MILP not solved to optimality: {result.message}")
    return np.round(result.x).astype(int)


def _base_constraints(
    windows: pd.DataFrame,
    mutations: np.ndarray,
    cover: np.ndarray,
    n_peptides: int,
    max_total_cysteines: int | None,
) -> LinearConstraint:
    """At most N windows, one per mutation, ``y_a`` only when a chosen window covers ``a``,
    and the optional cysteine cap (variables: windows, then coverable alleles)."""
    n_w, n_a = cover.shape
    n_vars = n_w + n_a
    n_m = int(mutations.max()) + 1
    rows: list = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    # total windows <= N
    rows.append(coo_matrix((np.ones(n_w), (np.zeros(n_w), np.arange(n_w))), shape=(1, n_vars)))
    lower.append(np.array([0.0]))
    upper.append(np.array([float(n_peptides)]))
    # one window per mutation
    rows.append(coo_matrix((np.ones(n_w), (mutations, np.arange(n_w))), shape=(n_m, n_vars)))
    lower.append(np.zeros(n_m))
    upper.append(np.ones(n_m))
    # y_a - sum_{w covers a} x_w <= 0
    if n_a:
        w_idx, a_idx = np.nonzero(cover)
        data = np.concatenate([-np.ones(len(w_idx)), np.ones(n_a)])
        r = np.concatenate([a_idx, np.arange(n_a)])
        c_ = np.concatenate([w_idx, n_w + np.arange(n_a)])
        rows.append(coo_matrix((data, (r, c_)), shape=(n_a, n_vars)))
        lower.append(np.full(n_a, -np.inf))
        upper.append(np.zeros(n_a))
    if max_total_cysteines is not None:
        cys = windows["cysteine_count"].to_numpy(dtype=float)
        rows.append(coo_matrix((cys, (np.zeros(n_w), np.arange(n_w))), shape=(1, n_vars)))
        lower.append(np.array([0.0]))
        upper.append(np.array([float(max_total_cysteines)]))
    return LinearConstraint(vstack(rows).tocsr(), np.concatenate(lower), np.concatenate(upper))


def _warnings(
    uncoverable: list[str], uncovered: list[str], n_chosen: int, n_peptides: int, n_mut: int
) -> list[str]:
    """Alleles left uncovered (and why) and a partial design, in words."""
    warnings = [f"allele {allele}: no candidate window holds an eligible epitope"
                for allele in uncoverable]  # fmt: skip
    for allele in uncovered:
        if allele not in uncoverable:
            warnings.append(
                f"allele {allele}: coverable, but not together with the other alleles within "
                f"N={n_peptides} and the constraints"
            )
    if n_chosen < n_peptides:
        warnings.append(
            f"partial design: {n_chosen} long peptides selected of {n_peptides} requested "
            f"(only {n_mut} mutations have a window with an eligible epitope of positive value)"
        )
    return warnings


def select_windows(
    windows: pd.DataFrame,
    alleles: list[str],
    n_peptides: int,
    *,
    max_total_cysteines: int | None = None,
) -> SelectionResult:
    """Choose up to ``n_peptides`` windows, one per mutation, covering alleles, maximising value.

    Parameters
    ----------
    windows
        Candidate windows of all mutations: columns ``mutation``, ``value``,
        ``value:<allele>`` and ``cysteine_count``.
    alleles
        Patient alleles.
    n_peptides
        Maximum number of windows (the vaccine's long peptides).
    max_total_cysteines
        Optional cap on cysteines summed over the chosen windows.
    """
    n_w = len(windows)
    if n_w == 0:
        return SelectionResult(
            windows,
            [],
            list(alleles),
            list(alleles),
            0.0,
            "no candidates",
            ["no candidate window holds an eligible epitope"],
        )
    cover = (
        np.column_stack([windows[f"value:{a}"].to_numpy() > 0 for a in alleles])
        if alleles
        else np.zeros((n_w, 0), dtype=bool)
    )
    coverable = cover.any(axis=0)
    uncoverable = [a for a, ok in zip(alleles, coverable, strict=True) if not ok]
    cov_alleles = [a for a, ok in zip(alleles, coverable, strict=True) if ok]
    cover = cover[:, coverable]
    n_a = len(cov_alleles)
    n_vars = n_w + n_a
    mutations = pd.factorize(windows["mutation"])[0]
    n_m = int(mutations.max()) + 1
    base = _base_constraints(windows, mutations, cover, n_peptides, max_total_cysteines)
    # Stage 1: maximise the number of covered alleles.
    c1 = np.concatenate([np.zeros(n_w), -np.ones(n_a)])
    x1 = _solve(c1, [base], n_vars)
    best_cover = int(x1[n_w:].sum())
    constraints = [base]
    if n_a:
        at_least = np.concatenate([np.zeros(n_w), np.ones(n_a)])[None, :]
        constraints.append(LinearConstraint(at_least, best_cover, np.inf))
    # Stage 2: keep that coverage, maximise the summed value.
    values = windows["value"].to_numpy(dtype=float)
    c2 = np.concatenate([-values, np.zeros(n_a)])
    x2 = _solve(c2, constraints, n_vars)
    chosen = np.flatnonzero(x2[:n_w])
    selected = windows.iloc[chosen].copy()
    covered = [a for j, a in enumerate(cov_alleles) if cover[chosen, j].any()]
    uncovered = [a for a in alleles if a not in covered]
    warnings = _warnings(uncoverable, uncovered, len(chosen), n_peptides, n_m)
    return SelectionResult(
        selected=selected.sort_values("value", ascending=False, kind="stable"),
        covered_alleles=covered,
        uncoverable_alleles=uncoverable,
        uncovered_alleles=uncovered,
        objective=float(values[chosen].sum()),
        status="optimal",
        warnings=warnings,
    )
