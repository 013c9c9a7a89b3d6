"""Best overall response (BOR), with and without confirmation, from time-point responses.

The rules follow RECIST 1.1 section 4.4 (Eisenhauer et al. 2009) as operationalised by the
pharmaverse reference implementation {admiralonco} (v1.4; ``bor_*``, ``cbor_*``, ``rsp_y``,
``crsp_y_*`` event objects), so that results can be checked against its ADRS output:

* assessments before the start date (randomisation / first dose) are ignored; if several
  assessments share a date the worst counts (order NE < CR < PR < SD < NON-CR/NON-PD < PD);
  only assessments up to and including the first PD are used;
* **BOR** (unconfirmed): CR if any CR; else PR if any PR; else SD if an SD (or CR/PR) was
  assessed at least ``sd_min_days`` after the start; else NON-CR/NON-PD on the same condition;
  else PD if any PD; else NE if any assessment; else MISSING;
* **confirmed BOR**: a CR is confirmed by a CR at least ``confirm_days`` later with only CR or
  NE in between (at most ``max_ne_between`` NE); a PR is confirmed by a CR/PR at least
  ``confirm_days`` later with only CR/PR/NE in between (at most ``max_ne_between`` NE) and no
  PR after a CR. Unconfirmed CR/PR fall back to SD when the SD minimum is met (RECIST Table 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vaxmix.trial.recist import RecistConfig

__all__ = ["BOR_ORDER", "best_overall_response", "prepare_assessments"]

BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")
_WORST_RANK = {"NE": 0, "CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5}
_RESPONSE = ("CR", "PR")


def prepare_assessments(ovr: pd.DataFrame, start: pd.Series) -> pd.DataFrame:
    """Apply the ANL01/ANL02 rules: on/after start, worst per date, up to the first PD.

    Parameters
    ----------
    ovr
        Columns ``subject``, ``date`` and ``response`` (CR, PR, SD, NON-CR/NON-PD, PD, NE).
    start
        Start date (randomisation or first dose) per subject (index = subject).
    """
    frame = ovr.reindex(columns=["subject", "date", "response"]).copy()
    frame["date"] = pd.to_datetime(frame["date"])
    frame["response"] = frame["response"].astype(str).str.strip().str.upper()
    frame = frame[frame["response"].isin(_WORST_RANK)]
    frame["start"] = frame["subject"].map(start)
    on_or_after = frame["start"].isna() | (frame["date"] >= frame["start"])
    frame = frame[frame["date"].notna() & on_or_after]
    frame["rank"] = frame["response"].map(_WORST_RANK)
    frame = frame.sort_values(["subject", "date", "rank"]).drop_duplicates(
        ["subject", "date"], keep="last"
    )
    is_pd = (frame["response"] == "PD").astype(int)
    pd_before = is_pd.groupby(frame["subject"]).cumsum() - is_pd
    frame = frame[pd_before == 0]
    return frame.drop(columns="rank").reset_index(drop=True)


def _confirmed(dates: np.ndarray, resp: list[str], i: int, config: RecistConfig) -> bool:
    """Whether the response at position ``i`` is confirmed by a later assessment."""
    first = resp[i]
    allowed = {"CR", "NE"} if first == "CR" else {"CR", "PR", "NE"}
    confirming = {"CR"} if first == "CR" else {"CR", "PR"}
    limit = dates[i] + np.timedelta64(config.confirm_days, "D")
    for j in range(i + 1, len(resp)):
        if resp[j] in confirming and dates[j] >= limit:
            window = resp[i + 1 : j + 1]
            if any(r not in allowed for r in window):
                return False
            if window.count("NE") > config.max_ne_between:
                return False
            if first == "PR" and "CR" in window:
                first_cr = window.index("CR")
                if "PR" in window[first_cr:]:
                    return False
            return True
    return False


def _best(
    dates: np.ndarray, resp: list[str], start: pd.Timestamp | None, config: RecistConfig,
    confirmed: bool,
) -> tuple[str, pd.Timestamp | None]:
    if not resp:
        return "MISSING", None
    sd_limit = None if start is None or pd.isna(start) else (
        np.datetime64(start) + np.timedelta64(config.sd_min_days, "D")
    )

    def late(k: int) -> bool:
        return sd_limit is None or dates[k] >= sd_limit

    for category in ("CR", "PR"):
        for k, r in enumerate(resp):
            if r == category and (not confirmed or _confirmed(dates, resp, k, config)):
                return category, pd.Timestamp(dates[k])
    for k, r in enumerate(resp):
        if r in ("CR", "PR", "SD") and late(k):
            return "SD", pd.Timestamp(dates[k])
    for k, r in enumerate(resp):
        if r == "NON-CR/NON-PD" and late(k):
            return "NON-CR/NON-PD", pd.Timestamp(dates[k])
    for k, r in enumerate(resp):
        if r == "PD":
            return "PD", pd.Timestamp(dates[k])
    return "NE", pd.Timestamp(dates[0])


def best_overall_response(
    ovr: pd.DataFrame, start: pd.Series, subjects: list[str] | None = None,
    config: RecistConfig | None = None,
) -> pd.DataFrame:
    """Best overall response per subject, unconfirmed and confirmed.

    Parameters
    ----------
    ovr
        Time-point overall responses: ``subject``, ``date``, ``response``.
    start
        Start date per subject (index = subject); SD minimum duration counts from it.
    subjects
        All subjects of the analysis set (those without assessments get MISSING).

    Returns
    -------
    DataFrame
        ``subject, bor, bor_date, cbor, cbor_date, responder (CR/PR unconfirmed),
        confirmed_responder, first_response_date, first_pd_date, last_assessment_date,
        n_assessments`` — one row per subject.
    """
    config = config or RecistConfig()
    frame = prepare_assessments(ovr, start)
    everyone = list(dict.fromkeys([*(subjects or []), *frame["subject"].unique()]))
    groups = dict(tuple(frame.groupby("subject", sort=False)))
    rows = []
    for subject in everyone:
        sub = groups.get(subject)
        dates = sub["date"].to_numpy(dtype="datetime64[ns]") if sub is not None else np.array(
            [], dtype="datetime64[ns]"
        )
        resp = sub["response"].tolist() if sub is not None else []
        begin = start.get(subject)
        bor, bor_date = _best(dates, resp, begin, config, confirmed=False)
        cbor, cbor_date = _best(dates, resp, begin, config, confirmed=True)
        first_resp = next((pd.Timestamp(d) for d, r in zip(dates, resp, strict=True)
                           if r in _RESPONSE), pd.NaT)
        first_pd = next((pd.Timestamp(d) for d, r in zip(dates, resp, strict=True)
                         if r == "PD"), pd.NaT)
        rows.append({
            "subject": subject,
            "bor": bor,
            "bor_date": bor_date if bor_date is not None else pd.NaT,
            "cbor": cbor,
            "cbor_date": cbor_date if cbor_date is not None else pd.NaT,
            "responder": bor in _RESPONSE,
            "confirmed_responder": cbor in _RESPONSE,
            "first_response_date": first_resp,
            "first_confirmed_response_date": next(
                (pd.Timestamp(dates[k]) for k, r in enumerate(resp)
                 if r in _RESPONSE and _confirmed(dates, resp, k, config)), pd.NaT),
            "first_pd_date": first_pd,
            "last_assessment_date": pd.Timestamp(dates[-1]) if len(dates) else pd.NaT,
            "n_assessments": len(resp),
        })
    return pd.DataFrame(rows)
