"""Filter, aggregation and tier thresholds, with pVACseq 7.1.5's defaults (``pvacseq run -h``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RankingConfig"]


@dataclass(frozen=True)
class RankingConfig:
    """Every threshold of the filters, the aggregated report and the tiers.

    Attributes
    ----------
    binding_threshold
        IC50 cutoff in nM (pVACseq ``-b``, 500).
    percentile_threshold
        Binding / immunogenicity / presentation percentile cutoff (2.0 each in pVACseq).
    percentile_strategy
        ``conservative`` (every available score must pass) or ``exploratory`` (any).
    top_score_metric
        ``median`` or ``lowest`` (pVACseq ``-m``): which per-method summary the reports use.
    minimum_fold_change
        Minimum WT/MT IC50 fold change (``-c``, 0).
    normal_cov, tdna_cov, trna_cov
        Minimum read depths (5, 10, 10).
    normal_vaf, tdna_vaf, trna_vaf
        Maximum normal VAF (0.02) and minimum tumor DNA / RNA VAFs (0.25, 0.25).
    expn_val
        Minimum gene and transcript expression (1.0).
    maximum_transcript_support_level
        Largest TSL that passes the transcript test (1).
    transcript_prioritization
        Transcript properties that pass the transcript test (``mane_select``, ``canonical``,
        ``tsl``: pVACseq's default is all three, any one passing).
    aggregate_inclusion_binding_threshold, aggregate_inclusion_count_limit
        Peptides counted in the aggregated report (IC50 < 5000 nM, at most 15).
    tumor_purity
        Tumor purity (0–1); when ``None`` the clonal VAF is estimated from the data.
    allele_specific_anchors, anchor_contribution_threshold
        Use each allele's predicted anchor positions instead of 1, 2, n−1, n (pVACseq
        ``--allele-specific-anchors``, off; threshold 0.8): :mod:`vaxmix.ranking.anchors`.
    allele_specific_binding_thresholds
        Judge listed alleles at their own IC50 cutoff instead of ``binding_threshold`` (pVACseq
        ``--allele-specific-binding-thresholds``, off): :mod:`vaxmix.ranking.thresholds`.
    allow_missing_vaf
        Let a missing (NA) read depth or VAF pass the depth/VAF cut-offs and the clonal and
        allele-expression tier tests, as pVACseq does (``--allow-missing-vaf``; off: a
        candidate whose VAF is unknown is never treated as passing a VAF cut-off).
    unmeasured
        Read-count sources the input does not carry at all (``tumor_rna``, ``normal``; set by
        the run from the VCF): their cut-offs cannot be applied and are skipped, which run.json
        records. ``tumor_dna`` is never skipped: without it, rows fail the DNA cut-offs unless
        ``allow_missing_vaf``.
    """

    binding_threshold: float = 500.0
    percentile_threshold: float = 2.0
    percentile_strategy: str = "conservative"
    top_score_metric: str = "median"
    minimum_fold_change: float = 0.0
    normal_cov: int = 5
    tdna_cov: int = 10
    trna_cov: int = 10
    normal_vaf: float = 0.02
    tdna_vaf: float = 0.25
    trna_vaf: float = 0.25
    expn_val: float = 1.0
    maximum_transcript_support_level: int = 1
    transcript_prioritization: tuple[str, ...] = ("canonical", "mane_select", "tsl")
    aggregate_inclusion_binding_threshold: float = 5000.0
    aggregate_inclusion_count_limit: int = 15
    tumor_purity: float | None = None
    allele_specific_anchors: bool = False
    anchor_contribution_threshold: float = 0.8
    allele_specific_binding_thresholds: bool = False
    allow_missing_vaf: bool = False
    unmeasured: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.percentile_strategy not in ("conservative", "exploratory"):
            raise ValueError("percentile_strategy must be 'conservative' or 'exploratory'")
        if self.top_score_metric not in ("median", "lowest"):
            raise ValueError("top_score_metric must be 'median' or 'lowest'")
