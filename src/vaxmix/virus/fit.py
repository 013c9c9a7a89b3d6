"""Four-parameter logistic (4PL) dose-response fits with bounds, confidence intervals and flags.

Model, on log10 dose ``x`` (domain brief §C.3; the Hill/4PL model used by GraphPad and the
drc R package)::

    viability(x) = bottom + (top - bottom) / (1 + 10 ** (hill * (x - log_ec50)))

with ``hill > 0`` for killing (viability falls as the dose rises). ``log_ec50`` is the *relative*
midpoint between top and bottom. The reported **EC50** is the dose that kills half the cells —
the *absolute* EC50, where the fitted curve crosses 50 % viability — which equals the relative
one when bottom = 0 and top = 100 and is undefined when the curve never falls below 50 %
(then "above the highest dose tested", a censored value).

Fitting is bounded non-linear least squares (``scipy.optimize.least_squares``, trust-region
reflective) from several starting midpoints; 95 % confidence intervals come from the Jacobian
at the optimum (asymptotic covariance, Student t with n − 4 degrees of freedom), and for the
absolute EC50 by the delta method. Fits that fail are returned with flags, never dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special

__all__ = ["FitConfig", "FitResult", "activity_auc", "fit_4pl", "four_pl"]


def four_pl(
    log_dose: np.ndarray, bottom: float, top: float, hill: float, log_ec50: float
) -> np.ndarray:
    """Evaluate the 4PL viability curve at ``log_dose`` (log10 units)."""
    exponent = np.clip(hill * (np.asarray(log_dose, float) - log_ec50), -300.0, 300.0)
    return bottom + (top - bottom) / (1.0 + np.power(10.0, exponent))


@dataclass(frozen=True)
class FitConfig:
    """Bounds and flag thresholds of the 4PL fit.

    Attributes
    ----------
    bottom_bounds, top_bounds, hill_bounds
        Parameter bounds (viability in %; brief §C.3: 0 ≤ B < T ≤ 120, h ∈ [0.2, 10]; bottom
        may dip to -10 to absorb noise after background subtraction).
    ec50_margin_log
        How far (log10 units) outside the tested doses ``log_ec50`` may wander.
    flat_range
        If mean viability varies by less than this many percentage points over the tested
        doses, the curve is flat (no dose response).
    wide_ci_log
        A 95 % CI of the absolute log EC50 wider than this (log10 units) is flagged.
    n_starts, max_nfev
        Starting midpoints spread over the tested doses; evaluation budget per start (a fit that
        exhausts it is reported as non-convergent).
    """

    bottom_bounds: tuple[float, float] = (-10.0, 120.0)
    top_bounds: tuple[float, float] = (0.0, 150.0)
    hill_bounds: tuple[float, float] = (0.2, 10.0)
    ec50_margin_log: float = 3.0
    flat_range: float = 20.0
    wide_ci_log: float = 2.0
    n_starts: int = 5
    max_nfev: int = 2000


@dataclass(frozen=True)
class FitResult:
    """One fitted curve and everything needed to trust it or not.

    Doses are in the unit of the input (dilution of stock or MOI); ``log_`` fields are log10.
    ``ec50`` is the absolute EC50 (50 % viability); ``ec50_relative`` the 4PL midpoint.
    ``ec50_censored`` is ``">"`` when no 50 % kill occurred in range (``ec50`` then holds the
    highest dose tested as a lower bound), ``"<"`` when the EC50 lies below the lowest dose.
    """

    n_points: int
    converged: bool
    bottom: float
    top: float
    hill: float
    log_ec50_relative: float
    log_ec50: float | None
    log_ec50_ci: tuple[float, float] | None
    ec50_censored: str
    rmse: float
    param_se: dict[str, float]
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ec50(self) -> float | None:
        return None if self.log_ec50 is None else 10.0**self.log_ec50

    @property
    def ec50_relative(self) -> float:
        return 10.0**self.log_ec50_relative

    @property
    def ok(self) -> bool:
        """Converged, shows a dose response, and the EC50 is inside the tested range."""
        return self.converged and not (
            {"flat", "non_convergent", "ec50_outside_range"} & set(self.flags)
        )


def _absolute_log_ec50(params: np.ndarray) -> float | None:
    bottom, top, hill, log_mid = params
    if not bottom < 50.0 < top:
        return None
    return float(log_mid + math.log10((top - bottom) / (50.0 - bottom) - 1.0) / hill)


def _start(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    order = np.argsort(x)
    xs, ys = x[order], y[order]
    top = float(np.clip(np.mean(ys[xs == xs[0]]), 1.0, 149.0))
    bottom = float(np.clip(np.mean(ys[xs == xs[-1]]), -9.0, 119.0))
    return bottom, top


def fit_4pl(dose: np.ndarray, viability: np.ndarray, config: FitConfig | None = None) -> FitResult:
    """Fit the 4PL model to replicate-level points.

    Parameters
    ----------
    dose
        Doses (> 0), e.g. virus dilution of a titred stock or MOI; one entry per well.
    viability
        Viability in % of mock (0 = blank/kill, 100 = uninfected), one entry per well.
    config
        Bounds and thresholds.
    """
    config = config or FitConfig()
    x = np.log10(np.asarray(dose, float))
    y = np.asarray(viability, float)
    n = x.size
    flags: list[str] = []
    lo_x, hi_x = float(x.min()), float(x.max())
    levels = np.unique(x)
    means = np.array([y[x == level].mean() for level in levels])
    if means.max() - means.min() < config.flat_range:
        flags.append("flat")
    lower, upper = _bounds(config, lo_x, hi_x)
    best = _best_of_starts(x, y, lower, upper, config, flat="flat" in flags)
    if best is None or not best.success or not np.all(np.isfinite(best.x)):
        return _failed_fit(n, flags, means, lo_x, hi_x)
    params = best.x
    bottom, top, hill, log_mid = (float(v) for v in params)
    rmse = float(math.sqrt(2.0 * best.cost / n))
    dof = n - 4
    cov, se = _covariance(best, dof, flags)
    at_bound = [
        name
        for name, value, lo, hi in zip(
            ("bottom", "top", "hill", "log_ec50"), params, lower, upper, strict=True
        )
        if min(value - lo, hi - value) < 1e-6 * max(1.0, abs(hi - lo))
    ]
    if at_bound:
        flags.append("at_bound:" + ",".join(at_bound))
    if bottom >= top and "flat" not in flags:
        flags.append("flat")
    log_abs, log_report, censored = _censor_ec50(
        _absolute_log_ec50(params), flags, means, lo_x, hi_x
    )
    ci: tuple[float, float] | None = None
    if log_abs is not None and cov is not None and not censored:
        ci = _ec50_ci(params, log_abs, cov, dof, config, flags)
    return FitResult(
        n_points=n,
        converged=True,
        bottom=bottom,
        top=top,
        hill=hill,
        log_ec50_relative=log_mid,
        log_ec50=log_report,
        log_ec50_ci=ci,
        ec50_censored=censored,
        rmse=rmse,
        param_se=se,
        flags=tuple(flags),
    )


def _bounds(config: FitConfig, lo_x: float, hi_x: float) -> tuple[list[float], list[float]]:
    """Lower and upper parameter bounds (bottom, top, hill, log midpoint) for the optimiser.

    The midpoint may sit ``ec50_margin_log`` decades outside the tested doses, no further, so
    an extrapolated EC50 stays finite and is then reported as censored.
    """
    lower = [
        config.bottom_bounds[0],
        config.top_bounds[0],
        config.hill_bounds[0],
        lo_x - config.ec50_margin_log,
    ]
    upper = [
        config.bottom_bounds[1],
        config.top_bounds[1],
        config.hill_bounds[1],
        hi_x + config.ec50_margin_log,
    ]
    return lower, upper


def _best_of_starts(
    x: np.ndarray,
    y: np.ndarray,
    lower: list[float],
    upper: list[float],
    config: FitConfig,
    flat: bool,
) -> optimize.OptimizeResult | None:
    """Least-squares fit from ``n_starts`` midpoints; the lowest-cost result, or ``None``.

    4PL fits have local minima along the midpoint, so several starts spread over the tested
    doses are tried with the analytic Jacobian; a start the solver rejects is skipped.
    """
    bottom0, top0 = _start(x, y)
    if bottom0 >= top0:
        bottom0, top0 = min(bottom0, top0 - 1.0), max(top0, bottom0 + 1.0)
    lo_x, hi_x = float(x.min()), float(x.max())

    def residuals(p: np.ndarray) -> np.ndarray:
        return four_pl(x, *p) - y

    def jacobian(p: np.ndarray) -> np.ndarray:
        # analytic derivatives of the 4PL; u = 10^(h (x - L))
        bottom, top, hill, log_mid = p
        u = np.power(10.0, np.clip(hill * (x - log_mid), -300.0, 300.0))
        inv = 1.0 / (1.0 + u)
        slope = (top - bottom) * u * inv * inv * math.log(10.0)
        return np.column_stack((u * inv, inv, -slope * (x - log_mid), slope * hill))

    # A flat curve leaves hill and midpoint unidentifiable and the optimiser crawls along the
    # valley; its EC50 is censored anyway, so looser tolerances lose nothing and save ~10x time.
    tolerance = 1e-6 if flat else 1e-8
    best = None
    for mid in np.linspace(lo_x, hi_x, config.n_starts):
        start = np.clip([bottom0, top0, 1.0, mid], np.add(lower, 1e-9), np.subtract(upper, 1e-9))
        try:
            result = optimize.least_squares(
                residuals,
                start,
                jac=jacobian,
                bounds=(lower, upper),
                method="trf",
                max_nfev=config.max_nfev,
                ftol=tolerance,
                xtol=tolerance,
            )
        except (ValueError, np.linalg.LinAlgError):
            continue
        if best is None or result.cost < best.cost:
            best = result
    return best


def _failed_fit(
    n: int, flags: list[str], means: np.ndarray, lo_x: float, hi_x: float
) -> FitResult:
    """The result of a fit that did not converge: no parameters, flagged ``non_convergent``.

    A flat curve still says, from the data alone, whether half the cells died, so its EC50 is
    reported censored at the tested range's edge.
    """
    flags.append("non_convergent")
    nan = float("nan")
    censored, log_report = "", None
    if "flat" in flags:  # the data alone say whether half the cells died
        censored, log_report = ("<", lo_x) if means.max() < 50.0 else (">", hi_x)
    return FitResult(
        n, False, nan, nan, nan, nan, log_report, None, censored, nan, {}, tuple(flags)
    )


def _covariance(
    best: optimize.OptimizeResult, dof: int, flags: list[str]
) -> tuple[np.ndarray | None, dict[str, float]]:
    """Parameter covariance and standard errors from the Jacobian at the optimum.

    ``(None, {})`` with a flag when there are too few points or the matrix is singular: no
    confidence interval is then claimed.
    """
    se: dict[str, float] = {}
    cov = None
    if dof > 0:
        jac = best.jac
        try:
            cov = np.linalg.inv(jac.T @ jac) * (2.0 * best.cost / dof)
        except np.linalg.LinAlgError:
            cov = None
        if cov is not None and np.all(np.isfinite(np.diag(cov))) and np.all(np.diag(cov) >= 0):
            se = dict(
                zip(
                    ("bottom", "top", "hill", "log_ec50"),
                    np.sqrt(np.diag(cov)).tolist(),
                    strict=True,
                )
            )
        else:
            cov = None
            flags.append("singular_covariance")
    else:
        flags.append("too_few_points_for_ci")
    return cov, se


def _censor_ec50(
    log_abs: float | None, flags: list[str], means: np.ndarray, lo_x: float, hi_x: float
) -> tuple[float | None, float, str]:
    """Decide what EC50 to report: ``(log_abs, log_report, censored)``.

    An EC50 outside the tested doses (or none, on a flat curve) is reported as a bound at the
    range's edge with ``>``/``<`` rather than an extrapolated number.
    """
    censored = ""
    if "flat" in flags:
        # no dose response: the EC50 is not identifiable whatever the optimiser returned
        all_killed = bool(means.max() < 50.0)
        censored = "<" if all_killed else ">"
        flags.append("all_doses_below_50pct" if all_killed else "no_50pct_kill_in_range")
        log_report = lo_x if all_killed else hi_x
        log_abs = None
    elif log_abs is None or log_abs > hi_x:
        censored = ">"
        flags.append("no_50pct_kill_in_range" if log_abs is None else "ec50_outside_range")
        log_report = hi_x
    elif log_abs < lo_x:
        censored = "<"
        flags.append("ec50_outside_range")
        log_report = lo_x
    else:
        log_report = log_abs
    return log_abs, log_report, censored


def _ec50_ci(
    params: np.ndarray,
    log_abs: float,
    cov: np.ndarray,
    dof: int,
    config: FitConfig,
    flags: list[str],
) -> tuple[float, float] | None:
    """95 % CI of the absolute log EC50 by the delta method (numeric gradient, Student t).

    ``None`` with ``ci_unbounded`` when the interval carries no information.
    """
    step = 1e-6
    grad = np.zeros(4)
    for i in range(4):
        shifted = params.copy()
        shifted[i] += step
        moved = _absolute_log_ec50(shifted)
        grad[i] = ((moved if moved is not None else log_abs) - log_abs) / step
    se_abs = float(math.sqrt(max(grad @ cov @ grad, 0.0)))
    t_crit = float(special.stdtrit(dof, 0.975))  # Student t quantile
    ci = (log_abs - t_crit * se_abs, log_abs + t_crit * se_abs)
    if not (math.isfinite(ci[0]) and math.isfinite(ci[1])) or ci[1] - ci[0] > 100.0:
        ci = None  # no information about the EC50: say so rather than print 10^±1000
        flags.append("ci_unbounded")
    elif ci[1] - ci[0] > config.wide_ci_log:
        flags.append("wide_ci")
    return ci


def activity_auc(dose: np.ndarray, viability: np.ndarray) -> float:
    """Normalised area under the observed viability curve over log10 dose (brief §C.3.4).

    Mean viability per dose, clipped to [0, 100] %, integrated by the trapezoid rule over the
    tested log10-dose window and divided by its width × 100: 1 = no killing at any dose,
    0 = complete killing at every dose. Activity area = 1 − AUC.
    """
    x = np.log10(np.asarray(dose, float))
    y = np.clip(np.asarray(viability, float), 0.0, 100.0)
    levels = np.unique(x)
    if levels.size < 2:
        return float("nan")
    means = np.array([y[x == level].mean() for level in levels])
    return float(np.trapezoid(means, levels) / ((levels[-1] - levels[0]) * 100.0))
