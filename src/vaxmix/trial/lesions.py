"""One canonical lesion-measurement table, built from SDTM TU/TR or from a minimal lesion CSV.

Columns of the canonical table (one row per subject × evaluator × assessment × lesion):

``subject, evaluator, visit, visitnum, date, date_flag, lesion_id, role, organ, is_node,
diameter_mm, state, path, line``

* ``role`` is ``target``, ``non_target`` or ``new`` (RECIST 1.1 section 4.3, Eisenhauer et al.,
  Eur J Cancer 2009;45:228-247, doi:10.1016/j.ejca.2008.10.026);
* ``diameter_mm`` is the longest diameter for non-nodal lesions and the **short axis** for
  lymph nodes (RECIST 1.1 section 3.1.2); missing when the lesion was not measured;
* ``state`` is ``present``, ``absent``, ``unequivocal_pd``, ``equivocal`` or ``not_evaluated``
  (non-target and new lesions are judged qualitatively).

The checks here turn the usual data-entry faults into one :class:`InputError` that names the
file, line, field, subject and visit: negative diameters, assessment dates that run backwards
against the visit order, a target lesion without a baseline measurement, duplicate lesion IDs
with conflicting values and a lesion ID used with two roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.trial.dates import parse_iso_dates
from vaxmix.trial.io import read_table, require_columns

__all__ = [
    "LESION_COLUMNS",
    "LesionDataError",
    "SdtmLesionMapping",
    "lesions_from_csv",
    "lesions_from_sdtm",
    "validate_lesions",
]

LESION_COLUMNS = [
    "subject", "evaluator", "visit", "visitnum", "date", "date_flag", "lesion_id", "role",
    "organ", "is_node", "diameter_mm", "state", "path", "line", "field",
]

_ROLE_MAP = {
    "TARGET": "target", "NON-TARGET": "non_target", "NON_TARGET": "non_target",
    "NONTARGET": "non_target", "NEW": "new",
}
_STATE_MAP = {
    "PRESENT": "present", "ABSENT": "absent", "UNEQUIVOCAL": "unequivocal_pd",
    "UNEQUIVOCAL_PD": "unequivocal_pd", "UNEQUIVOCAL PROGRESSION": "unequivocal_pd",
    "PD": "unequivocal_pd", "EQUIVOCAL": "equivocal", "NOT_EVALUATED": "not_evaluated",
    "NOT EVALUATED": "not_evaluated", "NE": "not_evaluated", "NOT DONE": "not_evaluated",
}
_BASELINE_VISIT = re.compile(r"baseline|screening", re.IGNORECASE)


@dataclass(frozen=True)
class SdtmLesionMapping:
    """How TU/TR rows map to RECIST measurements (CDISC CT differs between sponsors).

    Attributes
    ----------
    evaluator
        ``TREVAL`` value to analyse (``INVESTIGATOR`` or ``INDEPENDENT ASSESSOR``).
    accepted_only
        Keep only rows with ``TRACPTFL == "Y"`` (the accepted/adjudicated read of an
        independent review). ``None`` = automatic: on for any evaluator other than
        ``INVESTIGATOR`` when the column exists.
    long_diameter_codes
        ``TRTESTCD`` values holding a non-nodal longest diameter, first found wins.
        ``DIAMETER`` (the assessor's RECIST diameter) comes first: in the large pharmaverse
        set the sums of ``DIAMETER`` equal the recorded ``SUMDIAM`` at all 873 assessments,
        while ``LDIAM``/``LPERP`` there carry unrounded values.
    short_axis_codes
        ``TRTESTCD`` values holding a nodal short axis (pharmaverse's curated set uses
        ``LPERP``, the longest perpendicular; CDISC CT also has ``SAXIS``), first found wins.
    node_location
        Regular expression on ``TULOC`` marking lymph nodes.
    """

    evaluator: str = "INVESTIGATOR"
    accepted_only: bool | None = None
    long_diameter_codes: tuple[str, ...] = ("DIAMETER", "LDIAM")
    short_axis_codes: tuple[str, ...] = ("SAXIS", "DIAMETER", "LPERP")
    node_location: str = r"LYMPH\s*NODE|\bNODE\b|NODAL"


@dataclass
class LesionDataError(InputError):
    """An :class:`InputError` in one subject's lesion data (``subject`` says whose)."""

    subject: str | None = None


def _upper(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().str.upper()


def lesions_from_sdtm(
    tu: pd.DataFrame, tr: pd.DataFrame, mapping: SdtmLesionMapping | None = None
) -> pd.DataFrame:
    """Build the canonical lesion table from SDTM TU (identification) and TR (results).

    Role and location come from TU (``TUORRES``/``TUSTRESC``, ``TULOC``) joined on
    ``USUBJID`` + ``TULNKID`` = ``TRLNKID``; ``TRGRPID`` is the fallback role. Exact duplicate
    rows (same value twice, as in the pharmaverse data) are dropped; conflicting duplicates are
    an error raised by :func:`validate_lesions`.
    """
    mapping = mapping or SdtmLesionMapping()
    tr_path = tr.attrs.get("path")
    require_columns(tr, ["USUBJID", "TRLNKID", "TRTESTCD", "TRDTC"], "TR")
    require_columns(tu, ["USUBJID", "TULNKID"], "TU")
    tr = tr.copy()
    if "TREVAL" in tr.columns:
        tr = tr[_upper(tr["TREVAL"]).fillna("") == mapping.evaluator.upper()]
        accepted = mapping.accepted_only
        if accepted is None:
            accepted = mapping.evaluator.upper() != "INVESTIGATOR"
        if accepted and "TRACPTFL" in tr.columns:
            tr = tr[_upper(tr["TRACPTFL"]) == "Y"]
    if tr.empty:
        raise InputError(
            f"no TR rows for evaluator {mapping.evaluator!r}", path=tr_path, field="TREVAL"
        )
    tu = tu.copy()
    if "TUEVAL" in tu.columns:
        tu = tu[_upper(tu["TUEVAL"]).fillna("") == mapping.evaluator.upper()]
    role_col = "TUSTRESC" if "TUSTRESC" in tu.columns else "TUORRES"
    tu_info = pd.DataFrame({
        "USUBJID": tu["USUBJID"],
        "TRLNKID": tu["TULNKID"],
        "tu_role": _upper(tu[role_col]) if role_col in tu.columns else pd.NA,
        "organ": tu["TULOC"] if "TULOC" in tu.columns else pd.NA,
    }).drop_duplicates(["USUBJID", "TRLNKID"])
    tr = tr.merge(tu_info, on=["USUBJID", "TRLNKID"], how="left")
    role_text = tr["tu_role"].fillna(
        _upper(tr["TRGRPID"]) if "TRGRPID" in tr.columns else pd.NA
    )
    tr["role"] = role_text.map(_ROLE_MAP)
    bad_role = tr["role"].isna()
    if bad_role.any():
        row = tr[bad_role].iloc[0]
        raise InputError(
            f"subject {row['USUBJID']}, lesion {row['TRLNKID']}: unknown lesion role "
            f"{row['tu_role'] if pd.notna(row['tu_role']) else 'missing'} (expected TARGET, "
            "NON-TARGET or NEW in TU.TUORRES or TR.TRGRPID)",
            path=tr_path, line=int(row["_line"]), field="TRGRPID",
        )
    organ = tr["organ"].astype("string")
    tr["is_node"] = organ.str.contains(mapping.node_location, case=False, regex=True).fillna(False)
    code = _upper(tr["TRTESTCD"])
    value = pd.to_numeric(tr.get("TRSTRESN", tr.get("TRORRES")), errors="coerce")
    if "TRSTRESN" in tr.columns and "TRORRES" in tr.columns:
        value = value.fillna(pd.to_numeric(tr["TRORRES"], errors="coerce"))
    text = _upper(tr["TRSTRESC"] if "TRSTRESC" in tr.columns else tr.get("TRORRES"))
    not_done = (
        _upper(tr["TRSTAT"]).fillna("") == "NOT DONE" if "TRSTAT" in tr.columns
        else pd.Series(False, index=tr.index)
    )
    visit = tr["VISIT"] if "VISIT" in tr.columns else pd.Series(pd.NA, index=tr.index)
    visitnum = pd.to_numeric(tr.get("VISITNUM"), errors="coerce") if "VISITNUM" in tr.columns \
        else pd.Series(np.nan, index=tr.index)
    dates, flags, bad = parse_iso_dates(tr["TRDTC"])
    _raise_bad_dates(tr, bad, tr_path, "TRDTC")
    base = pd.DataFrame({
        "subject": tr["USUBJID"].astype(str),
        "evaluator": mapping.evaluator.upper(),
        "visit": visit,
        "visitnum": visitnum,
        "date": dates,
        "date_flag": flags,
        "lesion_id": tr["TRLNKID"].astype(str),
        "role": tr["role"],
        "organ": tr["organ"],
        "is_node": tr["is_node"].astype(bool),
        "path": tr_path,
        "line": tr["_line"].astype(int),
        "field": "TRSTRESN",
        "code": code,
        "value": value,
        "text": text,
        "not_done": not_done,
    })
    measured = _pick_measurements(base, mapping)
    states = _pick_states(base)
    lesions = pd.concat([measured, states], ignore_index=True)
    lesions = lesions.drop_duplicates(
        ["subject", "evaluator", "visitnum", "date", "lesion_id", "diameter_mm", "state"]
    )
    return lesions[LESION_COLUMNS].sort_values(
        ["subject", "date", "visitnum", "lesion_id"], kind="stable"
    ).reset_index(drop=True)


def _pick_measurements(base: pd.DataFrame, mapping: SdtmLesionMapping) -> pd.DataFrame:
    """Per lesion and assessment, the diameter RECIST uses: short axis for nodes, else LD."""
    targets = base[base["role"] == "target"]
    pieces = []
    for is_node, codes in ((True, mapping.short_axis_codes), (False, mapping.long_diameter_codes)):
        rows = targets[targets["is_node"] == is_node]
        rows = rows[rows["code"].isin(codes)].copy()
        rank = {c: i for i, c in enumerate(codes)}
        rows["rank"] = rows["code"].map(rank)
        key = ["subject", "visitnum", "date", "lesion_id"]
        best = rows.groupby(key, dropna=False)["rank"].transform("min")
        pieces.append(rows[rows["rank"] == best])
    chosen = pd.concat(pieces, ignore_index=True)
    chosen["diameter_mm"] = chosen["value"].where(~chosen["not_done"])
    chosen["state"] = np.where(chosen["diameter_mm"].isna(), "not_evaluated", "present")
    return chosen


def _pick_states(base: pd.DataFrame) -> pd.DataFrame:
    """Qualitative states (``TUMSTATE``) of non-target and new lesions."""
    rows = base[(base["role"] != "target") & (base["code"] == "TUMSTATE")].copy()
    state = rows["text"].map(_STATE_MAP)
    state = state.where(~rows["not_done"], "not_evaluated")
    rows["state"] = state.fillna("not_evaluated")
    rows["diameter_mm"] = np.nan
    return rows


def _raise_bad_dates(frame: pd.DataFrame, bad: pd.Series, path: str | None, field: str) -> None:
    if bad.any():
        row = frame[bad.to_numpy()].iloc[0]
        subject = row.get("USUBJID", row.get("subject", "?"))
        raise InputError(
            f"subject {subject}: {row[field]!r} is not an ISO 8601 date (YYYY-MM-DD)",
            path=path, line=int(row["_line"]), field=field,
        )


def lesions_from_csv(path: str | Path) -> pd.DataFrame:
    """Read the minimal lesion CSV for academic studies without SDTM.

    Required columns: ``subject, assessment_date, lesion_id, role`` and ``measurement_mm``
    (longest diameter, or short axis for nodes; may be empty for non-target/new lesions).
    Optional: ``visit`` (a visit named *baseline*/*screening* must be the earliest),
    ``organ``, ``is_node`` (true/false/yes/no/1/0), ``state`` (present, absent,
    unequivocal_pd, equivocal, not_evaluated), ``evaluator``.
    """
    frame = read_table(path)
    frame.columns = ["_line", *[c.lower() for c in frame.columns[1:]]]
    require_columns(
        frame, ["subject", "assessment_date", "lesion_id", "role", "measurement_mm"],
        "lesion CSV",
    )
    path_str = str(path)
    role = _upper(frame["role"]).str.replace(" ", "_").map(
        {**_ROLE_MAP, "NON_TARGET": "non_target"}
    )
    if role.isna().any():
        row = frame[role.isna()].iloc[0]
        raise InputError(
            f"subject {row['subject']}, lesion {row['lesion_id']}: role {row['role']!r} is not "
            "target, non_target or new",
            path=path_str, line=int(row["_line"]), field="role",
        )
    text_mm = frame["measurement_mm"].astype("string").str.strip()
    diam = pd.to_numeric(text_mm, errors="coerce")
    not_number = text_mm.notna() & (text_mm != "") & diam.isna()
    if not_number.any():
        row = frame[not_number].iloc[0]
        raise InputError(
            f"subject {row['subject']}, date {row['assessment_date']}, lesion "
            f"{row['lesion_id']}: measurement {row['measurement_mm']!r} is not a number",
            path=path_str, line=int(row["_line"]), field="measurement_mm",
        )
    dates, flags, bad = parse_iso_dates(frame["assessment_date"])
    frame = frame.rename(columns={"subject": "USUBJID"})
    _raise_bad_dates(frame, bad, path_str, "assessment_date")
    frame = frame.rename(columns={"USUBJID": "subject"})
    missing_date = dates.isna()
    if missing_date.any():
        row = frame[missing_date].iloc[0]
        raise InputError(
            f"subject {row['subject']}, lesion {row['lesion_id']}: assessment date missing",
            path=path_str, line=int(row["_line"]), field="assessment_date",
        )
    is_node = (
        _upper(frame["is_node"]).isin(["TRUE", "YES", "Y", "1"])
        if "is_node" in frame.columns else pd.Series(False, index=frame.index)
    )
    if "state" in frame.columns:
        state = _upper(frame["state"]).map(_STATE_MAP)
        unknown = frame["state"].notna() & state.isna()
        if unknown.any():
            row = frame[unknown].iloc[0]
            raise InputError(
                f"subject {row['subject']}, date {row['assessment_date']}: state "
                f"{row['state']!r} is not present/absent/unequivocal_pd/equivocal/not_evaluated",
                path=path_str, line=int(row["_line"]), field="state",
            )
    else:
        state = pd.Series(pd.NA, index=frame.index, dtype="object")
    default_state = np.where(
        role == "target", np.where(diam.isna(), "not_evaluated", "present"), "present"
    )
    state = state.astype("object").where(state.notna(), default_state)
    visit = frame["visit"] if "visit" in frame.columns else pd.Series(pd.NA, index=frame.index)
    lesions = pd.DataFrame({
        "subject": frame["subject"].astype(str),
        "evaluator": _upper(frame["evaluator"]).fillna("INVESTIGATOR")
        if "evaluator" in frame.columns else "INVESTIGATOR",
        "visit": visit,
        "visitnum": np.nan,
        "date": dates,
        "date_flag": flags,
        "lesion_id": frame["lesion_id"].astype(str),
        "role": role,
        "organ": frame["organ"] if "organ" in frame.columns else pd.NA,
        "is_node": is_node.astype(bool),
        "diameter_mm": diam,
        "state": state,
        "path": path_str,
        "line": frame["_line"].astype(int),
        "field": "measurement_mm",
    })
    _check_exact_duplicates(lesions)
    _check_baseline_visit_first(lesions)
    return lesions[LESION_COLUMNS]


def _check_exact_duplicates(lesions: pd.DataFrame) -> None:
    """In a hand-made lesion CSV any repeated (subject, evaluator, date, lesion) is an error."""
    key = ["subject", "evaluator", "date", "lesion_id"]
    dup = lesions.duplicated(key, keep="first")
    if dup.any():
        row = lesions[dup].iloc[0]
        raise InputError(
            f"subject {row['subject']}, visit {_visit_label(row)}: duplicate lesion ID "
            f"{row['lesion_id']} at the same assessment (each lesion once per assessment)",
            path=row["path"], line=int(row["line"]), field="lesion_id",
        )


def _check_baseline_visit_first(lesions: pd.DataFrame) -> None:
    labelled = lesions["visit"].astype("string").str.contains(_BASELINE_VISIT).fillna(False)
    if not labelled.any():
        return
    for subject, rows in lesions.groupby("subject", sort=False):
        base = rows[labelled.loc[rows.index]]
        if base.empty:
            continue
        earlier = rows[rows["date"] < base["date"].max()]
        earlier = earlier[~labelled.loc[earlier.index]]
        if not earlier.empty:
            row = earlier.iloc[0]
            raise InputError(
                f"subject {subject}, visit {_visit_label(row)}: assessment date "
                f"{row['date'].date()} is before the baseline visit "
                f"({base['date'].max().date()}); dates out of order",
                path=row["path"], line=int(row["line"]), field="assessment_date",
            )


def _visit_label(row: pd.Series) -> str:
    visit = row.get("visit")
    if visit is not None and not pd.isna(visit):
        return str(visit)
    date = row.get("date")
    return str(date.date()) if isinstance(date, pd.Timestamp) else "?"


def validate_lesions(lesions: pd.DataFrame, start: pd.Series | None = None,
                     warnings: list[str] | None = None) -> None:
    """Check a canonical lesion table; raise :class:`InputError` at the first fault.

    Faults: negative diameter; a lesion ID with two roles for one subject; the same lesion
    twice at one assessment (same date) with different values; a missing baseline — the
    subject's visits are labelled but none is BASELINE/SCREENING, or the first assessment is
    after the subject's start date (``start``: randomisation / first dose), so a week-3 scan
    would silently become the baseline; target lesions without a baseline measurement; a
    target lesion that first appears after baseline.

    Visits whose dates disagree with their ``visitnum`` order (unscheduled visits) are not an
    error: assessments are ordered by date, and a message is added to ``warnings``.
    """
    if lesions.empty:
        raise InputError("no lesion measurements found")
    negative = lesions["diameter_mm"] < 0
    if negative.any():
        row = lesions[negative].iloc[0]
        raise LesionDataError(
            f"subject {row['subject']}, visit {_visit_label(row)}, lesion {row['lesion_id']}: "
            f"negative diameter {row['diameter_mm']} mm",
            subject=str(row["subject"]), path=row["path"], line=int(row["line"]),
            field=_diameter_field(row),
        )
    roles = lesions.groupby(["subject", "evaluator", "lesion_id"])["role"].nunique()
    if (roles > 1).any():
        subject, _, lesion_id = roles[roles > 1].index[0]
        row = lesions[(lesions["subject"] == subject) & (lesions["lesion_id"] == lesion_id)]
        row = row.iloc[-1]
        raise LesionDataError(
            f"subject {subject}, visit {_visit_label(row)}: duplicate lesion ID {lesion_id} "
            "used with two roles (target / non-target / new)",
            subject=str(subject), path=row["path"], line=int(row["line"]), field="lesion_id",
        )
    key = ["subject", "evaluator", "date", "visitnum", "lesion_id"]
    conflict = lesions.duplicated(key, keep="first")
    if conflict.any():
        row = lesions[conflict].iloc[0]
        raise LesionDataError(
            f"subject {row['subject']}, visit {_visit_label(row)}: duplicate lesion ID "
            f"{row['lesion_id']} with conflicting values at one assessment",
            subject=str(row["subject"]), path=row["path"], line=int(row["line"]), field="lesion_id",
        )
    if lesions["visitnum"].notna().any():
        _check_split_visits(lesions)
        message = _check_visit_dates(lesions)
        if message and warnings is not None:
            warnings.append(message)
    _check_baseline_visit(lesions, start)
    _check_baseline(lesions)


def _diameter_field(row: pd.Series) -> str:
    return str(row["field"])


def _check_visit_dates(lesions: pd.DataFrame) -> str | None:
    visits = (
        lesions.dropna(subset=["visitnum"])
        .groupby(["subject", "evaluator", "visitnum"], sort=True)
        .agg(date=("date", "min"), visit=("visit", "first"), path=("path", "first"),
             line=("line", "min"))
        .reset_index()
    )
    visits["previous"] = visits.groupby(["subject", "evaluator"])["date"].cummax().shift(1)
    same_subject = visits["subject"].eq(visits["subject"].shift(1)) & visits["evaluator"].eq(
        visits["evaluator"].shift(1)
    )
    backwards = same_subject & (visits["date"] < visits["previous"])
    if not backwards.any():
        return None
    row = visits[backwards].iloc[0]
    return (f"{int(backwards.sum())} visit(s) dated earlier than a visit with a lower VISITNUM "
            f"(first: {row['path']}, line {row['line']}, subject {row['subject']}, visit "
            f"{_visit_label(row)} on {row['date'].date()} before {row['previous'].date()}); "
            "assessments are ordered by date")


def _check_split_visits(lesions: pd.DataFrame) -> None:
    """A visit number with scans on several complete dates is several assessments — but only
    if each date re-measures the same lesions; otherwise the dates are an entry error."""
    flag = lesions["date_flag"].fillna("")
    full = lesions[lesions["visitnum"].notna() & (flag == "")]
    key = ["subject", "evaluator", "visitnum"]
    n_dates = full.groupby(key)["date"].transform("nunique")
    multi = full[n_dates > 1]
    for _, rows in multi.groupby(key, sort=False):
        sets = rows.groupby("date")["lesion_id"].agg(frozenset)
        if sets.nunique() > 1:
            counts = rows.groupby("date").size()
            odd = counts.idxmin()
            row = rows[rows["date"] == odd].sort_values("line").iloc[0]
            raise LesionDataError(
                f"subject {row['subject']}, visit {_visit_label(row)}: lesions of one visit are "
                f"dated differently ({', '.join(str(d.date()) for d in sets.index)}) and the "
                "dates do not each hold a whole scan; fix the assessment date",
                subject=str(row["subject"]), path=row["path"], line=int(row["line"]),
                field="TRDTC")


def _check_baseline_visit(lesions: pd.DataFrame, start: pd.Series | None) -> None:
    """A missing baseline must not let the first follow-up scan become the baseline."""
    labels = lesions["visit"].astype("string")
    is_base = labels.str.contains(_BASELINE_VISIT).fillna(False)
    labelled = labels.notna().groupby(lesions["subject"]).transform("all")
    has_base = is_base.groupby(lesions["subject"]).transform("any")
    lacking = lesions[labelled & ~has_base & labels.notna().groupby(
        lesions["subject"]).transform("any")]
    if not lacking.empty and is_base.any():
        row = lacking.sort_values(["date", "line"]).iloc[0]
        raise LesionDataError(
            f"subject {row['subject']}: missing baseline — no BASELINE/SCREENING visit (first "
            f"visit {_visit_label(row)} on {row['date'].date()} would become the baseline)",
            subject=str(row["subject"]), path=row["path"], line=int(row["line"]),
            field="VISIT")
    if start is None or start.empty:
        return
    first = lesions.groupby("subject")["date"].min()
    begin = first.index.to_series().map(start)
    late = first[begin.notna() & (first > begin)]
    if not late.empty:
        subject = late.index[0]
        row = lesions[lesions["subject"] == subject].sort_values(["date", "line"]).iloc[0]
        raise LesionDataError(
            f"subject {subject}: missing baseline — the first tumour assessment "
            f"({_visit_label(row)}, {row['date'].date()}) is after the start date "
            f"{pd.Timestamp(start[subject]).date()}",
            subject=str(subject), path=row["path"], line=int(row["line"]), field="TRDTC")


def _baseline_mask(lesions: pd.DataFrame) -> pd.Series:
    """True for rows of each subject's first assessment (by date, then visit number)."""
    order = lesions.sort_values(["date", "visitnum"], kind="stable")
    first = order.groupby(["subject", "evaluator"], sort=False)[["date", "visitnum"]].first()
    first.columns = ["base_date", "base_visitnum"]
    joined = lesions[["subject", "evaluator", "date", "visitnum"]].join(
        first, on=["subject", "evaluator"])
    by_visit = joined["base_visitnum"].notna()
    return (by_visit & (joined["visitnum"] == joined["base_visitnum"])) | (
        ~by_visit & (joined["date"] == joined["base_date"]))


def _check_baseline(lesions: pd.DataFrame) -> None:
    at_base = _baseline_mask(lesions)
    base = lesions[at_base]
    has_disease = base[base["role"].isin(["target", "non_target"])]
    key = ["subject", "evaluator"]
    with_disease = set(map(tuple, has_disease[key].drop_duplicates().to_numpy()))
    everyone = lesions[key].drop_duplicates()
    lacking = [tuple(k) for k in everyone.to_numpy() if tuple(k) not in with_disease]
    if lacking:
        subject, evaluator = lacking[0]
        rows = lesions[(lesions["subject"] == subject) & (lesions["evaluator"] == evaluator)]
        row = rows.sort_values(["date", "visitnum"]).iloc[0]
        raise LesionDataError(
            f"subject {subject}, visit {_visit_label(row)}: missing baseline — the first "
            "assessment has no target or non-target lesion",
            subject=str(subject), path=row["path"], line=int(row["line"]), field="role",
        )
    unmeasured = base[(base["role"] == "target") & base["diameter_mm"].isna()]
    if not unmeasured.empty:
        row = unmeasured.iloc[0]
        raise LesionDataError(
            f"subject {row['subject']}, visit {_visit_label(row)}, lesion {row['lesion_id']}: "
            "missing baseline measurement of a target lesion",
            subject=str(row["subject"]), path=row["path"], line=int(row["line"]),
            field=_diameter_field(row),
        )
    base_targets = base.loc[base["role"] == "target", [*key, "lesion_id"]].drop_duplicates()
    followup = lesions[~at_base & (lesions["role"] == "target")]
    joined = followup.merge(base_targets, on=[*key, "lesion_id"], how="left", indicator=True)
    late = joined[joined["_merge"] == "left_only"]
    if not late.empty:
        row = late.iloc[0]
        raise LesionDataError(
            f"subject {row['subject']}, visit {_visit_label(row)}, lesion {row['lesion_id']}: "
            "target lesion has no baseline measurement (missing baseline; targets are "
            "chosen at baseline — record new disease with role 'new')",
            subject=str(row["subject"]), path=row["path"], line=int(row["line"]), field="lesion_id",
        )
