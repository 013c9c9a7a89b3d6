"""Minimal lesion CSV end to end, and bad input → one clear error naming subject/visit/field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.trial.analyze import AnalysisOptions, analyze_trial
from vaxmix.trial.io import find_domain_file, read_table
from vaxmix.trial.lesions import lesions_from_csv, validate_lesions

DATA = Path(__file__).parent / "data"
GOOD = (DATA / "lesions_example.csv").read_text().splitlines()


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "lesions.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_lesion_csv_responses_worked_by_hand():
    results = analyze_trial(lesions_csv=DATA / "lesions_example.csv")
    bor = results.tables["adrs_bor"].set_index("subject")
    # P01: 60 -> 37 (-38 %, node 12 mm) PR -> 29 PR, confirmed 42 days later
    # P02: 30 -> 31 SD at day 42 -> new lesion PD: BOR SD
    # P03: 50 -> 20 PR -> 0 CR (42 days later): CR unconfirmed, PR confirmed by the CR
    assert bor.loc["P01", ["bor", "cbor"]].tolist() == ["PR", "PR"]
    assert bor.loc["P02", ["bor", "cbor"]].tolist() == ["SD", "SD"]
    assert bor.loc["P03", ["bor", "cbor"]].tolist() == ["CR", "PR"]
    endpoints = {e["id"]: e for e in results.report["endpoints"]}
    assert (endpoints["orr_confirmed"]["numerator"], endpoints["orr_confirmed"]["denominator"]) \
        == (2, 3)
    assert endpoints["dcr"]["numerator"] == 3


@pytest.mark.parametrize(("line_no", "new_line", "field", "words"), [
    # negative diameter
    (6, "P01,week 6,2024-02-21,L2,target,lymph node,yes,-12,", "measurement_mm",
     ["P01", "week 6", "negative"]),
    # a follow-up dated before the baseline visit
    (12, "P02,week 6,2024-01-01,L1,target,lung,no,31,", "assessment_date",
     ["P02", "week 6", "out of order"]),
    # duplicate lesion ID at one assessment
    (13, "P02,week 12,2024-04-08,L1,target,lung,no,29,", "lesion_id",
     ["P02", "week 12", "duplicate lesion ID L1"]),
])
def test_bad_lesion_rows(tmp_path, line_no, new_line, field, words):
    lines = list(GOOD)
    if "duplicate" in words[-1]:
        lines.insert(line_no, new_line)
        expected_line = line_no + 1
    else:
        lines[line_no - 1] = new_line
        expected_line = line_no
    path = write(tmp_path, lines)
    with pytest.raises(InputError) as info:
        validate_lesions(lesions_from_csv(path))
    err = info.value
    assert err.field == field
    assert err.line == expected_line
    assert Path(err.path) == path
    for word in words:
        assert word in str(err)


def test_missing_baseline_measurement(tmp_path):
    lines = list(GOOD)
    lines[1] = "P01,baseline,2024-01-10,L1,target,liver,no,,"
    with pytest.raises(InputError, match=r"subject P01, visit baseline, lesion L1: missing "
                                         r"baseline") as info:
        validate_lesions(lesions_from_csv(write(tmp_path, lines)))
    assert info.value.field == "measurement_mm"
    assert info.value.line == 2


def test_target_without_baseline(tmp_path):
    lines = [*GOOD, "P03,week 12,2024-04-13,L9,target,lung,no,12,"]
    with pytest.raises(InputError, match="L9: target lesion has no baseline"):
        validate_lesions(lesions_from_csv(write(tmp_path, lines)))


def test_bad_date_and_missing_column(tmp_path):
    lines = list(GOOD)
    lines[3] = "P01,week 6,2024-02-31,L1,target,liver,no,25,"
    with pytest.raises(InputError, match="not an ISO 8601 date") as info:
        lesions_from_csv(write(tmp_path, lines))
    assert info.value.field == "assessment_date"
    path = tmp_path / "nocol.csv"
    path.write_text("subject,assessment_date,lesion_id,role\nP1,2024-01-01,L1,target\n")
    with pytest.raises(InputError) as info:
        lesions_from_csv(path)
    assert info.value.field == "measurement_mm"


def test_sdtm_visit_dates_out_of_order(tmp_path):
    """One lesion of a visit dated apart from the rest is an error naming subject and TRDTC."""
    source = (DATA / "pharmaverse" / "sdtm")
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    for name in ("tu_onco_recist.csv", "rs_onco_recist.csv", "dm.csv"):
        (sdtm / name).write_bytes((source / name).read_bytes())
    text = (source / "tr_onco_recist.csv").read_text()
    text = text.replace('"01-701-1130","TARGET","T01","LDIAM","Longest Diameter","42","mm",'
                        '"42",42,"mm",4,"WEEK 9","INVESTIGATOR",NA,NA,"2014-04-19"',
                        '"01-701-1130","TARGET","T01","LDIAM","Longest Diameter","42","mm",'
                        '"42",42,"mm",4,"WEEK 9","INVESTIGATOR",NA,NA,"2014-03-01"')
    assert "2014-03-01" in text
    (sdtm / "tr_onco_recist.csv").write_text(text)
    out = tmp_path / "out"
    code = main(["trial", "analyze", "--sdtm", str(sdtm), "--out", str(out), "--plots", "none"])
    assert code == 2
    assert not out.exists()  # nothing partial
    # with --skip-bad-subjects the faulty subject is excluded and listed, the rest analysed
    results = analyze_trial(sdtm, options=AnalysisOptions(skip_bad_subjects=True))
    assert [s["subject"] for s in results.skipped] == ["01-701-1130"]
    assert "TRDTC" in results.skipped[0]["reason"]
    bor = results.tables["adrs_bor"]
    assert "01-701-1130" not in set(bor["subject"]) and len(bor) == 7
    assert results.report["provenance"]["skipped_subjects"] == results.skipped


def test_cli_error_message(tmp_path, capsys):
    lines = list(GOOD)
    lines[5] = "P01,week 6,2024-02-21,L2,target,lymph node,yes,-12,"
    code = main(["trial", "recist", "--lesions", str(write(tmp_path, lines)),
                 "--out", str(tmp_path / "o"), "--plots", "none"])
    assert code == 2
    err = capsys.readouterr().err
    assert "line 6" in err and "field measurement_mm" in err and "subject P01" in err
    assert "Traceback" not in err


def test_domain_file_discovery(tmp_path):
    (tmp_path / "tu.csv").write_text("USUBJID\n1\n")
    (tmp_path / "tu_onco.csv").write_text("USUBJID\n1\n")
    with pytest.raises(InputError, match="several files"):
        find_domain_file(tmp_path, "tu")
    assert find_domain_file(tmp_path, "dm") is None


def test_cli_recist_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["trial", "recist", "--lesions", str(DATA / "lesions_example.csv"),
                 "--out", str(out), "--plots", "svg", "--irecist"])
    assert code == 0
    report = json.loads((out / "trial" / "report.json").read_text())
    assert report["schema"] == "vaxmix.trial_report/1"
    orr = next(e for e in report["endpoints"] if e["id"] == "orr_confirmed")
    assert orr["denominator"] == 3 and orr["ci"]["method"].startswith("Clopper")
    assert {w["code"] for w in report["warnings"]} >= {"phase1", "small_n"}
    assert (out / "trial" / "plots" / "waterfall.svg").exists()
    assert (out / "trial" / "ibor.tsv").exists()
    assert "<section" in (out / "trial" / "report.html").read_text()
    assert report["provenance"]["inputs"][0]["sha256"]


def test_immune_claim_alone_warns(tmp_path):
    options = AnalysisOptions(claims=[])
    from vaxmix.trial.report import Claim

    options.claims.append(Claim("Any immune response (as claimed)", 48, 48))
    results = analyze_trial(elispot_csv=DATA / "elispot_example.csv", options=options)
    codes = [w["code"] for w in results.report["warnings"]]
    assert "immune_without_tumor_response" in codes
    assert "antiviral_response" in codes
    claim = next(e for e in results.report["endpoints"] if e["category"] == "claim_immune")
    assert round(100 * claim["ci"]["lower"], 1) == 92.6


def test_read_table_line_numbers(tmp_path):
    path = tmp_path / "dm.csv"
    path.write_text("usubjid,age\nA,NA\nB,40\n")
    frame = read_table(path)
    assert list(frame.columns) == ["_line", "USUBJID", "AGE"]
    assert frame["_line"].tolist() == [2, 3]
    assert frame["AGE"].isna().tolist() == [True, False]


def test_xpt_folder_gives_the_same_answers_as_csv(tmp_path):
    """SAS XPORT v5 (read with pandas.read_sas) and CSV give identical BOR/CBOR."""
    import pandas as pd
    from xport_writer import write_xport

    source = DATA / "pharmaverse" / "sdtm"
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    for name, domain in (("tu_onco_recist.csv", "TU"), ("tr_onco_recist.csv", "TR"),
                         ("dm.csv", "DM")):
        frame = pd.read_csv(source / name, dtype=str, keep_default_na=False,
                            na_values=["", "NA"])
        for column in ("TRSTRESN", "VISITNUM", "TUSEQ", "TRSEQ", "AGE"):
            if column in frame.columns:
                frame[column] = pd.to_numeric(frame[column])
        frame = frame.astype({c: object for c in frame.columns
                              if not pd.api.types.is_numeric_dtype(frame[c])})
        write_xport(frame, sdtm / f"{domain.lower()}.xpt", domain)
    from_xpt = analyze_trial(sdtm).tables["adrs_bor"]
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for name in ("tu_onco_recist.csv", "tr_onco_recist.csv", "dm.csv"):
        (csv_dir / name).write_bytes((source / name).read_bytes())
    from_csv = analyze_trial(csv_dir).tables["adrs_bor"]
    assert from_xpt[["subject", "bor", "cbor"]].equals(from_csv[["subject", "bor", "cbor"]])
    assert from_xpt.set_index("subject").loc["01-701-1118", "cbor"] == "PR"


def test_xpt_adam_dates_become_iso(tmp_path):
    """ADaM dates stored by SAS as days since 1960-01-01 are read as ISO dates."""
    import pandas as pd
    from xport_writer import write_xport

    days = (pd.Timestamp("2014-01-02") - pd.Timestamp("1960-01-01")).days
    frame = pd.DataFrame({"USUBJID": ["01-701-1015"], "RANDDT": [float(days)],
                          "AGE": [63.0], "SAFFL": ["Y"]}).astype({"USUBJID": object,
                                                                  "SAFFL": object})
    write_xport(frame, tmp_path / "adsl.xpt", "ADSL")
    table = read_table(tmp_path / "adsl.xpt")
    assert table.loc[0, "RANDDT"] == "2014-01-02"
    assert table.loc[0, "AGE"] == "63"
    assert table.loc[0, "SAFFL"] == "Y"
