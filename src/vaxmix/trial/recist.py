"""RECIST 1.1 time-point responses from lesion measurements.

Rules (Eisenhauer et al., "New response evaluation criteria in solid tumours: revised RECIST
guideline (version 1.1)", Eur J Cancer 2009;45:228-247, doi:10.1016/j.ejca.2008.10.026):

* sum of diameters (SOD) = longest diameters of non-nodal targets + short axes of nodal
  targets (nodes keep their short axis even when < 10 mm, so SOD can be > 0 at CR);
* target CR: every non-nodal target 0 mm and every nodal target < 10 mm short axis;
  PR: SOD at least 30 % below the **baseline** SOD; PD: SOD at least 20 % **and** at least
  5 mm above the **nadir** (smallest SOD on study, baseline included); SD otherwise;
  NE if any target is not measured, unless the measured ones already meet PD;
* non-target CR: all absent; PD: unequivocal progression; Non-CR/Non-PD otherwise; NE if any
  is not evaluated; new unequivocal lesions are PD;
* overall response: RECIST 1.1 Table 1 (target disease) and Table 2 (non-target only; the
  answer is NON-CR/NON-PD rather than SD).

The output table is ADTR/ADRS-like: one row per subject × evaluator × assessment with the
sums, nadir and percentage changes next to each component response, so every call can be
traced to its numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["RecistConfig", "overall_response", "timepoint_responses"]

_EPS = 1e-9


@dataclass(frozen=True)
class RecistConfig:
    """Thresholds of RECIST 1.1 and the best-response rules (protocol-adjustable).

    Attributes
    ----------
    pr_decrease
        Fractional decrease of SOD from baseline for PR (0.30).
    pd_increase
        Fractional increase of SOD over nadir for PD (0.20).
    pd_absolute_mm
        Absolute increase over nadir also required for PD (5 mm).
    node_normal_mm
        Short axis below which a lymph node is normal (10 mm).
    sd_min_days
        Minimum days from the start date for SD (and NON-CR/NON-PD) to count as best response
        ({admiralonco} default 42; protocols commonly use 6-8 weeks).
    confirm_days
        Minimum days between a CR/PR and the assessment that confirms it (28).
    max_ne_between
        NE assessments allowed between a response and its confirmation ({admiralonco}: 1).
    """

    pr_decrease: float = 0.30
    pd_increase: float = 0.20
    pd_absolute_mm: float = 5.0
    node_normal_mm: float = 10.0
    sd_min_days: int = 42
    confirm_days: int = 28
    max_ne_between: int = 1


def _target_pd(total: float, nadir: float, config: RecistConfig) -> bool:
    return bool(
        total - nadir >= config.pd_absolute_mm - _EPS
        and total >= nadir * (1.0 + config.pd_increase) - _EPS
    )


def target_response(
    diameters: np.ndarray, is_node: np.ndarray, baseline_sum: float, nadir: float,
    config: RecistConfig,
) -> str:
    """Target-lesion response at one assessment (``NA`` when there are no target lesions).

    ``diameters`` and ``is_node`` are aligned with the baseline target lesions; a NaN
    diameter means the lesion was not assessed.
    """
    diameters = np.asarray(diameters, dtype=float)
    if diameters.size == 0:
        return "NA"
    measured = ~np.isnan(diameters)
    total = float(diameters[measured].sum())
    if not measured.all():
        return "PD" if _target_pd(total, nadir, config) else "NE"
    nodal = np.asarray(is_node, dtype=bool)
    if (diameters[~nodal] <= _EPS).all() and (diameters[nodal] < config.node_normal_mm).all():
        return "CR"
    if _target_pd(total, nadir, config):
        return "PD"
    if total <= baseline_sum * (1.0 - config.pr_decrease) + _EPS:
        return "PR"
    return "SD"


def nontarget_response(states: np.ndarray) -> str:
    """Non-target response from the states of the baseline non-target lesions."""
    values = [s if isinstance(s, str) else "not_evaluated" for s in states]
    if not values:
        return "NA"
    if "unequivocal_pd" in values:
        return "PD"
    if "not_evaluated" in values or "equivocal" in values:
        return "NE"
    if all(v == "absent" for v in values):
        return "CR"
    return "NON-CR/NON-PD"


def overall_response(target: str, nontarget: str, new_lesion: bool) -> str:
    """RECIST 1.1 Table 1 (target disease) / Table 2 (non-target disease only)."""
    if new_lesion or target == "PD" or nontarget == "PD":
        return "PD"
    if target == "NA":
        return {"CR": "CR", "NON-CR/NON-PD": "NON-CR/NON-PD"}.get(nontarget, "NE")
    if target == "CR":
        return "CR" if nontarget in ("CR", "NA") else "PR"
    if target in ("PR", "SD"):
        return target
    return "NE"


def timepoint_responses(lesions: pd.DataFrame, config: RecistConfig | None = None) -> pd.DataFrame:
    """Derive RECIST 1.1 responses at every assessment of every subject.

    Parameters
    ----------
    lesions
        Canonical lesion table (see :mod:`vaxmix.trial.lesions`), already validated.

    Returns
    -------
    DataFrame
        One row per subject × evaluator × assessment (baseline included, ``is_baseline``):
        ``sum_mm``, ``baseline_sum_mm``, ``nadir_mm`` (smallest SOD before this assessment),
        ``pchg_baseline``, ``chg_nadir_mm``, ``pchg_nadir``, ``n_target_measured``,
        ``n_target``, ``target_response``, ``nontarget_response``, ``new_lesion``,
        ``new_equivocal``, ``n_new``, ``new_sum_mm``, ``overall_response``.
    """
    config = config or RecistConfig()
    rows: list[dict] = []
    for (subject, evaluator), sub in lesions.groupby(["subject", "evaluator"], sort=True):
        rows.extend(_subject_timepoints(str(subject), str(evaluator), sub, config))
    return pd.DataFrame(rows)


def _pivot(rows: pd.DataFrame, key: str, value: str, index: pd.Index, columns: list[str]
           ) -> np.ndarray:
    """Assessments × lesions matrix of ``value`` (NaN where a lesion was not recorded)."""
    if rows.empty or not columns:
        return np.full((len(index), len(columns)), np.nan, dtype=object)
    first = rows.drop_duplicates([key, "lesion_id"])
    table = first.pivot(index=key, columns="lesion_id", values=value)
    return table.reindex(index=index, columns=columns).to_numpy(dtype=object)


def _subject_timepoints(
    subject: str, evaluator: str, sub: pd.DataFrame, config: RecistConfig
) -> list[dict]:
    key = "visitnum" if sub["visitnum"].notna().all() else "date"
    assess = sub.groupby(key, sort=True).agg(
        date=("date", "min"), visitnum=("visitnum", "min"), visit=("visit", "first"),
        date_flag=("date_flag", "first"),
    ).sort_values(["date", "visitnum"], kind="stable")
    keys = assess.index
    targets = sub[sub["role"] == "target"]
    base_targets = targets[targets[key] == keys[0]].drop_duplicates("lesion_id")
    target_ids = base_targets["lesion_id"].tolist()
    node_flags = base_targets["is_node"].to_numpy(dtype=bool)
    nontargets = sub[sub["role"] == "non_target"]
    nontarget_ids = nontargets.loc[nontargets[key] == keys[0], "lesion_id"].unique().tolist()
    diam = _pivot(targets, key, "diameter_mm", keys, target_ids).astype(float)
    states = _pivot(nontargets, key, "state", keys, nontarget_ids)
    new = sub[sub["role"] == "new"]
    unequivocal = new[new["state"].isin(["present", "unequivocal_pd"])]
    n_new = unequivocal.groupby(key)["lesion_id"].nunique().reindex(keys, fill_value=0)
    new_sum = unequivocal.groupby(key)["diameter_mm"].sum().reindex(keys, fill_value=0.0)
    equivocal = new[new["state"] == "equivocal"].groupby(key).size().reindex(keys, fill_value=0)
    baseline_sum = float(np.nansum(diam[0])) if target_ids else np.nan
    nadir = baseline_sum
    out: list[dict] = []
    for index, (akey, info) in enumerate(assess.iterrows()):
        row = diam[index]
        measured = ~np.isnan(row)
        complete = bool(target_ids) and bool(measured.all())
        measured_sum = float(row[measured].sum()) if target_ids else np.nan
        record = {
            "subject": subject,
            "evaluator": evaluator,
            "visit": info["visit"],
            "visitnum": info["visitnum"],
            "date": info["date"],
            "date_flag": info["date_flag"],
            "is_baseline": index == 0,
            "sum_mm": measured_sum,
            "baseline_sum_mm": baseline_sum,
            "nadir_mm": nadir,
            "n_target_measured": int(measured.sum()),
            "n_target": len(target_ids),
            "n_new": int(n_new.loc[akey]),
            "new_sum_mm": float(new_sum.loc[akey]),
            "new_lesion": bool(n_new.loc[akey] > 0),
            "new_equivocal": bool(equivocal.loc[akey] > 0),
        }
        if index == 0:
            record.update(target_response="", nontarget_response="", overall_response="")
        else:
            t_resp = target_response(row, node_flags, baseline_sum, nadir, config)
            nt_resp = nontarget_response(states[index])
            record.update(
                target_response=t_resp,
                nontarget_response=nt_resp,
                overall_response=overall_response(t_resp, nt_resp, record["new_lesion"]),
            )
            if complete:
                nadir = min(nadir, measured_sum)
        _add_changes(record)
        out.append(record)
    return out


def _add_changes(record: dict) -> None:
    """Percentage change from baseline and change from nadir (complete sums only)."""
    base_sum, nadir = record["baseline_sum_mm"], record["nadir_mm"]
    if record["n_target"] and record["n_target_measured"] == record["n_target"]:
        total = record["sum_mm"]
        record["pchg_baseline"] = 100.0 * (total - base_sum) / base_sum if base_sum > 0 \
            else np.nan
        record["chg_nadir_mm"] = total - nadir
        record["pchg_nadir"] = 100.0 * (total - nadir) / nadir if nadir > 0 else np.nan
    else:
        record["pchg_baseline"] = np.nan
        record["chg_nadir_mm"] = np.nan
        record["pchg_nadir"] = np.nan
