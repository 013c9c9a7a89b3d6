"""Anchor positions: pVACseq's defaults and the allele-specific rule on the shipped table."""

from __future__ import annotations

import pytest

from vaxmix.ranking import RankingConfig, assign_tier
from vaxmix.ranking.anchors import anchor_positions, anchor_table


def test_default_anchors_are_both_ends():
    assert anchor_positions("HLA-B*45:01", 9) == {1, 2, 8, 9}
    assert anchor_positions("HLA-B*45:01", 11) == {1, 2, 10, 11}


def test_allele_specific_anchors_from_the_contribution_table():
    # 9-mer contributions in the table (Xia et al. 2023, via pVACtools 7.1.5):
    # B*45:01 position 2 alone carries 0.813 > 0.8 -> anchors {2}
    assert anchor_table()[("HLA-B*45:01", 9)][1] == pytest.approx(0.813382459)
    assert anchor_positions("HLA-B*45:01", 9, True) == {2}
    # A*29:02: position 9 (0.790) then 2 (0.060) -> 0.850 > 0.8
    assert anchor_positions("HLA-A*29:02", 9, True) == {9, 2}
    assert anchor_positions("A*29:02", 9, True) == {9, 2}  # aggregated-report spelling
    # at 0.9 the next largest follow: 7 (0.041) -> 0.891, 8 (0.031) -> 0.922
    assert anchor_positions("HLA-A*29:02", 9, True, 0.9) == {9, 2, 7, 8}
    # no prediction for the allele, or a threshold that is never exceeded: the defaults
    assert anchor_positions("HLA-B*82:02", 9, True) == {1, 2, 8, 9}
    assert anchor_positions("HLA-A*29:02", 9, True, 1.5) == {1, 2, 8, 9}


def test_every_row_of_the_table_sums_to_one():
    for (_allele, length), values in anchor_table().items():
        assert len(values) == length
        assert sum(values) == pytest.approx(1.0, abs=1e-3)


def test_allele_specific_anchors_change_the_anchor_tier(aggregated_row):
    """A mutation at position 9 of a B*45:01 9-mer: a default anchor, not a B*45:01 one."""
    row = aggregated_row(**{"IC50 WT": "300", "Pos": "9", "Best Peptide": "AEAAAAAAL",
                            "Allele": "HLA-B*45:01"})
    assert assign_tier(row, RankingConfig(), 0.5)[0] == "Anchor"
    assert assign_tier(row, RankingConfig(allele_specific_anchors=True), 0.5)[0] == "Pass"
    at_two = {**row, "Pos": "2"}
    assert assign_tier(at_two, RankingConfig(allele_specific_anchors=True), 0.5)[0] == "Anchor"
