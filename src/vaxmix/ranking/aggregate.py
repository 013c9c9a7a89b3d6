"""The aggregated report: one row per variant, its best peptide, counts, tier and tier reasons.

Follows pVACseq 7.1.5's aggregated report (``AggregateAllEpitopes``; column names and meaning
are kept so pVACview users can switch). The best row of a variant is chosen as pVACseq's top
score filter does: narrow step by step (skipping a step that would leave nothing) to
protein-coding transcripts, preferred transcripts (MANE / canonical / TSL), rows without
problematic positions (with ``--problematic-amino-acids``), then rows whose mutation is not only
at anchor positions; then sort by the sum of the dense ranks of the MT IC50
and MT percentile, ties broken by the IC50 rank, MANE Select, canonical, lower TSL, longer
transcript and higher transcript expression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vaxmix.common.schemas import AGGREGATED, binding_columns
from vaxmix.ranking.anchors import anchor_positions
from vaxmix.ranking.config import RankingConfig
from vaxmix.ranking.thresholds import binding_thresholds
from vaxmix.ranking.tiers import TIER_ORDER, assign_tier, estimate_vaf_clonal

__all__ = ["AGGREGATED_FIXED_COLUMNS", "aggregate_epitopes", "best_row_order", "metric_columns"]

#: The aggregated table's columns after ``ID``, ``Index`` and the per-allele counts, as declared
#: in :data:`vaxmix.common.schemas.AGGREGATED` (``Ref Match`` is added only with a reference
#: proteome, before ``Evaluation``).
AGGREGATED_FIXED_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in AGGREGATED.fixed() if c.name not in ("ID", "Index") and not c.when
)


def metric_columns(config: RankingConfig) -> dict[str, str]:
    """Aggregated column → all-epitopes column, for the ``median`` or ``lowest`` metric
    (:func:`vaxmix.common.schemas.binding_columns`, the one rule every reader follows)."""
    binding = binding_columns(config.top_score_metric)
    aggregated = {
        "IC50 MT": "mt_ic50", "IC50 WT": "wt_ic50", "%ile MT": "mt_percentile",
        "%ile WT": "wt_percentile", "IC50 %ile MT": "mt_ic50_percentile",
        "IC50 %ile WT": "wt_ic50_percentile", "IM %ile MT": "mt_immunogenicity_percentile",
        "IM %ile WT": "wt_immunogenicity_percentile",
        "Pres %ile MT": "mt_presentation_percentile",
        "Pres %ile WT": "wt_presentation_percentile",
    }  # fmt: skip
    return {column: binding[role] for column, role in aggregated.items()}


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce")


_NA_TEXT = frozenset({"NA", "nan", "None", ""})


def _only_anchor(positions: str, length: int, allele: str, config: RankingConfig) -> bool:
    """1 or 2 mutated positions, all at anchor positions (:mod:`vaxmix.ranking.anchors`)."""
    if positions in _NA_TEXT:
        return False
    pos = {int(p) for p in positions.replace(" ", "").split(",") if p}
    anchors = anchor_positions(allele, length, config.allele_specific_anchors,
                               config.anchor_contribution_threshold)
    return 0 < len(pos) <= 2 and pos <= anchors


def _rank_keys(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """Per-row inputs of the best-candidate choice, computed once, vectorized."""
    cols = metric_columns(config)
    mane = frame["MANE Select"].astype(str)
    canonical = frame["Canonical"].astype(str)
    tsl_text = frame["Transcript Support Level"].astype(str)
    tsl = pd.to_numeric(tsl_text, errors="coerce")
    prio = config.transcript_prioritization
    transcript_ok = pd.Series(not prio, index=frame.index)
    if "mane_select" in prio:
        transcript_ok |= mane.isin(["True", "Not Run"])
    if "canonical" in prio:
        transcript_ok |= canonical.eq("True")
    if "tsl" in prio:
        transcript_ok |= tsl_text.eq("Not Supported") | (
            tsl <= config.maximum_transcript_support_level
        )
    combos = pd.Series(
        list(zip(frame["Mutation Position"].astype(str), frame["MT Epitope Seq"].str.len(),
                 frame["HLA Allele"].astype(str), strict=True)), index=frame.index,
    )  # fmt: skip
    only_anchor = combos.map({c: _only_anchor(*c, config) for c in set(combos)}).astype(bool)
    wt_ic50 = _numeric(frame, cols["IC50 WT"])
    cutoff = pd.Series(binding_thresholds(frame["HLA Allele"], config), index=frame.index)
    anchor_ok = ~(only_anchor & (wt_ic50.isna() | (wt_ic50 < cutoff)))
    return pd.DataFrame(
        {
            "protein_coding": frame["Biotype"].astype(str).eq("protein_coding"),
            "transcript_ok": transcript_ok,
            "probpos_ok": (frame["Problematic Positions"].astype(str).eq("None")
                           if "Problematic Positions" in frame else True),
            "anchor_ok": anchor_ok,
            "cutoff": cutoff,  # the row's IC50 binding threshold (allele-specific or not)
            "ic50": _numeric(frame, cols["IC50 MT"]),
            "pct": _numeric(frame, cols["%ile MT"]),
            "mane": ~mane.eq("True"),
            "canonical": ~canonical.eq("True"),
            "tsl": tsl.fillna(np.inf),
            "length": -_numeric(frame, "Transcript Length").fillna(0),
            "expression": -_numeric(frame, "Transcript Expression").fillna(-np.inf),
            "position": np.arange(len(frame)),
        },
        index=frame.index,
    )


def _ordered(keys: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Eligible rows of each group, best first (pVACseq's best-candidate order).

    Per group, rows are narrowed to protein-coding, then preferred transcripts, then rows without
    problematic positions (when the table has that column), then rows that pass the anchor
    test — a step is skipped when it would leave no row in that group. Rows are then sorted
    by the sum of the dense ranks of MT IC50 and MT percentile (within the group), the IC50
    rank, MANE Select, canonical, TSL, longer transcript, higher transcript expression
    and finally input order.
    """
    eligible = pd.Series(True, index=keys.index)
    for step in ("protein_coding", "transcript_ok", "probpos_ok", "anchor_ok"):
        hit = eligible & keys[step]
        group_has = hit.groupby(groups, sort=False).transform("any")
        eligible &= keys[step] | ~group_has
    work = keys[eligible].copy()
    work["group"] = groups[eligible]
    grouped = work.groupby("group", sort=False)
    work["ic50_rank"] = grouped["ic50"].rank(method="dense", na_option="bottom")
    work["rank_sum"] = work["ic50_rank"] + grouped["pct"].rank(method="dense", na_option="bottom")
    order = ["group", "rank_sum", "ic50_rank", "mane", "canonical", "tsl", "length", "expression",
             "position"]  # fmt: skip
    return work.sort_values(order, kind="stable")


def best_row_order(frame: pd.DataFrame, config: RankingConfig) -> pd.DataFrame:
    """``frame`` narrowed and sorted so that its first row is pVACseq's best candidate."""
    keys = _rank_keys(frame, config)
    ordered = _ordered(keys, pd.Series(0, index=frame.index))
    return frame.loc[ordered.index]


def _fmt(value: float) -> str:
    return "NA" if value is None or np.isnan(value) else f"{value:.3f}"


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

    Notes
    -----
    The best row of a variant is chosen among *all* its rows; the counted ("included") peptides
    are those with MT IC50 < ``aggregate_inclusion_binding_threshold`` plus the best one, at most
    ``aggregate_inclusion_count_limit`` peptides (best first); "passing" peptides also have MT
    IC50 < ``binding_threshold`` (the allele's own cutoff with
    ``allele_specific_binding_thresholds``);
    an allele column counts passing peptides for that allele.
    """
    cols = metric_columns(config)
    if vaf_clonal is None:
        vaf_clonal = estimate_vaf_clonal(all_epitopes.get("Tumor DNA VAF", []),
                                         config.tumor_purity)  # fmt: skip
    allele_columns = [_short_allele(a) for a in alleles]
    columns = ["ID", "Index", *allele_columns, *AGGREGATED_FIXED_COLUMNS]
    if all_epitopes.empty:
        return pd.DataFrame(columns=columns)
    frame = all_epitopes
    ids = (
        frame["Chromosome"].astype(str) + "-" + frame["Start"].astype(str) + "-"
        + frame["Stop"].astype(str) + "-" + frame["Reference"].astype(str) + "-"
        + frame["Variant"].astype(str)
    )  # fmt: skip
    keys = _rank_keys(frame, config)
    ordered_all = _ordered(keys, ids)
    best_rows = ordered_all.drop_duplicates("group")
    best_of_group = pd.Series(best_rows.index, index=best_rows["group"].to_numpy())
    is_best = pd.Series(False, index=frame.index)
    is_best[best_of_group.to_numpy()] = True
    included = (keys["ic50"] < config.aggregate_inclusion_binding_threshold) | is_best
    peptides = frame["MT Epitope Seq"]
    unique_counts = peptides[included].groupby(ids[included], sort=False).nunique()
    crowded = unique_counts[unique_counts > config.aggregate_inclusion_count_limit].index
    if len(crowded):
        in_crowded = included & ids.isin(crowded)
        ordered_inc = _ordered(keys[in_crowded], ids[in_crowded])
        for group, rows in ordered_inc.groupby("group", sort=False):
            keep = {peptides[best_of_group[group]]}
            for peptide in dict.fromkeys(peptides[rows.index]):
                if len(keep) >= config.aggregate_inclusion_count_limit:
                    break
                keep.add(peptide)
            drop = (ids == group) & included & ~peptides.isin(keep)
            included &= ~drop
    good = included & (keys["ic50"] < keys["cutoff"])
    inc_ids = ids[included]
    n_transcripts = frame["Transcript"][included].groupby(inc_ids, sort=False).nunique()
    n_included = peptides[included].groupby(inc_ids, sort=False).nunique()
    n_good = peptides[good].groupby(ids[good], sort=False).nunique()
    per_allele = (
        peptides[good].groupby([ids[good], frame["HLA Allele"][good]], sort=False).nunique()
    )
    best = frame.loc[best_of_group.to_numpy()]
    group_ids = best_of_group.index
    out = pd.DataFrame({"ID": group_ids, "Index": best["Index"].to_numpy()})
    for allele, short in zip(alleles, allele_columns, strict=True):
        counts = [per_allele.get((g, allele), "") for g in group_ids]
        out[short] = counts
    aa_change = np.where(
        best["Variant Type"].astype(str).eq("FS"),
        "FS" + best["Protein Position"].astype(str),
        best["Mutation"].astype(str).str.split("/").str[0]
        + best["Protein Position"].astype(str)
        + best["Mutation"].astype(str).str.split("/").str[1].fillna(""),
    )
    prob = best["Problematic Positions"] if "Problematic Positions" in best else None
    out["Gene"] = best["Gene Name"].to_numpy()
    out["AA Change"] = aa_change
    out["Num Passing Transcripts"] = n_transcripts.reindex(group_ids).fillna(0).astype(int).values
    out["Best Peptide"] = best["MT Epitope Seq"].to_numpy()
    out["Best Transcript"] = best["Transcript"].to_numpy()
    out["MANE Select"] = best["MANE Select"].to_numpy()
    out["Canonical"] = best["Canonical"].to_numpy()
    out["TSL"] = best["Transcript Support Level"].to_numpy()
    out["Allele"] = best["HLA Allele"].to_numpy()
    out["Pos"] = best["Mutation Position"].to_numpy()
    out["Prob Pos"] = "None" if prob is None else prob.replace("", "None").to_numpy()
    out["Num Included Peptides"] = n_included.reindex(group_ids).fillna(0).astype(int).values
    out["Num Passing Peptides"] = n_good.reindex(group_ids).fillna(0).astype(int).values
    for out_col, in_col in cols.items():
        out[out_col] = [_fmt(v) for v in _numeric(best, in_col)]
    gene_expr = _numeric(best, "Gene Expression").to_numpy()
    rna_vaf = _numeric(best, "Tumor RNA VAF").to_numpy()
    out["RNA Expr"] = [_fmt(v) for v in gene_expr]
    out["RNA VAF"] = [_fmt(v) for v in rna_vaf]
    out["Allele Expr"] = [_fmt(v) for v in gene_expr * rna_vaf]
    out["RNA Depth"] = [_fmt(v) for v in _numeric(best, "Tumor RNA Depth")]
    out["DNA VAF"] = [_fmt(v) for v in _numeric(best, "Tumor DNA VAF")]
    if "Reference Match" in best:  # with a reference proteome (vaxmix.ranking.reference)
        out["Ref Match"] = best["Reference Match"].astype(str).to_numpy()
        columns.insert(columns.index("Evaluation"), "Ref Match")
    tiers = [assign_tier(row, config, vaf_clonal) for row in out.to_dict("records")]
    out["Tier"] = [t for t, _ in tiers]
    out["Tier Reasons"] = [r for _, r in tiers]
    out["Evaluation"] = "Pending"
    return _sort_aggregated(out[columns])


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
