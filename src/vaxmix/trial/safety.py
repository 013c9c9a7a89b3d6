"""Adverse-event tables by maximum CTCAE grade, and dose-limiting toxicities.

Each subject is counted once per row of a table, at the **maximum** grade of the events
that row covers (NCI CTCAE v5.0, 2017: grade 1 mild … 5 death related to AE; terms are MedDRA
lowest-level terms grouped by primary SOC). vaxmix does not ship MedDRA (licensed) or the
CTCAE term-specific grading text: grades come from the data (``AETOXGR`` / ``ATOXGRN``). When a
dataset has only ``AESEV`` (mild/moderate/severe), grades 1/2/3 are *derived from severity* and
the table says so — severity is not a CTCAE grade.

DLT is protocol-defined; :class:`DltRule` holds the usual definition (treatment-related
grade ≥ 3 non-haematological or grade ≥ 4 haematological, onset within the DLT window after
the first dose) and an explicit ``DLTFL``/``AEDLT`` flag in the data wins over it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.trial.dates import parse_iso_dates

__all__ = ["DltRule", "ae_by_term", "dlt_summary", "max_grade_per_subject", "normalise_ae"]

_SEVERITY_GRADE = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
_RELATED = {"RELATED", "PROBABLE", "POSSIBLE", "DEFINITE", "PROBABLY RELATED",
            "POSSIBLY RELATED", "Y", "YES"}
_HAEM_SOC = "BLOOD AND LYMPHATIC SYSTEM DISORDERS"


@dataclass(frozen=True)
class DltRule:
    """Protocol definition of a dose-limiting toxicity."""

    window_days: int = 28
    min_grade_nonhaem: int = 3
    min_grade_haem: int = 4
    related_only: bool = True


def normalise_ae(ae: pd.DataFrame, first_dose: pd.Series | None = None,
                 ctcae_version: str = "5.0") -> tuple[pd.DataFrame, str]:
    """Map SDTM AE or ADAE rows to ``subject, soc, term, grade, related, serious, start_date,
    treatment_emergent, dlt_flag``; return the table and where grades came from."""
    path = ae.attrs.get("path")
    if "USUBJID" not in ae.columns:
        raise InputError("AE table lacks USUBJID", path=path, field="USUBJID")
    term_col = next((c for c in ("AEDECOD", "AETERM") if c in ae.columns), None)
    soc_col = next((c for c in ("AESOC", "AEBODSYS") if c in ae.columns), None)
    if term_col is None or soc_col is None:
        raise InputError("AE table needs AEDECOD/AETERM and AESOC/AEBODSYS", path=path,
                         field="AEDECOD" if term_col is None else "AESOC")
    grade_col = next((c for c in ("ATOXGRN", "AETOXGR", "ATOXGR") if c in ae.columns), None)
    source = f"CTCAE v{ctcae_version} grade"
    grade = pd.Series(np.nan, index=ae.index)
    if grade_col is not None:
        grade = pd.to_numeric(
            ae[grade_col].astype("string").str.extract(r"(\d)")[0], errors="coerce"
        )
        source = f"CTCAE v{ctcae_version} grade as recorded in {grade_col}"
    if grade.isna().all():
        sev_col = next((c for c in ("ASEV", "AESEV") if c in ae.columns), None)
        if sev_col is None:
            raise InputError("AE table has neither a toxicity grade (AETOXGR/ATOXGRN) nor "
                             "severity (AESEV)", path=path, field="AETOXGR")
        grade = ae[sev_col].astype("string").str.upper().map(_SEVERITY_GRADE)
        source = f"derived from severity {sev_col} (MILD=1, MODERATE=2, SEVERE=3), not CTCAE"
    bad = grade.notna() & ~grade.isin([1, 2, 3, 4, 5])
    if bad.any():
        row = ae[bad].iloc[0]
        raise InputError(f"subject {row['USUBJID']}: grade {grade[bad].iloc[0]} not in 1-5",
                         path=path, line=int(row["_line"]), field=grade_col)
    rel_col = next((c for c in ("AREL", "AEREL") if c in ae.columns), None)
    related = (
        ae[rel_col].astype("string").str.upper().str.strip().isin(_RELATED)
        if rel_col else pd.Series(False, index=ae.index)
    )
    start_col = "ASTDT" if "ASTDT" in ae.columns else "AESTDTC"
    start, _, _ = parse_iso_dates(ae[start_col]) if start_col in ae.columns else (
        pd.Series(pd.NaT, index=ae.index), None, None)
    if "TRTEMFL" in ae.columns:
        emergent = ae["TRTEMFL"].astype("string").str.upper() == "Y"
    elif first_dose is not None:
        emergent = start >= ae["USUBJID"].map(first_dose)
    else:
        emergent = pd.Series(True, index=ae.index)
    dlt_col = next((c for c in ("DLTFL", "AEDLT") if c in ae.columns), None)
    table = pd.DataFrame({
        "subject": ae["USUBJID"].astype(str),
        "soc": ae[soc_col].astype("string").str.upper(),
        "term": ae[term_col].astype("string").str.upper(),
        "grade": grade,
        "related": related.fillna(False).astype(bool),
        "serious": (ae["AESER"].astype("string").str.upper() == "Y").fillna(False)
        if "AESER" in ae.columns else False,
        "start_date": start,
        "treatment_emergent": emergent.fillna(False).astype(bool),
        "dlt_flag": (ae[dlt_col].astype("string").str.upper() == "Y") if dlt_col else pd.NA,
    })
    return table, source


def max_grade_per_subject(ae: pd.DataFrame, subjects: list[str]) -> pd.DataFrame:
    """Number of subjects by their maximum grade over all TEAEs (and related TEAEs)."""
    teae = ae[ae["treatment_emergent"]]
    n = len(subjects)
    rows = []
    for label, frame in (("any TEAE", teae), ("treatment-related TEAE", teae[teae["related"]])):
        worst = frame.groupby("subject")["grade"].max().reindex(subjects)
        for g in (1, 2, 3, 4, 5):
            count = int((worst == g).sum())
            rows.append({"category": label, "max_grade": g, "n": count, "N": n})
        rows.append({"category": label, "max_grade": ">=3",
                     "n": int((worst >= 3).sum()), "N": n})
        rows.append({"category": label, "max_grade": "any",
                     "n": int(worst.notna().sum()), "N": n})
    return pd.DataFrame(rows)


def ae_by_term(ae: pd.DataFrame, n_subjects: int) -> pd.DataFrame:
    """Subjects per SOC and term: any grade, grade ≥ 3 and each maximum grade."""
    teae = ae[ae["treatment_emergent"]]
    rows = []
    for level, keys in (("soc", ["soc"]), ("term", ["soc", "term"])):
        worst = teae.groupby([*keys, "subject"])["grade"].max().reset_index()
        for key, frame in worst.groupby(keys):
            key = key if isinstance(key, tuple) else (key,)
            rec = {"level": level, "soc": key[0], "term": key[1] if level == "term" else "",
                   "n_any": int(frame["subject"].nunique()),
                   "n_grade3plus": int((frame["grade"] >= 3).sum()), "N": n_subjects}
            for g in (1, 2, 3, 4, 5):
                rec[f"n_grade{g}"] = int((frame["grade"] == g).sum())
            rows.append(rec)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values(["soc", "level", "n_any"], ascending=[True, True, False])


def dlt_summary(ae: pd.DataFrame, first_dose: pd.Series, dose_level: pd.Series,
                rule: DltRule | None = None) -> pd.DataFrame:
    """DLT-evaluable subjects and DLTs per dose level.

    A subject is DLT-evaluable if dosed (has a first-dose date). Events count as DLT when the
    data flag them (``DLTFL``) or, without a flag, when they meet ``rule``.
    """
    rule = rule or DltRule()
    frame = ae.copy()
    frame["first_dose"] = frame["subject"].map(first_dose)
    in_window = (frame["start_date"] - frame["first_dose"]).dt.days.between(0, rule.window_days)
    haem = frame["soc"] == _HAEM_SOC
    high = np.where(haem, frame["grade"] >= rule.min_grade_haem,
                    frame["grade"] >= rule.min_grade_nonhaem)
    by_rule = in_window & high & (frame["related"] | (not rule.related_only))
    flagged = frame["dlt_flag"]
    frame["dlt"] = flagged.where(flagged.notna(), by_rule).astype(bool) if flagged.notna().any() \
        else by_rule
    subjects = pd.DataFrame({"subject": first_dose.index, "dose_level": dose_level.reindex(
        first_dose.index).to_numpy()})
    with_dlt = set(frame.loc[frame["dlt"], "subject"])
    subjects["dlt"] = subjects["subject"].isin(with_dlt)
    summary = subjects.groupby("dose_level", dropna=False).agg(
        n_evaluable=("subject", "size"), n_dlt=("dlt", "sum")
    ).reset_index()
    summary["n_dlt"] = summary["n_dlt"].astype(int)
    return summary
