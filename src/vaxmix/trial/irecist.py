"""iRECIST time-point responses and best overall response (Seymour et al., "iRECIST: guidelines
for response criteria for use in trials testing immunotherapeutics", Lancet Oncol
2017;18:e143-e152, doi:10.1016/S1470-2045(17)30074-8).

Oncolytic viruses cause inflammatory pseudo-progression, so RECIST 1.1 progression is first
*unconfirmed* (iUPD) and becomes confirmed (iCPD) at the next assessment only if there is
further progression: the target sum rises again by ≥ 5 mm, new lesions increase in number or
in measured size (≥ 5 mm), non-target progression persists, or PD appears in a category that
had not progressed at iUPD. If the next assessment falls back to SD/PR/CR the "bar resets" and
a later progression is again iUPD. New lesions never enter the baseline target sum.

Simplification (stated): non-target "further increase in size" is judged from the qualitative
state only — an unequivocal-PD state at the confirming assessment counts as further increase.
iBOR is reported next to the RECIST 1.1 BOR, never instead of it.
"""

from __future__ import annotations

import pandas as pd

from vaxmix.trial.recist import RecistConfig

__all__ = ["irecist_best_response", "irecist_timepoints"]


def irecist_timepoints(timepoints: pd.DataFrame, config: RecistConfig | None = None
                       ) -> pd.DataFrame:
    """Add ``irecist_response`` (iCR, iPR, iSD, iNN, iUPD, iCPD, NE) to RECIST time points."""
    config = config or RecistConfig()
    frames = []
    for _, sub in timepoints.groupby(["subject", "evaluator"], sort=True):
        sub = sub.sort_values("date").copy()
        responses = []
        pending: dict | None = None
        for rec in sub.itertuples(index=False):
            if rec.is_baseline:
                responses.append("")
                continue
            recist = rec.overall_response
            if pending is None:
                if recist == "PD":
                    pending = {"sum": rec.sum_mm, "n_new": rec.n_new, "new_sum": rec.new_sum_mm,
                               "target": rec.target_response == "PD",
                               "nontarget": rec.nontarget_response == "PD",
                               "new": bool(rec.new_lesion)}
                    responses.append("iUPD")
                else:
                    responses.append(_i(recist))
                continue
            further = False
            if pending["target"] and pd.notna(rec.sum_mm) and \
                    rec.sum_mm - pending["sum"] >= config.pd_absolute_mm:
                further = True
            if pending["nontarget"] and rec.nontarget_response == "PD":
                further = True
            if pending["new"] and (rec.n_new > pending["n_new"] or
                                   rec.new_sum_mm - pending["new_sum"] >= config.pd_absolute_mm):
                further = True
            if (not pending["target"] and rec.target_response == "PD") or \
                    (not pending["nontarget"] and rec.nontarget_response == "PD") or \
                    (not pending["new"] and rec.new_lesion):
                further = True
            if further:
                responses.append("iCPD")
                pending = None
                continue
            if recist != "PD" and not rec.new_lesion:
                responses.append(_i(recist))
                pending = None
            else:
                responses.append("iUPD")
        sub["irecist_response"] = responses
        frames.append(sub)
    return pd.concat(frames, ignore_index=True) if frames else timepoints.assign(
        irecist_response=pd.Series(dtype=str))


def _i(recist: str) -> str:
    return {"CR": "iCR", "PR": "iPR", "SD": "iSD", "NON-CR/NON-PD": "iNN"}.get(recist, "NE")


def irecist_best_response(timepoints: pd.DataFrame, start: pd.Series,
                          config: RecistConfig | None = None) -> pd.DataFrame:
    """iBOR per subject: best of iCR, iPR, iSD/iNN (≥ SD minimum), else iCPD, iUPD, NE.

    Assessments after the first iCPD are ignored (iCPD ends the evaluation, as PD does).
    """
    config = config or RecistConfig()
    rows = []
    for subject, sub in timepoints[~timepoints["is_baseline"]].groupby("subject", sort=True):
        sub = sub.sort_values("date")
        begin = start.get(subject, pd.NaT)
        values, dates = [], []
        for rec in sub.itertuples(index=False):
            values.append(rec.irecist_response)
            dates.append(rec.date)
            if rec.irecist_response == "iCPD":
                break
        limit = begin + pd.Timedelta(days=config.sd_min_days) if pd.notna(begin) else None
        best = "NE"
        for label in ("iCR", "iPR"):
            if label in values:
                best = label
                break
        else:
            late = [v for v, d in zip(values, dates, strict=True)
                    if limit is None or d >= limit]
            if "iSD" in late:
                best = "iSD"
            elif "iNN" in late:
                best = "iNN"
            elif "iCPD" in values:
                best = "iCPD"
            elif "iUPD" in values:
                best = "iUPD"
        rows.append({"subject": subject, "ibor": best,
                     "confirmed_progression": "iCPD" in values})
    return pd.DataFrame(rows, columns=["subject", "ibor", "confirmed_progression"])
