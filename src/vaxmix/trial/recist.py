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

__all__ = ["RecistConfig", "assessment_keys", "overall_response", "timepoint_responses"]

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


def assessment_keys(frame: pd.DataFrame) -> pd.Series:
    """Which rows of a lesion table form one assessment (one scan time point).

    Rows of one visit number belong together — unless the visit holds scans on two or more
    different complete dates (an unscheduled visit number reused for two scans, e.g.
    pharmaverse ``01-711-1143`` VISITNUM 9.2 on 2013-06-22 and 2013-09-22): then each date
    is its own assessment, so no scan is merged into another and lost. A partial date in such
    a visit joins the complete date of the same month; if that is ambiguous it is an error.
    Subjects without visit numbers are grouped by date.
    """
    from vaxmix.common.errors import InputError

    subj = [frame["subject"], frame["evaluator"]]
    has_visitnum = frame["visitnum"].notna().groupby(subj).transform("all")
    by_date = frame["date"].dt.strftime("%Y-%m-%d")
    key = pd.Series(np.where(has_visitnum, "v" + frame["visitnum"].astype(str), "d" + by_date),
                    index=frame.index)
    flag = frame["date_flag"].fillna("") if "date_flag" in frame.columns else \
        pd.Series("", index=frame.index)
    full = has_visitnum & (flag == "")
    n_dates = frame["date"].where(full).groupby([*subj, key]).transform("nunique")
    split = has_visitnum & (n_dates > 1)
    if not split.any():
        return key
    key = key.where(~(split & full), key + "|" + by_date)
    for idx in frame.index[split & ~full]:
        row = frame.loc[idx]
        same = frame[split & full & (frame["subject"] == row["subject"])
                     & (frame["evaluator"] == row["evaluator"])
                     & (frame["visitnum"] == row["visitnum"])
                     & (frame["date"].dt.to_period("M") == row["date"].to_period("M"))]
        choices = same["date"].unique()
        if len(choices) != 1:
            raise InputError(
                f"subject {row['subject']}, visit {row['visitnum']}: a partial date cannot be "
                "matched to one of the visit's scan dates", path=row.get("path"),
                line=int(row["line"]) if pd.notna(row.get("line")) else None, field="TRDTC")
        key[idx] = key[idx] + "|" + pd.Timestamp(choices[0]).strftime("%Y-%m-%d")
    return key


def timepoint_responses(lesions: pd.DataFrame, config: RecistConfig | None = None) -> pd.DataFrame:
    """Derive RECIST 1.1 responses at every assessment of every subject (vectorised).

    Parameters
    ----------
    lesions
        Canonical lesion table (see :mod:`vaxmix.trial.lesions`), already validated. The first
        assessment of each subject (by date, then visit number) is its baseline; assessments
        are grouped by visit number, or by date when a subject lacks visit numbers.

    Returns
    -------
    DataFrame
        One row per subject × evaluator × assessment (baseline included, ``is_baseline``):
        ``sum_mm``, ``baseline_sum_mm``, ``nadir_mm`` (smallest complete SOD before this
        assessment), ``pchg_baseline``, ``chg_nadir_mm``, ``pchg_nadir``,
        ``n_target_measured``, ``n_target``, ``target_response``, ``nontarget_response``,
        ``new_lesion``, ``new_equivocal``, ``n_new``, ``new_sum_mm``, ``overall_response``.
    """
    config = config or RecistConfig()
    frame, assess = _ordered_assessments(lesions)
    grid = assess[[*_SUBJ, "order"]]
    out = _target_responses(frame, grid, config)
    out = _nontarget_responses(frame, grid, out)
    out = _new_lesions(frame, out)
    t, n = out["target_response"], out["nontarget_response"]
    out["overall_response"] = np.select(
        [out["new_lesion"] | (t == "PD") | (n == "PD"),
         (t == "NA") & (n == "CR"), (t == "NA") & (n == "NON-CR/NON-PD"), t == "NA",
         (t == "CR") & n.isin(["CR", "NA"]), t == "CR", t.isin(["PR", "SD"])],
        ["PD", "CR", "NON-CR/NON-PD", "NE", "CR", "PR", t], default="NE")
    out["is_baseline"] = out["order"] == 0
    for column in ("target_response", "nontarget_response", "overall_response"):
        out[column] = out[column].where(~out["is_baseline"], "")
    return _with_visits_and_changes(out, assess)


# One subject as judged by one evaluator: the unit every RECIST derivation groups by.
_SUBJ = ["subject", "evaluator"]


def _ordered_assessments(lesions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Number each subject's assessments in time order (0 = baseline).

    Returns the lesion rows with their assessment's ``order`` and one row per assessment
    (date, visit, visit number, date flag), so every later step can work on a dense
    subject × assessment grid.
    """
    subj = _SUBJ
    frame = lesions.copy()
    frame["_key"] = assessment_keys(frame)
    assess = frame.groupby([*subj, "_key"], sort=False).agg(
        date=("date", "min"), visitnum=("visitnum", "min"), visit=("visit", "first"),
        date_flag=("date_flag", "first"),
    ).reset_index().sort_values([*subj, "date", "visitnum"], kind="stable")
    assess["order"] = assess.groupby(subj).cumcount()
    frame = frame.merge(assess[[*subj, "_key", "order"]], on=[*subj, "_key"])
    return frame, assess


def _target_responses(frame: pd.DataFrame, grid: pd.DataFrame,
                      config: RecistConfig) -> pd.DataFrame:
    """Target-lesion sums, baseline, nadir and response at every assessment.

    Only lesions chosen as targets at baseline count; a lesion not measured at a visit makes
    the sum incomplete (NE unless the measured part alone already shows PD).
    """
    subj = _SUBJ
    targets = frame[frame["role"] == "target"]
    base_targets = targets[targets["order"] == 0].drop_duplicates([*subj, "lesion_id"])[
        [*subj, "lesion_id", "is_node"]]
    measured = targets.drop_duplicates([*subj, "order", "lesion_id"])[
        [*subj, "order", "lesion_id", "diameter_mm"]]
    cells = grid.merge(base_targets, on=subj).merge(
        measured, on=[*subj, "order", "lesion_id"], how="left")
    d = cells["diameter_mm"]
    node = cells["is_node"].astype(bool)
    cells["nonnode_positive"] = (~node & ~(d <= _EPS)).astype(int)
    cells["node_abnormal"] = (node & ~(d < config.node_normal_mm)).astype(int)
    target_agg = cells.groupby([*subj, "order"]).agg(
        n_target=("lesion_id", "size"), n_target_measured=("diameter_mm", "count"),
        sum_mm=("diameter_mm", "sum"), nonnode_positive=("nonnode_positive", "sum"),
        node_abnormal=("node_abnormal", "sum"),
    )
    out = grid.join(target_agg, on=[*subj, "order"])
    out[["n_target", "n_target_measured", "nonnode_positive", "node_abnormal"]] = out[
        ["n_target", "n_target_measured", "nonnode_positive", "node_abnormal"]
    ].fillna(0).astype(int)
    has_targets = out["n_target"] > 0
    out["sum_mm"] = out["sum_mm"].where(has_targets)
    complete = has_targets & (out["n_target_measured"] == out["n_target"])
    base_sum = out["sum_mm"].where(out["order"] == 0).groupby([out[c] for c in subj]).transform(
        "max")
    out["baseline_sum_mm"] = base_sum
    complete_sum = out["sum_mm"].where(complete, np.inf)
    running = complete_sum.groupby([out[c] for c in subj]).cummin()
    nadir = running.groupby([out[c] for c in subj]).shift(1)
    out["nadir_mm"] = nadir.fillna(base_sum).where(has_targets)
    total, nad = out["sum_mm"], out["nadir_mm"]
    is_pd = ((total - nad) >= config.pd_absolute_mm - _EPS) & (
        total >= nad * (1.0 + config.pd_increase) - _EPS)
    is_cr = (out["nonnode_positive"] == 0) & (out["node_abnormal"] == 0)
    is_pr = total <= base_sum * (1.0 - config.pr_decrease) + _EPS
    out["target_response"] = np.select(
        [~has_targets, ~complete & is_pd, ~complete, is_cr, is_pd, is_pr],
        ["NA", "PD", "NE", "CR", "PD", "PR"], default="SD")
    return out


def _nontarget_responses(frame: pd.DataFrame, grid: pd.DataFrame,
                         out: pd.DataFrame) -> pd.DataFrame:
    """Add the non-target response: lesions present at baseline, judged qualitatively.

    A lesion with no assessment at a visit is "not evaluated", which makes the visit NE
    rather than silently CR.
    """
    subj = _SUBJ
    nontargets = frame[frame["role"] == "non_target"]
    base_nt = nontargets[nontargets["order"] == 0].drop_duplicates([*subj, "lesion_id"])[
        [*subj, "lesion_id"]]
    states = nontargets.drop_duplicates([*subj, "order", "lesion_id"])[
        [*subj, "order", "lesion_id", "state"]]
    nt = grid.merge(base_nt, on=subj).merge(states, on=[*subj, "order", "lesion_id"],
                                            how="left")
    nt["state"] = nt["state"].fillna("not_evaluated")
    nt["pd"] = (nt["state"] == "unequivocal_pd").astype(int)
    nt["ne"] = nt["state"].isin(["not_evaluated", "equivocal"]).astype(int)
    nt["present"] = (nt["state"] != "absent").astype(int)
    nt_agg = nt.groupby([*subj, "order"]).agg(
        nt_n=("lesion_id", "size"), nt_pd=("pd", "sum"), nt_ne=("ne", "sum"),
        nt_present=("present", "sum"))
    out = out.join(nt_agg, on=[*subj, "order"])
    nt_n = out["nt_n"].fillna(0)
    out["nontarget_response"] = np.select(
        [nt_n == 0, out["nt_pd"] > 0, out["nt_ne"] > 0, out["nt_present"] == 0],
        ["NA", "PD", "NE", "CR"], default="NON-CR/NON-PD")
    return out


def _new_lesions(frame: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """Add new-lesion counts: unequivocal ones (progression) apart from equivocal ones (not)."""
    subj = _SUBJ
    new = frame[frame["role"] == "new"]
    unequivocal = new[new["state"].isin(["present", "unequivocal_pd"])]
    new_agg = unequivocal.groupby([*subj, "order"]).agg(
        n_new=("lesion_id", "nunique"), new_sum_mm=("diameter_mm", "sum"))
    equivocal = new[new["state"] == "equivocal"].groupby([*subj, "order"]).size().rename(
        "n_equivocal")
    out = out.join(new_agg, on=[*subj, "order"]).join(equivocal, on=[*subj, "order"])
    out["n_new"] = out["n_new"].fillna(0).astype(int)
    out["new_sum_mm"] = out["new_sum_mm"].fillna(0.0)
    out["new_lesion"] = out["n_new"] > 0
    out["new_equivocal"] = out["n_equivocal"].fillna(0) > 0
    return out


def _with_visits_and_changes(out: pd.DataFrame, assess: pd.DataFrame) -> pd.DataFrame:
    """Attach each assessment's visit and date, and the percent changes from baseline/nadir.

    Changes are given only where the target sum is complete; the output columns and their
    order are the documented table. They are computed from the merged frame's own columns:
    the merge renumbers the rows, so series taken before it would pair each change with
    another assessment's sums whenever the lesion rows were not in subject/date order.
    """
    subj = _SUBJ
    out = out.merge(assess[[*subj, "order", "visit", "visitnum", "date", "date_flag"]],
                    on=[*subj, "order"])
    total, nad, base_sum = out["sum_mm"], out["nadir_mm"], out["baseline_sum_mm"]
    full = (out["n_target"] > 0) & (out["n_target_measured"] == out["n_target"])
    out["pchg_baseline"] = (100.0 * (total - base_sum) / base_sum).where(full & (base_sum > 0))
    out["chg_nadir_mm"] = (total - nad).where(full)
    out["pchg_nadir"] = (100.0 * (total - nad) / nad).where(full & (nad > 0))
    columns = [
        "subject", "evaluator", "visit", "visitnum", "date", "date_flag", "is_baseline",
        "sum_mm", "baseline_sum_mm", "nadir_mm", "n_target_measured", "n_target", "n_new",
        "new_sum_mm", "new_lesion", "new_equivocal", "target_response", "nontarget_response",
        "overall_response", "pchg_baseline", "chg_nadir_mm", "pchg_nadir",
    ]
    return out[columns].reset_index(drop=True)
