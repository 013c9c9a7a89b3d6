"""Binomial confidence intervals and Kaplan–Meier summaries for small single-arm trials.

* Clopper–Pearson ("exact") interval: [B⁻¹(α/2; x, n−x+1), B⁻¹(1−α/2; x+1, n−x)], 0 and 1 at
  the extremes (Clopper & Pearson, Biometrika 1934;26:404-413) — the regulatory default for a
  single-arm response rate; Wilson score interval (Wilson, JASA 1927;22:209-212) has better
  coverage. Both via ``statsmodels.stats.proportion.proportion_confint``.
* Kaplan–Meier with Greenwood variance and log(−log) pointwise CIs (lifelines); the median CI
  is read off the pointwise band (Brookmeyer & Crowley, Biometrics 1982;38:29-41). A median or
  bound that the curve never reaches is reported as ``None`` ("not reached", NR).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["Proportion", "binomial_ci", "kaplan_meier", "proportion"]


def binomial_ci(x: int, n: int, level: float = 0.95, method: str = "clopper-pearson"
                ) -> tuple[float, float]:
    """Two-sided confidence interval for a binomial proportion ``x / n``.

    ``method`` is ``clopper-pearson`` (exact), ``wilson``, ``jeffreys`` or ``agresti-coull``.
    """
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0 or not 0 <= x <= n:
        raise ValueError(f"need 0 <= x <= n and n > 0, got x={x}, n={n}")
    name = {"clopper-pearson": "beta", "exact": "beta", "wilson": "wilson",
            "jeffreys": "jeffreys", "agresti-coull": "agresti_coull"}[method]
    low, high = proportion_confint(x, n, alpha=1.0 - level, method=name)
    if name == "beta":
        low = 0.0 if x == 0 else float(low)
        high = 1.0 if x == n else float(high)
    return float(max(0.0, low)), float(min(1.0, high))


@dataclass
class Proportion:
    """A rate with its numerator, denominator and two interval methods."""

    x: int
    n: int
    estimate: float | None
    level: float
    cp_lower: float | None
    cp_upper: float | None
    wilson_lower: float | None
    wilson_upper: float | None

    def as_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)

    def text(self) -> str:
        """``5/48 (10.4%, 95% CI 3.5–22.7% Clopper–Pearson)``."""
        if self.n == 0 or self.estimate is None:
            return f"{self.x}/{self.n} (not estimable)"
        return (
            f"{self.x}/{self.n} ({100 * self.estimate:.1f}%, {100 * self.level:.0f}% CI "
            f"{100 * self.cp_lower:.1f}–{100 * self.cp_upper:.1f}% Clopper–Pearson)"
        )


def proportion(x: int, n: int, level: float = 0.95) -> Proportion:
    """``x / n`` with Clopper–Pearson and Wilson intervals (``None`` when ``n == 0``)."""
    if n == 0:
        return Proportion(x, n, None, level, None, None, None, None)
    cp = binomial_ci(x, n, level, "clopper-pearson")
    wi = binomial_ci(x, n, level, "wilson")
    return Proportion(x, n, x / n, level, cp[0], cp[1], wi[0], wi[1])


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def kaplan_meier(days: pd.Series, event: pd.Series, level: float = 0.95,
                 label: str = "KM") -> dict:
    """Kaplan–Meier fit with median, its CI and the curve, as a JSON-ready dict.

    Parameters
    ----------
    days
        Follow-up times (days).
    event
        1 = event, 0 = censored (the complement of ADaM ``CNSR``).
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    durations = np.asarray(days, dtype=float)
    observed = np.asarray(event, dtype=int)
    result: dict = {"n": len(durations), "events": int(observed.sum()), "level": level,
                    "median_days": None, "median_ci_days": [None, None], "curve": [],
                    "method": "Kaplan–Meier (lifelines), Greenwood variance, log(-log) CI; "
                              "median CI from the pointwise band (Brookmeyer–Crowley)"}
    if len(durations) == 0:
        return result
    fitter = KaplanMeierFitter(alpha=1.0 - level, label=label)
    fitter.fit(durations, observed)
    result["median_days"] = _finite(fitter.median_survival_time_)
    ci = median_survival_times(fitter.confidence_interval_)
    result["median_ci_days"] = [_finite(ci.iloc[0, 0]), _finite(ci.iloc[0, 1])]
    table = fitter.event_table
    survival = fitter.survival_function_.iloc[:, 0]
    bounds = fitter.confidence_interval_
    result["curve"] = [
        {"days": float(t), "survival": float(survival.loc[t]),
         "lower": float(bounds.iloc[i, 0]), "upper": float(bounds.iloc[i, 1]),
         "at_risk": int(table.loc[t, "at_risk"]) if t in table.index else None}
        for i, t in enumerate(survival.index)
    ]
    return result
