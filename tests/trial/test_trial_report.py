"""The honest report: warnings appear exactly when they should."""

from __future__ import annotations

import json
from pathlib import Path

from vaxmix.cli import main
from vaxmix.trial.analyze import analyze_trial
from vaxmix.trial.report import build_report, rate_endpoint, render_html

DATA = Path(__file__).parent / "data"


def codes(report: dict) -> list[str]:
    return [w["code"] for w in report["warnings"]]


def test_immune_rate_alone_and_with_tumour_rate():
    immune = rate_endpoint("imm", "ELISpot tumour antigen", "d", 10, 40, "immune", "dosed",
                           None, target="tumor_antigen")
    alone = build_report([immune], None, {})
    assert "immune_without_tumor_response" in codes(alone)
    assert "antiviral_response" not in codes(alone)  # tumour-antigen target
    orr = rate_endpoint("orr", "Confirmed ORR", "d", 2, 40, "tumor_response", "evaluable",
                        None, confirmed=True)
    together = build_report([immune, orr], None, {})
    assert "immune_without_tumor_response" not in codes(together)


def test_small_n_threshold():
    big = rate_endpoint("a", "A", "d", 5, 48, "tumor_response", "x", None, confirmed=True)
    small = rate_endpoint("b", "B", "d", 5, 12, "tumor_response", "x", None, confirmed=True)
    report = build_report([big, small], None, {}, small_n=30)
    flagged = [w["endpoint"] for w in report["warnings"] if w["code"] == "small_n"]
    assert flagged == ["b"]
    # the worked example from the issue: 48/48 -> 92.6–100 %
    claim = rate_endpoint("c", "claim", "d", 48, 48, "claim_immune", "as stated", None)
    assert round(100 * claim["ci"]["lower"], 1) == 92.6 and claim["ci"]["upper"] == 1.0


def test_unconfirmed_warning_on_pharmaverse(tmp_path):
    results = analyze_trial(DATA / "pharmaverse" / "sdtm", DATA / "pharmaverse" / "adam")
    warning = next(w for w in results.report["warnings"] if w["code"] ==
                   "unconfirmed_responses")
    assert "3 of 4 responders" in warning["message"]
    endpoints = {e["id"]: e for e in results.report["endpoints"]}
    assert (endpoints["orr_confirmed"]["numerator"], endpoints["orr_unconfirmed"]["numerator"]) \
        == (1, 4)
    assert "grades_not_ctcae" in codes(results.report)  # pharmaverse AE has severity only
    html = render_html(results.report)
    assert "Phase I is not designed to estimate efficacy" in html
    assert "1/8" in html


def test_no_unconfirmed_warning_when_all_confirmed():
    results = analyze_trial(lesions_csv=DATA / "lesions_example.csv")
    assert "unconfirmed_responses" not in codes(results.report)


def test_cli_analyze_writes_report_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["trial", "analyze", "--sdtm", str(DATA / "pharmaverse" / "sdtm"), "--adam",
                 str(DATA / "pharmaverse" / "adam"), "--out", str(out), "--claim",
                 "Any immune response (as claimed)=48/48"])
    assert code == 0
    report = json.loads((out / "trial" / "report.json").read_text())
    assert report["schema"] == "vaxmix.trial_report/1"
    assert {s["id"] for s in report["survival"]} == {"PFS", "OS", "DOR"}
    pfs = next(s for s in report["survival"] if s["id"] == "PFS")
    assert (pfs["n"], pfs["events"]) == (8, 3)
    for name in ("waterfall", "spider", "swimmer", "km_pfs", "km_os"):
        assert (out / "trial" / "plots" / f"{name}.png").stat().st_size > 1000
    assert "Confirmed ORR (RECIST 1.1): 1/8" in capsys.readouterr().out


def test_demo_command(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["trial", "demo", "--out", str(out)]) == 0
    report = json.loads((out / "trial" / "report.json").read_text())
    claim = next(e for e in report["endpoints"] if e["category"] == "claim_immune")
    assert (claim["numerator"], claim["denominator"]) == (48, 48)
    assert report["notes"][0].startswith("Synthetic")
    assert "antiviral_response" in codes(report)
