"""pVACseq's filter chain: all-epitopes table → filtered table.

The steps (pVACtools 7.1.5 ``post_processor``), each with pVACseq's defaults:

1. binding: Median (or Best, per ``top_score_metric``) MT IC50 ≤ 500 nM and every available MT
   percentile (IC50, immunogenicity, presentation) ≤ 2 — all of them (conservative) or any
   (exploratory); fold change ≥ the minimum;
2. coverage and expression: normal depth ≥ 5 and VAF ≤ 0.02, tumor DNA/RNA depth ≥ 10 and VAF
   ≥ 0.25, gene and transcript expression ≥ 1. A missing expression value passes, as in
   pVACseq; a missing depth or VAF does *not* (pVACseq lets it pass, which let a VCF whose
   read counts were not read through every VAF cut-off) unless ``allow_missing_vaf`` is set;
   a source the input does not carry at all (no RNA read counts, no normal sample:
   ``RankingConfig.unmeasured``) is not tested, and the run says so;
3. transcript: MANE Select, canonical, or TSL ≤ 1;
4. top score: per variant, transcripts with identical mutant peptide sets form one group and each
   group keeps its best row (see :func:`vaxmix.ranking.aggregate.best_row_order`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vaxmix.ranking.aggregate import best_row_order
from vaxmix.ranking.config import RankingConfig
from vaxmix.ranking.thresholds import binding_thresholds
from vaxmix.ranking.tiers import transcript_passes

__all__ = [
    "binding_filter",
    "coverage_filter",
    "filter_epitopes",
    "top_score_filter",
    "transcript_filter",
]


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce")


def binding_filter(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """Rows whose MT binding/percentile scores pass (NA scores are not tested)."""
    prefix = "Median" if config.top_score_metric == "median" else "Best"
    alleles = frame["HLA Allele"] if "HLA Allele" in frame else pd.Series("", index=frame.index)
    tests = [
        (_num(frame, f"{prefix} MT IC50 Score"), binding_thresholds(alleles, config)),
        (_num(frame, f"{prefix} MT IC50 Percentile"), config.percentile_threshold),
        (_num(frame, f"{prefix} MT Immunogenicity Percentile"), config.percentile_threshold),
        (_num(frame, f"{prefix} MT Presentation Percentile"), config.percentile_threshold),
    ]
    passed = [(values <= cut) | values.isna() for values, cut in tests]
    tested = [values.notna() for values, _ in tests]
    if config.percentile_strategy == "conservative":
        keep = np.logical_and.reduce(passed)
    else:
        any_pass = np.logical_or.reduce([p & t for p, t in zip(passed, tested, strict=True)])
        none_tested = ~np.logical_or.reduce(tested)
        keep = any_pass | none_tested
    fold_col = "Median Fold Change" if prefix == "Median" else "Corresponding Fold Change"
    fold = _num(frame, fold_col)
    keep = keep & ((fold >= config.minimum_fold_change) | fold.isna())
    return frame[keep]


#: Read-count columns of the all-epitopes table and their source (see RankingConfig.unmeasured).
READ_COUNT_SOURCES: dict[str, str] = {
    "Normal Depth": "normal", "Normal VAF": "normal",
    "Tumor DNA Depth": "tumor_dna", "Tumor DNA VAF": "tumor_dna",
    "Tumor RNA Depth": "tumor_rna", "Tumor RNA VAF": "tumor_rna",
}  # fmt: skip


def coverage_filter(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """Rows whose read depths, VAFs and expression pass (missing values: see module doc)."""
    rules = [
        ("Normal Depth", config.normal_cov, np.greater_equal),
        ("Normal VAF", config.normal_vaf, np.less_equal),
        ("Tumor DNA Depth", config.tdna_cov, np.greater_equal),
        ("Tumor DNA VAF", config.tdna_vaf, np.greater_equal),
        ("Tumor RNA Depth", config.trna_cov, np.greater_equal),
        ("Tumor RNA VAF", config.trna_vaf, np.greater_equal),
        ("Gene Expression", config.expn_val, np.greater_equal),
        ("Transcript Expression", config.expn_val, np.greater_equal),
    ]
    keep = pd.Series(True, index=frame.index)
    for column, cut, compare in rules:
        source = READ_COUNT_SOURCES.get(column)
        if source is not None and source != "tumor_dna" and source in config.unmeasured:
            continue
        values = _num(frame, column)
        missing_passes = source is None or config.allow_missing_vaf
        keep &= compare(values, cut) | (values.isna() & missing_passes)
    return frame[keep]


def transcript_filter(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """Rows on a MANE Select or canonical transcript, or one with TSL ≤ the maximum."""
    keep = [
        transcript_passes(m, c, t, config)
        for m, c, t in zip(frame["MANE Select"], frame["Canonical"],
                           frame["Transcript Support Level"], strict=True)
    ]  # fmt: skip
    return frame[np.array(keep, dtype=bool)] if len(frame) else frame


def top_score_filter(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """One best row per variant × group of transcripts that share the same mutant peptides."""
    if frame.empty:
        return frame
    variant = frame[["Chromosome", "Start", "Stop", "Reference", "Variant"]].astype(str).agg(
        "-".join, axis=1
    )
    chosen = []
    for _, rows in frame.groupby(variant, sort=False):
        peptide_sets = rows.groupby("Transcript")["MT Epitope Seq"].agg(frozenset)
        for _, transcripts in peptide_sets.groupby(peptide_sets, sort=False):
            group = rows[rows["Transcript"].isin(transcripts.index)]
            chosen.append(best_row_order(group, config).index[0])
    best = frame.loc[chosen]
    prefix = "Median" if config.top_score_metric == "median" else "Best"
    expr_rank = _num(best, "Gene Expression").rank(method="dense", ascending=False,
                                                    na_option="bottom")  # fmt: skip
    ic50_rank = _num(best, f"{prefix} MT IC50 Score").rank(method="dense", na_option="bottom")
    pct_rank = _num(best, f"{prefix} MT Percentile").rank(method="dense", na_option="bottom")
    key = pd.DataFrame(
        {
            "sum": expr_rank + ic50_rank + pct_rank,
            "ic50": ic50_rank,
            "gene": best["Gene Name"].astype(str),
            "mutation": best["Mutation"].astype(str),
        },
        index=best.index,
    )
    return best.loc[key.sort_values(list(key.columns), kind="stable").index]


def filter_epitopes(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """The whole chain; returns the filtered table (same columns as ``frame``)."""
    out = binding_filter(frame, config)
    out = coverage_filter(out, config)
    out = transcript_filter(out, config)
    return top_score_filter(out, config)
