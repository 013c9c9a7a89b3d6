"""CDISC ADaM response (ADRS) and time-to-event (ADTTE) datasets, derived as {admiralonco} does.

Every subject of the subject-level table (ADSL, or DM when no ADSL is given) gets one record per
parameter, so nobody silently leaves the analysis: a subject without any assessment has
``BOR = MISSING`` (or ``NE`` with ``missing_as_ne``), ``RSP = N``, ``PD = N`` and so on, exactly
as the {admiralonco} ``ad_adrs.R`` template's ``no_data_missing`` / ``no_data_n`` events give.

Parameters (``PARAMCD``) and the rules behind them (admiralonco ``response_sources.R`` event
objects, RECIST 1.1 section 4.4, Eisenhauer et al. 2009):

* ``OVR`` — the time-point overall responses; ``ANL01FL = Y`` for valid responses dated on/after
  the reference date (and before new anti-cancer therapy when ``NACTDT`` is given), one per date
  (the worst, NE < CR < PR < SD < NON-CR/NON-PD < PD, when :attr:`ResponseRules.same_date` is
  ``"worst"``); ``ANL02FL = Y`` up to and including the first PD;
* ``PD`` first PD; ``RSP`` first CR/PR; ``CB`` earliest of first CR/PR and first
  clinical-benefit value at least ``sd_min_days`` after the reference date;
* ``BOR``: CR > PR > SD (CR/PR/SD at least ``sd_min_days`` after the reference date) >
  NON-CR/NON-PD (same window) > PD > NE > MISSING, each dated at its first qualifying assessment;
* ``CRSP``/``CCB``/``CBOR``: the same with confirmation — CR followed by CR at least
  ``confirm_days`` later with only CR/NE in between (at most ``max_ne_between`` NE); PR followed
  by CR/PR at least ``confirm_days`` later, only CR/PR/NE in between (one SD too with
  ``accept_sd``), at most ``max_ne_between`` NE and no PR after a CR;
* ``BCP``/``CBCP`` BOR/CBOR is CR or PR; ``DEATH`` from ``DTHDT``; ``LSTA`` last ANL01FL
  assessment; ``MDIS`` a target lesion at baseline (TU).

ADTTE (admiral ``derive_param_tte``): for each endpoint the earliest event among its event
sources, otherwise the *latest* of its censoring dates — the start-date censor is one of them,
so a last-known-alive date before randomisation censors at the start (``AVAL = 1``), never a
negative time. ``AVAL = ADT - STARTDT + 1`` days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError

__all__ = [
    "AVAL_RESP",
    "ResponseRules",
    "TteRules",
    "derive_adrs",
    "derive_adtte",
    "subject_summary",
]

AVAL_RESP = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7}
_WORST = {"NE": 1, "CR": 2, "PR": 3, "SD": 4, "NON-CR/NON-PD": 5, "PD": 6}
_YN = {"Y": 1, "N": 0}


@dataclass(frozen=True)
class ResponseRules:
    """Response-derivation options, named after their {admiralonco} arguments.

    Attributes
    ----------
    reference_date
        ADSL column the SD window counts from (``RANDDT``; ``TRTSDT`` for single-arm trials).
    sd_min_days
        ``ref_start_window``: SD / NON-CR/NON-PD / clinical benefit only count at least this
        many days after the reference date (42).
    confirm_days
        ``ref_confirm``: minimum days between a CR/PR and its confirmation (28).
    max_ne_between
        ``max_nr_ne``: NE assessments allowed between a response and its confirmation (1).
    accept_sd
        One SD allowed between a PR and its confirmation (``derive_param_confirmed_bor``).
    missing_as_ne
        Subjects without any assessment get BOR/CBOR ``NE`` instead of ``MISSING``.
    early_response_as_ne
        An unconfirmed CR/PR (or SD) before the SD window counts as NE (the
        ``derive_param_confirmed_bor`` documentation). ``False`` follows the ``bor_ne`` event
        object of the current ``ad_adrs.R`` template, which counts only SD, NON-CR/NON-PD and NE
        (a subject whose only assessment is an early unconfirmed PR is then ``MISSING``).
    clinben_values
        ``clinben_vals``: responses that give clinical benefit after the window.
    same_date
        Several valid overall responses of one subject on one date: ``"error"`` (default; a
        conflicting duplicate is a data issue to fix) or ``"worst"`` (the template's ANL01FL).
    keep_after_pd
        Keep assessments after the first PD for BOR/CBOR (``ANL02FL`` not applied).
    exclude_before_reference
        Assessments before the reference date are not analysed (the template's ``ANL01FL``);
        ``False`` keeps them, as the ``derive_param_bor(filter_source = PARAMCD == "OVR")``
        examples do (the reference date then only opens the SD window).
    evaluator_label
        Text used in ``PARAM`` ("by Investigator").
    """

    reference_date: str = "RANDDT"
    sd_min_days: int = 42
    confirm_days: int = 28
    max_ne_between: int = 1
    accept_sd: bool = False
    missing_as_ne: bool = False
    early_response_as_ne: bool = False
    clinben_values: tuple[str, ...] = ("CR", "PR", "SD", "NON-CR/NON-PD")
    same_date: str = "error"
    keep_after_pd: bool = False
    evaluator_label: str = "Investigator"
    criteria: str = "RECIST 1.1"
    exclude_before_reference: bool = True


@dataclass(frozen=True)
class TteRules:
    """Time-to-event options (admiral ``derive_param_tte`` sources and censoring)."""

    start_date: dict[str, str] = field(default_factory=lambda: {
        "OS": "RANDDT", "PFS": "RANDDT", "TTP": "RANDDT", "TTR": "RANDDT"})
    dor_paramcd: str = "RSD"
    dor_basis: str = "unconfirmed"
    max_missed_days: int | None = None
    endpoints: tuple[str, ...] = ("OS", "PFS", "RSD", "TTP")


_PARAMS = {
    "OVR": ("Overall Response by {ev}", "Tumor Response"),
    "PD": ("Disease Progression by {ev}", "Tumor Response"),
    "RSP": ("Response by {ev} (confirmation not required)", "Tumor Response"),
    "CB": ("Clinical Benefit by {ev} (confirmation for response not required)",
           "Tumor Response"),
    "BOR": ("Best Overall Response by {ev} (confirmation not required)", "Tumor Response"),
    "BCP": ("Best Overall Response of CR/PR by {ev} (confirmation not required)",
            "Tumor Response"),
    "CRSP": ("Confirmed Response by {ev}", "Tumor Response"),
    "CCB": ("Confirmed Clinical Benefit by {ev}", "Tumor Response"),
    "CBOR": ("Best Confirmed Overall Response by {ev}", "Tumor Response"),
    "CBCP": ("Best Confirmed Overall Response of CR/PR by {ev}", "Tumor Response"),
    "DEATH": ("Death", "Reference Event"),
    "LSTA": ("Last Disease Assessment by {ev}", "Tumor Response"),
    "MDIS": ("Measurable Disease at Baseline by {ev}", None),
}


# --------------------------------------------------------------------------- OVR records


def flag_ovr(ovr: pd.DataFrame, adsl: pd.DataFrame, rules: ResponseRules,
             pd_source: pd.Series | None = None) -> pd.DataFrame:
    """Add ``ANL01FL``/``ANL02FL`` to time-point responses (one row per assessment record).

    ``ovr`` needs ``USUBJID, ADT, AVALC``; optional ``ADTF, VISIT, VISITNUM, RSSEQ, _line,
    _path``. Raises :class:`InputError` for conflicting same-date responses when
    ``rules.same_date == "error"``.
    """
    frame = ovr.copy()
    for column, default in (("ADTF", None), ("VISIT", None), ("VISITNUM", np.nan),
                            ("RSSEQ", np.nan), ("_line", None), ("_path", None)):
        if column not in frame.columns:
            frame[column] = default
    frame["AVALC"] = frame["AVALC"].astype("string").str.strip().str.upper()
    frame["AVAL"] = frame["AVALC"].map(AVAL_RESP).astype(float)
    frame.loc[frame["AVALC"] == "MISSING", "AVAL"] = np.nan
    ref = frame["USUBJID"].map(_date_col(adsl, rules.reference_date))
    valid = frame["AVAL"].notna() & frame["ADT"].notna()
    if rules.exclude_before_reference:
        valid &= ref.notna() & (frame["ADT"] >= ref)
    if "NACTDT" in adsl.columns:
        nact = frame["USUBJID"].map(_date_col(adsl, "NACTDT"))
        valid &= nact.isna() | (frame["ADT"] < nact)
    frame["_valid"] = valid
    frame["_rank"] = frame["AVALC"].map(_WORST).fillna(0)
    frame = frame.sort_values(["USUBJID", "ADT", "_rank", "RSSEQ"], kind="stable")
    key = ["USUBJID", "ADT"]
    cand = frame[frame["_valid"]]
    conflicts = cand.groupby(key)["AVALC"].transform("nunique") > 1
    if conflicts.any() and rules.same_date == "error":
        row = cand[conflicts].iloc[-1]
        first = cand[conflicts].iloc[0]
        raise InputError(
            f"subject {row['USUBJID']}: two different overall responses on "
            f"{row['ADT'].date()} ({first['AVALC']} at line {first['_line']}, {row['AVALC']}); "
            "fix the duplicate or choose --same-date worst (admiralonco's worst-per-date rule)",
            path=row["_path"], line=_int(row["_line"]), field="RSSTRESC")
    last = ~cand.duplicated(key, keep="last")
    frame["ANL01FL"] = None
    frame.loc[cand.index[last.to_numpy()], "ANL01FL"] = "Y"
    anl = frame["ANL01FL"] == "Y"
    if pd_source is not None:
        # a separate PD source (e.g. clinical progression): keep assessments up to and on it
        limit = frame["USUBJID"].map(pd_source)
        frame["ANL02FL"] = np.where(anl & (limit.isna() | (frame["ADT"] <= limit)), "Y", None)
    else:
        is_pd = (anl & (frame["AVALC"] == "PD")).astype(int)
        pd_before = is_pd.groupby(frame["USUBJID"]).cumsum() - is_pd
        frame["ANL02FL"] = np.where(anl & (pd_before == 0), "Y", None)
    return frame.drop(columns=["_rank"]).reset_index(drop=True)


def _int(value: object) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def _date_col(adsl: pd.DataFrame, column: str) -> pd.Series:
    if column not in adsl.columns:
        return pd.Series(dtype="datetime64[ns]")
    values = adsl.set_index("USUBJID")[column]
    return pd.to_datetime(values, errors="coerce")


# --------------------------------------------------------------------------- confirmation


def _confirmed(dates: list, resp: list[str], i: int, rules: ResponseRules) -> bool:
    """admiralonco ``crsp_y_cr``/``crsp_y_pr``: is the CR/PR at ``i`` confirmed?"""
    first = resp[i]
    confirming = {"CR"} if first == "CR" else {"CR", "PR"}
    limit = dates[i] + pd.Timedelta(days=rules.confirm_days)
    for j in range(i + 1, len(resp)):
        if resp[j] in confirming and dates[j] >= limit:
            window = resp[i + 1 : j + 1]
            allowed = {"CR", "NE"} if first == "CR" else {"CR", "PR", "NE", "SD"}
            if any(r not in allowed for r in window):
                return False
            if window.count("NE") > rules.max_ne_between:
                return False
            if first == "PR":
                if window.count("SD") > (1 if rules.accept_sd else 0):
                    return False
                if "CR" in window and "PR" in window[window.index("CR"):]:
                    return False
            return True
    return False


def _best(dates: list, resp: list[str], ref: pd.Timestamp | None, rules: ResponseRules,
          confirmed: bool) -> tuple[str, int | None]:
    """BOR (or CBOR) and the index of the assessment that gives it (``None`` = no record)."""
    if not resp:
        return ("NE" if rules.missing_as_ne else "MISSING"), None
    window = None if ref is None or pd.isna(ref) else ref + pd.Timedelta(days=rules.sd_min_days)

    def late(k: int) -> bool:
        return window is not None and dates[k] >= window

    for category in ("CR", "PR"):
        for k, r in enumerate(resp):
            if r == category and (not confirmed or _confirmed(dates, resp, k, rules)):
                return category, k
    for k, r in enumerate(resp):
        if r in ("CR", "PR", "SD") and late(k):
            return "SD", k
    for k, r in enumerate(resp):
        if r == "NON-CR/NON-PD" and late(k):
            return "NON-CR/NON-PD", k
    for k, r in enumerate(resp):
        if r == "PD":
            return "PD", k
    ne_values = {"SD", "NON-CR/NON-PD", "NE"}
    if rules.early_response_as_ne:
        ne_values |= {"CR", "PR"}
    for k, r in enumerate(resp):
        if r in ne_values:
            return "NE", k
    return ("NE" if rules.missing_as_ne else "MISSING"), None


def _first_confirmed(dates: list, resp: list[str], rules: ResponseRules) -> int | None:
    """Index of the first confirmed CR/PR (``crsp_y_cr``/``crsp_y_pr``), or ``None``."""
    return next((i for i, r in enumerate(resp)
                 if r in ("CR", "PR") and _confirmed(dates, resp, i, rules)), None)


def _benefit_index(dates: list, resp: list[str], window: pd.Timestamp | None,
                   rules: ResponseRules, confirmed: bool) -> int | None:
    """CB/CCB: the earlier of the first (confirmed) response and the first clinical-benefit
    value at least ``sd_min_days`` after the reference date (``rsp_y``/``crsp_y_*`` +
    ``cb_y``, ordered by date)."""
    cands = []
    resp_k = _first_confirmed(dates, resp, rules) if confirmed else next(
        (i for i, r in enumerate(resp) if r in ("CR", "PR")), None)
    if resp_k is not None:
        cands.append(resp_k)
    if window is not None:
        cb_k = next((i for i, r in enumerate(resp)
                     if r in rules.clinben_values and dates[i] >= window), None)
        if cb_k is not None:
            cands.append(cb_k)
    return min(cands, key=lambda i: dates[i]) if cands else None


# --------------------------------------------------------------------------- ADRS


def _records_by_subject(frame: pd.DataFrame) -> dict[str, list[dict]]:
    """Rows as plain dicts per subject, in date order (fast per-subject access)."""
    out: dict[str, list[dict]] = {}
    for rec in frame.to_dict("records"):
        out.setdefault(rec["USUBJID"], []).append(rec)
    return out


def derive_adrs(ovr: pd.DataFrame, adsl: pd.DataFrame, rules: ResponseRules | None = None,
                measurable: pd.Series | None = None,
                pd_source: pd.Series | None = None) -> pd.DataFrame:
    """Build ADRS (OVR + derived parameters for every ADSL subject), sorted with ``ASEQ``.

    Parameters
    ----------
    ovr
        Time-point overall responses: ``USUBJID, ADT, AVALC`` (+ ``ADTF, VISIT, VISITNUM,
        RSSEQ, _line, _path``).
    adsl
        One row per subject: ``USUBJID``, the reference date, ``DTHDT`` (optional), ``NACTDT``
        (optional); other columns are carried as subject keys.
    measurable
        ``Y``/``N`` per subject (index USUBJID) for ``MDIS``; ``None`` leaves MDIS out.
    pd_source
        Date of progression per subject from another source (``source_pd``); when given it
        ends the assessment period (``ANL02FL``) and dates the ``PD`` parameter.
    """
    rules = rules or ResponseRules()
    if rules.same_date not in ("error", "worst"):
        raise ValueError("same_date must be 'error' or 'worst'")
    flagged = flag_ovr(ovr, adsl, rules, pd_source)
    ref = _date_col(adsl, rules.reference_date)
    death = _date_col(adsl, "DTHDT")
    use = flagged["ANL01FL"] == "Y"
    if not rules.keep_after_pd:
        use &= flagged["ANL02FL"] == "Y"
    groups = _records_by_subject(flagged[use])
    anl01 = _records_by_subject(flagged[flagged["ANL01FL"] == "Y"])
    carry = ["ADT", "ADTF", "VISIT", "VISITNUM", "RSSEQ", "ANL02FL"]
    out: list[dict] = []

    def add(subject: str, paramcd: str, avalc: object, src: dict | None,
            aval: float | None = None) -> None:
        rec = {"USUBJID": subject, "PARAMCD": paramcd, "AVALC": avalc}
        if src is not None:
            rec.update({c: src[c] for c in carry})
        if aval is None:
            aval = _YN.get(avalc) if avalc in _YN else AVAL_RESP.get(avalc)
        rec["AVAL"] = aval
        out.append(rec)

    for subject in adsl["USUBJID"]:
        rows = groups.get(subject, [])
        dates = [r["ADT"] for r in rows]
        resp = [r["AVALC"] for r in rows]
        begin = ref.get(subject, pd.NaT)
        window = begin + pd.Timedelta(days=rules.sd_min_days) if pd.notna(begin) else None
        a01 = anl01.get(subject, [])
        first_pd = next((r for r in a01 if r["AVALC"] == "PD"), None)
        if pd_source is not None:
            when = pd_source.get(subject, pd.NaT)
            add(subject, "PD", "Y" if pd.notna(when) else "N", None)
            if pd.notna(when):
                out[-1]["ADT"] = pd.Timestamp(when)
        else:
            add(subject, "PD", "Y" if first_pd is not None else "N", first_pd)
        k = next((i for i, r in enumerate(resp) if r in ("CR", "PR")), None)
        add(subject, "RSP", "Y" if k is not None else "N", rows[k] if k is not None else None)

        k = _benefit_index(dates, resp, window, rules, confirmed=False)
        add(subject, "CB", "Y" if k is not None else "N", rows[k] if k is not None else None)
        bor, bk = _best(dates, resp, begin, rules, confirmed=False)
        add(subject, "BOR", bor, rows[bk] if bk is not None else None)
        add(subject, "BCP", "Y" if bor in ("CR", "PR") else "N",
            rows[bk] if bor in ("CR", "PR") else None)
        k = _first_confirmed(dates, resp, rules)
        add(subject, "CRSP", "Y" if k is not None else "N", rows[k] if k is not None else None)
        k = _benefit_index(dates, resp, window, rules, confirmed=True)
        add(subject, "CCB", "Y" if k is not None else "N", rows[k] if k is not None else None)
        cbor, ck = _best(dates, resp, begin, rules, confirmed=True)
        add(subject, "CBOR", cbor, rows[ck] if ck is not None else None)
        add(subject, "CBCP", "Y" if cbor in ("CR", "PR") else "N",
            rows[ck] if cbor in ("CR", "PR") else None)
        died = death.get(subject, pd.NaT)
        add(subject, "DEATH", "Y" if pd.notna(died) else "N", None)
        if pd.notna(died):
            out[-1]["ADT"] = died
        last = a01[-1] if a01 else None
        add(subject, "LSTA", None if last is None else last["AVALC"], last,
            aval=None if last is None else AVAL_RESP.get(last["AVALC"]))
        if measurable is not None:
            add(subject, "MDIS", "Y" if measurable.get(subject) == "Y" else "N", None)
    derived = pd.DataFrame(out)
    ovr_rows = flagged.drop(columns=["_valid"]).assign(PARAMCD="OVR")
    adrs = pd.concat([ovr_rows, derived], ignore_index=True)
    for column in ("ADT",):
        adrs[column] = pd.to_datetime(adrs[column])
    for code, (label, cat1) in _PARAMS.items():
        mask = adrs["PARAMCD"] == code
        adrs.loc[mask, "PARAM"] = label.format(ev=rules.evaluator_label)
        adrs.loc[mask, "PARCAT1"] = cat1
        if code != "DEATH":
            adrs.loc[mask, "PARCAT2"] = rules.evaluator_label
            adrs.loc[mask, "PARCAT3"] = rules.criteria
        if code != "OVR":
            adrs.loc[mask, "ANL01FL"] = "Y"
    adrs["AVISIT"] = adrs["VISIT"]
    adrs = adrs.sort_values(["USUBJID", "PARAMCD", "ADT", "VISITNUM", "RSSEQ"],
                            kind="stable", na_position="last").reset_index(drop=True)
    adrs["ASEQ"] = adrs.groupby("USUBJID", sort=False).cumcount() + 1
    keys = [c for c in adsl.columns if c != "USUBJID" and not c.startswith("_")]
    adrs = adrs.merge(adsl[["USUBJID", *keys]], on="USUBJID", how="left",
                      suffixes=("", "_ADSL"))
    first = ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "PARCAT1", "PARCAT2", "PARCAT3", "AVAL",
             "AVALC", "ADT", "ADTF", "AVISIT", "VISIT", "VISITNUM", "RSSEQ", "ANL01FL",
             "ANL02FL", "ASEQ"]
    first = [c for c in first if c in adrs.columns]
    rest = [c for c in adrs.columns if c not in first and c != "_valid"]
    return adrs[first + rest]


def subject_summary(adrs: pd.DataFrame) -> pd.DataFrame:
    """One row per subject with BOR/CBOR/RSP/CRSP/... and their dates (the report's table)."""
    wanted = {"BOR": "bor", "CBOR": "cbor", "RSP": "rsp", "CRSP": "crsp", "CB": "cb",
              "CCB": "ccb", "PD": "pd", "LSTA": "lsta"}
    rows = adrs[adrs["PARAMCD"].isin(wanted)]
    value = rows.pivot(index="USUBJID", columns="PARAMCD", values="AVALC")
    date = rows.pivot(index="USUBJID", columns="PARAMCD", values="ADT")
    out = pd.DataFrame(index=value.index)
    out["bor"], out["bor_date"] = value["BOR"], date["BOR"]
    out["cbor"], out["cbor_date"] = value["CBOR"], date["CBOR"]
    out["responder"] = value["RSP"] == "Y"
    out["confirmed_responder"] = value["CRSP"] == "Y"
    out["first_response_date"] = date["RSP"]
    out["first_confirmed_response_date"] = date["CRSP"]
    out["first_pd_date"] = date["PD"]
    out["last_assessment_date"] = date["LSTA"]
    ovr = adrs[(adrs["PARAMCD"] == "OVR") & (adrs["ANL01FL"] == "Y")]
    out["n_assessments"] = ovr.groupby("USUBJID").size().reindex(out.index).fillna(0).astype(int)
    return out.reset_index().rename(columns={"USUBJID": "subject"})


# --------------------------------------------------------------------------- ADTTE

_SOURCES = {
    "death": ("Death", None, "ADRS", "ADT"),
    "pd": ("Disease Progression", None, "ADRS", "ADT"),
    "response": ("Response", None, "ADRS", "ADT"),
    "cresponse": ("Confirmed Response", None, "ADRS", "ADT"),
    "lastalive": ("Alive", "Alive During Study", "ADSL", "LSTALVDT"),
    "lasta": ("Last Tumor Assessment", "Last Tumor Assessment", "ADRS", "ADT"),
    "RANDDT": ("Randomization", "Randomization", "ADSL", "RANDDT"),
    "TRTSDT": ("Treatment Start", "Treatment Start", "ADSL", "TRTSDT"),
    "BASEDT": ("Baseline Tumor Assessment", "Baseline Tumor Assessment", "ADTR", "ADT"),
}
_ENDPOINTS = {
    # paramcd: (PARAM, events, censors besides the start date)
    "OS": ("Overall Survival", ("death",), ("lastalive",)),
    "PFS": ("Progression Free Survival", ("pd", "death"), ("lasta",)),
    "TTP": ("Time to Progression", ("pd",), ("lasta",)),
    "TTR": ("Time to Response", ("response",), ("lasta",)),
    "RSD": ("Duration of Response", ("pd", "death"), ("lasta",)),
    "CRSD": ("Duration of Confirmed Response", ("pd", "death"), ("lasta",)),
}


def derive_adtte(adrs: pd.DataFrame, adsl: pd.DataFrame, rules: TteRules | None = None,
                 adsl_path: str | None = None) -> pd.DataFrame:
    """OS, PFS, duration of response, TTP (and TTR) for every subject with a start date.

    ``RSD`` (renamed by ``dor_paramcd``) starts at the first response as the admiralonco
    template does (``dor_basis="confirmed"``: the first confirmed one); ``CRSD`` always starts
    at the first *confirmed* response.

    Events: death (ADRS ``DEATH``), first PD (ADRS ``PD``), first response (``RSP`` or
    ``CRSP``); censoring: last known alive (``LSTALVDT``), last assessment (``LSTA``) and the
    start date. With ``max_missed_days`` a PD/death more than that many days after the last
    assessment (or the start) is censored at that assessment (missed visits).
    """
    rules = rules or TteRules()
    derived = adrs[adrs["PARAMCD"].isin(["DEATH", "PD", "RSP", "CRSP", "LSTA"])]
    lookup = {(r.USUBJID, r.PARAMCD): (r.ADT, r.AVALC, r.ASEQ)
              for r in derived[["USUBJID", "PARAMCD", "ADT", "AVALC", "ASEQ"]].itertuples()}
    starts = {col: _date_col(adsl, col).to_dict() for col in set(rules.start_date.values())}
    lastalive = _date_col(adsl, "LSTALVDT")
    ovr = adrs[(adrs["PARAMCD"] == "OVR") & (adrs["ANL01FL"] == "Y")]
    assessed = {s: list(g) for s, g in ovr.groupby("USUBJID")["ADT"]}
    rows: list[dict] = []
    dor_start = "response" if rules.dor_basis == "unconfirmed" else "cresponse"
    for subject in adsl["USUBJID"]:
        src: dict[str, tuple[pd.Timestamp, float | None]] = {}
        for name, paramcd in (("death", "DEATH"), ("pd", "PD"), ("response", "RSP"),
                              ("cresponse", "CRSP"), ("lasta", "LSTA")):
            hit = lookup.get((subject, paramcd))
            if hit is not None and pd.notna(hit[0]) and (name == "lasta" or hit[1] == "Y"):
                src[name] = (pd.Timestamp(hit[0]), float(hit[2]))
        alive = lastalive.get(subject, pd.NaT)
        if pd.notna(alive):
            src["lastalive"] = (alive, None)
        for endpoint in rules.endpoints:
            code = rules.dor_paramcd if endpoint in ("RSD", "DOR") else endpoint
            param, events, censors = _ENDPOINTS["RSD" if endpoint in ("RSD", "DOR")
                                                else endpoint]
            duration = endpoint in ("RSD", "DOR", "CRSD")
            if duration:
                begin = "cresponse" if endpoint == "CRSD" else dor_start
                if begin not in src:
                    continue
                start, start_src = src[begin][0], None
            else:
                start_col = rules.start_date.get(endpoint, "RANDDT")
                if start_col not in starts:
                    starts[start_col] = _date_col(adsl, start_col).to_dict()
                start = starts[start_col].get(subject, pd.NaT)
                if pd.isna(start):
                    continue
                start_src = start_col
            cens = [(src[c][0], c, src[c][1]) for c in censors if c in src]
            if start_src is not None:
                cens.append((start, start_src, None))
            evs = [(src[e][0], e, src[e][1]) for e in events if e in src]
            evs = [e for e in evs if e[0] >= start] if duration else evs
            early = [e for e in evs if e[0] < start]
            if early:
                date, name, _ = early[0]
                raise InputError(
                    f"subject {subject}: {name} date {date.date()} is before the {param} "
                    f"start date {start.date()}", path=adsl_path,
                    field="DTHDT" if name == "death" else "ADT")
            chosen = None
            if evs:
                chosen = min(evs, key=lambda e: (e[0], events.index(e[1])))
                if rules.max_missed_days is not None and chosen[1] in ("pd", "death"):
                    # missed visits: the event comes too long after the last adequate
                    # assessment before it -> censored at that assessment (or the start)
                    before = [d for d in assessed.get(subject, []) if d < chosen[0]]
                    anchor = (max(before), "lasta", None) if before else (start, start_src,
                                                                          None)
                    if (chosen[0] - anchor[0]).days > rules.max_missed_days:
                        cens = [anchor]
                        chosen = None
            cnsr = 0
            if chosen is None:
                # latest censoring date; on a tie the source listed last wins (admiral's
                # ``mode = "last"``), so the start-date censor beats an equal LSTALVDT
                chosen = max(enumerate(cens), key=lambda c: (c[1][0], c[0]))[1] \
                    if cens else None
                cnsr = 1
            if chosen is None:
                continue
            date, name, seq = chosen
            evntdesc, cnsdtdsc, srcdom, srcvar = _SOURCES.get(name, (name, name, "ADSL", name))
            rows.append({
                "USUBJID": subject, "PARAMCD": code, "PARAM": param, "STARTDT": start,
                "ADT": date, "AVAL": float((date - start).days + 1), "CNSR": cnsr,
                "EVNTDESC": evntdesc, "CNSDTDSC": cnsdtdsc if cnsr else None,
                "SRCDOM": srcdom, "SRCVAR": srcvar, "SRCSEQ": seq,
            })
    cols = ["USUBJID", "PARAMCD", "PARAM", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC",
            "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]
    adtte = pd.DataFrame(rows, columns=cols)
    adtte = adtte.sort_values(["USUBJID", "PARAMCD"], kind="stable").reset_index(drop=True)
    adtte["ASEQ"] = adtte.groupby("USUBJID", sort=False).cumcount() + 1
    keys = [c for c in adsl.columns if c != "USUBJID" and not c.startswith("_")]
    adtte = adtte.merge(adsl[["USUBJID", *keys]], on="USUBJID", how="left",
                        suffixes=("", "_ADSL"))
    first = ["STUDYID", "USUBJID", "ASEQ", "PARAMCD", "PARAM", "AVAL", "STARTDT", "ADT", "CNSR",
             "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]
    first = [c for c in first if c in adtte.columns]
    return adtte[first + [c for c in adtte.columns if c not in first]]


# --------------------------------------------------------------------------- ADTR


def derive_adtr(timepoints: pd.DataFrame, adsl: pd.DataFrame | None,
                evaluator_label: str = "Investigator") -> pd.DataFrame:
    """ADTR ``SDIAM`` (sum of target-lesion diameters) per assessment, as admiralonco's
    ``ad_adtr.R``: ``BASE``, ``CHG``/``PCHG`` from baseline, ``NADIR`` (smallest earlier
    complete sum) and ``CHGNAD``/``PCHGNAD``; ``ABLFL`` at baseline; ``ANL01FL`` only when every
    baseline target lesion was measured (a partial sum is not comparable)."""
    tp = timepoints[timepoints["n_target"] > 0]
    complete = tp["n_target_measured"] == tp["n_target"]
    out = pd.DataFrame({
        "USUBJID": tp["subject"].astype(str), "PARAMCD": "SDIAM",
        "PARAM": f"Target Lesions Sum of Diameters by {evaluator_label}",
        "AVAL": tp["sum_mm"], "ADT": tp["date"],
        "ADTF": tp["date_flag"].where(tp["date_flag"] != "", None),
        "AVISIT": tp["visit"], "VISITNUM": tp["visitnum"],
        "ABLFL": np.where(tp["is_baseline"], "Y", None),
        "BASE": tp["baseline_sum_mm"],
        "CHG": (tp["sum_mm"] - tp["baseline_sum_mm"]).where(~tp["is_baseline"]),
        "PCHG": tp["pchg_baseline"].where(~tp["is_baseline"]),
        "NADIR": tp["nadir_mm"].where(~tp["is_baseline"]),
        "CHGNAD": tp["chg_nadir_mm"].where(~tp["is_baseline"]),
        "PCHGNAD": tp["pchg_nadir"].where(~tp["is_baseline"]),
        "ANL01FL": np.where(complete, "Y", None),
        "AVALC": tp["overall_response"].where(~tp["is_baseline"], None),
    })
    out = out.sort_values(["USUBJID", "ADT"], kind="stable").reset_index(drop=True)
    out["ASEQ"] = out.groupby("USUBJID", sort=False).cumcount() + 1
    if adsl is not None:
        keys = [c for c in adsl.columns if c != "USUBJID" and not c.startswith("_")]
        out = out.merge(adsl[["USUBJID", *keys]], on="USUBJID", how="left")
    return out
