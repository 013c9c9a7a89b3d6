"""The aggregated report: one row per variant, its best peptide, counts, tier and tier reasons.

Follows pVACseq 7.1.5's aggregated report (``AggregateAllEpitopes``; column names and meaning
are kept so pVACview users can switch). The best row of a variant is chosen as pVACseq's top
score filter does: narrow step by step (skipping a step that would leave nothing) to
protein-coding transcripts, preferred transcripts (MANE / canonical / TSL), then rows whose
mutation is not only at anchor positions; then sort by the sum of the dense ranks of the MT IC50
and MT percentile, ties broken by the IC50 rank, MANE Select, canonical, lower TSL, longer
transcript and higher transcript expression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vaxmix.ranking.config import RankingConfig
from vaxmix.ranking.tiers import TIER_ORDER, assign_tier, estimate_vaf_clonal, transcript_passes

__all__ = ["AGGREGATED_FIXED_COLUMNS", "aggregate_epitopes", "best_row_order", "metric_columns"]

AGGREGATED_FIXED_COLUMNS: tuple[str, ...] = (
    "Gene", "AA Change", "Num Passing Transcripts", "Best Peptide", "Best Transcript",
    "MANE Select", "Canonical", "TSL", "Allele", "Pos", "Prob Pos", "Num Included Peptides",
    "Num Passing Peptides", "IC50 MT", "IC50 WT", "%ile MT", "%ile WT", "IC50 %ile MT",
    "IC50 %ile WT", "IM %ile MT", "IM %ile WT", "Pres %ile MT", "Pres %ile WT", "RNA Expr",
    "RNA VAF", "Allele Expr", "RNA Depth", "DNA VAF", "Tier", "Tier Reasons", "Evaluation",
)  # fmt: skip


def metric_columns(config: RankingConfig) -> dict[str, str]:
    """Aggregated column → all-epitopes column, for the ``median`` or ``lowest`` metric."""
    if config.top_score_metric == "median":
        names = {
            "IC50 MT": "Median MT IC50 Score", "IC50 WT": "Median WT IC50 Score",
            "%ile MT": "Median MT Percentile", "%ile WT": "Median WT Percentile",
            "IC50 %ile MT": "Median MT IC50 Percentile",
            "IC50 %ile WT": "Median WT IC50 Percentile",
            "IM %ile MT": "Median MT Immunogenicity Percentile",
            "IM %ile WT": "Median WT Immunogenicity Percentile",
            "Pres %ile MT": "Median MT Presentation Percentile",
            "Pres %ile WT": "Median WT Presentation Percentile",
        }  # fmt: skip
    else:
        names = {
            "IC50 MT": "Best MT IC50 Score", "IC50 WT": "Corresponding WT IC50 Score",
            "%ile MT": "Best MT Percentile", "%ile WT": "Corresponding WT Percentile",
            "IC50 %ile MT": "Best MT IC50 Percentile",
            "IC50 %ile WT": "Corresponding WT IC50 Percentile",
            "IM %ile MT": "Best MT Immunogenicity Percentile",
            "IM %ile WT": "Corresponding WT Immunogenicity Percentile",
            "Pres %ile MT": "Best MT Presentation Percentile",
            "Pres %ile WT": "Corresponding WT Presentation Percentile",
        }  # fmt: skip
    return names


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce")


def _anchor_ok(frame: pd.DataFrame, wt_ic50: pd.Series, config: RankingConfig) -> pd.Series:
    """Rows whose mutation is not only at anchor positions 1, 2, n−1, n (or whose WT binds
    poorly), pVACseq's default (non-allele-specific) anchor test."""
    out = []
    for positions, peptide, wt in zip(
        frame["Mutation Position"].astype(str), frame["MT Epitope Seq"], wt_ic50, strict=True
    ):
        if positions in ("NA", "nan", "None", ""):
            out.append(True)
            continue
        pos = {int(p) for p in positions.replace(" ", "").split(",") if p}
        n = len(peptide)
        only_anchor = 0 < len(pos) <= 2 and pos <= {1, 2, n - 1, n}
        out.append(not (only_anchor and (np.isnan(wt) or wt < config.binding_threshold)))
    return pd.Series(out, index=frame.index)


def _narrow(frame: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    return frame[mask] if bool(mask.any()) else frame


def best_row_order(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """``frame`` narrowed and sorted so that its first row is pVACseq's best candidate."""
    cols = metric_columns(config)
    work = _narrow(frame, frame["Biotype"].astype(str) == "protein_coding")
    transcript_ok = pd.Series(
        [
            transcript_passes(m, c, t, config)
            for m, c, t in zip(work["MANE Select"], work["Canonical"],
                               work["Transcript Support Level"], strict=True)
        ],
        index=work.index,
    )  # fmt: skip
    work = _narrow(work, transcript_ok)
    work = _narrow(work, _anchor_ok(work, _numeric(work, cols["IC50 WT"]), config))
    ic50_rank = _numeric(work, cols["IC50 MT"]).rank(method="dense", na_option="bottom")
    pct_rank = _numeric(work, cols["%ile MT"]).rank(method="dense", na_option="bottom")
    tsl = _numeric(work, "Transcript Support Level").fillna(np.inf)
    key = pd.DataFrame(
        {
            "rank_sum": ic50_rank + pct_rank,
            "ic50_rank": ic50_rank,
            "mane": work["MANE Select"].astype(str) != "True",
            "canonical": work["Canonical"].astype(str) != "True",
            "tsl": tsl,
            "length": -_numeric(work, "Transcript Length").fillna(0),
            "expression": -_numeric(work, "Transcript Expression").fillna(-np.inf),
        },
        index=work.index,
    )
    order = key.sort_values(list(key.columns), kind="stable").index
    return work.loc[order]


def _fmt(value: float) -> str:
    return "NA" if value is None or (isinstance(value, float) and np.isnan(value)) else (
        f"{value:.3f}"
    )


def _aa_change(row: pd.Series) -> str:
    if row["Variant Type"] == "FS":
        return f"FS{row['Protein Position']}"
    ref, _, alt = str(row["Mutation"]).partition("/")
    return f"{ref}{row['Protein Position']}{alt}"


def _short_allele(allele: str) -> str:
    return allele[4:] if allele.startswith("HLA-") else allele


def aggregate_epitopes(
    all_epitopes: pd.DataFrame,
    alleles: list[str],
    config: RankingConfig,
    vaf_clonal: float | None = None,
) -> pd.DataFrame:
    """One row per variant (``ID`` = chr-start-stop-ref-alt), sorted by tier then rank.

    Parameters
    ----------
    all_epitopes
        The all-epitopes table (pVACseq column names; numeric or text cells).
    alleles
        The HLA alleles of the run (one count column each, e.g. ``A*29:02``).
    config
        Thresholds.
    vaf_clonal
        Clonal VAF for the Subclonal test; estimated from ``Tumor DNA VAF`` when ``None``.
    """
    cols = metric_columns(config)
    if vaf_clonal is None:
        vaf_clonal = estimate_vaf_clonal(all_epitopes.get("Tumor DNA VAF", []),
                                         config.tumor_purity)  # fmt: skip
    allele_columns = [_short_allele(a) for a in alleles]
    columns = ["ID", "Index", *allele_columns, *AGGREGATED_FIXED_COLUMNS]
    if all_epitopes.empty:
        return pd.DataFrame(columns=columns)
    ids = (
        all_epitopes["Chromosome"].astype(str) + "-" + all_epitopes["Start"].astype(str) + "-"
        + all_epitopes["Stop"].astype(str) + "-" + all_epitopes["Reference"].astype(str) + "-"
        + all_epitopes["Variant"].astype(str)
    )  # fmt: skip
    ic50_all = _numeric(all_epitopes, cols["IC50 MT"])
    rows = []
    for variant_id, group in all_epitopes.groupby(ids, sort=False):
        ic50 = ic50_all.loc[group.index]
        best = best_row_order(group, config).iloc[0]
        included = group[
            (ic50 < config.aggregate_inclusion_binding_threshold) | (group.index == best.name)
        ]
        peptides = list(dict.fromkeys(best_row_order(included, config)["MT Epitope Seq"]))
        if len(peptides) > config.aggregate_inclusion_count_limit:
            keep = {best["MT Epitope Seq"]}
            for peptide in peptides:
                if len(keep) >= config.aggregate_inclusion_count_limit:
                    break
                keep.add(peptide)
            included = included[included["MT Epitope Seq"].isin(keep)]
        inc_ic50 = ic50_all.loc[included.index]
        good = included[inc_ic50 < config.binding_threshold]
        counts = good.groupby("HLA Allele")["MT Epitope Seq"].nunique().to_dict()
        row: dict[str, object] = {"ID": variant_id, "Index": best["Index"]}
        for allele, short in zip(alleles, allele_columns, strict=True):
            row[short] = counts.get(allele, "")
        gene_expr = pd.to_numeric(pd.Series([best.get("Gene Expression")]), errors="coerce")[0]
        rna_vaf = pd.to_numeric(pd.Series([best.get("Tumor RNA VAF")]), errors="coerce")[0]
        rna_depth = pd.to_numeric(pd.Series([best.get("Tumor RNA Depth")]), errors="coerce")[0]
        dna_vaf = pd.to_numeric(pd.Series([best.get("Tumor DNA VAF")]), errors="coerce")[0]
        row.update(
            {
                "Gene": best["Gene Name"],
                "AA Change": _aa_change(best),
                "Num Passing Transcripts": included["Transcript"].nunique(),
                "Best Peptide": best["MT Epitope Seq"],
                "Best Transcript": best["Transcript"],
                "MANE Select": best["MANE Select"],
                "Canonical": best["Canonical"],
                "TSL": best["Transcript Support Level"],
                "Allele": best["HLA Allele"],
                "Pos": best["Mutation Position"],
                "Prob Pos": best.get("Problematic Positions", "None") or "None",
                "Num Included Peptides": included["MT Epitope Seq"].nunique(),
                "Num Passing Peptides": good["MT Epitope Seq"].nunique(),
            }
        )
        for out_col, in_col in cols.items():
            value = pd.to_numeric(pd.Series([best.get(in_col, np.nan)]), errors="coerce")[0]
            row[out_col] = _fmt(value)
        row["RNA Expr"] = _fmt(gene_expr)
        row["RNA VAF"] = _fmt(rna_vaf)
        row["Allele Expr"] = _fmt(gene_expr * rna_vaf)
        row["RNA Depth"] = _fmt(rna_depth)
        row["DNA VAF"] = _fmt(dna_vaf)
        tier, reasons = assign_tier(row, config, vaf_clonal)
        row["Tier"] = tier
        row["Tier Reasons"] = reasons
        row["Evaluation"] = "Pending"
        rows.append(row)
    table = pd.DataFrame(rows, columns=columns)
    return _sort_aggregated(table)


def _sort_aggregated(table: pd.DataFrame) -> pd.DataFrame:
    """Tier order, then the sum of dense ranks of Allele Expr (descending), IC50
    MT and %ile MT, then the IC50 rank, Gene and AA Change."""
    expr = pd.to_numeric(table["Allele Expr"], errors="coerce")
    ic50 = pd.to_numeric(table["IC50 MT"], errors="coerce")
    pct = pd.to_numeric(table["%ile MT"], errors="coerce")
    expr_rank = expr.rank(method="dense", ascending=False, na_option="bottom")
    ic50_rank = ic50.rank(method="dense", na_option="bottom")
    pct_rank = pct.rank(method="dense", na_option="bottom")
    key = pd.DataFrame(
        {
            "tier": table["Tier"].map({t: i for i, t in enumerate(TIER_ORDER)}),
            "sum": expr_rank + ic50_rank + pct_rank,
            "ic50": ic50_rank,
            "gene": table["Gene"].astype(str),
            "aa": table["AA Change"].astype(str),
        }
    )
    order = key.sort_values(list(key.columns), kind="stable").index
    return table.loc[order].reset_index(drop=True)
