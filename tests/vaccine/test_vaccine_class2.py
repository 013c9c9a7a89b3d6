"""Class II epitopes in the vaccine design: window value, coverage and the junction check."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from vaccine_fakes import DATA, anchor_rule_binds, fake_predict, junction_kmers

from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.design import design_vaccine
from vaxmix.vaccine.junctions import BindingCache, choose_linkers
from vaxmix.vaccine.mhc_classes import MhcClass, binder_mask, combined_predictor

DR = "HLA-DRB1*04:05"
CLASS2_TABLE = DATA / "hcc1395_class2" / "all_epitopes.tsv"


def class2_strong(peptide: str) -> bool:
    """Fake class II strong-binder rule: some 9-mer core with P1 in F/W/Y and P9 in K/R."""
    return any(peptide[i] in "FWY" and peptide[i + 8] in "KR" for i in range(len(peptide) - 8))


def class2_weak(peptide: str) -> bool:
    """Fake class II weak-binder rule (P1 in L/I/V, P9 in K/R): binds, but not strongly."""
    return any(peptide[i] in "LIV" and peptide[i + 8] in "KR" for i in range(len(peptide) - 8))


def fake_class2(peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
    """Strong: 20 nM / 0.5 %; weak: 200 nM / 3 % (a binder by the class I rule, not class II)."""
    rows = []
    for peptide in peptides:
        assert 12 <= len(peptide) <= 18, "class II predictor asked about a class I length"
        strong, weak = class2_strong(peptide), class2_weak(peptide)
        for allele in alleles:
            assert allele.startswith("HLA-D"), "class II predictor asked about a class I allele"
            aff, pct = (20.0, 0.5) if strong else (200.0, 3.0) if weak else (9000.0, 60.0)
            rows.append({"peptide": peptide, "allele": allele, "affinity_nm": aff,
                         "percentile": pct, "presentation_score": 0.5, "model": "fake-class2"})
    return pd.DataFrame(rows)


@pytest.fixture
def run_with_class2(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(DATA / "hcc1395_subset", run)
    (run / "MHC_Class_II").mkdir()
    shutil.copy(CLASS2_TABLE, run / "MHC_Class_II" / "all_epitopes.tsv")
    return run


def test_combined_predictor_routes_by_class_and_length():
    classes = [
        MhcClass("class I", fake_predict, ("HLA-A*29:02",), (8, 9), 500.0, 0.5),
        MhcClass("class II", fake_class2, (DR,), (15,), 50.0, 1.0),
    ]
    predict = combined_predictor(classes)
    table = predict(["ALDKLLLV", "AAAAAAAAAAAAAAA", "ALAAAAAAV"], ["HLA-A*29:02", DR])
    pairs = set(zip(table["peptide"], table["allele"], strict=True))
    assert pairs == {("ALDKLLLV", "HLA-A*29:02"), ("ALAAAAAAV", "HLA-A*29:02"),
                     ("AAAAAAAAAAAAAAA", DR)}


def test_binder_rule_is_per_class():
    classes = [
        MhcClass("class I", fake_predict, ("HLA-A*29:02",), (9,), 500.0, 0.5),
        MhcClass("class II", fake_class2, (DR,), (15,), 50.0, 1.0),
    ]
    table = pd.DataFrame({
        "allele": ["HLA-A*29:02", DR, DR, DR],
        "affinity_nm": [200.0, 200.0, 40.0, 9000.0],
        "percentile": [3.0, 3.0, 5.0, 0.9],
    })  # fmt: skip
    # class I: 200 nM <= 500 binds; class II: 200 nM / 3 % does not, 40 nM does, 0.9 % does
    assert binder_mask(table, classes).tolist() == [True, False, True, True]


def test_linker_choice_avoids_class2_strong_binders():
    classes = [
        MhcClass("class I", fake_predict, ("HLA-A*29:02",), (9,), 500.0, 0.5),
        MhcClass("class II", fake_class2, (DR,), (15,), 50.0, 1.0),
    ]
    cache = BindingCache(combined_predictor(classes), ["HLA-A*29:02", DR],
                         rule=lambda t: binder_mask(t, classes))
    # joined directly, "...F" + "GGGGGGGK..." puts F at P1 and K at P9 of a junction core
    left, right = "PPPPPPPPPPPPPPF", "GGGGGGGKPPPPPPPPP"
    assert class2_strong((left + right)[10:25])
    choice = choose_linkers([(left, right)], {"none": "", "GPGPG": "GPGPG"}, cache, [9, 15])[0]
    # with GPGPG the F and K are 13 apart: no core spans them, so no class II binder remains
    assert choice.linker == "GPGPG" and choice.n_binders == 0


def test_design_counts_class2_epitopes_and_checks_class2_junctions(run_with_class2):
    config = DesignConfig(n_peptides=6)
    result = design_vaccine(run_with_class2, config, predict=fake_predict,
                            predict_class2=fake_class2)
    assert result.class2_alleles == [DR]
    assert DR in result.alleles and DR in result.covered_alleles
    # every class II epitope counted in a window is an eligible pVACseq class II row (IC50 <=
    # 500 nM or percentile <= 2, the preset's eligibility; pVACseq's default metric, the median
    # over its methods) lying inside that window
    table = pd.read_csv(CLASS2_TABLE, sep="\t")
    eligible = table[(table["Median MT IC50 Score"] <= 500)
                     | (table["Median MT Percentile"] <= 2)]
    for _, row in result.selection.iterrows():
        inside = eligible[[p in row["sequence"] for p in eligible["MT Epitope Seq"]]]
        assert row["n_class2_epitopes"] == inside["MT Epitope Seq"].nunique()
    assert result.selection["n_class2_epitopes"].sum() > 0
    assert result.summary["class2"]["junction_lengths"] == [15]
    # junction check, recounted independently: class I 8-9-mers by the anchor rule, class II
    # 15-mers by the strong rule only (weak class II binders do not count)
    construct = result.construct
    truth1 = {p for p in junction_kmers(construct, [8, 9]) if anchor_rule_binds(p)}
    truth2 = {p for p in junction_kmers(construct, [15]) if class2_strong(p)}
    assert result.verification["binders_by_class"] == {"class I": len(truth1),
                                                       "class II": len(truth2)}
    assert result.verification["binders"] == len(truth1 | truth2)
    assert "vaxmix-mhc2" not in str(result.verification["model"])
    assert "fake-class2" in result.verification["model"]


def test_class2_values_raise_window_values(run_with_class2):
    with_c2 = design_vaccine(run_with_class2, DesignConfig(n_peptides=6), predict=fake_predict,
                             predict_class2=fake_class2)
    without = design_vaccine(run_with_class2, DesignConfig(n_peptides=6, class2=False),
                             predict=fake_predict)
    assert without.class2_alleles == [] and DR not in without.alleles
    assert without.selection["n_class2_epitopes"].sum() == 0
    # same preset: adding class II epitopes can only add value to the best selection
    assert with_c2.selection["value"].sum() > without.selection["value"].sum()
    assert np.isfinite(with_c2.selection["value"]).all()


def test_class2_alleles_given_in_the_allele_list_are_split_off(run_with_class2):
    config = DesignConfig(n_peptides=4, alleles=("HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02",
                                                 "DRB1*04:05"))
    result = design_vaccine(run_with_class2, config, predict=fake_predict,
                            predict_class2=fake_class2)
    assert result.class2_alleles == [DR]
    assert result.alleles[:3] == ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]


def test_pvacvector_style_design_checks_class2_junctions():
    from vaxmix.vaccine.design import design_from_peptides
    from vaxmix.vaccine.sequences import read_protein_fasta

    records = read_protein_fasta(DATA / "pvacvector_input.fa")
    config = DesignConfig(signal_peptide="none", trafficking="none",
                          class2_junction_lengths=(13, 15))
    result = design_from_peptides(records, ["HLA-A*29:02", "DRB1*04:05"], config,
                                  predict=fake_predict, predict_class2=fake_class2)
    assert result.alleles == ["HLA-A*29:02", DR] and result.class2_alleles == [DR]
    truth1 = {p for p in junction_kmers(result.construct, range(8, 12)) if anchor_rule_binds(p)}
    truth2 = {p for p in junction_kmers(result.construct, [13, 15]) if class2_strong(p)}
    assert result.verification["binders_by_class"] == {"class I": len(truth1),
                                                       "class II": len(truth2)}
    assert result.summary["junction_lengths"] == [8, 9, 10, 11, 13, 15]
