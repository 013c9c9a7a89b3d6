"""4PL fitting: parameter recovery, agreement with scipy's curve_fit, and failure reporting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import curve_fit

from vaxmix.virus.fit import FitConfig, activity_auc, fit_4pl, four_pl

LOG_DOSES = np.arange(-8.0, -1.9, 0.5)  # 13 half-log dilutions of stock


def _plate(seed, cv, bottom=0.0, top=100.0, hill=1.0, log_ec50=-5.0, reps=3):
    rng = np.random.default_rng(seed)
    x = np.repeat(LOG_DOSES, reps)
    y = four_pl(x, bottom, top, hill, log_ec50) * (1.0 + cv * rng.standard_normal(x.size))
    return 10.0**x, y


def test_exact_data_recovers_parameters():
    dose, y = _plate(0, 0.0, bottom=8.0, top=97.0, hill=1.4, log_ec50=-4.3)
    fit = fit_4pl(dose, y)
    assert fit.bottom == pytest.approx(8.0, abs=1e-4)
    assert fit.top == pytest.approx(97.0, abs=1e-4)
    assert fit.hill == pytest.approx(1.4, abs=1e-5)
    assert fit.log_ec50_relative == pytest.approx(-4.3, abs=1e-6)
    # absolute EC50 (50 % viability) worked out by hand:
    # x50 = -4.3 + log10((97 - 8) / (50 - 8) - 1) / 1.4
    assert fit.log_ec50 == pytest.approx(-4.3 + np.log10(89 / 42 - 1) / 1.4, abs=1e-6)
    assert fit.ok and fit.flags == ()


@pytest.mark.parametrize(("cv", "min_within_10pct"), [(0.05, 0.95), (0.10, 0.60)])
def test_ec50_recovered_within_10_percent_on_simulated_plates(cv, min_within_10pct):
    errors = []
    for seed in range(60):
        fit = fit_4pl(*_plate(seed, cv))
        errors.append(fit.ec50 / 1e-5 - 1.0)
    errors = np.abs(errors)
    assert np.median(errors) < 0.10
    assert np.mean(errors <= 0.10) >= min_within_10pct


def test_confidence_interval_covers_truth_about_95_percent():
    covered = 0
    for seed in range(80):
        lo, hi = fit_4pl(*_plate(seed, 0.10)).log_ec50_ci
        covered += lo <= -5.0 <= hi
    assert 0.85 <= covered / 80 <= 1.0


def test_agrees_with_scipy_curve_fit_on_real_shaped_data():
    # enterovirus-like curve: residual viability 5 %, steep hill, 10 % noise, duplicates
    dose, y = _plate(11, 0.10, bottom=5.0, top=100.0, hill=1.3, log_ec50=-5.5, reps=2)
    ours = fit_4pl(dose, y)
    params, cov = curve_fit(
        four_pl,
        np.log10(dose),
        y,
        p0=[5, 100, 1, -5],
        bounds=([-10, 0, 0.2, -11], [120, 150, 10, 1]),
    )
    assert ours.bottom == pytest.approx(params[0], abs=1e-3)
    assert ours.top == pytest.approx(params[1], abs=1e-3)
    assert ours.hill == pytest.approx(params[2], rel=1e-3)
    assert ours.log_ec50_relative == pytest.approx(params[3], abs=1e-4)
    # same asymptotic standard error as curve_fit's covariance
    assert ours.param_se["log_ec50"] == pytest.approx(np.sqrt(cov[3, 3]), rel=1e-2)


def test_flat_curve_is_reported():
    rng = np.random.default_rng(3)
    dose = np.repeat(10.0**LOG_DOSES, 3)
    y = 100.0 + 5.0 * rng.standard_normal(dose.size)
    fit = fit_4pl(dose, y)
    assert "flat" in fit.flags
    assert fit.ec50_censored == ">"
    assert not fit.ok


def test_ec50_above_tested_range_is_censored():
    # residual viability 40 %: 50 % is crossed at -2.5 + log10(60 / 10 - 1) = -1.80, above 10^-2
    dose, y = _plate(0, 0.0, bottom=40.0, log_ec50=-2.5)
    fit = fit_4pl(dose, y)
    assert fit.ec50_censored == ">"
    assert "ec50_outside_range" in fit.flags
    assert fit.log_ec50 == pytest.approx(-2.0)  # reported as the lower bound
    assert not fit.ok


def test_non_convergent_fit_is_reported_not_hidden():
    dose, y = _plate(0, 0.10)
    fit = fit_4pl(dose, y, FitConfig(max_nfev=1))
    assert not fit.converged
    assert "non_convergent" in fit.flags
    assert fit.ec50 is None


def test_auc_by_hand():
    # viability 100, 50, 0 at log doses -3, -2, -1: trapezoid = 75 + 25 = 100 over width 2 × 100
    assert activity_auc(
        np.array([1e-3, 1e-2, 1e-1]), np.array([100.0, 50.0, 0.0])
    ) == pytest.approx(0.5)
    # clipped to [0, 100]
    assert activity_auc(np.array([1e-3, 1e-1]), np.array([130.0, 120.0])) == pytest.approx(1.0)
