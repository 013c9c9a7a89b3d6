"""Immune-response rates from ELISpot replicate wells, kept apart by what the response targets.

Why apart: any live-virus therapy immunises the patient against the virus, so "every patient
had an immune response" may be an anti-viral response and say nothing about the tumour. Rates
are reported separately for ``viral``, ``tumor_antigen`` and ``non_specific`` (e.g. CEF/PHA)
targets, each with its positivity rule, evaluable denominator and exact interval.

Positivity rules (Moodie et al., "Response definition criteria for ELISPOT assays revisited",
Cancer Immunol Immunother 2010;59:1489-1501, doi:10.1007/s00262-010-0875-4):

* ``empirical``: mean antigen wells ≥ ``fold`` × mean negative-control wells **and**
  mean difference ≥ ``min_diff`` spots per well (common lab rule; not harmonised);
* ``dfr_eq`` / ``dfr_2x``: distribution-free resampling — an exact one-sided permutation test
  of the difference in means between antigen and control wells (H0: antigen mean = control
  mean, or ≤ 2 × control mean by doubling the control wells), p-values adjusted across the
  antigens of one subject and time point by Holm's step-down method (the published DFR uses a
  permutation step-down max-T; Holm is a documented, slightly more conservative substitute).

A **vaccine-induced** response is positive after treatment and negative at baseline (de novo),
or positive at both with a ≥ ``boost_fold`` rise in background-subtracted spots (boosted).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.trial.io import read_table, require_columns
from vaxmix.trial.stats import proportion

__all__ = [
    "PositivityRule",
    "call_antigen_responses",
    "dfr_pvalue",
    "immune_response_rates",
    "read_elispot",
]

TARGETS = ("viral", "tumor_antigen", "non_specific", "negative_control")


@dataclass(frozen=True)
class PositivityRule:
    """Which ELISpot positivity rule to apply and its parameters."""

    method: str = "dfr_eq"
    fold: float = 2.0
    min_diff: float = 10.0
    alpha: float = 0.05
    boost_fold: float = 2.0
    baseline_label: str = "baseline"

    def describe(self) -> str:
        """One sentence naming the rule and its parameters."""
        if self.method == "empirical":
            return (f"empirical: mean antigen ≥ {self.fold:g}× mean negative control and "
                    f"≥ {self.min_diff:g} spots/well above it")
        null = "antigen mean = control mean" if self.method == "dfr_eq" else \
            "antigen mean ≤ 2× control mean"
        return (f"{self.method.upper()} (Moodie et al. 2010): exact one-sided permutation test, "
                f"H0 {null}, Holm-adjusted across antigens, alpha {self.alpha:g}")


def read_elispot(path: str | Path) -> pd.DataFrame:
    """Read ELISpot wells: ``subject, timepoint, antigen, target, spots`` (one row per well).

    ``target`` is one of viral, tumor_antigen, non_specific, negative_control.
    """
    frame = read_table(path)
    frame.columns = ["_line", *[c.lower() for c in frame.columns[1:]]]
    require_columns(frame, ["subject", "timepoint", "antigen", "target", "spots"], "ELISpot CSV")
    frame["target"] = frame["target"].astype("string").str.strip().str.lower()
    bad = ~frame["target"].isin(TARGETS)
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputError(f"subject {row['subject']}, timepoint {row['timepoint']}: target "
                         f"{row['target']!r} is not one of {', '.join(TARGETS)}",
                         path=path, line=int(row["_line"]), field="target")
    spots = pd.to_numeric(frame["spots"], errors="coerce")
    bad = spots.isna() | (spots < 0)
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputError(f"subject {row['subject']}, timepoint {row['timepoint']}, antigen "
                         f"{row['antigen']}: spots {row['spots']!r} is not a count ≥ 0",
                         path=path, line=int(row["_line"]), field="spots")
    frame["spots"] = spots
    frame["subject"] = frame["subject"].astype(str)
    return frame


def dfr_pvalue(antigen: np.ndarray, control: np.ndarray, null_fold: float = 1.0) -> float:
    """Exact one-sided permutation p-value of mean(antigen) > null_fold × mean(control).

    All splits of the pooled wells are enumerated (≤ 12 wells in practice: C(12,6) = 924).
    """
    antigen = np.asarray(antigen, dtype=float)
    control = np.asarray(control, dtype=float) * null_fold
    pooled = np.concatenate([antigen, control])
    k = len(antigen)
    observed = antigen.mean() - control.mean()
    total = pooled.sum()
    count = 0
    n_perm = 0
    for idx in combinations(range(len(pooled)), k):
        a_sum = pooled[list(idx)].sum()
        diff = a_sum / k - (total - a_sum) / (len(pooled) - k)
        count += diff >= observed - 1e-12
        n_perm += 1
    return count / n_perm


def _holm(pvalues: np.ndarray) -> np.ndarray:
    order = np.argsort(pvalues)
    m = len(pvalues)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * pvalues[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def call_antigen_responses(wells: pd.DataFrame, rule: PositivityRule) -> pd.DataFrame:
    """Positive/negative per subject × time point × antigen (negative-control wells excluded)."""
    rows = []
    for (subject, timepoint), frame in wells.groupby(["subject", "timepoint"], sort=True):
        control = frame.loc[frame["target"] == "negative_control", "spots"].to_numpy()
        antigens = frame[frame["target"] != "negative_control"]
        records = []
        for (antigen, target), aw in antigens.groupby(["antigen", "target"], sort=True):
            values = aw["spots"].to_numpy()
            rec = {"subject": subject, "timepoint": timepoint, "antigen": antigen,
                   "target": target, "n_wells": len(values), "n_control_wells": len(control),
                   "mean_spots": float(values.mean()),
                   "mean_control": float(control.mean()) if len(control) else np.nan}
            rec["net_spots"] = rec["mean_spots"] - rec["mean_control"]
            if len(control) == 0 or len(values) == 0:
                rec["p_value"] = np.nan
            elif rule.method == "empirical":
                rec["p_value"] = np.nan
            else:
                fold = 1.0 if rule.method == "dfr_eq" else 2.0
                rec["p_value"] = dfr_pvalue(values, control, fold)
            records.append(rec)
        if not records:
            continue
        if rule.method in ("dfr_eq", "dfr_2x"):
            p = np.array([r["p_value"] for r in records], dtype=float)
            valid = ~np.isnan(p)
            adjusted = np.full(len(p), np.nan)
            if valid.any():
                adjusted[valid] = _holm(p[valid])
            for rec, adj in zip(records, adjusted, strict=True):
                rec["p_adjusted"] = adj
                rec["positive"] = bool(adj <= rule.alpha) if not np.isnan(adj) else None
        else:
            for rec in records:
                rec["p_adjusted"] = np.nan
                ok = not np.isnan(rec["mean_control"])
                rec["positive"] = bool(
                    rec["mean_spots"] >= rule.fold * rec["mean_control"]
                    and rec["net_spots"] >= rule.min_diff
                ) if ok else None
        rows.extend(records)
    return pd.DataFrame(rows)


def immune_response_rates(calls: pd.DataFrame, rule: PositivityRule) -> list[dict]:
    """Per-target subject-level rates of vaccine-induced responses (any antigen of the target).

    A subject is evaluable for a target when it has a baseline and at least one post-treatment
    call for an antigen of that target.
    """
    is_base = calls["timepoint"].astype(str).str.lower() == rule.baseline_label.lower()
    base = calls[is_base].set_index(["subject", "antigen"])
    post = calls[~is_base]
    results = []
    for target in ("viral", "tumor_antigen", "non_specific"):
        if not (calls["target"] == target).any():
            continue  # not measured: no endpoint rather than an empty one
        sub = post[post["target"] == target]
        evaluable, induced, de_novo, boosted = set(), set(), set(), set()
        for rec in sub.itertuples(index=False):
            key = (rec.subject, rec.antigen)
            if key not in base.index or rec.positive is None:
                continue
            before = base.loc[key]
            if isinstance(before, pd.DataFrame):
                before = before.iloc[0]
            if before["positive"] is None:
                continue
            evaluable.add(rec.subject)
            if not rec.positive:
                continue
            if not before["positive"]:
                induced.add(rec.subject)
                de_novo.add(rec.subject)
            elif rec.net_spots >= rule.boost_fold * max(before["net_spots"], 1e-9):
                induced.add(rec.subject)
                boosted.add(rec.subject)
        rate = proportion(len(induced), len(evaluable))
        results.append({
            "target": target,
            "rule": rule.describe(),
            "definition": f"vaccine-induced {target.replace('_', ' ')} ELISpot response in any "
                          "antigen: positive after treatment and negative at baseline (de novo) "
                          f"or ≥ {rule.boost_fold:g}× rise in net spots (boosted); positivity "
                          f"rule: {rule.describe()}",
            "n_de_novo": len(de_novo),
            "n_boosted": len(boosted),
            **rate.as_dict(),
        })
    return results


def read_titers(path: str | Path) -> pd.DataFrame:
    """Read neutralising-antibody titres: ``subject, virus, timepoint, titer`` (reciprocal
    dilution; values such as ``<8`` mean below the lower limit of quantification)."""
    frame = read_table(path)
    frame.columns = ["_line", *[c.lower() for c in frame.columns[1:]]]
    require_columns(frame, ["subject", "virus", "timepoint", "titer"], "titre CSV")
    text = frame["titer"].astype("string").str.strip()
    below = text.str.startswith("<").fillna(False)
    value = pd.to_numeric(text.str.lstrip("<"), errors="coerce")
    bad = value.isna() | (value <= 0)
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputError(f"subject {row['subject']}, virus {row['virus']}, timepoint "
                         f"{row['timepoint']}: titre {row['titer']!r} is not a positive number "
                         "(or <LLOQ)", path=path, line=int(row["_line"]), field="titer")
    frame["titer_value"] = value
    frame["below_lloq"] = below
    frame["subject"] = frame["subject"].astype(str)
    return frame


def seroconversion_rates(titers: pd.DataFrame, fold: float = 4.0,
                         baseline_label: str = "baseline") -> list[dict]:
    """Per-virus seroconversion: post-treatment titre ≥ ``fold`` × baseline (a baseline below
    the LLOQ counts as the LLOQ, which is conservative). Evaluable: baseline and ≥ 1 post value.
    """
    is_base = titers["timepoint"].astype(str).str.lower() == baseline_label.lower()
    base = titers[is_base].groupby(["subject", "virus"])["titer_value"].max()
    post = titers[~is_base].groupby(["subject", "virus"])["titer_value"].max()
    joined = pd.concat({"base": base, "post": post}, axis=1).dropna()
    results = []
    for virus, frame in joined.groupby(level="virus", sort=True):
        converted = int((frame["post"] >= fold * frame["base"]).sum())
        rate = proportion(converted, len(frame))
        results.append({
            "virus": virus,
            "definition": f"anti-{virus} neutralising-antibody seroconversion: peak post-"
                          f"treatment titre ≥ {fold:g}× baseline (baseline < LLOQ taken as LLOQ)",
            **rate.as_dict(),
        })
    return results
