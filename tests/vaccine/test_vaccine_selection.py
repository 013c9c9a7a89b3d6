"""The selection MILP equals exhaustive search on small random instances."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from vaxmix.vaccine.selection import select_windows

ALLELES = ["A", "B", "C"]


def random_windows(rng: random.Random, n_mut: int) -> pd.DataFrame:
    rows = []
    for m in range(n_mut):
        for _ in range(rng.randint(1, 3)):
            values = {f"value:{a}": (round(rng.uniform(0.1, 3), 3) if rng.random() < 0.4 else 0.0)
                      for a in ALLELES}  # fmt: skip
            if not any(values.values()):
                values["value:A"] = 0.5
            rows.append({"mutation": f"m{m}", **values, "value": sum(values.values()),
                         "cysteine_count": rng.randint(0, 2)})  # fmt: skip
    return pd.DataFrame(rows)


def brute_force(windows: pd.DataFrame, n: int, max_cys: int | None) -> tuple[int, float]:
    best = (-1, -1.0)
    idx = range(len(windows))
    for k in range(0, n + 1):
        for subset in itertools.combinations(idx, k):
            sub = windows.iloc[list(subset)]
            if sub["mutation"].duplicated().any():
                continue
            if max_cys is not None and sub["cysteine_count"].sum() > max_cys:
                continue
            covered = sum(bool((sub[f"value:{a}"] > 0).any()) for a in ALLELES)
            cand = (covered, round(float(sub["value"].sum()), 9))
            best = max(best, cand)
    return best


@pytest.mark.parametrize("seed", range(25))
def test_milp_equals_brute_force(seed):
    rng = random.Random(seed)
    windows = random_windows(rng, rng.randint(2, 5))
    n = rng.randint(1, 3)
    max_cys = rng.choice([None, 1, 2])
    result = select_windows(windows, ALLELES, n, max_total_cysteines=max_cys)
    chosen = result.selected
    assert len(chosen) <= n
    assert not chosen["mutation"].duplicated().any()
    if max_cys is not None:
        assert chosen["cysteine_count"].sum() <= max_cys
    covered, value = brute_force(windows, n, max_cys)
    assert len(result.covered_alleles) == covered
    assert result.objective == pytest.approx(value, abs=1e-6)


def test_uncoverable_allele_and_partial_design_are_reported():
    windows = pd.DataFrame({
        "mutation": ["m1", "m2"], "value:A": [1.0, 2.0], "value:B": [0.0, 0.5],
        "value:C": [0.0, 0.0], "value": [1.0, 2.5], "cysteine_count": [0, 0],
    })  # fmt: skip
    result = select_windows(windows, ALLELES, 5)
    assert len(result.selected) == 2
    assert result.uncoverable_alleles == ["C"]
    assert any("partial design" in w for w in result.warnings)
    assert any("allele C" in w for w in result.warnings)


def test_coverage_beats_value():
    # m1 has the most value but only allele A; choosing m2 (covers B) is required at N=1? No:
    # with N=2 the optimum must cover A and B even though m3 has more value than m2.
    windows = pd.DataFrame({
        "mutation": ["m1", "m2", "m3"], "value:A": [5.0, 0.0, 4.0], "value:B": [0.0, 0.1, 0.0],
        "value:C": [0.0, 0.0, 0.0], "value": [5.0, 0.1, 4.0], "cysteine_count": [0, 0, 0],
    })  # fmt: skip
    result = select_windows(windows, ALLELES, 2)
    assert sorted(result.selected["mutation"]) == ["m1", "m2"]
    assert np.isclose(result.objective, 5.1)
