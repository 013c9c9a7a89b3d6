"""Allele-specific binding thresholds (pVACseq --allele-specific-binding-thresholds)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vaxmix.ranking import RankingConfig, aggregate_epitopes, assign_tier
from vaxmix.ranking.filters import binding_filter
from vaxmix.ranking.thresholds import binding_threshold

DATA = Path(__file__).parent / "data"
SPECIFIC = RankingConfig(allele_specific_binding_thresholds=True)


def test_cutoffs_from_the_iedb_table():
    # IEDB recommended cutoffs as shipped by pVACtools: A*02:01 255 nM, A*29:02 641 nM
    assert binding_threshold("HLA-A*02:01", SPECIFIC) == 255.0
    assert binding_threshold("A*29:02", SPECIFIC) == 641.0
    assert binding_threshold("HLA-B*82:02", SPECIFIC) == 500.0  # not listed: the default
    assert binding_threshold("HLA-A*02:01", RankingConfig()) == 500.0  # option off


def test_binding_filter_uses_each_rows_allele():
    frame = pd.DataFrame({"HLA Allele": ["HLA-A*02:01", "HLA-A*29:02", "HLA-B*82:02"],
                          "Median MT IC50 Score": [300.0, 600.0, 600.0],
                          "Median Fold Change": [1.0, 1.0, 1.0]})
    assert list(binding_filter(frame, RankingConfig()).index) == [0]  # 300 <= 500 only
    # 300 > 255 for A*02:01; 600 <= 641 for A*29:02; B*82:02 unlisted: 600 > 500
    assert list(binding_filter(frame, SPECIFIC).index) == [1]


def test_tier_binding_test_uses_the_best_alleles_cutoff(aggregated_row):
    row = aggregated_row(**{"IC50 MT": "300", "Allele": "HLA-A*02:01"})
    assert assign_tier(row, RankingConfig(), 0.5)[0] == "Pass"
    tier, reasons = assign_tier(row, SPECIFIC, 0.5)
    assert tier == "PoorBinder" and "255" in reasons


def test_passing_peptide_counts_follow_the_allele_cutoffs():
    sample = pd.read_csv(DATA / "pvacseq_all_epitopes_sample.tsv.gz", sep="\t", dtype=str,
                         keep_default_na=False)  # fmt: skip
    alleles = ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]
    plain = aggregate_epitopes(sample, alleles, RankingConfig(), 0.5).set_index("ID")
    specific = aggregate_epitopes(sample, alleles, SPECIFIC, 0.5).set_index("ID")
    # A*29:02 is judged at 641 nM, B*45:01 and B*82:02 (unlisted) stay at 500 nM
    ic50 = pd.to_numeric(sample["Median MT IC50 Score"], errors="coerce")
    a29 = sample["HLA Allele"].eq("HLA-A*29:02")
    between = sample[a29 & (ic50 >= 500) & (ic50 < 641)]
    assert len(between) > 0  # the sample has A*29:02 peptides that only the cutoff admits
    counts_plain = pd.to_numeric(plain["A*29:02"].replace("", "0"))
    counts_specific = pd.to_numeric(specific["A*29:02"].replace("", "0"))
    assert (counts_specific >= counts_plain).all() and (counts_specific > counts_plain).any()
    for column in ("B*45:01", "B*82:02"):
        assert list(plain[column]) == list(specific[column])
