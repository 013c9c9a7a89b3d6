"""Aggregated report and filters, run on pVACseq's shipped scores for 19 variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.ranking import RankingConfig, aggregate_epitopes
from vaxmix.ranking.filters import binding_filter, coverage_filter, transcript_filter

DATA = Path(__file__).parent / "data"
ALLELES = ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]


def test_aggregated_rows_match_pvacseq():
    sample = pd.read_csv(DATA / "pvacseq_all_epitopes_sample.tsv.gz", sep="\t", dtype=str,
                         keep_default_na=False)  # fmt: skip
    shipped = pd.read_csv(DATA / "pvacseq_aggregated_class_I.tsv", sep="\t", dtype=str,
                          keep_default_na=False).set_index("ID")  # fmt: skip
    pvacseq = RankingConfig(allow_missing_vaf=True)  # pVACseq: a missing VAF passes
    ours = aggregate_epitopes(sample, ALLELES, pvacseq, vaf_clonal=0.5).astype(str)
    assert len(ours) == 19
    expected = shipped.loc[ours["ID"]].reset_index()
    for column in expected.columns:
        if column == "IC50 MT":  # pVACseq recomputes this median from unrounded method scores
            diff = pd.to_numeric(ours[column]) - pd.to_numeric(expected[column])
            assert np.abs(diff).max() <= 0.0011
        else:
            assert list(ours[column]) == list(expected[column]), column
    # rows are sorted by tier first
    order = ["Pass", "PoorBinder", "PoorImmunogenicity", "PoorPresentation", "RefMatch",
             "PoorTranscript", "LowExpr", "Anchor", "Subclonal", "ProbPos", "Poor", "NoExpr"]
    ranks = [order.index(t) for t in ours["Tier"]]
    assert ranks == sorted(ranks)


def _frame(**columns):
    return pd.DataFrame(columns)


def test_binding_filter_keeps_500_and_na_percentiles():
    frame = _frame(**{"Median MT IC50 Score": [499.0, 500.0, 500.1, 100.0],
                      "Median MT Presentation Percentile": [np.nan, 1.0, 1.0, 2.5],
                      "Median Fold Change": [1.0, 1.0, 1.0, 1.0]})  # fmt: skip
    kept = binding_filter(frame, RankingConfig())
    assert list(kept.index) == [0, 1]  # ≤ 500 nM passes the filter (tiers need < 500)
    exploratory = binding_filter(frame, RankingConfig(percentile_strategy="exploratory"))
    assert list(exploratory.index) == [0, 1, 2, 3]


def test_coverage_filter_missing_depth_or_vaf_never_passes_unless_asked():
    frame = _frame(**{"Tumor DNA Depth": [20, 5, np.nan, 20], "Tumor DNA VAF": [0.3, 0.3, 0.3,
                                                                               np.nan],
                      "Tumor RNA VAF": [np.nan, np.nan, np.nan, np.nan],
                      "Normal VAF": [0.0, 0.0, 0.0, 0.0],
                      "Gene Expression": [np.nan, np.nan, np.nan, np.nan]})  # fmt: skip
    # the RNA VAF column is all NA: with RNA read counts in the VCF that fails every row ...
    assert list(coverage_filter(frame, RankingConfig()).index) == []
    # ... without any (the run marks tumor_rna unmeasured) the RNA cut-off is not applied;
    # row 1 has depth 5 < 10, row 2 no depth, row 3 no VAF: only row 0 passes
    no_rna = RankingConfig(unmeasured=("tumor_rna", "normal"))
    assert list(coverage_filter(frame, no_rna).index) == [0]
    # a tumor DNA source is never skipped, even when marked unmeasured
    all_marked = RankingConfig(unmeasured=("tumor_dna", "tumor_rna", "normal"))
    assert list(coverage_filter(frame, all_marked).index) == [0]
    # pVACseq's rule, when asked: NA passes (expression NA always passes, as in pVACseq)
    assert list(coverage_filter(frame, RankingConfig(allow_missing_vaf=True)).index) == [0, 2, 3]


def test_transcript_filter():
    frame = _frame(**{"MANE Select": ["True", "False", "False", "Not Run"],
                      "Canonical": ["False", "False", "False", "False"],
                      "Transcript Support Level": ["NA", "1", "NA", "5"]})  # fmt: skip
    assert list(transcript_filter(frame, RankingConfig()).index) == [0, 1, 3]
    strict = RankingConfig(transcript_prioritization=("tsl",))
    assert list(transcript_filter(frame, strict).index) == [1]
