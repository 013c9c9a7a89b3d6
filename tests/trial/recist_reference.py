"""Loop-per-assessment RECIST reference, built on the scalar table functions of
``vaxmix.trial.recist``; the vectorised ``timepoint_responses`` must agree with it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vaxmix.trial.recist import (
    RecistConfig,
    nontarget_response,
    overall_response,
    target_response,
)


def reference_timepoints(lesions: pd.DataFrame, config: RecistConfig | None = None
                         ) -> pd.DataFrame:
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
    sub = sub.assign(_key=sub["visitnum"] if sub["visitnum"].notna().all() else sub["date"])
    key = "_key"
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
        out.append(record)
    return out
