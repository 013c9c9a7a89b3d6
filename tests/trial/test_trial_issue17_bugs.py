"""Issue 17 bugs 1-6, each with the answer worked out by the rules (RECIST 1.1, admiral)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.trial.adam import ResponseRules, TteRules, derive_adrs, derive_adtte
from vaxmix.trial.analyze import AnalysisOptions, analyze_trial
from vaxmix.trial.dates import DateRules
from vaxmix.trial.lesions import LesionDataError, validate_lesions
from vaxmix.trial.recist import timepoint_responses

D = pd.Timestamp


def lesion_rows(rows: list[tuple]) -> pd.DataFrame:
    """(visitnum, visit, date, lesion, diameter) for one subject, one target lesion set."""
    frame = pd.DataFrame(rows, columns=["visitnum", "visit", "date", "lesion_id",
                                        "diameter_mm"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["subject"] = "S1"
    frame["evaluator"] = "INVESTIGATOR"
    frame["date_flag"] = ""
    frame["role"] = "target"
    frame["organ"] = "LIVER"
    frame["is_node"] = False
    frame["state"] = "present"
    frame["path"] = "tr.csv"
    frame["line"] = range(2, len(frame) + 2)
    frame["field"] = "TRSTRESN"
    return frame


def adsl(**extra) -> pd.DataFrame:
    frame = pd.DataFrame({"USUBJID": ["S1"], "STUDYID": ["X"], "RANDDT": [D("2024-01-01")]})
    for key, value in extra.items():
        frame[key] = value
    return frame


def ovr(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["USUBJID", "ADT", "AVALC", "VISITNUM"]).assign(
        ADT=lambda f: pd.to_datetime(f["ADT"]), _line=range(2, len(rows) + 2), _path="rs.csv")


def param(adrs: pd.DataFrame, code: str, subject: str = "S1") -> pd.Series:
    return adrs[(adrs["PARAMCD"] == code) & (adrs["USUBJID"] == subject)].iloc[0]


# ---- bug 1: two scans, one VISITNUM, different dates -------------------------------------


def test_two_scans_same_visitnum_are_two_assessments_ordered_by_date():
    # baseline 50 mm; unscheduled 9.2 on Feb 1 (45 mm: SD) and again on Mar 1 (70 mm:
    # +25 mm and +55.6 % over the nadir 45 -> PD). Merging the two would lose the PD.
    lesions = lesion_rows([(1, "BASELINE", "2024-01-01", "T1", 50.0),
                           (9.2, "UNSCHEDULED", "2024-03-01", "T1", 70.0),
                           (9.2, "UNSCHEDULED", "2024-02-01", "T1", 45.0)])
    validate_lesions(lesions)
    tp = timepoint_responses(lesions)
    post = tp[~tp["is_baseline"]].sort_values("date")
    assert list(post["date"]) == [D("2024-02-01"), D("2024-03-01")]
    assert list(post["overall_response"]) == ["SD", "PD"]


def test_conflicting_duplicate_measurement_is_an_error():
    lesions = lesion_rows([(1, "BASELINE", "2024-01-01", "T1", 50.0),
                           (2, "WEEK 6", "2024-02-12", "T1", 45.0),
                           (2, "WEEK 6", "2024-02-12", "T1", 60.0)])
    with pytest.raises(LesionDataError) as info:
        validate_lesions(lesions)
    assert info.value.line == 4 and "conflicting" in info.value.message


def test_rs_same_visitnum_two_dates_both_kept_pd_not_lost():
    adrs = derive_adrs(ovr([("S1", "2024-02-12", "SD", 9.2), ("S1", "2024-04-01", "PD", 9.2)]),
                       adsl())
    first_pd = param(adrs, "PD")
    assert first_pd["AVALC"] == "Y" and first_pd["ADT"] == D("2024-04-01")
    assert (adrs.loc[adrs["PARAMCD"] == "OVR", "ANL01FL"] == "Y").all()
    pfs = derive_adtte(adrs, adsl()).set_index("PARAMCD").loc["PFS"]
    assert pfs["CNSR"] == 0 and pfs["AVAL"] == (D("2024-04-01") - D("2024-01-01")).days + 1


def test_rs_conflicting_same_date_is_an_error_or_worst_on_request():
    records = ovr([("S1", "2024-02-12", "PR", 2), ("S1", "2024-02-12", "PD", 2)])
    with pytest.raises(InputError) as info:
        derive_adrs(records, adsl())
    assert info.value.field == "RSSTRESC" and info.value.line == 3
    adrs = derive_adrs(records, adsl(), ResponseRules(same_date="worst"))
    assert param(adrs, "BOR")["AVALC"] == "PD"  # worst per date, as admiralonco's ANL01FL


# ---- bug 2: last known alive before the start date -------------------------------------


def test_last_alive_before_start_censors_at_start_not_negative():
    subjects = adsl(LSTALVDT=[D("2023-12-20")])
    adtte = derive_adtte(derive_adrs(ovr([]), subjects), subjects).set_index("PARAMCD")
    assert adtte.loc["OS", "AVAL"] == 1 and adtte.loc["OS", "CNSR"] == 1
    assert adtte.loc["OS", "EVNTDESC"] == "Randomization"
    assert (adtte["AVAL"] >= 1).all()


# ---- bug 3: VISITNUM order disagreeing with dates --------------------------------------


def test_unscheduled_visit_order_is_a_warning_and_dates_decide():
    lesions = lesion_rows([(1, "BASELINE", "2024-01-01", "T1", 50.0),
                           (2, "WEEK 6", "2024-02-12", "T1", 45.0),
                           (1.1, "UNSCHEDULED 1.1", "2024-03-01", "T1", 30.0)])
    warnings: list[str] = []
    validate_lesions(lesions, warnings=warnings)
    assert len(warnings) == 1 and "ordered by date" in warnings[0]
    post = timepoint_responses(lesions)
    post = post[~post["is_baseline"]].sort_values("date")
    assert list(post["overall_response"]) == ["SD", "PR"]  # 45 (-10 %), 30 (-40 %)


# ---- bug 4: silent cases ---------------------------------------------------------------


def test_missing_baseline_visit_is_an_error():
    lesions = lesion_rows([(1, "BASELINE", "2024-01-01", "T1", 50.0),
                           (2, "WEEK 6", "2024-02-12", "T1", 45.0)])
    other = lesion_rows([(2, "WEEK 3", "2024-01-22", "T1", 50.0),
                         (3, "WEEK 6", "2024-02-12", "T1", 45.0)]).assign(subject="S2")
    with pytest.raises(LesionDataError) as info:
        validate_lesions(pd.concat([lesions, other], ignore_index=True))
    assert info.value.subject == "S2" and "missing baseline" in info.value.message


def test_first_scan_after_start_date_is_a_missing_baseline():
    lesions = lesion_rows([(2, None, "2024-01-22", "T1", 50.0),
                           (3, None, "2024-02-12", "T1", 45.0)])
    with pytest.raises(LesionDataError) as info:
        validate_lesions(lesions, start=pd.Series({"S1": D("2024-01-01")}))
    assert "missing baseline" in info.value.message and info.value.field == "TRDTC"


def _rs_folder(tmp_path: Path, dates: list[str]) -> Path:
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir(exist_ok=True)
    lines = ["USUBJID,RSTESTCD,RSEVAL,RSSTRESC,VISITNUM,RSDTC,RSSEQ"]
    lines += [f"S1,OVRLRESP,INVESTIGATOR,SD,{i + 2},{d},{i + 1}" for i, d in enumerate(dates)]
    (sdtm / "rs.csv").write_text("\n".join(lines) + "\n")
    (sdtm / "dm.csv").write_text("USUBJID,RFXSTDTC,RFPENDTC\nS1,2014-01-01,2014-06-30\n")
    return sdtm


def test_slash_date_is_an_error_naming_line_and_field(tmp_path):
    sdtm = _rs_folder(tmp_path, ["2014-02-12", "2014/03/29"])
    with pytest.raises(InputError) as info:
        analyze_trial(sdtm)
    assert info.value.field == "RSDTC" and info.value.line == 3
    assert "2014/03/29" in info.value.message


def test_year_only_date_error_exclude_or_recorded_imputation(tmp_path):
    sdtm = _rs_folder(tmp_path, ["2014-02-12", "2014"])
    with pytest.raises(InputError) as info:
        analyze_trial(sdtm)
    assert info.value.line == 3 and "highest_imputation" in info.value.message
    # exclude: kept in ADRS without ADT, not analysed, warned (admiral: ADT = NA)
    res = analyze_trial(sdtm, options=AnalysisOptions(unusable_dates="exclude"))
    adrs = res.adam["ADRS"]
    ovr_rows = adrs[adrs["PARAMCD"] == "OVR"]
    assert ovr_rows["ADT"].isna().sum() == 1 and ovr_rows["ANL01FL"].eq("Y").sum() == 1
    assert any("2014" in w for w in res.report["provenance"]["data_warnings"])
    pfs = res.adam["ADTTE"].set_index("PARAMCD").loc["PFS"]
    assert pfs["ADT"] == D("2014-02-12")  # not 2014-12-31
    # highest_imputation M: imputed to 2014-12-31 and flagged ADTF = M
    res = analyze_trial(sdtm, options=AnalysisOptions(date_rules=DateRules("M", "last")))
    ovr_rows = res.adam["ADRS"].query("PARAMCD == 'OVR'")
    assert list(ovr_rows["ADTF"].fillna("")) == ["", "M"]
    assert ovr_rows["ADT"].max() == D("2014-12-31")


def test_partial_day_imputed_last_and_flagged(tmp_path):
    sdtm = _rs_folder(tmp_path, ["2014-02"])
    adrs = analyze_trial(sdtm).adam["ADRS"]
    row = adrs[adrs["PARAMCD"] == "OVR"].iloc[0]
    assert row["ADT"] == D("2014-02-28") and row["ADTF"] == "D"


# ---- bug 5: subjects without scans, header-only ADRS -----------------------------------


def test_every_subject_gets_rows_deaths_without_scans_have_os_and_pfs():
    subjects = pd.DataFrame({
        "USUBJID": ["A", "B", "C"], "RANDDT": [D("2024-01-01")] * 3,
        "DTHDT": [pd.NaT, D("2024-03-01"), pd.NaT], "LSTALVDT": [D("2024-05-01"),
                                                                 D("2024-03-01"), pd.NaT]})
    adrs = derive_adrs(ovr([("A", "2024-02-05", "SD", 2)]), subjects)
    assert set(adrs.loc[adrs["PARAMCD"] == "BOR", "USUBJID"]) == {"A", "B", "C"}
    assert param(adrs, "BOR", "B")["AVALC"] == "MISSING"
    assert param(adrs, "BOR", "A")["AVALC"] == "NE"  # SD before day 42 -> NE
    ne = derive_adrs(ovr([]), subjects, ResponseRules(missing_as_ne=True))
    assert (ne.loc[ne["PARAMCD"] == "BOR", "AVALC"] == "NE").all()
    adtte = derive_adtte(adrs, subjects).set_index(["USUBJID", "PARAMCD"])
    assert adtte.loc[("B", "OS"), "CNSR"] == 0 and adtte.loc[("B", "OS"), "AVAL"] == 61
    assert adtte.loc[("B", "PFS"), "EVNTDESC"] == "Death"
    assert adtte.loc[("C", "OS"), "EVNTDESC"] == "Randomization"


def test_header_only_rs_and_adrs_do_not_crash(tmp_path):
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    (sdtm / "rs.csv").write_text("USUBJID,RSTESTCD,RSEVAL,RSSTRESC,RSDTC\n")
    (sdtm / "dm.csv").write_text("USUBJID,RFXSTDTC,DTHDTC\nS1,2014-01-01,\nS2,2014-01-05,"
                                 "2014-02-01\n")
    res = analyze_trial(sdtm)
    bor = res.adam["ADRS"].query("PARAMCD == 'BOR'")
    assert list(bor["AVALC"]) == ["MISSING", "MISSING"]
    assert res.adam["ADTTE"].query("PARAMCD == 'OS'")["CNSR"].tolist() == [1, 0]
    adam = tmp_path / "adam"
    adam.mkdir()
    (adam / "adrs.csv").write_text("USUBJID,PARAMCD,AVALC,ADT\n")
    (adam / "adsl.csv").write_text("USUBJID,RANDDT\nS1,2014-01-01\n")
    code = main(["trial", "analyze", "--adam", str(adam), "--out", str(tmp_path / "o"),
                 "--plots", "none"])
    assert code == 0


def test_header_only_adsl_is_an_input_error_not_an_empty_analysis(tmp_path, capsys):
    adam = tmp_path / "adam"
    adam.mkdir()
    (adam / "adrs.csv").write_text("USUBJID,PARAMCD,AVALC,ADT\n")
    (adam / "adsl.csv").write_text("USUBJID,RANDDT\n")  # found by the SDTM fuzzer
    code = main(["trial", "analyze", "--adam", str(adam), "--out", str(tmp_path / "o"),
                 "--plots", "none"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no subjects" in err and "adsl.csv" in err and "USUBJID" in err
    assert not (tmp_path / "o").exists()


def test_a_separate_pd_source_cuts_the_assessments_after_it(tmp_path):
    """admiralonco's pd_source: responses after the (earliest) PD date do not count for BOR."""
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    (sdtm / "dm.csv").write_text("USUBJID,RFXSTDTC,DTHDTC\nS1,2014-01-01,\n")
    (sdtm / "rs.csv").write_text(
        "USUBJID,RSTESTCD,RSEVAL,RSSTRESC,RSDTC\n"
        "S1,OVRLRESP,INVESTIGATOR,SD,2014-02-15\n"   # day 45: SD counts (>= 42 days)
        "S1,OVRLRESP,INVESTIGATOR,PR,2014-03-20\n"
        "S1,OVRLRESP,INVESTIGATOR,CR,2014-04-20\n")
    pd_file = tmp_path / "pd.csv"
    pd_file.write_text("USUBJID,ADT\nS1,2014-03-10\nS1,2014-05-01\n")  # earliest counts
    bors = {}
    for name, extra in (("plain", []), ("pd", ["--pd-source", str(pd_file)])):
        out = tmp_path / name
        assert main(["trial", "analyze", "--sdtm", str(sdtm), "--out", str(out),
                     "--plots", "none", *extra]) == 0
        adrs = pd.read_csv(out / "trial" / "adam" / "adrs.csv")
        bors[name] = adrs.loc[adrs["PARAMCD"] == "BOR", "AVALC"].tolist()
    assert bors == {"plain": ["CR"], "pd": ["SD"]}
    bad = tmp_path / "bad.csv"
    bad.write_text("USUBJID,ADT\nS1,2014/03/10\n")
    with pytest.raises(InputError, match="ISO 8601") as info:
        from vaxmix.trial.sources import read_pd_source
        read_pd_source(bad)
    assert info.value.line == 2 and info.value.field == "ADT"


# ---- bug 6: plots ------------------------------------------------------------------------


def _capture(monkeypatch: pytest.MonkeyPatch) -> list:
    from vaxmix.trial import plots

    figs = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: figs.append(fig) or path)
    return figs


def test_km_axis_is_zero_to_one_even_without_events(monkeypatch, tmp_path):
    from vaxmix.trial import plots

    figs = _capture(monkeypatch)
    tte = pd.DataFrame({"param": "OS", "days": [30, 60, 90], "event": [0, 0, 0]})
    plots.plot_km(tte, "OS", tmp_path / "km.png")
    low, high = figs[0].axes[0].get_ylim()
    assert low == 0.0 and 1.0 <= high <= 1.1


def test_waterfall_legend_outside_the_bars(monkeypatch, tmp_path):
    from vaxmix.trial import plots

    figs = _capture(monkeypatch)
    tp = pd.DataFrame({"subject": ["A", "B", "C"], "is_baseline": False,
                       "pchg_baseline": [35.0, -10.0, -80.0]})
    bor = pd.DataFrame({"subject": ["A", "B", "C"], "cbor": ["PD", "SD", "PR"]})
    plots.plot_waterfall(tp, bor, tmp_path / "w.png")
    fig = figs[0]
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    axes_box = ax.get_window_extent()
    assert legend.x0 >= axes_box.x1  # entirely right of the plotting area
    assert np.isfinite(legend.width)


# ---- issue 15 (SDTM part): row checks and limits ------------------------------------------


def test_duplicated_dm_subject_is_input_error(tmp_path, capsys):
    sdtm = _rs_folder(tmp_path, ["2014-02-12"])
    (sdtm / "dm.csv").write_text("USUBJID,RFXSTDTC\nS1,2014-01-01\nS1,2014-01-02\n")
    code = main(["trial", "analyze", "--sdtm", str(sdtm), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "dm.csv" in err and "line 3" in err and "USUBJID" in err


def test_truncated_ae_row_is_input_error(tmp_path, capsys):
    sdtm = _rs_folder(tmp_path, ["2014-02-12"])
    (sdtm / "ae.csv").write_text("USUBJID,AETERM,AESTDTC,AETOXGR\nS1,Nausea,2014-01-03,1\n"
                                 "S1,Fatig\n")
    code = main(["trial", "analyze", "--sdtm", str(sdtm), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "ae.csv" in err and "line 3" in err and "AETERM" in err
    assert "\n" not in err.strip()


@pytest.mark.parametrize("kind", ["wide_row", "huge_field"])
def test_pathological_rows_exit_2_within_a_second(tmp_path, capsys, kind):
    sdtm = _rs_folder(tmp_path, ["2014-02-12"])
    dm = "USUBJID,RFXSTDTC\nS1,2014-01-01\n"
    if kind == "wide_row":
        dm += "S2" + "," * 1_000_000 + "\n"
    else:
        dm += "S2," + "9" * 200_000 + "\n"
    (sdtm / "dm.csv").write_text(dm)
    start = time.perf_counter()
    code = main(["trial", "analyze", "--sdtm", str(sdtm), "--out", str(tmp_path / "o")])
    assert time.perf_counter() - start < 1.0
    err = capsys.readouterr().err
    assert code == 2 and "dm.csv" in err and "line 3" in err


def test_bom_and_latin1(tmp_path):
    from vaxmix.trial.io import read_table

    path = tmp_path / "dm.csv"
    path.write_bytes(b"\xef\xbb\xbfUSUBJID,RFXSTDTC\nS1,2014-01-01\n")
    assert list(read_table(path).columns) == ["_line", "USUBJID", "RFXSTDTC"]
    path.write_bytes(b"USUBJID,SITE\nS1,Z\xfcrich\n")
    with pytest.raises(InputError) as info:
        read_table(path)
    assert info.value.line == 2 and "0xfc" in info.value.message


def test_tte_options_start_per_endpoint_and_missed_visits():
    subjects = adsl(TRTSDT=[D("2024-01-08")], LSTALVDT=[D("2024-12-31")])
    records = ovr([("S1", "2024-02-12", "SD", 2), ("S1", "2024-09-01", "PD", 3)])
    adrs = derive_adrs(records, subjects)
    rules = TteRules(start_date={"OS": "TRTSDT", "PFS": "RANDDT", "TTP": "RANDDT"},
                     max_missed_days=84)
    tte = derive_adtte(adrs, subjects, rules).set_index("PARAMCD")
    assert tte.loc["OS", "STARTDT"] == D("2024-01-08")
    # PD 202 days after the last adequate assessment (> 84): censored at 2024-02-12
    assert tte.loc["PFS", "CNSR"] == 1 and tte.loc["PFS", "ADT"] == D("2024-02-12")
    assert tte.loc["PFS", "AVAL"] == 43


# ---- populations and admiralonco options --------------------------------------------------


def _adsl_folder(tmp_path: Path) -> tuple[Path, Path]:
    sdtm, adam = tmp_path / "sdtm", tmp_path / "adam"
    sdtm.mkdir()
    adam.mkdir()
    (sdtm / "rs.csv").write_text(
        "USUBJID,RSTESTCD,RSEVAL,RSSTRESC,RSDTC,RSSEQ\n"
        "A,OVRLRESP,INVESTIGATOR,PR,2024-02-20,1\n"
        "A,OVRLRESP,INVESTIGATOR,CR,2024-03-25,2\n"
        "A,OVRLRESP,INVESTIGATOR,PR,2024-05-01,3\n"
        "B,OVRLRESP,INVESTIGATOR,SD,2024-03-01,1\n"
        "B,OVRLRESP,INVESTIGATOR,PD,2024-05-01,2\n")
    (adam / "adsl.csv").write_text(
        "STUDYID,USUBJID,RANDDT,TRTSDT,LSTALVDT,DTHDT,NACTDT,ITTFL,SAFFL\n"
        "X,A,2024-01-01,2024-01-03,2024-06-30,,,Y,Y\n"
        "X,B,2024-01-01,2024-01-02,2024-06-30,,2024-04-15,Y,Y\n"
        "X,C,2024-01-01,,2024-01-01,,,Y,N\n"
        "X,D,,,,,,N,N\n")
    return sdtm, adam


def test_population_flags_and_stated_denominator(tmp_path):
    sdtm, adam = _adsl_folder(tmp_path)
    res = analyze_trial(sdtm, adam)
    assert res.adam["ADRS"].query("PARAMCD == 'BOR'")["USUBJID"].tolist() == list("ABCD")
    orr = next(e for e in res.report["endpoints"] if e["id"] == "orr_unconfirmed")
    assert (orr["numerator"], orr["denominator"]) == (1, 4)
    assert "n = 4" in orr["denominator_definition"]
    itt = analyze_trial(sdtm, adam, options=AnalysisOptions(population="ITTFL"))
    assert itt.adam["ADRS"].query("PARAMCD == 'BOR'")["USUBJID"].tolist() == list("ABC")
    saf = analyze_trial(sdtm, adam, options=AnalysisOptions(population="SAFFL",
                                                             start_ref="TRTSDT"))
    assert saf.adam["ADTTE"]["USUBJID"].unique().tolist() == ["A", "B"]
    assert any("without RANDDT" in w for w in res.report["provenance"]["data_warnings"])


def test_new_anticancer_therapy_censors_and_crpr_signal(tmp_path):
    sdtm, adam = _adsl_folder(tmp_path)
    res = analyze_trial(sdtm, adam)
    adrs, adtte = res.adam["ADRS"], res.adam["ADTTE"].set_index(["USUBJID", "PARAMCD"])
    b_ovr = adrs.query("USUBJID == 'B' and PARAMCD == 'OVR'")
    assert b_ovr["ANL01FL"].tolist() == ["Y", None]  # PD after NACTDT 2024-04-15 not used
    assert adtte.loc[("B", "PFS"), "CNSR"] == 1
    assert adtte.loc[("B", "PFS"), "ADT"] == D("2024-03-01")
    assert any("CR followed by a PR" in w for w in res.report["provenance"]["data_warnings"])


def test_ttr_and_start_per_endpoint_from_cli(tmp_path):
    sdtm, adam = _adsl_folder(tmp_path)
    out = tmp_path / "out"
    code = main(["trial", "analyze", "--sdtm", str(sdtm), "--adam", str(adam), "--out",
                 str(out), "--plots", "none", "--tte-endpoints", "OS,PFS,TTR,RSD",
                 "--tte-start", "OS=TRTSDT", "--dor-paramcd", "DOR"])
    assert code == 0
    adtte = pd.read_csv(out / "trial" / "adam" / "adtte.csv").set_index(["USUBJID",
                                                                          "PARAMCD"])
    assert adtte.loc[("A", "OS"), "STARTDT"] == "2024-01-03"
    assert adtte.loc[("A", "TTR"), "ADT"] == "2024-02-20"  # first PR: 51 days
    assert adtte.loc[("A", "TTR"), "AVAL"] == 51
    assert ("A", "DOR") in adtte.index and ("A", "TTP") not in adtte.index


def test_legacy_api_no_scans_and_last_alive_before_start():
    from vaxmix.trial.bor import best_overall_response
    from vaxmix.trial.tte import time_to_event

    start = pd.Series({"A": D("2024-01-01"), "B": D("2024-01-01")})
    bor = best_overall_response(pd.DataFrame(columns=["subject", "date", "response"]), start,
                                ["A", "B"])
    assert bor["bor"].tolist() == ["MISSING", "MISSING"]
    tte = time_to_event(bor, start, last_alive=pd.Series({"A": D("2023-12-01")}))
    assert (tte["days"] >= 1).all()
    assert tte[(tte["subject"] == "A") & (tte["param"] == "OS")]["days"].item() == 1


def test_keep_after_pd_and_xpt_limits(tmp_path):
    records = ovr([("S1", "2024-02-20", "PD", 2), ("S1", "2024-04-01", "PR", 3)])
    assert param(derive_adrs(records, adsl()), "BOR")["AVALC"] == "PD"
    kept = derive_adrs(records, adsl(), ResponseRules(keep_after_pd=True))
    assert param(kept, "BOR")["AVALC"] == "PR"  # the PR after PD now counts (as requested)
    from vaxmix.trial.export import write_adam

    long_text = pd.DataFrame({"USUBJID": ["S1"], "AVISIT": ["x" * 201]})
    with pytest.raises(InputError) as info:
        write_adam({"ADRS": long_text}, tmp_path, formats=("xpt",))
    assert info.value.field == "AVISIT"
