"""Ranking: all-epitopes table → filtered and aggregated (one row per variant) tables with tiers.

Public API: :class:`RankingConfig` (pVACseq's default thresholds), :func:`build_all_epitopes`,
:func:`filter_epitopes`, :func:`aggregate_epitopes`, :func:`assign_tier`,
:func:`estimate_vaf_clonal`.
"""

from vaxmix.ranking.aggregate import aggregate_epitopes, best_row_order
from vaxmix.ranking.config import RankingConfig
from vaxmix.ranking.epitopes import build_all_epitopes
from vaxmix.ranking.filters import filter_epitopes
from vaxmix.ranking.tiers import TIER_ORDER, assign_tier, estimate_vaf_clonal

__all__ = [
    "TIER_ORDER",
    "RankingConfig",
    "aggregate_epitopes",
    "assign_tier",
    "best_row_order",
    "build_all_epitopes",
    "estimate_vaf_clonal",
    "filter_epitopes",
]
