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
    tiers = [assign_tier(row, RankingConfig(), 0.5)[0] for row in shipped.to_dict("records")]
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
