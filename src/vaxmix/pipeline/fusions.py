"""Fusion neoantigens in ``vaxmix run --fusions``: pVACfuse-compatible tables beside SNV/indel.

Steps (pVACtools 7.1.5's pVACfuse, ``tools/pvacfuse/run.py`` and ``lib/post_processor.py``):

1. read AGFusion / Arriba (+ optional STAR-Fusion) into records (:mod:`vaxmix.variants.fusions`);
2. junction windows and their epitopes per length (:mod:`vaxmix.peptides.fusion_windows`);
3. predict every unique epitope × allele in one call per MHC class (the run's predictors);
4. ``all_epitopes``: pVACfuse's columns (Chromosome … Index, HLA Allele, Sub-peptide Position,
   Epitope Seq, Median/Best score families, Read Support, Expression) plus "Junction Position";
5. ``filtered``: pVACfuse's binding filter (IC50 ≤ threshold; percentile ≤ threshold,
   conservative = both, exploratory = either; NA passes), coverage filter (Read Support ≥
   ``read_support``, Expression ≥ ``expn_val``; NA passes, as pVACtools' ``Filter``), top-score
   filter (one best line per set of fusions with the same breakpoints and the same epitopes);
6. ``aggregated``: one row per fusion Index, pVACfuse's columns and tiers (Pass, PoorBinder,
   PoorPresentation, LowReadSupport, LowExpr, Poor), sorted by tier then rank.

With one predictor per class, the Median and Best families hold the same model value, as in
the SNV/indel tables (docs/mhc.md): the model's percentile rank fills "Percentile" and
"Presentation Percentile"; pVACfuse's "IC50 Percentile" and "Immunogenicity Percentile" stay NA
(no such predictor), and NA passes pVACfuse's filters and tiers.

Tables go to ``fusions/MHC_Class_I``, ``fusions/MHC_Class_II`` and ``fusions/combined`` in the
run folder, with the fusion table itself as ``fusions/fusions.tsv``.
"""

from __future__ import annotations

import glob
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.common.provenance import sha256_file
from vaxmix.common.runfolder import CLASS1_FOLDER, CLASS2_FOLDER, FUSION_FOLDER
from vaxmix.common.runrecord import FusionRunRecord
from vaxmix.mhc.protocol import PredictFn as Predictor
from vaxmix.peptides.fusion_windows import fusion_epitopes, fusion_window
from vaxmix.pipeline.fusion_args import FusionConfig
from vaxmix.pipeline.outputs import write_table
from vaxmix.ranking.config import RankingConfig
from vaxmix.variants.fusions import FusionRecord, read_fusions

__all__ = [
    "FUSION_FOLDER",
    "FusionConfig",
    "FusionResult",
    "fusion_run_record",
    "run_fusions",
    "write_fusion_outputs",
]


#: pVACfuse's aggregated-report tier order (``lib/sort.py``: ``pvacfuse_sort``).
TIER_ORDER = (
    "Pass",
    "PoorBinder",
    "PoorImmunogenicity",
    "PoorPresentation",
    "RefMatch",
    "LowReadSupport",
    "LowExpr",
    "ProbPos",
    "Poor",
)


@dataclass
class FusionResult:
    """Fusion records and, per folder under ``fusions/``, its tables."""

    records: list[FusionRecord]
    tables: dict[str, dict[str, pd.DataFrame]]
    counts: dict[str, object]
    timings: dict[str, float]
    models: list[str] = field(default_factory=list)


def fusion_table(records: list[FusionRecord]) -> pd.DataFrame:
    """pVACfuse's intermediate table (``<sample>.fa.tsv``) columns, one row per fusion."""
    return pd.DataFrame(
        {
            "chromosome_name": [r.chromosome for r in records],
            "start": [r.start for r in records],
            "stop": [r.stop for r in records],
            "reference": "fusion",
            "variant": "fusion",
            "gene_name": [r.genes for r in records],
            "transcript_name": [r.transcripts for r in records],
            "fusion_amino_acid_sequence": [r.peptide for r in records],
            "variant_type": [r.fusion_type for r in records],
            "protein_position": [r.junction for r in records],
            "fusion_read_support": pd.array([r.read_support for r in records], dtype="Int64"),
            "fusion_expression": [
                np.nan if r.expression is None else r.expression for r in records
            ],
            "index": [r.index for r in records],
            # not a pVACfuse column: residues before the first stop (NA: none), so that the
            # vaccine design never uses residues past it (vaxmix.peptides.fusion_regions)
            "fusion_coding_length": pd.array([r.coding_length for r in records], dtype="Int64"),
        }
    )


def _all_epitopes(
    records: list[FusionRecord],
    lengths: Sequence[int],
    alleles: list[str],
    predict: Predictor,
    downstream: int | None,
) -> tuple[pd.DataFrame, int, list[str]]:
    epitopes = pd.DataFrame(
        [
            (e.index, e.length, e.position, e.epitope)
            for e in fusion_epitopes(records, lengths, downstream)
        ],
        columns=["Index", "Length", "Sub-peptide Position", "Epitope Seq"],
    )
    peptides = list(pd.unique(epitopes["Epitope Seq"]))
    if not peptides or not alleles:
        return pd.DataFrame(), len(peptides), []
    predictions = predict(peptides, alleles)
    missing = {
        "peptide",
        "allele",
        "affinity_nm",
        "percentile",
        "presentation_score",
        "model",
    } - set(predictions.columns)
    if missing:
        raise TypeError(f"the predictor returned no {', '.join(sorted(missing))} column(s)")
    predictions = predictions.drop_duplicates(["peptide", "allele"])
    if len(predictions) < len(peptides) * len(alleles):  # never drop an epitope silently
        done = set(zip(predictions["peptide"], predictions["allele"], strict=True))
        lost = [(p, a) for p in peptides for a in alleles if (p, a) not in done]
        peptide = lost[0][0]
        source = next(r for r in records if peptide in fusion_window(r, len(peptide), downstream))
        raise InputError(
            f"the predictor gave no score for {len(lost)} fusion epitope × allele pair(s), "
            f"e.g. {peptide} with {lost[0][1]} (unsupported residue or allele?)",
            source.source,
            source.line,
            "peptide",
        )
    models = sorted(set(predictions["model"].astype(str)))
    method = models[0].split(" ")[0] if len(models) == 1 else "vaxmix"
    info = fusion_table(records).set_index("index")
    rows = epitopes.merge(predictions, left_on="Epitope Seq", right_on="peptide", how="inner")
    rows = rows.join(info, on="Index")
    junction = info["protein_position"]
    ic50 = rows["affinity_nm"].astype(float).round(3)
    pct = rows["percentile"].astype(float).round(3)
    out = pd.DataFrame(
        {
            "Chromosome": rows["chromosome_name"],
            "Start": rows["start"],
            "Stop": rows["stop"],
            "Transcript": rows["transcript_name"],
            "Gene Name": rows["gene_name"],
            "Variant Type": rows["variant_type"],
            "Index": rows["Index"],
            "HLA Allele": rows["allele"],
            "Sub-peptide Position": rows["Sub-peptide Position"],
            "Epitope Seq": rows["Epitope Seq"],
            "Median IC50 Score": ic50,
            "Best IC50 Score": ic50,
            "Best IC50 Score Method": method,
            "Median Percentile": pct,
            "Best Percentile": pct,
            "Best Percentile Method": method,
            "Median IC50 Percentile": np.nan,
            "Best IC50 Percentile": np.nan,
            "Best IC50 Percentile Method": "NA",
            "Median Immunogenicity Percentile": np.nan,
            "Best Immunogenicity Percentile": np.nan,
            "Best Immunogenicity Percentile Method": "NA",
            "Median Presentation Percentile": pct,
            "Best Presentation Percentile": pct,
            "Best Presentation Percentile Method": method,
            f"{method} IC50 Score": ic50,
            f"{method} Percentile": pct,
            f"{method} Presentation Score": rows["presentation_score"].astype(float).round(4),
            "Read Support": rows["fusion_read_support"],
            "Expression": rows["fusion_expression"],
            "Junction Position": rows["Index"].map(junction).astype(int),
            "Model": rows["model"].astype(str),
        }
    )
    return out.reset_index(drop=True), len(peptides), models


def _metric(frame: pd.DataFrame, ranking: RankingConfig) -> tuple[str, str]:
    family = "Median" if ranking.top_score_metric == "median" else "Best"
    return f"{family} IC50 Score", f"{family} Percentile"


def _binding_coverage_filter(
    frame: pd.DataFrame, ranking: RankingConfig, fusion: FusionConfig
) -> pd.DataFrame:
    ic50_col, _ = _metric(frame, ranking)
    family = ic50_col.split(" ")[0]
    fails = [frame[ic50_col] > ranking.binding_threshold]
    for kind in ("IC50 Percentile", "Immunogenicity Percentile", "Presentation Percentile"):
        fails.append(frame[f"{family} {kind}"] > ranking.percentile_threshold)  # NaN → False
    failed = np.column_stack(fails)
    drop = (
        failed.any(axis=1) if ranking.percentile_strategy == "conservative" else failed.all(axis=1)
    )
    keep = ~drop
    keep &= ~(frame["Read Support"].astype("Float64") < fusion.read_support).fillna(False)
    keep &= ~(frame["Expression"].astype(float) < fusion.expn_val)
    return frame[np.asarray(keep, dtype=bool)]


def _ranked(frame: pd.DataFrame, ranking: RankingConfig) -> pd.DataFrame:
    """pVACfuse's rank: dense ranks of IC50 and percentile (NA last), summed."""
    ic50_col, pct_col = _metric(frame, ranking)
    out = frame.copy()
    out["_rank_ic50"] = out[ic50_col].rank(method="dense", na_option="bottom")
    out["_rank"] = out["_rank_ic50"] + out[pct_col].rank(method="dense", na_option="bottom")
    out["_expr"] = out["Expression"].astype(float).fillna(0.0)
    return out


def _best_label(group: pd.DataFrame, ranking: RankingConfig) -> object:
    """Label of the best line (PvacfuseBestCandidate: dense ranks computed within ``group``,
    IC50 + percentile summed, then IC50 rank, then higher expression; ties keep row order)."""
    ranked = _ranked(group, ranking).sort_values(
        ["_rank", "_rank_ic50", "_expr"], ascending=[True, True, False], kind="stable"
    )
    return ranked.index[0]


def _best_per_group(
    frame: pd.DataFrame, keys: list[str], ranking: RankingConfig, by_index: bool = False
) -> pd.DataFrame:
    """The best line of each group, ranks computed within the group as :func:`_best_label`
    (``by_index``: rows first ordered by Index, as pVACfuse's top-score filter does).
    Vectorized: one grouped rank and one sort for all groups."""
    ic50_col, pct_col = _metric(frame, ranking)
    work = pd.DataFrame(
        {
            "_g": frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy(),
            "Index": frame["Index"].to_numpy(),
            "ic50": frame[ic50_col].astype(float).to_numpy(),
            "pct": frame[pct_col].astype(float).to_numpy(),
            "expr": frame["Expression"].astype(float).fillna(0.0).to_numpy(),
            "label": np.arange(len(frame)),
        }
    )
    if by_index:
        work = work.sort_values(["_g", "Index"], kind="stable")
    work["_pos"] = np.arange(len(work))
    grouped = work.groupby("_g")
    work["_ri"] = grouped["ic50"].rank(method="dense", na_option="bottom")
    work["_r"] = work["_ri"] + grouped["pct"].rank(method="dense", na_option="bottom")
    work["_e"] = -work["expr"]
    best = work.sort_values(["_g", "_r", "_ri", "_e", "_pos"], kind="stable")
    best = best.groupby("_g", sort=True).head(1)
    return frame.iloc[best["label"].to_numpy()]


def _top_score(frame: pd.DataFrame, ranking: RankingConfig) -> pd.DataFrame:
    """One best line per set of fusions that share breakpoints and epitopes (pVACfuse's rule),
    copied to every other fusion count with the same rest-of-Index."""
    if frame.empty:
        return frame
    ranked = frame.copy()
    signature = ranked.groupby("Index")["Epitope Seq"].agg(lambda s: ",".join(sorted(s)))
    ranked["_set"] = ranked["Index"].map(signature)
    best = _best_per_group(ranked, ["Chromosome", "Start", "Stop", "_set"], ranking, True)
    consequence = ranked["Index"].str.split(".", n=1).str[1]
    counts_by_consequence = (
        ranked.assign(_c=consequence)
        .groupby("_c")["Index"]
        .agg(lambda s: sorted(set(s.str.split(".", n=1).str[0])))
    )
    extra = []
    for _, row in best.iterrows():
        count, rest = row["Index"].split(".", 1)
        for other in counts_by_consequence.get(rest, []):
            if other != count:
                dup = row.copy()
                dup["Index"] = f"{other}.{rest}"
                extra.append(dup)
    if extra:
        best = pd.concat([best, pd.DataFrame(extra)], ignore_index=True)
    return _sort_full(best, ranking)


def _sort_full(frame: pd.DataFrame, ranking: RankingConfig) -> pd.DataFrame:
    """pvacfuse_sort (full): expression rank (high first) + IC50 rank + percentile rank, Index."""
    out = _ranked(frame, ranking)
    out["_total"] = (
        out["Expression"].astype(float).rank(ascending=False, method="dense", na_option="bottom")
        + out["_rank"]
    )
    out = out.sort_values(["_total", "_rank_ic50", "Index"], kind="stable")
    return out.drop(columns=[c for c in out.columns if c.startswith("_")]).reset_index(drop=True)


def _tier(row: dict, ranking: RankingConfig, fusion: FusionConfig) -> str:
    """PvacfuseUpdateTiers.get_tier (no reference-match or problematic-position columns)."""

    def passes(value: float, threshold: float) -> bool | None:
        return None if pd.isna(value) else float(value) < threshold

    ic50 = passes(row["IC50 MT"], ranking.binding_threshold)
    pct = ranking.percentile_threshold
    bind_pct = passes(row["IC50 %ile MT"], pct)
    im_pct = passes(row["IM %ile MT"], pct)
    pres_pct = passes(row["Pres %ile MT"], pct)
    all_scores = [s for s in (ic50, bind_pct, im_pct, pres_pct) if s is not None]
    binding = [s for s in (ic50, bind_pct) if s is not None]
    combine = all if ranking.percentile_strategy == "conservative" else any
    scores_pass, binding_pass = combine(all_scores), combine(binding)
    im_ok, pres_ok = im_pct is not False, pres_pct is not False
    low_reads = (
        not pd.isna(row["Read Support"]) and float(row["Read Support"]) < fusion.read_support
    )
    low_expr = not pd.isna(row["Expr"]) and float(row["Expr"]) < fusion.expn_val
    if scores_pass and not low_reads and not low_expr:
        return "Pass"
    if not binding_pass and im_ok and pres_ok and not low_reads and not low_expr:
        return "PoorBinder"
    if binding_pass and not im_ok and pres_ok and not low_reads and not low_expr:
        return "PoorImmunogenicity"
    if binding_pass and im_ok and not pres_ok and not low_reads and not low_expr:
        return "PoorPresentation"
    if scores_pass and low_reads and not low_expr:
        return "LowReadSupport"
    if scores_pass and not low_reads and low_expr:
        return "LowExpr"
    return "Poor"


def _aggregate(
    frame: pd.DataFrame, alleles: list[str], ranking: RankingConfig, fusion: FusionConfig
) -> pd.DataFrame:
    """One row per fusion Index (PvacfuseAggregateAllEpitopes), tiered and sorted."""
    columns = [
        "ID",
        *[a.replace("HLA-", "") for a in sorted(alleles)],
        "Gene",
        "Best Peptide",
        "Best Transcript",
        "Allele",
        "Prob Pos",
        "Num Included Peptides",
        "Num Passing Peptides",
        "IC50 MT",
        "%ile MT",
        "IC50 %ile MT",
        "IM %ile MT",
        "Pres %ile MT",
        "Expr",
        "Read Support",
        "Junction Position",
        "Tier",
        "Evaluation",
    ]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    family = "Median" if ranking.top_score_metric == "median" else "Best"
    ic50_col = f"{family} IC50 Score"
    out = []
    for key, group in frame[frame[ic50_col].notna()].groupby("Index", sort=True):
        best = group.loc[_best_label(group, ranking)]
        included = group[group[ic50_col] < ranking.aggregate_inclusion_binding_threshold]
        peptides = set(included["Epitope Seq"])
        if len(peptides) > ranking.aggregate_inclusion_count_limit:
            top = _ranked(_best_per_group(included, ["Epitope Seq"], ranking), ranking)
            top = top.sort_values(
                ["_rank", "_rank_ic50", "_expr"], ascending=[True, True, False], kind="stable"
            )
            keep = set(top["Epitope Seq"].iloc[: ranking.aggregate_inclusion_count_limit])
            included = included[included["Epitope Seq"].isin(keep)]
        if best.name not in included.index:
            included = pd.concat([included, group.loc[[best.name]]])
        good = included[included[ic50_col].astype(float) < ranking.binding_threshold]
        per_allele = Counter(good.drop_duplicates(["HLA Allele", "Epitope Seq"])["HLA Allele"])
        row = {"ID": key}
        row.update({a.replace("HLA-", ""): per_allele.get(a, "") for a in sorted(alleles)})
        row.update(
            {
                "Gene": best["Gene Name"],
                "Best Peptide": best["Epitope Seq"],
                "Best Transcript": best["Transcript"],
                "Allele": best["HLA Allele"],
                "Prob Pos": "None",
                "Num Included Peptides": included["Epitope Seq"].nunique(),
                "Num Passing Peptides": good["Epitope Seq"].nunique(),
                "IC50 MT": best[ic50_col],
                "%ile MT": best[f"{family} Percentile"],
                "IC50 %ile MT": best[f"{family} IC50 Percentile"],
                "IM %ile MT": best[f"{family} Immunogenicity Percentile"],
                "Pres %ile MT": best[f"{family} Presentation Percentile"],
                "Expr": best["Expression"],
                "Read Support": best["Read Support"],
                "Junction Position": best["Junction Position"],
                "Evaluation": "Pending",
            }
        )
        row["Tier"] = _tier(row, ranking, fusion)
        out.append(row)
    table = pd.DataFrame(out)[columns]
    expr_rank = pd.to_numeric(table["Expr"], errors="coerce").rank(
        ascending=False, method="dense", na_option="bottom"
    )
    ic50_rank = pd.to_numeric(table["IC50 MT"], errors="coerce").rank(
        method="dense", na_option="bottom"
    )
    pct_rank = pd.to_numeric(table["%ile MT"], errors="coerce").rank(
        method="dense", na_option="bottom"
    )
    order = pd.DataFrame(
        {
            "tier": table["Tier"].map({t: i for i, t in enumerate(TIER_ORDER)}),
            "rank": expr_rank + ic50_rank + pct_rank,
            "ic50": ic50_rank,
            "id": table["ID"],
        }
    )
    order = order.sort_values(["tier", "rank", "ic50", "id"], kind="stable").index
    return table.loc[order].reset_index(drop=True)


def _class_tables(
    records: list[FusionRecord],
    lengths: Sequence[int],
    alleles: list[str],
    predict: Predictor,
    ranking: RankingConfig,
    fusion: FusionConfig,
) -> tuple[dict[str, pd.DataFrame], dict[str, object], list[str]]:
    all_epitopes, n_peptides, models = _all_epitopes(
        records, lengths, alleles, predict, fusion.downstream_length
    )
    if all_epitopes.empty:
        filtered = aggregated = all_epitopes
        aggregated = _aggregate(all_epitopes, alleles, ranking, fusion)
    else:
        filtered = _top_score(_binding_coverage_filter(all_epitopes, ranking, fusion), ranking)
        aggregated = _aggregate(all_epitopes, alleles, ranking, fusion)
    counts = {
        "lengths": list(lengths),
        "fusions_with_epitopes": int(all_epitopes["Index"].nunique()) if len(all_epitopes) else 0,
        "predicted_peptides": n_peptides,
        "all_epitopes_rows": len(all_epitopes),
        "filtered_rows": len(filtered),
        "aggregated_rows": len(aggregated),
        "tiers": dict(Counter(aggregated["Tier"])) if len(aggregated) else {},
    }
    return (
        {"all_epitopes": all_epitopes, "filtered": filtered, "aggregated": aggregated},
        counts,
        models,
    )


def run_fusions(
    fusion: FusionConfig,
    ranking: RankingConfig,
    class1: tuple[Sequence[int], list[str], Predictor | None],
    class2: tuple[Sequence[int], list[str], Predictor | None],
    records: list[FusionRecord] | None = None,
) -> FusionResult:
    """Read the fusions (unless ``records`` were read already), predict class I and II (each
    ``(lengths, alleles, predictor)``; a class with no alleles or predictor is skipped), and
    build pVACfuse's tables."""
    timings: dict[str, float] = {}
    if records is None:
        start = time.perf_counter()
        records = read_fusions(fusion.path, fusion.starfusion_file)
        timings["fusions_read"] = time.perf_counter() - start
    tables: dict[str, dict[str, pd.DataFrame]] = {}
    counts: dict[str, object] = {
        "fusions": len(records),
        "inframe": sum(r.inframe for r in records),
        "frameshift": sum(not r.inframe for r in records),
    }
    models: list[str] = []
    for name, (lengths, alleles, predict) in ((CLASS1_FOLDER, class1), (CLASS2_FOLDER, class2)):
        if not alleles or predict is None or not lengths:
            continue
        start = time.perf_counter()
        tables[name], counts[name], class_models = _class_tables(
            records, lengths, alleles, predict, ranking, fusion
        )
        models += class_models
        timings[f"fusions_{name}"] = time.perf_counter() - start
    if len(tables) == 2:
        start = time.perf_counter()
        both = pd.concat(
            [t["all_epitopes"] for t in tables.values()], ignore_index=True, sort=False
        )
        alleles = list(class1[1]) + list(class2[1])
        tables["combined"] = {
            "all_epitopes": both,
            "filtered": _top_score(_binding_coverage_filter(both, ranking, fusion), ranking),
            "aggregated": _aggregate(both, alleles, ranking, fusion),
        }
        counts["combined"] = {k: len(v) for k, v in tables["combined"].items()}
        timings["fusions_combined"] = time.perf_counter() - start
    return FusionResult(records, tables, counts, timings, list(dict.fromkeys(models)))


def write_fusion_outputs(result: FusionResult, stage: Path, out_dir: Path) -> dict[str, Path]:
    """Write ``fusions/`` into the staged run folder; return {relative path: final path}."""
    files: dict[str, Path] = {}
    root = stage / FUSION_FOLDER
    root.mkdir()
    written = list(write_table(fusion_table(result.records), root, "fusions"))
    for name, tables in result.tables.items():
        (root / name).mkdir()
        for stem, table in tables.items():
            written += write_table(table, root / name, stem)
    for path in written:
        relative = path.relative_to(stage)
        files[str(relative)] = out_dir / relative
    return files


def fusion_run_record(fusion: FusionConfig, result: FusionResult) -> FusionRunRecord:
    """The ``fusions`` section of run.json: input checksum, parameters, counts, models."""
    inputs: dict[str, object] = {"path": str(fusion.path)}
    if fusion.path.is_file():
        inputs["sha256"] = sha256_file(fusion.path)
    else:  # an AGFusion folder: the checksum of every file read
        read = []
        for protein in sorted(fusion.path.glob("*/*_protein.fa")):
            stem = protein.name.removesuffix("_protein.fa")
            read += [protein, *protein.parent.glob(f"{glob.escape(stem)}.exons.*")]
        inputs["sha256"] = {str(p.relative_to(fusion.path)): sha256_file(p) for p in sorted(read)}
    if fusion.starfusion_file is not None:
        inputs["starfusion_file"] = {
            "path": str(fusion.starfusion_file),
            "sha256": sha256_file(fusion.starfusion_file),
        }
    params = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(fusion).items()}
    return FusionRunRecord(
        inputs=inputs,
        parameters=params,
        counts=result.counts,
        models=result.models,
        timings_s={k: round(v, 4) for k, v in result.timings.items()},
        rules="pVACfuse 7.1.5 (docs/fusions.md)",
    )
