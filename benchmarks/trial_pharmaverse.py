"""Benchmark: the full pharmaverse oncology data through ``vaxmix trial`` (run time, counts).

Usage::

    python benchmarks/trial_pharmaverse.py [PHARMAVERSE_ONCO_DIR]

PHARMAVERSE_ONCO_DIR defaults to ../shared/data/pharmaverse-onco (copied from pharmaversesdtm /
pharmaverseadam, Apache-2.0). Prints:

* wall time of the whole analysis (read, RECIST derivation from 56k TR rows, BOR/CBOR, KM,
  AE tables) and of the RECIST derivation alone;
* how many subjects were analysed and how many were excluded for invalid data (and why);
* agreement of the time-point responses vaxmix derives from TR measurements with the
  investigator ``OVRLRESP`` recorded in RS. The large pharmaverse set is simulated and, per its
  SOURCE.md, only the small ``*_recist`` set is internally consistent, so this agreement is a
  descriptive figure, not a pass/fail check (the 8-subject parity is in the tests).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from vaxmix.trial.analyze import AnalysisOptions, analyze_trial, write_outputs
from vaxmix.trial.dates import parse_iso_dates
from vaxmix.trial.io import read_table
from vaxmix.trial.lesions import lesions_from_sdtm, validate_lesions
from vaxmix.trial.recist import timepoint_responses

SDTM_FILES = ("tu_onco.csv", "tr_onco.csv.gz", "rs_onco.csv", "dm.csv", "ae.csv", "ex.csv")
ADAM_FILES = ("adsl.csv", "adae.csv")


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "pharmaverse-onco"
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    with tempfile.TemporaryDirectory() as tmp:
        sdtm, adam = Path(tmp, "sdtm"), Path(tmp, "adam")
        sdtm.mkdir()
        adam.mkdir()
        for name in SDTM_FILES:
            (sdtm / name).symlink_to(source / "sdtm" / name)
        for name in ADAM_FILES:
            (adam / name).symlink_to(source / "adam" / name)

        t0 = time.perf_counter()
        results = analyze_trial(sdtm, adam, options=AnalysisOptions(skip_bad_subjects=True))
        t1 = time.perf_counter()
        write_outputs(results, Path(tmp, "out"), "png")
        t2 = time.perf_counter()

        tu, tr = read_table(sdtm / "tu_onco.csv"), read_table(sdtm / "tr_onco.csv.gz")
        t3 = time.perf_counter()
        lesions = lesions_from_sdtm(tu, tr)
        bad = {s["subject"] for s in results.skipped}
        lesions = lesions[~lesions["subject"].isin(bad)]
        validate_lesions(lesions)
        timepoints = timepoint_responses(lesions)
        t4 = time.perf_counter()

    rs = read_table(source / "sdtm" / "rs_onco.csv")
    rs = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSEVAL"] == "INVESTIGATOR")]
    rs_dates, _, _ = parse_iso_dates(rs["RSDTC"])
    recorded = pd.DataFrame({"subject": rs["USUBJID"].to_numpy(), "date": rs_dates.to_numpy(),
                             "recorded": rs["RSSTRESC"].to_numpy()})
    post = timepoints[~timepoints["is_baseline"]][
        ["subject", "date", "overall_response", "target_response", "sum_mm", "nadir_mm"]]
    merged = post.merge(recorded, on=["subject", "date"], how="inner")
    agree = (merged["overall_response"] == merged["recorded"]).mean() if len(merged) else float(
        "nan")

    sums = tr[(tr["TREVAL"] == "INVESTIGATOR") & (tr["TRTESTCD"] == "SUMDIAM")]
    sums = pd.DataFrame({"subject": sums["USUBJID"], "visitnum": pd.to_numeric(
        sums["VISITNUM"]), "sumdiam": pd.to_numeric(sums["TRSTRESN"])}).drop_duplicates(
        ["subject", "visitnum"])
    joined = timepoints.merge(sums, on=["subject", "visitnum"])
    same_sum = ((joined["sum_mm"] - joined["sumdiam"]).abs() < 0.05).mean()
    disagree = merged[merged["overall_response"] != merged["recorded"]]
    target_driven = (disagree["target_response"] != "").sum() if len(disagree) else 0
    bor = results.tables["adrs_bor"]
    print(f"input: {len(tr)} TR rows, {len(tu)} TU rows, {bor.shape[0]} subjects analysed, "
          f"{len(results.skipped)} excluded")
    for skip in results.skipped:
        print(f"  excluded {skip['subject']}: {skip['reason'].split(': ', 1)[-1]}")
    print(f"analysis (read + RECIST + BOR + KM + AE tables): {t1 - t0:.2f} s")
    print(f"writing outputs incl. 6 PNG figures: {t2 - t1:.2f} s")
    print(f"RECIST derivation alone ({len(lesions)} lesion rows -> {len(timepoints)} "
          f"assessments): {t4 - t3:.2f} s")
    print(f"derived vs recorded RS OVRLRESP (investigator), {len(merged)} matched "
          f"assessments: {100 * agree:.1f}% agree (descriptive; simulated data)")
    print(pd.crosstab(merged["recorded"], merged["overall_response"]).to_string())
    print(f"derived sum of diameters equals recorded TR SUMDIAM at {100 * same_sum:.1f}% of "
          f"{len(joined)} assessments")
    pd_over_nadir = (disagree["overall_response"] == "PD") & (
        disagree["sum_mm"] >= 1.2 * disagree["nadir_mm"]) & (
        disagree["sum_mm"] - disagree["nadir_mm"] >= 5)
    missing_target = disagree["target_response"] == "NE"
    print(f"disagreements: {len(disagree)} ({target_driven} with a target response); "
          f"{int(pd_over_nadir.sum())} are RECIST PD by >=20 % and >=5 mm over the nadir that "
          f"the simulated RS rates SD/PR, {int(missing_target.sum())} have a target lesion not "
          "measured (RECIST: NE)")
    print("BOR:", bor["bor"].value_counts().to_dict())
    print("confirmed BOR:", bor["cbor"].value_counts().to_dict())
    for endpoint in results.report["endpoints"]:
        print(f"{endpoint['label']}: {endpoint['text']}")


if __name__ == "__main__":
    main()
