"""Tiers: pVACseq's own tier for each of its 358 shipped class I aggregated rows, and hand cases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vaxmix.ranking import RankingConfig, assign_tier, estimate_vaf_clonal

DATA = Path(__file__).parent / "data"


def test_shipped_aggregated_tiers_are_reproduced():
    shipped = pd.read_csv(DATA / "pvacseq_aggregated_class_I.tsv", sep="\t", dtype=str,
                          keep_default_na=False)  # fmt: skip
    assert len(shipped) == 358
    # the clonal VAF pVACseq estimated for this run was 0.5 (largest DNA VAF < 0.6, capped)
    # with pVACseq's rule for missing VAFs (they pass), which vaxmix applies only when asked
    pvacseq = RankingConfig(allow_missing_vaf=True)
    tiers = [assign_tier(row, pvacseq, 0.5)[0] for row in shipped.to_dict("records")]
    assert tiers == list(shipped["Tier"])


@pytest.mark.parametrize(
    ("change", "tier", "reason"),
    [
        ({}, "Pass", ""),
        ({"IC50 MT": "500"}, "PoorBinder", "binding"),  # tiers need IC50 < 500
        ({"Pres %ile MT": "2.5"}, "PoorPresentation", "presentation"),
        ({"MANE Select": "False", "Canonical": "False", "TSL": "NA"}, "PoorTranscript",
         "transcript"),
        ({"Pos": "9", "IC50 WT": "300"}, "Anchor", "anchor"),  # only the C-terminal anchor
        ({"Pos": "9", "IC50 WT": "900"}, "Pass", ""),  # WT does not bind: not an anchor case
        ({"DNA VAF": "0.1"}, "Subclonal", "subclonal"),
        ({"Allele Expr": "1"}, "LowExpr", "expression"),
        ({"Allele Expr": "0", "RNA Expr": "0", "RNA VAF": "0"}, "NoExpr", "expression"),
        ({"IC50 MT": "900", "DNA VAF": "0.1"}, "Poor", "binding"),
    ],
)
def test_hand_cases(change, tier, reason, aggregated_row):
    got, reasons = assign_tier(aggregated_row(**change), RankingConfig(), 0.5)
    assert got == tier
    assert reason in reasons
    assert (reasons == "") == (tier == "Pass")


def test_exploratory_strategy_needs_any_score(aggregated_row):
    row = aggregated_row(**{"IC50 MT": "900"})
    assert assign_tier(row, RankingConfig(percentile_strategy="exploratory"), 0.5)[0] == "Pass"


def test_clonal_vaf_estimate():
    assert estimate_vaf_clonal(["0.3", "0.45", "NA", "0.7"]) == 0.45
    assert estimate_vaf_clonal(["0.55", "0.59"]) == 0.5
    assert estimate_vaf_clonal(["0.8", "NA"]) == 0.6
    assert estimate_vaf_clonal(["0.3"], tumor_purity=0.8) == 0.4


def test_missing_dna_vaf_is_not_clonal_unless_asked(aggregated_row):
    row = aggregated_row(**{"DNA VAF": "NA"})
    tier, reasons = assign_tier(row, RankingConfig(), 0.5)
    assert tier == "Subclonal" and "DNA VAF missing (NA)" in reasons
    assert assign_tier(row, RankingConfig(allow_missing_vaf=True), 0.5) == ("Pass", "")


def test_missing_rna_vaf_fails_allele_expression_only_when_rna_was_measured(aggregated_row):
    row = aggregated_row(**{"RNA VAF": "NA", "Allele Expr": "NA"})
    tier, reasons = assign_tier(row, RankingConfig(), 0.5)
    assert tier != "Pass" and "RNA VAF missing (NA)" in reasons
    assert assign_tier(row, RankingConfig(unmeasured=("tumor_rna",)), 0.5)[0] == "Pass"


def test_binding_reason_quotes_the_values_used(aggregated_row):
    # the tier's binding test uses IC50 MT and IC50 %ile MT; here the IC50 percentile is
    # missing (the shown "%ile MT" 1.12 is another column), so the reason must say so
    row = aggregated_row(**{"IC50 MT": "812.3", "IC50 %ile MT": "NA", "%ile MT": "1.12"})
    tier, reasons = assign_tier(row, RankingConfig(), 0.5)
    assert tier == "PoorBinder"
    assert reasons == "binding: IC50 MT 812.3 not < 500, IC50 %ile MT NA (not tested)"
    row = aggregated_row(**{"IC50 MT": "812.3", "IC50 %ile MT": "1.12"})
    assert assign_tier(row, RankingConfig(), 0.5)[1] == (
        "binding: IC50 MT 812.3 not < 500, IC50 %ile MT 1.12 < 2")
