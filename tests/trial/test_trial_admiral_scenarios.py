"""{admiralonco}/{admiral} documented test scenarios rebuilt on vaxmix's ADaM derivations.

Inputs are the public examples and unit-test data of admiralonco (``derive_param_bor``,
``derive_param_confirmed_bor``, ``derive_param_response``, ``derive_param_clinbenefit``) and
admiral (``derive_param_tte``); each expected value is worked out here by the documented
rule (the comment next to it), not taken from vaxmix.
"""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.trial.adam import ResponseRules, TteRules, derive_adrs, derive_adtte

D = pd.Timestamp


def adsl_from(start: dict[str, str], column: str = "TRTSDT", **extra: dict) -> pd.DataFrame:
    frame = pd.DataFrame({"USUBJID": list(start), "STUDYID": "XX1234",
                          column: pd.to_datetime(list(start.values()))})
    for name, values in extra.items():
        frame[name] = pd.to_datetime([values.get(s) for s in start])
    return frame


def ovr_from(rows: str) -> pd.DataFrame:
    records = [line.split() for line in rows.strip().splitlines() if line.strip()]
    return pd.DataFrame({"USUBJID": [r[0] for r in records],
                         "ADT": pd.to_datetime([r[1] for r in records]),
                         "AVALC": [r[2] for r in records]})


def values(adrs: pd.DataFrame, code: str) -> dict[str, tuple[str, str]]:
    rows = adrs[adrs["PARAMCD"] == code]
    return {s: (a, "" if pd.isna(d) else d.strftime("%Y-%m-%d"))
            for s, a, d in zip(rows["USUBJID"], rows["AVALC"], rows["ADT"], strict=True)}


# derive_param_bor / derive_param_confirmed_bor test data (admiralonco tests/testthat)
ADSL_BOR = {"1": "2020-01-01", "2": "2019-12-12", "3": "2019-11-11", "4": "2019-12-30",
            "5": "2020-01-01", "6": "2020-02-02", "7": "2020-02-02", "8": "2020-04-01"}
OVR_BOR = """
1 2020-01-01 PR
1 2020-02-01 CR
1 2020-02-16 NE
1 2020-03-01 CR
1 2020-04-01 SD
2 2020-01-01 SD
2 2020-02-01 PR
2 2020-03-01 SD
2 2020-03-13 CR
3 2019-11-12 CR
3 2019-12-02 CR
3 2020-01-01 SD
4 2020-01-01 PR
4 2020-03-01 SD
4 2020-04-01 SD
4 2020-05-01 PR
4 2020-05-15 NON-CR/NON-PD
5 2020-01-01 PR
5 2020-01-10 SD
5 2020-01-20 PR
5 2020-05-15 NON-CR/NON-PD
6 2020-02-06 PR
6 2020-02-16 CR
6 2020-03-30 PR
7 2020-02-06 PR
7 2020-02-16 CR
7 2020-04-01 NE
"""
BOR_RULES = ResponseRules(reference_date="TRTSDT", sd_min_days=28,
                          exclude_before_reference=False, early_response_as_ne=True)


def test_derive_param_bor_test1():
    # unconfirmed BOR = first CR, else first PR (window 28 d only matters for SD)
    adrs = derive_adrs(ovr_from(OVR_BOR), adsl_from(ADSL_BOR), BOR_RULES)
    assert values(adrs, "BOR") == {
        "1": ("CR", "2020-02-01"), "2": ("CR", "2020-03-13"), "3": ("CR", "2019-11-12"),
        "4": ("PR", "2020-01-01"), "5": ("PR", "2020-01-01"), "6": ("CR", "2020-02-16"),
        "7": ("CR", "2020-02-16"), "8": ("MISSING", "")}
    aval = adrs[adrs["PARAMCD"] == "BOR"]["AVAL"].tolist()
    assert aval == [1, 1, 1, 2, 2, 1, 1, 7]  # aval_resp(): CR 1, PR 2, MISSING 7


def test_derive_param_bor_test1_records_before_reference_date():
    ovr = ovr_from(OVR_BOR)
    seven = ovr["USUBJID"] == "7"
    ovr.loc[seven, "ADT"] = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"])
    adrs = derive_adrs(ovr, adsl_from(ADSL_BOR), BOR_RULES)
    assert values(adrs, "BOR")["7"] == ("CR", "2020-01-02")  # CR counts at any date
    ovr.loc[seven, "AVALC"] = "SD"  # all SD before TRTSDT + 28: not SD but NE, first date
    adrs = derive_adrs(ovr, adsl_from(ADSL_BOR), BOR_RULES)
    assert values(adrs, "BOR")["7"] == ("NE", "2020-01-01")


def test_derive_param_bor_test2_separate_pd_source():
    pd_dates = pd.Series({"9": D("2020-02-16"), "2": D("2020-03-01"), "6": D("2020-02-05")})
    adrs = derive_adrs(ovr_from(OVR_BOR), adsl_from(ADSL_BOR), BOR_RULES, pd_source=pd_dates)
    bor = values(adrs, "BOR")
    assert bor["2"] == ("PR", "2020-02-01")  # the CR on 03-13 is after PD on 03-01
    assert bor["6"] == ("MISSING", "")  # every assessment is after PD on 02-05
    assert "9" not in bor  # not in ADSL
    assert values(adrs, "PD")["2"] == ("Y", "2020-03-01")


OVR_CBOR = OVR_BOR + """
6 2020-04-12 PD
6 2020-05-01 CR
6 2020-06-01 CR
9 2020-03-16 CR
9 2020-04-01 NE
9 2020-04-16 NE
9 2020-05-01 CR
"""
ADSL_CBOR = {**ADSL_BOR, "9": "2020-03-01"}


def test_derive_param_confirmed_bor_example():
    adrs = derive_adrs(ovr_from(OVR_CBOR), adsl_from(ADSL_CBOR),
                       ResponseRules(reference_date="TRTSDT", sd_min_days=28, confirm_days=28,
                                     early_response_as_ne=True))
    assert values(adrs, "CBOR") == {
        "1": ("CR", "2020-02-01"),  # CR, NE, CR 29 d later: <= 1 NE in between
        "2": ("SD", "2020-02-01"),  # PR-SD-CR: SD not accepted; PR >= 28 d -> SD
        "3": ("SD", "2020-01-01"),  # CR-CR only 20 d apart; SD after day 28
        "4": ("SD", "2020-03-01"),  # PR-SD-SD-PR: SDs break the confirmation
        "5": ("NON-CR/NON-PD", "2020-05-15"),  # PRs too close, SD before day 28
        "6": ("SD", "2020-03-30"),  # PR after CR; PD on 04-12 ends the period
        "7": ("NE", "2020-02-06"),  # PR/CR before day 28 unconfirmed -> NE (first)
        "8": ("MISSING", ""),
        "9": ("SD", "2020-05-01"),  # two NE between the CRs: more than max_nr_ne = 1
    }


def test_derive_param_confirmed_bor_accept_sd_two_ne_missing_as_ne():
    adrs = derive_adrs(ovr_from(OVR_CBOR), adsl_from(ADSL_CBOR),
                       ResponseRules(reference_date="TRTSDT", sd_min_days=28, confirm_days=28,
                                     max_ne_between=2, accept_sd=True, missing_as_ne=True,
                                     early_response_as_ne=True))
    cbor = values(adrs, "CBOR")
    assert cbor["2"] == ("PR", "2020-02-01")  # one SD accepted, CR 41 d later confirms
    assert cbor["9"] == ("CR", "2020-03-16")  # two NE now allowed
    assert cbor["8"] == ("NE", "")  # no assessment -> NE
    assert cbor["4"] == ("SD", "2020-03-01")  # two SDs: still not confirmed


def test_derive_param_response_example():
    adsl = adsl_from({"1": "2020-01-01", "2": "2021-01-01", "3": "2021-01-01",
                      "4": "2021-01-01"})
    ovr = ovr_from("""
1 2020-01-02 PR
1 2020-02-01 CR
1 2020-03-01 CR
1 2020-04-01 SD
2 2021-06-15 SD
2 2021-07-16 PD
2 2021-09-14 PD
3 2021-09-14 SD
3 2021-10-30 PD
3 2021-12-25 CR
""")
    pd_dates = pd.Series({"2": D("2021-09-14"), "3": D("2021-10-30")})
    adrs = derive_adrs(ovr, adsl, ResponseRules(reference_date="TRTSDT"), pd_source=pd_dates)
    # first CR/PR on or before the PD date; the CR after PD for subject 3 does not count
    assert values(adrs, "RSP") == {"1": ("Y", "2020-01-02"), "2": ("N", ""),
                                   "3": ("N", ""), "4": ("N", "")}


def test_derive_param_clinbenefit_example():
    adsl = adsl_from({"01": "2020-01-14", "02": "2021-02-16", "03": "2021-03-09",
                      "04": "2021-04-21"})
    ovr = ovr_from("""
01 2020-03-14 SD
01 2021-04-13 PR
02 2021-04-08 PR
02 2021-05-07 PD
02 2021-06-20 CR
03 2021-03-30 SD
04 2021-05-21 NE
04 2021-06-30 NA
04 2021-07-24 NE
04 2021-09-04 ND
""")
    adrs = derive_adrs(ovr, adsl, ResponseRules(reference_date="TRTSDT", sd_min_days=28))
    assert values(adrs, "CB") == {
        "01": ("Y", "2020-03-14"),  # SD 60 d after start (>= 28)
        "02": ("Y", "2021-04-08"),  # PR before PD
        "03": ("N", ""),  # SD only 21 d after start
        "04": ("N", ""),  # NE / not-a-response values only
    }
    narrow = derive_adrs(ovr, adsl, ResponseRules(reference_date="TRTSDT", sd_min_days=28,
                                                  clinben_values=("CR", "PR")))
    assert values(narrow, "CB")["01"] == ("Y", "2021-04-13")  # clinben_vals = CR, PR


@pytest.fixture
def tte_inputs():
    adsl = adsl_from({"01": "2021-01-01", "02": "2021-02-03", "03": "2021-08-10",
                      "04": "2021-02-03", "05": "2021-04-05"},
                     DTHDT={"01": "2021-06-12", "03": "2021-08-21"})
    ovr = ovr_from("""
01 2021-01-03 SD
01 2021-03-04 PR
01 2021-05-05 PD
02 2021-02-03 PD
04 2021-02-13 SD
04 2021-04-14 PR
04 2021-05-15 CR
""")
    adrs = derive_adrs(ovr, adsl, ResponseRules(reference_date="TRTSDT"))
    return adsl, adrs


def test_derive_param_tte_test1_overall_survival():
    adsl = adsl_from({"03": "2021-08-10", "04": "2021-02-03"},
                     DTHDT={"03": "2021-08-21"},
                     LSTALVDT={"03": "2021-08-21", "04": "2021-05-24"})
    adrs = derive_adrs(ovr_from("03 2021-08-15 SD"), adsl, ResponseRules("TRTSDT"))
    os_ = derive_adtte(adrs, adsl, TteRules(start_date={"OS": "TRTSDT"}, endpoints=("OS",)))
    os_ = os_.set_index("USUBJID")
    assert (os_.loc["03", "ADT"], os_.loc["03", "CNSR"]) == (D("2021-08-21"), 0)  # death
    assert (os_.loc["04", "ADT"], os_.loc["04", "CNSR"]) == (D("2021-05-24"), 1)  # alive
    assert os_.loc["04", "AVAL"] == 111  # 2021-02-03 .. 2021-05-24 inclusive


def test_derive_param_tte_test2_pfs(tte_inputs):
    adsl, adrs = tte_inputs
    pfs = derive_adtte(adrs, adsl, TteRules(start_date={"PFS": "TRTSDT"},
                                            endpoints=("PFS",))).set_index("USUBJID")
    expected = {  # earliest of PD and death; else the later of last assessment and start
        "01": ("2021-05-05", 0, "Disease Progression", 125),
        "02": ("2021-02-03", 0, "Disease Progression", 1),
        "03": ("2021-08-21", 0, "Death", 12),
        "04": ("2021-05-15", 1, "Last Tumor Assessment", 102),
        "05": ("2021-04-05", 1, "Treatment Start", 1),
    }
    for subject, (adt, cnsr, desc, aval) in expected.items():
        row = pfs.loc[subject]
        assert (row["ADT"], row["CNSR"], row["EVNTDESC"], row["AVAL"]) == (
            D(adt), cnsr, desc, aval), subject


def test_derive_param_tte_test3_duration_of_response_only_responders(tte_inputs):
    adsl, adrs = tte_inputs
    dor = derive_adtte(adrs, adsl, TteRules(endpoints=("RSD",), dor_paramcd="DURRSP"))
    assert set(dor["USUBJID"]) == {"01", "04"}  # responders only
    dor = dor.set_index("USUBJID")
    assert (dor.loc["01", "STARTDT"], dor.loc["01", "ADT"], dor.loc["01", "CNSR"]) == (
        D("2021-03-04"), D("2021-05-05"), 0)
    assert (dor.loc["04", "STARTDT"], dor.loc["04", "ADT"], dor.loc["04", "CNSR"]) == (
        D("2021-04-14"), D("2021-05-15"), 1)
    assert set(dor["PARAMCD"]) == {"DURRSP"}
