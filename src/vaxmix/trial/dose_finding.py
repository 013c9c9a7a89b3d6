"""Phase I dose-finding summaries: the 3+3 rule and BOIN (Liu & Yuan 2015).

* **3+3** (Storer, Biometrics 1989;45:925-937): 3 patients per dose; 0/3 DLT → escalate;
  1/3 → 3 more at the same dose; ≤ 1/6 → escalate; ≥ 2 DLT → the dose exceeds the MTD and the
  recommended dose is the one below (no re-expansion below, as in the R package
  ``escalation``'s default). Escalation past the top dose is not possible: ≤ 1/6 at the top
  dose recommends it with "MTD not reached".
* **BOIN** (Liu & Yuan, J R Stat Soc C 2015;64:507-523): with target DLT rate φ and
  φ1 = 0.6φ, φ2 = 1.4φ, escalate if the observed rate ≤ λe, de-escalate if ≥ λd, where
  λe = ln((1−φ1)/(1−φ)) / ln(φ(1−φ1)/(φ1(1−φ))) and
  λd = ln((1−φ)/(1−φ2)) / ln(φ2(1−φ)/(φ(1−φ2))); a dose (and all above) is eliminated when
  P(p > φ | x, n) > 0.95 under a Beta(1, 1) prior with n ≥ 3; the MTD is the dose whose
  isotonic-regression estimate is closest to φ.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "BoinBoundaries",
    "ThreePlusThreeResult",
    "boin_boundaries",
    "boin_decision_table",
    "boin_select_mtd",
    "parse_outcomes",
    "three_plus_three",
]


def parse_outcomes(text: str) -> list[tuple[int, str]]:
    """Parse cohort notation ``"1NNN 2NTN"`` into ``[(1, "NNN"), (2, "NTN")]`` (T = DLT)."""
    cohorts = []
    for token in text.split():
        match = re.fullmatch(r"(\d+)([NTnt]+)", token)
        if not match:
            raise ValueError(f"bad cohort {token!r}: expected dose number then N/T letters")
        cohorts.append((int(match.group(1)), match.group(2).upper()))
    return cohorts


@dataclass
class ThreePlusThreeResult:
    """Where a 3+3 trial stands after the observed cohorts."""

    recommended_dose: int | None
    next_dose: int | None
    stop: bool
    mtd_reached: bool
    reason: str
    table: pd.DataFrame


def three_plus_three(outcomes: str | list[tuple[int, str]], num_doses: int
                     ) -> ThreePlusThreeResult:
    """Apply the 3+3 rule to observed cohorts (in enrolment order)."""
    cohorts = parse_outcomes(outcomes) if isinstance(outcomes, str) else outcomes
    n = np.zeros(num_doses + 1, dtype=int)
    x = np.zeros(num_doses + 1, dtype=int)
    for dose, letters in cohorts:
        if not 1 <= dose <= num_doses:
            raise ValueError(f"dose {dose} outside 1..{num_doses}")
        n[dose] += len(letters)
        x[dose] += letters.count("T")
    table = pd.DataFrame({"dose": range(1, num_doses + 1), "n": n[1:], "dlt": x[1:]})
    if not cohorts:
        return ThreePlusThreeResult(None, 1, False, False, "no patients yet", table)
    current = cohorts[-1][0]
    nc, xc = n[current], x[current]
    if xc >= 2:
        below = current - 1
        return ThreePlusThreeResult(
            below if below >= 1 else None, None, True, True,
            f"{xc}/{nc} DLT at dose {current} exceeds the MTD"
            + ("" if below >= 1 else "; no tolerable dose"), table)
    if nc < 6 and (xc == 1 or current == num_doses):
        return ThreePlusThreeResult(current, current, False, False,
                                    f"{xc}/{nc} DLT: add 3 patients at dose {current}", table)
    if current == num_doses:
        return ThreePlusThreeResult(current, None, True, False,
                                    f"{xc}/{nc} DLT at the top dose: MTD not reached", table)
    return ThreePlusThreeResult(current, current + 1, False, False,
                                f"{xc}/{nc} DLT: escalate to dose {current + 1}", table)


@dataclass(frozen=True)
class BoinBoundaries:
    """BOIN escalation/de-escalation boundaries and the elimination rule."""

    target: float
    phi1: float
    phi2: float
    lambda_e: float
    lambda_d: float
    elimination_cutoff: float = 0.95


def boin_boundaries(target: float, phi1: float | None = None, phi2: float | None = None
                    ) -> BoinBoundaries:
    """λe and λd of Liu & Yuan (2015) for a target DLT rate (defaults φ1 = 0.6φ, φ2 = 1.4φ)."""
    if not 0 < target < 1:
        raise ValueError("target must be in (0, 1)")
    p1 = 0.6 * target if phi1 is None else phi1
    p2 = 1.4 * target if phi2 is None else phi2
    lam_e = math.log((1 - p1) / (1 - target)) / math.log(target * (1 - p1) / (p1 * (1 - target)))
    lam_d = math.log((1 - target) / (1 - p2)) / math.log(p2 * (1 - target) / (target * (1 - p2)))
    return BoinBoundaries(target, p1, p2, lam_e, lam_d)


def boin_decision_table(bounds: BoinBoundaries, max_n: int = 12) -> pd.DataFrame:
    """For n = 1..max_n: escalate if DLT ≤ e, de-escalate if ≥ d, eliminate if ≥ elim."""
    from scipy.stats import beta

    rows = []
    for n in range(1, max_n + 1):
        escalate = math.floor(n * bounds.lambda_e + 1e-12)
        deescalate = math.ceil(n * bounds.lambda_d - 1e-12)
        eliminate = None
        if n >= 3:
            for x in range(n + 1):
                if beta.sf(bounds.target, 1 + x, 1 + n - x) > bounds.elimination_cutoff:
                    eliminate = x
                    break
        rows.append({"n": n, "escalate_if_dlt_le": escalate,
                     "deescalate_if_dlt_ge": deescalate, "eliminate_if_dlt_ge": eliminate})
    return pd.DataFrame(rows)


def boin_select_mtd(n: list[int], dlt: list[int], target: float) -> dict:
    """Select the MTD after a BOIN trial (isotonic regression, closest to target).

    Doses that meet the elimination rule (and all above) are excluded; untried doses are
    ignored. Ties below the target go to the higher dose, above it to the lower dose.
    """
    from scipy.optimize import isotonic_regression
    from scipy.stats import beta

    n_arr = np.asarray(n, dtype=float)
    x_arr = np.asarray(dlt, dtype=float)
    eliminated = np.array([
        ni >= 3 and beta.sf(target, 1 + xi, 1 + ni - xi) > 0.95
        for ni, xi in zip(n_arr, x_arr, strict=True)
    ])
    limit = int(np.argmax(eliminated)) if eliminated.any() else len(n_arr)
    tried = [i for i in range(limit) if n_arr[i] > 0]
    if not tried:
        return {"mtd": None, "estimates": [], "reason": "no tolerable dose tried"}
    rates = (x_arr[tried] + 0.05) / (n_arr[tried] + 0.1)
    fitted = isotonic_regression(rates, weights=n_arr[tried] + 0.1).x
    distance = np.abs(fitted - target)
    best = np.flatnonzero(np.isclose(distance, distance.min()))
    chosen_idx = best[-1] if fitted[best[-1]] < target else best[0]
    return {"mtd": tried[chosen_idx] + 1,
            "estimates": [{"dose": d + 1, "isotonic_rate": float(r)}
                          for d, r in zip(tried, fitted, strict=True)],
            "eliminated_from": limit + 1 if eliminated.any() else None,
            "reason": "isotonic estimate closest to target"}
