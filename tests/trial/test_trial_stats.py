"""Binomial intervals against scipy/statsmodels; Kaplan–Meier medians against lifelines,
statsmodels and a hand calculation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest
from statsmodels.stats.proportion import proportion_confint

from vaxmix.trial.stats import binomial_ci, kaplan_meier, proportion

NS = (1, 2, 3, 5, 8, 12, 20, 48, 100, 250)
GRID = sorted({(x, n) for n in NS for x in range(0, n + 1, max(1, n // 12))}
              | {(n, n) for n in NS} | {(1, n) for n in NS} | {(n - 1, n) for n in NS})


@pytest.mark.parametrize(("x", "n"), GRID)
def test_clopper_pearson_matches_scipy_exact(x, n):
    low, high = binomial_ci(x, n, 0.95, "clopper-pearson")
    ref = binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
    assert low == pytest.approx(ref.low, abs=1e-9)
    assert high == pytest.approx(ref.high, abs=1e-9)


@pytest.mark.parametrize(("x", "n"), GRID)
def test_wilson_matches_scipy(x, n):
    low, high = binomial_ci(x, n, 0.95, "wilson")
    ref = binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert low == pytest.approx(ref.low, abs=1e-9)
    assert high == pytest.approx(ref.high, abs=1e-9)


def test_clopper_pearson_matches_statsmodels_at_90_percent():
    for x, n in GRID:
        ours = binomial_ci(x, n, 0.90)
        ref = proportion_confint(x, n, alpha=0.10, method="beta")
        ref = (0.0 if x == 0 else ref[0], 1.0 if x == n else ref[1])
        assert ours == pytest.approx(ref, abs=1e-9)


def test_worked_examples_from_domain_brief():
    # 48/48 -> 100 %, 95 % CP CI 92.6–100 %; 5/48 -> 10.4 % (3.5–22.7 %); 0/48 -> 0–7.4 %
    rate = proportion(48, 48)
    assert round(100 * rate.cp_lower, 1) == 92.6 and rate.cp_upper == 1.0
    rate = proportion(5, 48)
    assert (round(100 * rate.cp_lower, 1), round(100 * rate.cp_upper, 1)) == (3.5, 22.7)
    assert round(100 * proportion(0, 48).cp_upper, 1) == 7.4
    # closed form at x = n: lower = (alpha/2)^(1/n)
    assert proportion(48, 48).cp_lower == pytest.approx(0.025 ** (1 / 48), abs=1e-12)


def test_bad_counts_rejected():
    with pytest.raises(ValueError):
        binomial_ci(5, 3)


def test_km_median_by_hand():
    # times 1..6, censored at 3: S = 5/6, 4/6, (3 censored), 4/6*2/3=4/9 at t=4 -> median 4
    result = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 0, 1, 1, 1])
    assert result["median_days"] == 4.0
    assert result["curve"][-1]["survival"] == pytest.approx(0.0)


def test_km_median_not_reached_is_none():
    result = kaplan_meier([10, 20, 30, 40], [1, 0, 0, 0])
    assert result["median_days"] is None


def test_km_medians_match_lifelines_and_statsmodels():
    from lifelines import KaplanMeierFitter
    from statsmodels.duration.survfunc import SurvfuncRight

    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(8, 60))
        days = np.ceil(rng.exponential(120, n))
        event = (rng.random(n) < 0.7).astype(int)
        ours = kaplan_meier(days, event)
        ref = KaplanMeierFitter().fit(days, event).median_survival_time_
        expected = None if not np.isfinite(ref) else float(ref)
        assert ours["median_days"] == expected
        if expected is not None:
            sm = SurvfuncRight(days, event).quantile(0.5)
            assert ours["median_days"] == pytest.approx(sm)
