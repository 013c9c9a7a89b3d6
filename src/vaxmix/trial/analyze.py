"""End-to-end trial analysis: read → derive RECIST responses → endpoints → report and files.

``analyze_trial`` returns every table (ADaM-like) and the report dict; ``write_outputs``
(:mod:`vaxmix.trial.outputs`, re-exported here) writes them under ``OUT/trial/`` atomically (a
failed run leaves nothing partial). The settings and result records live in
:mod:`vaxmix.trial.options`, the non-time-to-event endpoint builders in
:mod:`vaxmix.trial.endpoints`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.common.provenance import package_versions, sha256_file
from vaxmix.trial.adam import (
    TteRules,
    derive_adrs,
    derive_adtr,
    derive_adtte,
    subject_summary,
)
from vaxmix.trial.dates import parse_iso_dates
from vaxmix.trial.endpoints import (
    dose_levels,
    immune_endpoints,
    response_by_dose,
    response_endpoints,
    safety_endpoints,
    serology_endpoints,
)
from vaxmix.trial.io import TrialData, read_trial_folders
from vaxmix.trial.lesions import (
    LesionDataError,
    SdtmLesionMapping,
    lesions_from_csv,
    lesions_from_sdtm,
    validate_lesions,
)
from vaxmix.trial.options import AnalysisOptions, TrialResults
from vaxmix.trial.outputs import write_outputs
from vaxmix.trial.recist import timepoint_responses
from vaxmix.trial.report import build_report, rate_endpoint
from vaxmix.trial.sources import (
    measurable_from_tu,
    ovr_from_adrs,
    ovr_from_rs,
    read_pd_source,
    subject_level,
)
from vaxmix.trial.stats import kaplan_meier
from vaxmix.trial.tte import CENSORING_RULES

__all__ = ["AnalysisOptions", "TrialResults", "analyze_trial", "write_outputs"]

def _reference_column(subjects: pd.DataFrame | None, start_ref: str) -> str | None:
    """The subject-level date column responses and PFS/OS count from."""
    if start_ref not in ("auto", "RANDDT", "TRTSDT"):
        raise InputError(f"unknown start reference {start_ref!r}", field="--start-ref")
    if subjects is None:
        return None
    if start_ref != "auto":
        if start_ref not in subjects.columns:
            raise InputError(f"--start-ref {start_ref}: the subject-level data has no "
                             f"{start_ref}", path=subjects.attrs.get("path"), field=start_ref)
        return start_ref
    for column in ("RANDDT", "TRTSDT"):
        if column in subjects.columns and subjects[column].notna().any():
            return column
    return None


def _follow_up_checks(subjects: pd.DataFrame, adrs: pd.DataFrame, reference: str) -> list[str]:
    """Say who has no time-to-event rows, and whose last-alive date precedes an assessment."""
    out = []
    no_start = subjects[subjects[reference].isna()]["USUBJID"].tolist()
    if no_start:
        out.append(f"{len(no_start)} subject(s) without {reference} (e.g. screen failures) "
                   "have response records (BOR MISSING) but no OS/PFS rows: "
                   + ", ".join(no_start[:5]) + (" ..." if len(no_start) > 5 else ""))
    if "LSTALVDT" in subjects.columns:
        last = adrs[(adrs["PARAMCD"] == "LSTA") & adrs["ADT"].notna()].set_index("USUBJID")[
            "ADT"]
        alive = subjects.set_index("USUBJID")["LSTALVDT"].reindex(last.index)
        odd = last[alive.notna() & (alive < last)].index.tolist()
        if odd:
            out.append(f"{len(odd)} subject(s) have LSTALVDT before their last tumour "
                       "assessment (OS is censored at LSTALVDT, as admiral does; check ADSL): "
                       + ", ".join(odd[:5]) + (" ..." if len(odd) > 5 else ""))
    return out


def _cut_subjects(subjects: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """Events after the data cut did not happen yet; follow-up stops at the cut."""
    out = subjects.copy()
    if "DTHDT" in out.columns:
        out["DTHDT"] = out["DTHDT"].where(~(out["DTHDT"] > cut))
    if "LSTALVDT" in out.columns:
        out["LSTALVDT"] = out["LSTALVDT"].clip(upper=cut)
    return out


def _tte_table(adtte: pd.DataFrame, dor_paramcd: str) -> pd.DataFrame:
    """The compact per-endpoint table the report, KM and plots use (DOR named DOR)."""
    names = {dor_paramcd: "DOR"}
    adtte = adtte[~adtte["PARAMCD"].isin({"RSD", "CRSD", "DOR"} - {dor_paramcd})]
    return pd.DataFrame({
        "subject": adtte["USUBJID"], "param": adtte["PARAMCD"].replace(names),
        "start_date": adtte["STARTDT"], "end_date": adtte["ADT"],
        "days": adtte["AVAL"].astype(int), "cnsr": adtte["CNSR"].astype(int),
        "event": 1 - adtte["CNSR"].astype(int), "description": adtte["EVNTDESC"],
    })


def _crpr_signal(adrs: pd.DataFrame) -> list[str]:
    """admiralonco ``signal_crpr``: a CR followed later by a PR is a data issue to check."""
    ovr = adrs[(adrs["PARAMCD"] == "OVR") & (adrs["ANL01FL"] == "Y")].sort_values(
        ["USUBJID", "ADT"])
    flagged = []
    for subject, rows in ovr.groupby("USUBJID", sort=False):
        resp = rows["AVALC"].tolist()
        if "CR" in resp and "PR" in resp[resp.index("CR"):]:
            flagged.append(subject)
    if not flagged:
        return []
    return [f"{len(flagged)} subject(s) have a CR followed by a PR (RECIST: after a true CR "
            f"reappearing disease is PD; check the source data): {', '.join(flagged[:5])}"
            + (" ..." if len(flagged) > 5 else "")]


def _lesions_by_subject(lesions: pd.DataFrame, skip: bool, subjects: pd.DataFrame | None,
                        reference: str | None, warnings: list[str]
                        ) -> tuple[pd.DataFrame, list[dict]]:
    """Validate; with ``skip`` drop faulty subjects one at a time and list them."""
    skipped: list[dict] = []
    start = None
    if subjects is not None and reference is not None:
        start = subjects.set_index("USUBJID")[reference].dropna()
    while True:
        try:
            warnings_now: list[str] = []
            validate_lesions(lesions, start=start, warnings=warnings_now)
            warnings.extend(warnings_now)
            return lesions, skipped
        except LesionDataError as exc:
            if not skip or exc.subject is None:
                raise
            subject = exc.subject
            skipped.append({"subject": subject, "reason": str(exc)})
            lesions = lesions[lesions["subject"] != subject]


@dataclass
class _Collected:
    """What the analysis steps accumulate: tables, ADaM datasets, endpoints, notes, warnings.

    One record handed from step to step, so each step appends in the order the report shows.
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)
    endpoints: list[dict] = field(default_factory=list)
    survival: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data_warnings: list[str] = field(default_factory=list)


@dataclass
class _Responses:
    """The overall responses the efficacy endpoints start from, and the subjects they cover.

    Built either from lesion measurements (RECIST re-derived) or from recorded RS/ADRS
    responses; the subject table, its description and the start-date column can change on the
    way (subjects skipped, a baseline-date start), so they travel with the responses.
    """

    ovr: pd.DataFrame | None
    measurable: list[str]
    timepoints: pd.DataFrame | None
    source: str
    measurable_flag: pd.Series | None
    subjects: pd.DataFrame | None
    subject_source: str
    reference: str | None
    skipped: list[dict] = field(default_factory=list)


def analyze_trial(
    sdtm_dir: Path | None = None, adam_dir: Path | None = None,
    lesions_csv: Path | None = None, elispot_csv: Path | None = None,
    options: AnalysisOptions | None = None, titers_csv: Path | None = None,
) -> TrialResults:
    """Run the whole trial analysis on whatever inputs are given."""
    options = options or AnalysisOptions()
    t0 = time.perf_counter()
    data = read_trial_folders(sdtm_dir, adam_dir)
    inputs = list(data.paths)
    out = _Collected()
    subjects, subject_source = subject_level(data.adam.get("adsl"), data.sdtm.get("dm"),
                                             options.population)
    reference = _reference_column(subjects, options.start_ref)
    lesions = _read_lesions(data, lesions_csv, options, inputs)
    if lesions is not None:
        resp = _responses_from_lesions(lesions, subjects, subject_source, reference, options,
                                       out)
    elif "rs" in data.sdtm or "adrs" in data.adam:
        resp = _recorded_responses(data, subjects, subject_source, reference, options, out)
    else:
        resp = _Responses(None, [], None, "", None, subjects, subject_source, reference)
    start_source = ""
    if resp.ovr is not None:
        start_source = _efficacy(data, resp, lesions is None, options, out)
    _other_endpoints(data, elispot_csv, titers_csv, options, inputs, out)
    if resp.skipped:
        out.notes.append(f"{len(resp.skipped)} subject(s) excluded for invalid lesion data; see "
                         "skipped_subjects in provenance.")
    provenance = {
        "schema": "vaxmix.trial_provenance/1",
        "inputs": [{"path": str(p), "sha256": sha256_file(p)} for p in inputs],
        "parameters": {**{k: v for k, v in asdict(options).items() if k not in ("recist",
                                                                                 "claims")},
                       "recist": asdict(options.recist),
                       "claims": [asdict(c) for c in options.claims],
                       "start_date_source": start_source,
                       "response_source": resp.source or "",
                       "population": resp.subject_source},
        "data_warnings": out.data_warnings,
        "versions": package_versions(("lifelines", "statsmodels", "matplotlib")),
        "skipped_subjects": resp.skipped,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    out.notes.extend(f"Data warning: {w}" for w in out.data_warnings)
    report = build_report(out.endpoints, options.data_cut, provenance, out.survival,
                          notes=out.notes, small_n=options.small_n)
    return TrialResults(out.tables, report, inputs, resp.skipped, out.adam)


def _read_lesions(data: TrialData, lesions_csv: Path | None, options: AnalysisOptions,
                  inputs: list[Path]) -> pd.DataFrame | None:
    """Lesion measurements from the minimal CSV (preferred) or SDTM TU+TR; ``None`` if neither.

    The CSV is added to ``inputs`` so its checksum lands in the provenance.
    """
    if lesions_csv is not None:
        lesions = lesions_from_csv(lesions_csv)
        inputs.append(Path(lesions_csv))
        return lesions
    if "tu" in data.sdtm and "tr" in data.sdtm:
        return lesions_from_sdtm(
            data.sdtm["tu"], data.sdtm["tr"], SdtmLesionMapping(evaluator=options.evaluator)
        )
    return None


def _responses_from_lesions(lesions: pd.DataFrame, subjects: pd.DataFrame | None,
                            subject_source: str, reference: str | None,
                            options: AnalysisOptions, out: _Collected) -> _Responses:
    """Re-derive RECIST 1.1 time-point responses from the lesion measurements.

    Validates the lesions (skipping faulty subjects when asked), applies the data cut, and
    falls back to the lesion subjects and the baseline scan date when no ADSL/DM or start date
    was given; with iRECIST the time points are re-read under iRECIST too.
    """
    lesions, skipped = _lesions_by_subject(lesions, options.skip_bad_subjects, subjects,
                                           reference, out.data_warnings)
    if skipped and subjects is not None:
        gone = {s["subject"] for s in skipped}
        subjects = subjects[~subjects["USUBJID"].isin(gone)].reset_index(drop=True)
        subject_source += f", less {len(gone)} subject(s) excluded for invalid lesion data"
    if options.data_cut:
        lesions = lesions[lesions["date"] <= pd.Timestamp(options.data_cut)]
    timepoints = timepoint_responses(lesions, options.recist)
    out.tables["adtr"] = timepoints
    base = timepoints[timepoints["is_baseline"]]
    if subjects is None:
        subjects = pd.DataFrame({"USUBJID": sorted(timepoints["subject"].unique())})
        # without ADSL/DM the last scan is the last date the subject is known alive
        subjects["LSTALVDT"] = subjects["USUBJID"].map(
            timepoints.groupby("subject")["date"].max())
        subject_source = ("subjects with lesion data (no ADSL/DM: last known alive = last "
                          "tumour assessment)")
    if reference is None or subjects[reference].isna().all():
        # no randomisation / first-dose date given: the baseline scan is the start
        subjects["BASEDT"] = subjects["USUBJID"].map(base.groupby("subject")["date"].min())
        reference = "BASEDT"
    post = timepoints[~timepoints["is_baseline"]]
    ovr = pd.DataFrame({
        "USUBJID": post["subject"].astype(str), "ADT": post["date"],
        "ADTF": post["date_flag"].where(post["date_flag"] != "", None),
        "AVALC": post["overall_response"], "VISIT": post["visit"],
        "VISITNUM": post["visitnum"]})
    measurable = sorted(timepoints.loc[timepoints["n_target"] > 0, "subject"].unique())
    measurable_flag = pd.Series("Y", index=measurable, dtype=object)
    if options.irecist:
        from vaxmix.trial.irecist import irecist_best_response, irecist_timepoints

        start = subjects.set_index("USUBJID")[reference]
        timepoints = irecist_timepoints(timepoints, options.recist)
        out.tables["adtr"] = timepoints
        out.tables["ibor"] = irecist_best_response(timepoints, start, options.recist)
    return _Responses(ovr, measurable, timepoints,
                      "derived from lesion measurements (RECIST 1.1)", measurable_flag,
                      subjects, subject_source, reference, skipped)


def _recorded_responses(data: TrialData, subjects: pd.DataFrame | None, subject_source: str,
                        reference: str | None, options: AnalysisOptions,
                        out: _Collected) -> _Responses:
    """Overall responses as the evaluator recorded them (SDTM RS, else ADaM ADRS).

    They are taken as given, not re-derived; without ADSL/DM their start date is unknown, so
    that is an input error.
    """
    measurable_flag = None
    if "rs" in data.sdtm:
        ovr, found = ovr_from_rs(data.sdtm["rs"], options.evaluator, options.date_rules,
                                 options.unusable_dates)
        out.data_warnings.extend(found)
        if "tu" in data.sdtm:
            measurable_flag = measurable_from_tu(data.sdtm["tu"], options.evaluator)
    else:
        ovr = ovr_from_adrs(data.adam["adrs"])
    response_source = (f"overall responses recorded by {options.evaluator} (RS/ADRS), "
                       "not re-derived")
    if subjects is None:
        raise InputError("overall responses without ADSL or DM: the start date (RANDDT / "
                         "TRTSDT) that the SD window and PFS count from is unknown; give "
                         "--adam with ADSL or DM in --sdtm", field="--adam")
    return _Responses(ovr, [], None, response_source, measurable_flag, subjects,
                      subject_source, reference)


def _efficacy(data: TrialData, resp: _Responses, no_lesions: bool, options: AnalysisOptions,
              out: _Collected) -> str:
    """Response and time-to-event endpoints from the overall responses; returns the start label.

    Derives ADRS/ADTTE, the best overall response per subject, the response-rate endpoints
    (overall and by dose), and the PFS/OS/DOR Kaplan-Meier summaries.
    """
    adrs, adtte, subjects = _derive_adam(resp, options, out)
    bor = subject_summary(adrs)
    out.tables["adrs_bor"] = bor
    out.tables["adrs_ovr"] = adrs.loc[adrs["PARAMCD"] == "OVR",
                                      ["USUBJID", "ADT", "AVALC", "ANL01FL", "ANL02FL"]]
    out.data_warnings.extend(_crpr_signal(adrs))
    evaluable = list(subjects["USUBJID"])
    out.endpoints.extend(response_endpoints(bor, evaluable, resp.measurable, resp.timepoints,
                                             options, resp.source, resp.subject_source))
    dose = dose_levels(data)
    if not dose.empty:
        out.tables["response_by_dose"] = response_by_dose(bor, evaluable, dose, options.level)
    return _survival_endpoints(data, adtte, no_lesions, resp, options, out)


def _derive_adam(resp: _Responses, options: AnalysisOptions, out: _Collected
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """ADRS and ADTTE (admiral-style) from the overall responses; ``(adrs, adtte, subjects)``.

    Responses of subjects outside the analysis population are dropped with a warning, and
    the data cut is applied to responses and follow-up before anything is derived.
    """
    reference, subjects, ovr = resp.reference, resp.subjects, resp.ovr
    cut = options.data_cut
    if reference is None:
        raise InputError("no randomisation or treatment start date (ADSL RANDDT/TRTSDT, "
                         "DM RFXSTDTC) to count from", field="--start-ref")
    known = set(subjects["USUBJID"])
    stray = sorted(set(ovr["USUBJID"]) - known)
    if stray:
        out.data_warnings.append(
            f"{len(stray)} subject(s) with tumour assessments are not in the analysis "
            f"population ({resp.subject_source}) and are not analysed: {', '.join(stray[:5])}"
            + (" ..." if len(stray) > 5 else ""))
        ovr = ovr[ovr["USUBJID"].isin(known)]
    if cut:
        ovr = ovr[~(ovr["ADT"] > pd.Timestamp(cut))]
        subjects = _cut_subjects(subjects, pd.Timestamp(cut))
    rules = options.response_rules(reference)
    pd_dates = read_pd_source(options.pd_source) if options.pd_source else None
    adrs = derive_adrs(ovr, subjects, rules, resp.measurable_flag, pd_source=pd_dates)
    tte_start = {k: reference for k in ("OS", "PFS", "TTP", "TTR")}
    tte_start.update(options.tte_start)
    endpoints_tte = tuple(options.tte_endpoints)
    if options.dor_basis == "confirmed" and "CRSD" not in endpoints_tte:
        endpoints_tte += ("CRSD",)  # the report's DOR; RSD stays the template's
    tte_rules = TteRules(start_date=tte_start, dor_paramcd=options.dor_paramcd,
                         dor_basis="unconfirmed",
                         max_missed_days=options.max_missed_days, endpoints=endpoints_tte)
    adtte = derive_adtte(adrs, subjects, tte_rules, subjects.attrs.get("path"))
    out.data_warnings.extend(_follow_up_checks(subjects, adrs, reference))
    out.adam["ADRS"], out.adam["ADTTE"] = adrs, adtte
    if resp.timepoints is not None:
        out.adam["ADTR"] = derive_adtr(resp.timepoints, subjects, rules.evaluator_label)
    return adrs, adtte, subjects


def _survival_endpoints(data: TrialData, adtte: pd.DataFrame, no_lesions: bool,
                        resp: _Responses, options: AnalysisOptions, out: _Collected) -> str:
    """Kaplan-Meier summaries for PFS, OS and DOR; returns the label of the start date.

    Without lesion data a supplied ADTTE is used as is (and said so) rather than the one
    derived from recorded responses.
    """
    tte = _tte_table(adtte, "CRSD" if options.dor_basis == "confirmed"
                     else options.dor_paramcd)
    censoring = dict(CENSORING_RULES)
    dor_label = f"Duration of response ({options.dor_basis} responders)"
    if no_lesions and "adtte" in data.adam:
        tte = _tte_from_adtte(data.adam["adtte"])
        censoring = {k: f"as derived in the supplied ADTTE ({v})"
                     for k, v in censoring.items()}
        dor_label = "Duration of response (supplied ADTTE)"
        out.notes.append("Time-to-event endpoints taken from the supplied ADTTE, not re-derived.")
    out.tables["adtte"] = tte
    start_label = {"BASEDT": "baseline tumour assessment date"}.get(
        resp.reference, f"{resp.subject_source.split()[0]}.{resp.reference}")
    for param, label in (("PFS", "Progression-free survival"),
                         ("OS", "Overall survival"), ("DOR", dor_label)):
        rows = tte[tte["param"] == param]
        km = kaplan_meier(rows["days"], rows["event"], options.level, param)
        out.survival.append({"id": param, "label": label, "censoring": censoring[param],
                             "start": start_label if param != "DOR" else
                             "first CR/PR date", "data_cut": options.data_cut,
                             **{k: v for k, v in km.items() if k != "curve"}})
        out.tables[f"km_{param.lower()}"] = pd.DataFrame(km["curve"])
    return start_label


def _other_endpoints(data: TrialData, elispot_csv: Path | None, titers_csv: Path | None,
                     options: AnalysisOptions, inputs: list[Path], out: _Collected) -> None:
    """Safety, immune response, serology and stated-claim endpoints, each when its data exist.

    Independent of the tumour responses; the ELISpot and titre files join ``inputs``.
    """
    if "ae" in data.sdtm or "adae" in data.adam:
        out.endpoints.extend(safety_endpoints(data, out.tables, options, out.notes))
    if elispot_csv is not None:
        out.endpoints.extend(immune_endpoints(elispot_csv, out.tables, options))
        inputs.append(Path(elispot_csv))
    if titers_csv is not None:
        out.endpoints.extend(serology_endpoints(titers_csv, out.tables, options))
        inputs.append(Path(titers_csv))
    for claim in options.claims:
        out.endpoints.append(rate_endpoint(
            f"claim_{len(out.endpoints)}", claim.label,
            "a rate stated elsewhere, shown with its exact interval; its assay, target and "
            "positivity rule are not stated", claim.x, claim.n,
            "claim_immune" if claim.kind == "immune" else "claim", "as stated",
            options.data_cut, options.level))


_ADTTE_PARAMS = {"PFS": "PFS", "OS": "OS", "RSD": "DOR", "DOR": "DOR", "DURRSP": "DOR"}


def _tte_from_adtte(adtte: pd.DataFrame) -> pd.DataFrame:
    """PFS/OS/DOR rows from a sponsor's ADTTE (PARAMCD, AVAL in days, CNSR, STARTDT, ADT)."""
    from vaxmix.trial.io import require_columns

    require_columns(adtte, ["USUBJID", "PARAMCD", "AVAL", "CNSR"], "ADTTE")
    rows = adtte[adtte["PARAMCD"].str.upper().isin(_ADTTE_PARAMS)]
    days = pd.to_numeric(rows["AVAL"], errors="coerce")
    cnsr = pd.to_numeric(rows["CNSR"], errors="coerce")
    bad = days.isna() | cnsr.isna() | (days < 0)
    if bad.any():
        row = rows[bad].iloc[0]
        raise InputError(f"subject {row['USUBJID']}, parameter {row['PARAMCD']}: AVAL/CNSR "
                         "missing or negative", path=adtte.attrs.get("path"),
                         line=int(row["_line"]), field="AVAL")
    start = parse_iso_dates(rows["STARTDT"])[0] if "STARTDT" in rows.columns else pd.NaT
    end = parse_iso_dates(rows["ADT"])[0] if "ADT" in rows.columns else pd.NaT
    return pd.DataFrame({
        "subject": rows["USUBJID"].astype(str).to_numpy(),
        "param": rows["PARAMCD"].str.upper().map(_ADTTE_PARAMS).to_numpy(),
        "start_date": start, "end_date": end,
        "days": days.to_numpy(), "cnsr": cnsr.astype(int).to_numpy(),
        "event": (cnsr == 0).astype(int).to_numpy(),
        "description": rows["EVNTDESC"].to_numpy() if "EVNTDESC" in rows.columns else "",
    })
