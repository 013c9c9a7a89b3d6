"""Dose finding (3+3, BOIN), ELISpot positivity and AE tables against hand-worked answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vaxmix.trial.dose_finding import (
    boin_boundaries,
    boin_decision_table,
    boin_select_mtd,
    three_plus_three,
)
from vaxmix.trial.immune import (
    PositivityRule,
    call_antigen_responses,
    dfr_pvalue,
    immune_response_rates,
    read_elispot,
)
from vaxmix.trial.safety import ae_by_term, dlt_summary, max_grade_per_subject, normalise_ae

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(("target", "lam_e", "lam_d"), [
    (0.30, 0.2365, 0.3585), (0.25, 0.1968, 0.2984), (0.33, 0.2604, 0.3947),
])
def test_boin_boundaries_published_values(target, lam_e, lam_d):
    bounds = boin_boundaries(target)
    assert round(bounds.lambda_e, 4) == lam_e
    assert round(bounds.lambda_d, 4) == lam_d


def test_boin_decision_table_target_030():
    table = boin_decision_table(boin_boundaries(0.30), 12).set_index("n")
    # Liu & Yuan (2015) table for phi = 0.3: escalate if DLT <= e, de-escalate if >= d
    assert table.loc[3, "escalate_if_dlt_le"] == 0 and table.loc[3, "deescalate_if_dlt_ge"] == 2
    assert table.loc[6, "escalate_if_dlt_le"] == 1 and table.loc[6, "deescalate_if_dlt_ge"] == 3
    assert table.loc[9, "escalate_if_dlt_le"] == 2 and table.loc[9, "deescalate_if_dlt_ge"] == 4
    assert table.loc[12, "deescalate_if_dlt_ge"] == 5
    # elimination P(p > 0.3 | x, n) > 0.95 under Beta(1,1): >=3/3, >=4/6, >=5/9, >=7/12
    assert [table.loc[n, "eliminate_if_dlt_ge"] for n in (3, 6, 9, 12)] == [3, 4, 5, 7]
    assert pd.isna(table.loc[2, "eliminate_if_dlt_ge"])


def test_boin_select_mtd():
    # rates 0/3, 1/6, 3/6, 3/3 -> dose 4 eliminated; isotonic 0.02,0.17,0.50 -> closest dose 2
    result = boin_select_mtd([3, 6, 6, 3], [0, 1, 3, 3], 0.3)
    assert result["mtd"] == 2
    assert result["eliminated_from"] == 4


@pytest.mark.parametrize(("outcomes", "doses", "recommended", "stop"), [
    ("1NNN 2NNN 3NNT 3NTN", 5, 2, True),   # escalation package documentation example
    ("1NNN 2NNN", 5, 2, False),
    ("1NNT", 3, 1, False),
    ("1NNT 1NNN", 3, 1, False),
    ("1NTT", 3, None, True),
    ("1NNN 2NNN 3NNN 3NNT", 3, 3, True),  # top dose tolerated: MTD not reached
])
def test_three_plus_three(outcomes, doses, recommended, stop):
    result = three_plus_three(outcomes, doses)
    assert result.recommended_dose == recommended
    assert result.stop is stop


def test_three_plus_three_next_doses():
    assert three_plus_three("1NNN 2NNN", 5).next_dose == 3
    assert three_plus_three("1NNT 1NNN", 3).next_dose == 2
    assert not three_plus_three("1NNN 2NNN 3NNN 3NNT", 3).mtd_reached


def test_dfr_exact_permutation_pvalue_by_hand():
    # the observed split is the most extreme of C(6,3) = 20 splits -> p = 1/20
    assert dfr_pvalue(np.array([10, 11, 12]), np.array([1, 2, 3])) == pytest.approx(1 / 20)
    # 3 antigen wells vs 6 control wells: C(9,3) = 84 splits
    assert dfr_pvalue([40, 38, 45], [2, 1, 3, 2, 1, 3]) == pytest.approx(1 / 84)
    # identical wells: every split ties -> p = 1
    assert dfr_pvalue([5, 5, 5], [5, 5, 5]) == 1.0
    # 2x null: antigen 2x control exactly is not significant
    assert dfr_pvalue([4, 6, 8], [2, 3, 4], null_fold=2.0) > 0.3


def test_elispot_rates_split_by_target():
    rule = PositivityRule(method="dfr_eq")
    calls = call_antigen_responses(read_elispot(DATA / "elispot_example.csv"), rule)
    rates = {r["target"]: r for r in immune_response_rates(calls, rule)}
    # P01 responds to the tumour antigen and the virus; P02 only to the virus
    assert (rates["tumor_antigen"]["x"], rates["tumor_antigen"]["n"]) == (1, 2)
    assert (rates["viral"]["x"], rates["viral"]["n"]) == (2, 2)
    assert rates["viral"]["n_de_novo"] == 2
    assert "non_specific" not in rates  # not measured: no endpoint
    empirical = PositivityRule(method="empirical", fold=2.0, min_diff=10.0)
    calls = call_antigen_responses(read_elispot(DATA / "elispot_example.csv"), empirical)
    post = calls[(calls["subject"] == "P02") & (calls["timepoint"] == "week 6")]
    assert post.set_index("antigen")["positive"].to_dict() == {"CVB3": True, "NEO1": False}


def _ae_frame() -> pd.DataFrame:
    rows = [
        ("S1", "NAUSEA", "GASTROINTESTINAL DISORDERS", "1", "RELATED", "2024-01-05"),
        ("S1", "NAUSEA", "GASTROINTESTINAL DISORDERS", "3", "RELATED", "2024-01-10"),
        ("S1", "FATIGUE", "GENERAL DISORDERS", "2", "NOT RELATED", "2024-01-06"),
        ("S2", "NEUTROPENIA", "BLOOD AND LYMPHATIC SYSTEM DISORDERS", "3", "RELATED",
         "2024-01-08"),
        ("S3", "PYREXIA", "GENERAL DISORDERS", "2", "POSSIBLE", "2023-12-20"),  # before dose
    ]
    frame = pd.DataFrame(rows, columns=["USUBJID", "AEDECOD", "AESOC", "AETOXGR", "AEREL",
                                        "AESTDTC"])
    frame.insert(0, "_line", range(2, 2 + len(frame)))
    return frame


def test_ae_tables_by_maximum_grade():
    first_dose = pd.Series(pd.to_datetime(["2024-01-01"] * 4), index=["S1", "S2", "S3", "S4"])
    ae, source = normalise_ae(_ae_frame(), first_dose)
    assert source.startswith("CTCAE")
    table = max_grade_per_subject(ae, list(first_dose.index)).set_index(
        ["category", "max_grade"])
    assert table.loc[("any TEAE", 3), "n"] == 2          # S1 (max 3), S2 (3)
    assert table.loc[("any TEAE", "any"), "n"] == 2      # S3's AE precedes the first dose
    assert table.loc[("any TEAE", 2), "n"] == 0          # S1 counted once, at grade 3
    by_term = ae_by_term(ae, 4)
    nausea = by_term[(by_term["level"] == "term") & (by_term["term"] == "NAUSEA")]
    assert len(nausea) == 1
    assert nausea.iloc[0]["n_any"] == 1
    assert nausea.iloc[0]["n_grade3"] == 1
    assert nausea.iloc[0]["n_grade1"] == 0
    # DLT: S1 related grade-3 nausea; S2 grade-3 neutropenia is haematological (needs 4)
    dlt = dlt_summary(ae, first_dose, pd.Series({"S1": "1e8", "S2": "1e8", "S3": "1e9",
                                                 "S4": "1e9"}))
    assert dlt.set_index("dose_level")["n_dlt"].to_dict() == {"1e8": 1, "1e9": 0}


def test_severity_only_is_labelled_not_ctcae():
    frame = _ae_frame().drop(columns="AETOXGR")
    frame["AESEV"] = ["MILD", "SEVERE", "MODERATE", "SEVERE", "MILD"]
    ae, source = normalise_ae(frame)
    assert "not CTCAE" in source
    assert ae["grade"].tolist() == [1, 3, 2, 3, 1]


def test_seroconversion_by_hand():
    from vaxmix.trial.immune import read_titers, seroconversion_rates

    rates = seroconversion_rates(read_titers(DATA / "titers_example.csv"))
    # CVB3: P01 <8 -> 64 (8x), P02 16 -> 32 (2x), P03 8 -> 32 (4x): 2/3; ECHO7: no post value
    assert [(r["virus"], r["x"], r["n"]) for r in rates] == [("CVB3", 2, 3)]
