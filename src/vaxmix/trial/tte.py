"""Time-to-event records (ADTTE-like): PFS, OS and duration of response, with censoring rules.

Censoring rules (stated in every output, after {admiralonco}'s ``derive_param_tte`` sources
``pd_event``, ``death_event``, ``lasta_censor``, ``rand_censor``, ``lastalive_censor``):

* **PFS**: start → first PD or death, whichever is first (event); otherwise censored at the last
  adequate tumour assessment up to PD; with no post-baseline assessment, censored at the start.
* **OS**: start → death (event); otherwise censored at the last date known alive (or the last
  assessment when no last-alive date is given).
* **DOR**: among responders only, first date CR/PR criteria were met → first PD or death
  (event); otherwise censored at the last adequate assessment.

``AVAL`` is in days, counted as ADaM does: ``end - start + 1``. ``CNSR`` follows ADaM (0 =
event, 1 = censored); the ``event`` column is its complement, as lifelines expects.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CENSORING_RULES", "time_to_event"]

CENSORING_RULES = {
    "PFS": "event: first PD or death; censored at the last adequate tumour assessment up to "
           "PD, or at the start date when there is no post-baseline assessment",
    "OS": "event: death from any cause; censored at the last date known alive (last "
          "assessment when no last-alive date is given)",
    "DOR": "responders only; from the first CR/PR to first PD or death; censored at the last "
           "adequate tumour assessment",
}


def _row(subject: str, param: str, start: pd.Timestamp, end: pd.Timestamp, event: bool,
         description: str) -> dict:
    return {
        "subject": subject,
        "param": param,
        "start_date": start,
        "end_date": end,
        "days": int((end - start).days) + 1,
        "cnsr": 0 if event else 1,
        "event": int(event),
        "description": description,
    }


def time_to_event(
    bor: pd.DataFrame,
    start: pd.Series,
    death: pd.Series | None = None,
    last_alive: pd.Series | None = None,
    dor_basis: str = "unconfirmed",
) -> pd.DataFrame:
    """PFS, OS and DOR rows per subject from a best-response table.

    Parameters
    ----------
    bor
        Output of :func:`vaxmix.trial.bor.best_overall_response`.
    start
        Start date per subject (randomisation or first dose).
    death, last_alive
        Death date and last-known-alive date per subject (optional).
    dor_basis
        ``"unconfirmed"`` (first CR/PR, as {admiralonco}'s ``RSD`` in pharmaverseadam) or
        ``"confirmed"`` (first *confirmed* CR/PR; the usual choice for single-arm trials).
    """
    if dor_basis not in ("unconfirmed", "confirmed"):
        raise ValueError("dor_basis must be 'unconfirmed' or 'confirmed'")
    death = death if death is not None else pd.Series(dtype="datetime64[ns]")
    last_alive = last_alive if last_alive is not None else pd.Series(dtype="datetime64[ns]")
    rows = []
    for rec in bor.itertuples(index=False):
        subject = rec.subject
        begin = start.get(subject, pd.NaT)
        if pd.isna(begin):
            continue
        died = death.get(subject, pd.NaT)
        last_assess = rec.last_assessment_date
        pd_date = rec.first_pd_date
        # PFS
        candidates = [d for d in (pd_date, died) if pd.notna(d)]
        if candidates:
            end = min(candidates)
            label = "Disease Progression" if end == pd_date else "Death"
            rows.append(_row(subject, "PFS", begin, end, True, label))
        elif pd.notna(last_assess):
            rows.append(_row(subject, "PFS", begin, last_assess, False, "Last Tumor Assessment"))
        else:
            rows.append(_row(subject, "PFS", begin, begin, False, "Start Date"))
        # OS
        if pd.notna(died):
            rows.append(_row(subject, "OS", begin, died, True, "Death"))
        else:
            alive = last_alive.get(subject, pd.NaT)
            end = alive if pd.notna(alive) else (last_assess if pd.notna(last_assess) else begin)
            if end < begin:
                # last known alive before the start: censored at the start, as admiral's
                # rand_censor (never a negative time)
                rows.append(_row(subject, "OS", begin, begin, False, "Start Date"))
            else:
                rows.append(_row(subject, "OS", begin, end, False, "Alive"))
        # DOR
        first = (
            rec.first_response_date if dor_basis == "unconfirmed"
            else rec.first_confirmed_response_date
        )
        if pd.notna(first):
            if candidates:
                end = min(candidates)
                label = "Disease Progression" if end == pd_date else "Death"
                rows.append(_row(subject, "DOR", first, end, True, label))
            else:
                rows.append(_row(subject, "DOR", first, last_assess, False,
                                 "Last Tumor Assessment"))
    return pd.DataFrame(rows, columns=[
        "subject", "param", "start_date", "end_date", "days", "cnsr", "event", "description",
    ])
