"""Ex vivo sensitivity assay analysis: normalise, QC, fit every curve, compare tumor and normal.

Pipeline (domain brief §C.3, following the Chumakov lab's MTT protocol [R11, R12]):

1. **Normalise** per plate and sample: viability % = (x − blank − k) / (mock − blank − k) × 100,
   where blank is the plate's medium-only background, mock the sample's uninfected wells and k
   the sample's full-kill control above background (0 when the plate has none).
2. **QC**: Z′ factor of mock vs kill (or vs blank when there is no kill control;
   Zhang, Chung & Oldenburg, J Biomol Screen 1999;4:67) flagged below 0.5; replicate CV per
   dose flagged above 20 %; edge effects (outer-ring wells vs interior, in mock wells and in
   fit residuals; Welch t-test); the reference line (e.g. Vero, sensitive to all enteroviruses
   [R12]) must be killed, else the virus stock is suspect.
3. **Fit** a 4PL per plate × sample × virus (:mod:`vaxmix.virus.fit`), with AUC.
4. **Selectivity** per virus: log10(EC50 normal / EC50 tumor) and ΔAUC (normal − tumor).
5. **Call** sensitive / intermediate / resistant with thresholds in :class:`AssayConfig`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from vaxmix.common.errors import InputError
from vaxmix.virus.fit import FitConfig, FitResult, activity_auc, fit_4pl, four_pl

__all__ = ["AssayConfig", "AssayResult", "analyse_plates", "normalise"]


@dataclass(frozen=True)
class AssayConfig:
    """QC thresholds and call rules (our defaults [I]; set per lab SOP).

    Attributes
    ----------
    min_z_prime
        Z′ below this flags the plate/sample (0.5 = "excellent assay" boundary of Zhang 1999).
    max_replicate_cv
        Replicate CV (of background-subtracted readings) above this flags the dose.
    edge_alpha, edge_min_diff
        Edge effect flagged when edge vs interior differ with p < alpha and by more than
        ``edge_min_diff`` percentage points of viability.
    max_rise
        Mean viability rising by more than this many points from one dose to the next (more
        virus, more live cells) flags the curve as non-monotonic.
    sensitive_activity, resistant_activity
        Activity area (1 − AUC) at or above which a converged curve with a 50 % kill is called
        sensitive; below ``resistant_activity`` with no 50 % kill it is resistant.
    """

    min_z_prime: float = 0.5
    max_replicate_cv: float = 0.20
    edge_alpha: float = 0.01
    edge_min_diff: float = 10.0
    sensitive_activity: float = 0.25
    resistant_activity: float = 0.10
    max_rise: float = 20.0
    fit: FitConfig = field(default_factory=FitConfig)


@dataclass
class AssayResult:
    """Everything the assay step produces.

    Attributes
    ----------
    wells
        Tidy wells with ``signal`` (background-subtracted) and ``viability`` (%) columns.
    curves
        One row per plate × sample × virus: fit parameters, EC50 and CI, AUC, flags, call.
    qc
        One row per plate × sample: Z′, mock CV, edge-effect test, flags.
    selectivity
        One row per tumor sample × normal sample × virus.
    fits
        (plate, sample, virus) → :class:`FitResult` (for plots).
    """

    wells: pd.DataFrame
    curves: pd.DataFrame
    qc: pd.DataFrame
    selectivity: pd.DataFrame
    fits: dict[tuple[str, str, str], FitResult]


def _is_edge(wells: pd.DataFrame) -> np.ndarray:
    n_rows = np.where(wells["plate_format"] == 384, 16, 8)
    n_cols = np.where(wells["plate_format"] == 384, 24, 12)
    return (
        (wells["row"] == 0)
        | (wells["col"] == 0)
        | (wells["row"] == n_rows - 1)
        | (wells["col"] == n_cols - 1)
    ).to_numpy()


def normalise(wells: pd.DataFrame) -> pd.DataFrame:
    """Add ``signal`` (reading − plate blank mean) and ``viability`` (% of mock) columns."""
    out = wells.copy()
    out["signal"] = np.nan
    out["viability"] = np.nan
    for _plate_id, plate in out.groupby("plate_id", sort=False):
        blank = plate.loc[plate["control"] == "blank", "readout"].mean()
        out.loc[plate.index, "signal"] = plate["readout"] - blank
        for sample, rows in plate[plate["sample_id"] != ""].groupby("sample_id", sort=False):
            signal = out.loc[rows.index, "signal"]
            mock = signal[rows["control"] == "mock"].mean()
            kill_rows = signal[rows["control"] == "kill"]
            floor = kill_rows.mean() if len(kill_rows) else 0.0
            if not mock - floor > 0:
                mock_wells = ", ".join(rows.loc[rows["control"] == "mock", "well"])
                raise InputError(
                    f"sample {sample}: mock wells ({mock_wells}) read no higher than the "
                    "blank/kill background; cannot normalise",
                    path=rows["source"].iloc[0],
                    field="control",
                )
            out.loc[rows.index, "viability"] = (signal - floor) / (mock - floor) * 100.0
    return out


def _z_prime(high: np.ndarray, low: np.ndarray) -> float:
    if high.size < 2 or low.size < 2:
        return float("nan")
    spread = abs(high.mean() - low.mean())
    return (
        float(1.0 - 3.0 * (high.std(ddof=1) + low.std(ddof=1)) / spread)
        if spread > 0
        else float("-inf")
    )


def _edge_test(values: np.ndarray, edge: np.ndarray) -> tuple[float, float]:
    """Mean(edge) − mean(interior) and Welch p-value; NaN when either side has < 2 wells."""
    a, b = values[edge], values[~edge]
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan")
    diff = float(a.mean() - b.mean())
    if np.std(a) == 0 and np.std(b) == 0:
        return diff, 0.0 if diff else 1.0
    # Welch's t-test, two-sided (scipy.special keeps scipy.stats' slow import off the CLI path)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    t_stat = diff / math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return diff, float(2.0 * special.stdtr(dof, -abs(t_stat)))


def _call(fit: FitResult, activity: float, config: AssayConfig) -> str:
    if (
        fit.converged
        and fit.ec50_censored == ""
        and fit.bottom < 50.0
        and activity >= config.sensitive_activity
        and "flat" not in fit.flags
    ):
        return "sensitive"
    if (
        fit.ec50_censored == ">" or "flat" in fit.flags or not fit.converged
    ) and activity < config.resistant_activity:
        return "resistant"
    return "intermediate"


def analyse_plates(wells: pd.DataFrame, config: AssayConfig | None = None) -> AssayResult:
    """Normalise, QC and fit every sample × virus curve of one or more plates.

    ``wells`` is the tidy table from :func:`vaxmix.virus.plate.read_plate`, already checked by
    :func:`vaxmix.virus.plate.validate_controls`.
    """
    config = config or AssayConfig()
    data = normalise(wells)
    data["edge"] = _is_edge(data)
    data["residual"] = np.nan
    curve_rows, fits = [], {}
    treated = data[data["control"] == "none"]
    for (plate_id, sample, virus), rows in treated.groupby(
        ["plate_id", "sample_id", "virus_id"], sort=False
    ):
        dose = rows["dose"].to_numpy(float)
        viability = rows["viability"].to_numpy(float)
        fit = fit_4pl(dose, viability, config.fit)
        fits[plate_id, sample, virus] = fit
        if fit.converged:
            predicted = four_pl(
                np.log10(dose), fit.bottom, fit.top, fit.hill, fit.log_ec50_relative
            )
            data.loc[rows.index, "residual"] = viability - predicted
        cvs = []
        for _dose_value, group in rows.groupby("dose"):
            signal = group["signal"].to_numpy(float)
            if signal.size >= 2 and signal.mean() > 0:
                cvs.append(signal.std(ddof=1) / signal.mean())
        median_cv = float(np.median(cvs)) if cvs else float("nan")
        flags = list(fit.flags)
        n_high_cv = sum(cv > config.max_replicate_cv for cv in cvs)
        if n_high_cv:
            flags.append(f"replicate_cv>{config.max_replicate_cv:.0%}:{n_high_cv}_doses")
        means = rows.groupby("dose")["viability"].mean().sort_index().to_numpy(float)
        rise = float(np.max(np.diff(means))) if means.size > 1 else 0.0
        if rise > config.max_rise:
            # viability should not climb with more virus: pipetting/dilution error or hook effect
            flags.append(f"non_monotonic(+{rise:.0f}_points)")
        auc = activity_auc(dose, viability)
        activity = 1.0 - auc
        ci = fit.log_ec50_ci
        curve_rows.append(
            {
                "plate_id": plate_id,
                "sample_id": sample,
                "sample_type": rows["sample_type"].iloc[0],
                "virus_id": virus,
                "dose_unit": rows["dose_unit"].iloc[0],
                "n_points": fit.n_points,
                "n_doses": int(rows["dose"].nunique()),
                "dose_min": float(dose.min()),
                "dose_max": float(dose.max()),
                "ec50": fit.ec50,
                "ec50_censored": fit.ec50_censored,
                "ec50_ci_low": 10.0 ** ci[0] if ci else None,
                "ec50_ci_high": 10.0 ** ci[1] if ci else None,
                "log10_ec50": fit.log_ec50,
                "ec50_relative": fit.ec50_relative if fit.converged else None,
                "hill": fit.hill,
                "bottom": fit.bottom,
                "top": fit.top,
                "rmse": fit.rmse,
                "auc": auc,
                "activity": activity,
                "median_replicate_cv": median_cv,
                "converged": fit.converged,
                "fit_ok": fit.ok,
                "flags": ";".join(flags),
                "call": _call(fit, activity, config),
            }
        )
    curves = pd.DataFrame(curve_rows)
    qc = _plate_qc(data, config)
    _reference_check(curves)
    selectivity = _selectivity(curves)
    return AssayResult(data, curves, qc, selectivity, fits)


def _plate_qc(data: pd.DataFrame, config: AssayConfig) -> pd.DataFrame:
    rows = []
    for plate_id, plate in data.groupby("plate_id", sort=False):
        blank = plate.loc[plate["control"] == "blank", "signal"].to_numpy(float)
        treated = plate[(plate["control"] == "none") & plate["residual"].notna()]
        res_diff, res_p = _edge_test(
            treated["residual"].to_numpy(float), treated["edge"].to_numpy(bool)
        )
        for sample, srows in plate[plate["sample_id"] != ""].groupby("sample_id", sort=False):
            mock = srows.loc[srows["control"] == "mock"]
            kill = srows.loc[srows["control"] == "kill", "signal"].to_numpy(float)
            low, low_name = (kill, "kill") if kill.size >= 2 else (blank, "blank")
            z = _z_prime(mock["signal"].to_numpy(float), low)
            mock_signal = mock["signal"].to_numpy(float)
            mock_cv = (
                float(mock_signal.std(ddof=1) / mock_signal.mean())
                if mock_signal.size >= 2
                else float("nan")
            )
            m_diff, m_p = _edge_test(mock["viability"].to_numpy(float), mock["edge"].to_numpy(bool))
            flags = []
            if not math.isfinite(z):
                flags.append("z_prime_not_computable(<2 wells)")
            elif z < config.min_z_prime:
                flags.append(f"z_prime<{config.min_z_prime}")
            if math.isfinite(mock_cv) and mock_cv > config.max_replicate_cv:
                flags.append(f"mock_cv>{config.max_replicate_cv:.0%}")
            if (
                math.isfinite(m_p)
                and m_p < config.edge_alpha
                and abs(m_diff) > config.edge_min_diff
            ):
                flags.append("edge_effect_mock")
            if (
                math.isfinite(res_p)
                and res_p < config.edge_alpha
                and abs(res_diff) > config.edge_min_diff
            ):
                flags.append("edge_effect_residuals")
            rows.append(
                {
                    "plate_id": plate_id,
                    "sample_id": sample,
                    "n_mock": len(mock),
                    "n_blank": int(blank.size),
                    "n_kill": int(kill.size),
                    "z_prime": z,
                    "z_prime_low_control": low_name,
                    "mock_cv": mock_cv,
                    "edge_minus_interior_mock": m_diff,
                    "edge_p_mock": m_p,
                    "edge_minus_interior_residual": res_diff,
                    "edge_p_residual": res_p,
                    "flags": ";".join(flags),
                }
            )
    return pd.DataFrame(rows)


def _reference_check(curves: pd.DataFrame) -> None:
    """Flag curves of viruses that failed to kill the reference line (stock may be inactive)."""
    if curves.empty:
        return
    reference = curves[curves["sample_type"] == "reference"]
    for virus in reference.loc[reference["call"] == "resistant", "virus_id"].unique():
        mask = (curves["virus_id"] == virus) & (curves["sample_type"] != "reference")
        curves.loc[mask, "flags"] = curves.loc[mask, "flags"].map(
            lambda f: ";".join(filter(None, [f, "reference_line_not_killed"]))
        )


def _selectivity(curves: pd.DataFrame) -> pd.DataFrame:
    rows = []
    if curves.empty:
        return pd.DataFrame(rows)
    tumors = curves[curves["sample_type"] == "tumor"]
    normals = curves[curves["sample_type"] == "normal"]
    for _, t in tumors.iterrows():
        for _, n in normals[normals["virus_id"] == t["virus_id"]].iterrows():
            if t["dose_unit"] != n["dose_unit"]:
                continue
            value, bound = None, ""
            if t["ec50_censored"] == "" and t["log10_ec50"] is not None:
                if n["ec50_censored"] == "":
                    value = n["log10_ec50"] - t["log10_ec50"]
                elif n["ec50_censored"] == ">":
                    value, bound = n["log10_ec50"] - t["log10_ec50"], ">="
            rows.append(
                {
                    "virus_id": t["virus_id"],
                    "tumor_sample": t["sample_id"],
                    "normal_sample": n["sample_id"],
                    "log10_selectivity": value,
                    "selectivity_bound": bound,
                    "delta_auc": n["auc"] - t["auc"],
                }
            )
    return pd.DataFrame(rows)
