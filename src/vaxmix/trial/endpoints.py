"""Trial endpoints other than time-to-event: response rates, rates by dose, safety, immune.

Each builder turns derived tables into report endpoints (rates with exact intervals, via
:func:`vaxmix.trial.report.rate_endpoint`) and adds its tables to the analysis tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vaxmix.trial.dates import parse_iso_dates
from vaxmix.trial.io import TrialData
from vaxmix.trial.options import AnalysisOptions
from vaxmix.trial.report import rate_endpoint

__all__ = [
    "dose_levels",
    "first_dose_dates",
    "immune_endpoints",
    "response_by_dose",
    "response_endpoints",
    "safety_endpoints",
    "serology_endpoints",
]


def response_endpoints(bor: pd.DataFrame, evaluable: list[str], measurable: list[str],
                        timepoints: pd.DataFrame | None, options: AnalysisOptions,
                        source: str, population: str = "") -> list[dict]:
    """Confirmed ORR, unconfirmed ORR, DCR over the whole population, and any shrinkage.

    Every subject of the analysis population is in the denominator (no post-baseline
    assessment counts as a non-responder), as the denominator text says.
    """
    cut = options.data_cut
    cfg = options.recist
    sub = bor[bor["subject"].isin(evaluable)]
    n = len(sub)
    assessed = int((sub["n_assessments"] > 0).sum())
    denom = (f"all subjects of the analysis population ({population or 'lesion data'}; "
             f"n = {n}, of whom {assessed} have a post-baseline assessment and "
             f"{n - assessed} count as non-responders with BOR MISSING/NE); {source}; "
             f"evaluator {options.evaluator}")
    confirmed = int(sub["cbor"].isin(["CR", "PR"]).sum())
    unconfirmed = int(sub["bor"].isin(["CR", "PR"]).sum())
    dcr = int(sub["cbor"].isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).sum())
    out = [
        rate_endpoint("orr_confirmed", "Confirmed ORR (RECIST 1.1)",
                      f"confirmed CR or PR (repeat assessment ≥ {cfg.confirm_days} days later, "
                      f"≤ {cfg.max_ne_between} NE between) / evaluable", confirmed, n,
                      "tumor_response", denom, cut, options.level, confirmed=True),
        rate_endpoint("orr_unconfirmed", "ORR including unconfirmed responses",
                      "CR or PR at any assessment, not confirmed / evaluable", unconfirmed, n,
                      "tumor_response", denom, cut, options.level, confirmed=False,
                      n_unconfirmed_responders=unconfirmed - confirmed),
        rate_endpoint("dcr", "Disease control rate",
                      f"confirmed CR/PR, or SD / NON-CR/NON-PD assessed ≥ {cfg.sd_min_days} days "
                      "after start / evaluable", dcr, n, "tumor_response", denom, cut,
                      options.level, confirmed=True),
    ]
    if timepoints is not None:
        post = timepoints[~timepoints["is_baseline"] & timepoints["subject"].isin(measurable)]
        best = post.groupby("subject")["pchg_baseline"].min()
        shrink = int((best < 0).sum())
        out.append(rate_endpoint(
            "any_shrinkage", "Any target-lesion shrinkage",
            "best % change in sum of diameters from baseline < 0 (not a RECIST response)",
            shrink, len(measurable), "tumor_burden",
            f"subjects with measurable disease at baseline (n = {len(measurable)})", cut,
            options.level))
    return out


def response_by_dose(bor: pd.DataFrame, evaluable: list[str], dose: pd.Series,
                      level: float) -> pd.DataFrame:
    """Confirmed ORR and DCR per first dose level, each with its exact interval."""
    from vaxmix.trial.stats import proportion

    frame = bor[bor["subject"].isin(evaluable)].copy()
    frame["dose_level"] = frame["subject"].map(dose).fillna("unknown")
    rows = []
    for level_name, sub in frame.groupby("dose_level", sort=True):
        orr = proportion(int(sub["cbor"].isin(["CR", "PR"]).sum()), len(sub), level)
        dcr = proportion(int(sub["cbor"].isin(["CR", "PR", "SD", "NON-CR/NON-PD"]).sum()),
                         len(sub), level)
        rows.append({"dose_level": level_name, "n": len(sub),
                     "confirmed_responders": orr.x, "orr": orr.estimate,
                     "orr_cp_lower": orr.cp_lower, "orr_cp_upper": orr.cp_upper,
                     "disease_control": dcr.x, "dcr": dcr.estimate,
                     "dcr_cp_lower": dcr.cp_lower, "dcr_cp_upper": dcr.cp_upper})
    return pd.DataFrame(rows)


def safety_endpoints(data: TrialData, tables: dict, options: AnalysisOptions, notes: list[str]
            ) -> list[dict]:
    """Grade ≥ 3 TEAE rates over the safety set, and DLT by dose with BOIN decisions.

    The safety set is ADSL.SAFFL, else the dosed subjects, else those with an AE record (the
    denominator text says which); adds the AE tables and a note on the grade source.
    """
    from vaxmix.trial.safety import (
        ae_by_term,
        dlt_summary,
        max_grade_per_subject,
        normalise_ae,
    )

    first_dose = first_dose_dates(data)
    raw = data.adam.get("adae") if "adae" in data.adam else data.sdtm["ae"]
    ae, grade_source = normalise_ae(raw, first_dose if not first_dose.empty else None,
                                    options.ctcae_version)
    adsl = data.get("adsl")
    if adsl is not None and "SAFFL" in adsl.columns:
        safety_set = sorted(adsl.loc[adsl["SAFFL"] == "Y", "USUBJID"].astype(str))
        set_def = "ADSL.SAFFL = Y"
    elif not first_dose.empty:
        safety_set = sorted(first_dose.index)
        set_def = "subjects with a first-dose date (EX / DM.RFXSTDTC)"
    else:
        safety_set = sorted(ae["subject"].unique())
        set_def = "subjects with an AE record (no exposure data given)"
    ae = ae[ae["subject"].isin(safety_set)]
    if options.data_cut:
        ae = ae[~(ae["start_date"] > pd.Timestamp(options.data_cut))]
    tables["ae_max_grade"] = max_grade_per_subject(ae, safety_set)
    tables["ae_by_term"] = ae_by_term(ae, len(safety_set))
    teae = ae[ae["treatment_emergent"]]
    n = len(safety_set)
    g3 = teae[teae["grade"] >= 3]["subject"].nunique()
    g3r = teae[(teae["grade"] >= 3) & teae["related"]]["subject"].nunique()
    denom = f"safety set: {set_def} (n = {n})"
    out = [
        rate_endpoint("teae_grade3", "Grade ≥ 3 TEAE", "subjects with a treatment-emergent AE "
                      "of maximum grade ≥ 3", int(g3), n, "safety", denom, options.data_cut,
                      options.level, grade_source=grade_source),
        rate_endpoint("teae_grade3_related", "Grade ≥ 3 treatment-related TEAE",
                      "subjects with a related treatment-emergent AE of grade ≥ 3", int(g3r), n,
                      "safety", denom, options.data_cut, options.level,
                      grade_source=grade_source),
    ]
    dose = dose_levels(data)
    if not first_dose.empty and not dose.empty:
        dlt = dlt_summary(ae, first_dose.reindex(safety_set).dropna(), dose)
        tables["dlt_by_dose"] = _with_boin_decisions(dlt, options.boin_target)
        out.append(rate_endpoint(
            "dlt", "Dose-limiting toxicity", "protocol DLT rule: related grade ≥ 3 non-"
            "haematological or ≥ 4 haematological AE within 28 days of the first dose (or "
            "DLTFL = Y)", int(dlt["n_dlt"].sum()), int(dlt["n_evaluable"].sum()), "safety",
            "DLT-evaluable: dosed subjects", options.data_cut, options.level,
            grade_source=grade_source))
    notes.append(f"AE grades: {grade_source}.")
    return out


def _with_boin_decisions(dlt: pd.DataFrame, target: float) -> pd.DataFrame:
    """Add the BOIN decision each dose level's observed DLT rate implies (Liu & Yuan 2015)."""
    from scipy.stats import beta

    from vaxmix.trial.dose_finding import boin_boundaries

    bounds = boin_boundaries(target)
    out = dlt.copy()
    rate = out["n_dlt"] / out["n_evaluable"]
    out["dlt_rate"] = rate
    out["boin_decision"] = [
        "eliminate" if n >= 3 and beta.sf(target, 1 + x, 1 + n - x) > 0.95
        else "escalate" if r <= bounds.lambda_e
        else "de-escalate" if r >= bounds.lambda_d else "stay"
        for n, x, r in zip(out["n_evaluable"], out["n_dlt"], rate, strict=True)
    ]
    out["boin_target"] = target
    return out


def first_dose_dates(data: TrialData) -> pd.Series:
    """Each subject's first dose date: EX, else ADSL.TRTSDT, else DM.RFXSTDTC (empty if none)."""
    ex = data.sdtm.get("ex")
    if ex is not None and "EXSTDTC" in ex.columns:
        dates, _, _ = parse_iso_dates(ex["EXSTDTC"])
        frame = pd.DataFrame({"s": ex["USUBJID"].astype(str), "d": dates})
        return frame.dropna().groupby("s")["d"].min()
    for domain, col in (("adsl", "TRTSDT"), ("dm", "RFXSTDTC")):
        series = _date_series(data.get(domain), col)
        if not series.empty:
            return series
    return pd.Series(dtype="datetime64[ns]")


def dose_levels(data: TrialData) -> pd.Series:
    """Each subject's first EX dose with its unit (e.g. "1e9 PFU"); empty without EXDOSE."""
    ex = data.sdtm.get("ex")
    if ex is None or "EXDOSE" not in ex.columns:
        return pd.Series(dtype=str)
    frame = ex.sort_values("_line")
    first = frame.groupby("USUBJID").first()
    unit = first["EXDOSU"].fillna("") if "EXDOSU" in first.columns else ""
    return (first["EXDOSE"].astype(str) + " " + unit).str.strip()


def immune_endpoints(path: Path, tables: dict, options: AnalysisOptions) -> list[dict]:
    """ELISpot response rate per target under the chosen positivity rule; adds the calls."""
    from vaxmix.trial.immune import (
        PositivityRule,
        call_antigen_responses,
        immune_response_rates,
        read_elispot,
    )

    rule = PositivityRule(method=options.elispot_rule)
    wells = read_elispot(path)
    calls = call_antigen_responses(wells, rule)
    tables["elispot_calls"] = calls
    out = []
    for rate in immune_response_rates(calls, rule):
        out.append(rate_endpoint(
            f"immune_{rate['target']}", f"ELISpot response: {rate['target'].replace('_', ' ')}",
            rate["definition"], rate["x"], rate["n"], "immune",
            "subjects with baseline and post-treatment wells for this target", options.data_cut,
            options.level, target=rate["target"], rule=rate["rule"],
            n_de_novo=rate["n_de_novo"], n_boosted=rate["n_boosted"], assay="IFN-γ ELISpot"))
    return out


def serology_endpoints(path: Path, tables: dict, options: AnalysisOptions) -> list[dict]:
    """Neutralising-antibody seroconversion rate per virus; adds the titre table."""
    from vaxmix.trial.immune import read_titers, seroconversion_rates

    titers = read_titers(path)
    tables["nab_titers"] = titers.drop(columns="_line")
    return [
        rate_endpoint(
            f"nab_{rate['virus']}", f"Anti-{rate['virus']} nAb seroconversion",
            rate["definition"], rate["x"], rate["n"], "immune",
            "subjects with baseline and post-treatment titres", options.data_cut,
            options.level, target="viral", assay="neutralising antibody titre")
        for rate in seroconversion_rates(titers)
    ]


def _date_series(frame: pd.DataFrame | None, column: str) -> pd.Series:
    """One date column of a subject-level table, indexed by USUBJID, missing dates dropped."""
    if frame is None or column not in frame.columns:
        return pd.Series(dtype="datetime64[ns]")
    dates, _, _ = parse_iso_dates(frame[column])
    return pd.Series(dates.to_numpy(), index=frame["USUBJID"].astype(str)).dropna()
