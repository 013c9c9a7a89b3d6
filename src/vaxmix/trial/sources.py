"""Subject-level and response inputs for the ADaM derivations, checked row by row.

* :func:`subject_level` — one row per subject from ADSL (or DM when there is no ADSL), with
  the analysis dates parsed; a subject listed twice, or an unreadable date, is an
  :class:`InputError` naming the file, line and field;
* :func:`ovr_from_rs` — time-point overall responses (``RSTESTCD = OVRLRESP``) of one evaluator
  from SDTM RS, dated with the configured partial-date imputation (:mod:`vaxmix.trial.dates`);
* :func:`ovr_from_adrs` — the ``OVR`` records of a supplied ADRS (analysis-only mode);
* :func:`measurable_from_tu` — ``MDIS``: a target lesion at the baseline visit (TU).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.trial.dates import DateRules, parse_dtc
from vaxmix.trial.io import read_table, require_columns

__all__ = [
    "POPULATION_FLAGS",
    "measurable_from_tu",
    "ovr_from_adrs",
    "ovr_from_rs",
    "subject_level",
]

POPULATION_FLAGS = ("ITTFL", "FASFL", "SAFFL", "RANDFL", "ENRLFL", "PPROTFL", "EFFFL")
_KEYS = ("STUDYID", "SUBJID", "SITEID", "AGE", "SEX", "RACE", "ARM", "ARMCD", "ACTARM",
         "ACTARMCD", "TRT01P", "TRT01A", *POPULATION_FLAGS)
_ADSL_DATES = ("RANDDT", "TRTSDT", "TRTEDT", "DTHDT", "LSTALVDT", "NACTDT")
_DM_DATES = {"RANDDT": "RANDDTC", "TRTSDT": "RFXSTDTC", "TRTEDT": "RFXENDTC",
             "DTHDT": "DTHDTC", "LSTALVDT": "RFPENDTC"}
_BASELINE = re.compile(r"baseline|screening", re.IGNORECASE)


def _check_unique(frame: pd.DataFrame, what: str) -> None:
    dup = frame["USUBJID"].duplicated(keep="first")
    if dup.any():
        row = frame[dup].iloc[0]
        first = frame[frame["USUBJID"] == row["USUBJID"]].iloc[0]
        raise InputError(
            f"subject {row['USUBJID']} appears twice in {what} (also line {first['_line']}); "
            "one row per subject is expected", path=frame.attrs.get("path"),
            line=int(row["_line"]), field="USUBJID")


def _parse_dates(frame: pd.DataFrame, column: str, rules: DateRules) -> pd.Series:
    parsed = parse_dtc(frame[column], rules)
    wrong = parsed.bad | parsed.unusable
    if wrong.any():
        row = frame[wrong.to_numpy()].iloc[0]
        why = "is not an ISO 8601 date" if parsed.bad[wrong].iloc[0] else (
            f"is a partial date that highest_imputation={rules.highest_imputation!r} does not "
            "allow to be completed")
        raise InputError(f"subject {row['USUBJID']}: {row[column]!r} {why}",
                         path=frame.attrs.get("path"), line=int(row["_line"]), field=column)
    return parsed.dates


def subject_level(adsl: pd.DataFrame | None, dm: pd.DataFrame | None,
                  population: str | None = None, rules: DateRules | None = None
                  ) -> tuple[pd.DataFrame | None, str]:
    """The subject-level table (``USUBJID`` + keys + parsed dates) and where it came from.

    ``population`` names an ADSL flag (``ITTFL``, ``FASFL``, ``SAFFL`` ...): only subjects with
    ``Y`` are kept. Returns ``(None, "")`` when neither ADSL nor DM is given.
    """
    rules = rules or DateRules(highest_imputation="n")
    if adsl is not None:
        require_columns(adsl, ["USUBJID"], "ADSL")
        _check_unique(adsl, "ADSL")
        out = adsl[["USUBJID", *[c for c in _KEYS if c in adsl.columns]]].copy()
        for column in _ADSL_DATES:
            if column in adsl.columns:
                out[column] = _parse_dates(adsl, column, rules).to_numpy()
        source = "ADSL"
    elif dm is not None:
        require_columns(dm, ["USUBJID"], "DM")
        _check_unique(dm, "DM")
        out = dm[["USUBJID", *[c for c in _KEYS if c in dm.columns]]].copy()
        for column, dtc in _DM_DATES.items():
            if dtc in dm.columns:
                out[column] = _parse_dates(dm, dtc, DateRules(highest_imputation="n")).to_numpy()
        source = "DM (RFXSTDTC as TRTSDT, DTHDTC as DTHDT, RFPENDTC as LSTALVDT)"
    else:
        return None, ""
    out["USUBJID"] = out["USUBJID"].astype(str)
    if population:
        flag = population.upper()
        frame = adsl if adsl is not None else dm
        if flag not in frame.columns:
            raise InputError(f"population flag {flag} is not a column of {source.split()[0]}",
                             path=frame.attrs.get("path"), field=flag)
        out = out[frame[flag].fillna("").str.upper().to_numpy() == "Y"]
        source += f", {flag} = Y"
    path = (adsl if adsl is not None else dm).attrs.get("path")
    if out.empty:  # an analysis of nobody would report empty tables as if they were results
        raise InputError(f"no subjects: {source} has no subject rows", path=path,
                         field="USUBJID")
    out.attrs["path"] = path
    return out.reset_index(drop=True), source


def ovr_from_rs(rs: pd.DataFrame, evaluator: str, rules: DateRules,
                unusable_dates: str = "error") -> tuple[pd.DataFrame, list[str]]:
    """Overall responses of one evaluator from RS; returns the records and warnings.

    A date that is not ISO 8601 is always an error (it used to vanish silently); a partial
    date the rules do not allow to complete is an error, or with ``unusable_dates="exclude"``
    a record kept without ``ADT`` (so not analysed, as {admiral} gives ``ADT = NA``) and a
    warning.
    """
    path = rs.attrs.get("path")
    require_columns(rs, ["USUBJID", "RSTESTCD", "RSDTC", "RSSTRESC"], "RS")
    rows = rs[rs["RSTESTCD"].fillna("").str.upper() == "OVRLRESP"]
    if "RSEVAL" in rows.columns:
        rows = rows[rows["RSEVAL"].fillna("").str.upper() == evaluator.upper()]
        if evaluator.upper() != "INVESTIGATOR" and "RSACPTFL" in rows.columns:
            rows = rows[rows["RSACPTFL"] == "Y"]
    if "RSCAT" in rows.columns:
        rows = rows[~rows["RSCAT"].fillna("").str.upper().str.contains("IRECIST")]
    parsed = parse_dtc(rows["RSDTC"], rules)
    warnings: list[str] = []
    if parsed.bad.any():
        row = rows[parsed.bad.to_numpy()].iloc[0]
        raise InputError(
            f"subject {row['USUBJID']}: RSDTC {row['RSDTC']!r} is not an ISO 8601 date "
            f"(YYYY-MM-DD); {int(parsed.bad.sum())} such value(s)", path=path,
            line=int(row["_line"]), field="RSDTC")
    if parsed.unusable.any():
        row = rows[parsed.unusable.to_numpy()].iloc[0]
        text = (f"RSDTC {row['RSDTC']!r} (subject {row['USUBJID']}) is a partial date that "
                f"highest_imputation={rules.highest_imputation!r} does not complete")
        if unusable_dates == "error":
            raise InputError(text + "; use --highest-imputation M to impute month and day "
                             "(flagged ADTF=M) or --unusable-dates exclude",
                             path=path, line=int(row["_line"]), field="RSDTC")
        warnings.append(f"{path}, line {row['_line']}: {text}; "
                        f"{int(parsed.unusable.sum())} record(s) kept without ADT and not "
                        "analysed")
    missing = rows["RSDTC"].isna()
    if missing.any():
        row = rows[missing.to_numpy()].iloc[0]
        warnings.append(f"{path}, line {row['_line']}: {int(missing.sum())} overall "
                        "response(s) without RSDTC, not analysed")
    ovr = pd.DataFrame({
        "USUBJID": rows["USUBJID"].astype(str).to_numpy(),
        "ADT": parsed.dates.to_numpy(),
        "ADTF": parsed.flag.where(parsed.flag != "", None).to_numpy(),
        "AVALC": rows["RSSTRESC"].to_numpy(),
        "VISIT": rows["VISIT"].to_numpy() if "VISIT" in rows.columns else None,
        "VISITNUM": pd.to_numeric(rows["VISITNUM"], errors="coerce").to_numpy()
        if "VISITNUM" in rows.columns else float("nan"),
        "RSSEQ": pd.to_numeric(rows["RSSEQ"], errors="coerce").to_numpy()
        if "RSSEQ" in rows.columns else float("nan"),
        "_line": rows["_line"].to_numpy(),
        "_path": path,
    })
    unknown = ovr["AVALC"].notna() & ~ovr["AVALC"].astype(str).str.upper().isin(
        ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"])
    if unknown.any():
        row = ovr[unknown].iloc[0]
        values = sorted(set(ovr.loc[unknown, "AVALC"].astype(str)))
        warnings.append(f"{path}, line {row['_line']}: {int(unknown.sum())} overall "
                        f"response(s) with a value that is not a RECIST response "
                        f"({', '.join(values)}), kept in ADRS with ANL01FL blank, not analysed")
    return ovr, warnings


def ovr_from_adrs(adrs: pd.DataFrame) -> pd.DataFrame:
    """``OVR`` records of a supplied ADRS (``ANL01FL`` is re-derived, not trusted)."""
    require_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT"], "ADRS")
    rows = adrs[adrs["PARAMCD"].fillna("").str.upper() == "OVR"]
    parsed = parse_dtc(rows["ADT"], DateRules(highest_imputation="n"))
    if (parsed.bad | parsed.unusable).any():
        row = rows[(parsed.bad | parsed.unusable).to_numpy()].iloc[0]
        raise InputError(f"subject {row['USUBJID']}: ADT {row['ADT']!r} is not a date",
                         path=adrs.attrs.get("path"), line=int(row["_line"]), field="ADT")
    return pd.DataFrame({
        "USUBJID": rows["USUBJID"].astype(str).to_numpy(),
        "ADT": parsed.dates.to_numpy(),
        "ADTF": rows["ADTF"].to_numpy() if "ADTF" in rows.columns else None,
        "AVALC": rows["AVALC"].to_numpy(),
        "VISIT": rows["AVISIT"].to_numpy() if "AVISIT" in rows.columns else None,
        "VISITNUM": pd.to_numeric(rows["VISITNUM"], errors="coerce").to_numpy()
        if "VISITNUM" in rows.columns else float("nan"),
        "RSSEQ": pd.to_numeric(rows["RSSEQ"], errors="coerce").to_numpy()
        if "RSSEQ" in rows.columns else float("nan"),
        "_line": rows["_line"].to_numpy(),
        "_path": adrs.attrs.get("path"),
    })


def measurable_from_tu(tu: pd.DataFrame, evaluator: str) -> pd.Series:
    """``Y`` per subject with a TARGET lesion identified at the baseline/screening visit."""
    require_columns(tu, ["USUBJID"], "TU")
    role = "TUSTRESC" if "TUSTRESC" in tu.columns else "TUORRES"
    keep = tu[role].fillna("").str.upper() == "TARGET" if role in tu.columns else \
        pd.Series(False, index=tu.index)
    if "TUEVAL" in tu.columns:
        keep &= tu["TUEVAL"].fillna("").str.upper() == evaluator.upper()
    if "VISIT" in tu.columns:
        keep &= tu["VISIT"].fillna("").str.contains(_BASELINE)
    subjects = tu.loc[keep, "USUBJID"].astype(str).unique()
    return pd.Series("Y", index=subjects, dtype=object)


def read_pd_source(path: str | Path, rules: DateRules | None = None) -> pd.Series:
    """A separate source of progression dates (admiralonco's ``pd_source``), per subject.

    ``path`` is a CSV/TSV/XPT table with ``USUBJID`` and ``ADT`` (e.g. ADRS rows of
    ``PARAMCD == "PD"`` from another assessment, or clinical progression); when a subject has
    several rows, the earliest date is the progression. Assessments after it are left out of
    the response parameters, as with ``pd_source`` in admiralonco's ``derive_param_bor``.
    """
    frame = read_table(path)
    require_columns(frame, ["USUBJID", "ADT"], "the PD source")
    if frame.empty:
        raise InputError("the PD source has no rows", path=path, field="USUBJID")
    dates = _parse_dates(frame, "ADT", rules or DateRules(highest_imputation="n"))
    if dates.isna().any():
        row = frame[dates.isna().to_numpy()].iloc[0]
        raise InputError(f"subject {row['USUBJID']}: no PD date", path=path,
                         line=int(row["_line"]), field="ADT")
    return pd.Series(dates.to_numpy(), index=frame["USUBJID"].astype(str)).groupby(level=0).min()

