"""The candidate sections of the report: class I and class II candidates with their peptides,
and the gene-fusion candidates."""

from __future__ import annotations

from collections import Counter
from typing import Any

from markupsafe import Markup

from vaxmix.common.runfolder import CLASS1_FOLDER, CLASS2_FOLDER
from vaxmix.report import svg
from vaxmix.report.formatting import curated, json_for_script
from vaxmix.report.loaders import (
    FUSION_CLASS_FOLDERS,
    LoadedRun,
    candidate_records,
    class1_models,
    class2_models,
    epitope_records,
    run_class2_alleles,
)

__all__ = ["candidate_section", "class2_section", "fusion_section", "tier_counts"]


TIER_ORDER = tuple(svg.TIER_COLOURS)


VARIANT_DETAIL_COLUMNS = (
    "variant_type",
    "hgvsc",
    "hgvsp",
    "tdna_depth",
    "tdna_vaf",
    "trna_depth",
    "trna_vaf",
    "normal_depth",
    "normal_vaf",
    "gene_expression",
    "transcript_expression",
)


def tier_counts(candidates: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts = Counter(c["tier"] for c in candidates)
    ordered = [(t, counts[t]) for t in TIER_ORDER if counts.get(t)]
    ordered += sorted((t, n) for t, n in counts.items() if t not in svg.TIER_COLOURS)
    return ordered


def variant_details(folder: LoadedRun, indexes: set[str]) -> dict[str, dict[str, str]]:
    """Depths, VAFs and expression of each candidate from ``variants.tsv`` (by ``index``)."""
    frame = folder.variants
    if frame is None or "index" not in frame.columns:
        return {}
    frame = frame[frame["index"].isin(indexes)]
    columns = [c for c in VARIANT_DETAIL_COLUMNS if c in frame.columns]
    details = {}
    for row in frame[["index", *columns]].drop_duplicates("index").to_dict("records"):
        details[str(row.pop("index"))] = {k: str(v) for k, v in row.items()}
    return details


EPITOPE_DETAIL_FIELDS = (
    "allele",
    "peptide",
    "wt_peptide",
    "length",
    "mutation_position",
    "mt_ic50",
    "wt_ic50",
    "mt_percentile",
    "wt_percentile",
    "fold_change",
)


def columnar(
    grouped: dict[str, list[dict[str, Any]]], fields: tuple[str, ...] = EPITOPE_DETAIL_FIELDS
) -> dict[str, Any]:
    """Peptide rows as lists under one header, to keep the embedded JSON small."""
    return {
        "columns": list(fields),
        "rows": {
            index: [[row.get(field) for field in fields] for row in rows]
            for index, rows in grouped.items()
        },
    }


def vaccine_reasons(folder: LoadedRun) -> dict[str, dict[str, str]]:
    """``vaccine/candidates.tsv`` by variant ID: in the vaccine or not, and why."""
    frame = folder.vaccine_candidates
    if frame is None or "variant" not in frame.columns:
        return {}
    return {
        str(row["variant"]): {k: str(row.get(k, "")) for k in ("in_vaccine", "long_peptide",
                                                               "reason")}
        for row in frame.to_dict("records")
    }  # fmt: skip


def attach_cores(
    folder: LoadedRun,
    grouped: dict[str, list[dict[str, Any]]],
    candidates: list[dict[str, Any]],
    models: list[str],
) -> str:
    """Set ``mt_core`` on the shown class II peptides and ``core`` on the candidates; return
    where the cores come from (empty: no core is shown).

    The table's ``MT Core`` column when it has one, else the shipped model's prediction when
    that model made the run's predictions (:mod:`vaxmix.report.cores`).
    """
    if any(row.get("mt_core") for rows in grouped.values() for row in rows):
        best = {(str(r["peptide"]), str(r["allele"])): r.get("mt_core") for rows in
                grouped.values() for r in rows}  # fmt: skip
        for candidate in candidates:
            candidate["core"] = best.get((candidate["best_peptide"], candidate["allele"]))
        return "binding core as written in the run's class II table"
    from vaxmix.report.cores import core_source, recompute_cores

    model = core_source(folder.record, models)
    if model is None:
        return ""
    pairs = [(r["peptide"], r["allele"]) for rows in grouped.values() for r in rows]
    pairs += [(c["best_peptide"], c["allele"]) for c in candidates]
    cores = recompute_cores(pairs)
    for rows in grouped.values():
        for row in rows:
            row["mt_core"] = cores.get((str(row["peptide"]), str(row["allele"])))
    for candidate in candidates:
        candidate["core"] = cores.get((candidate["best_peptide"], candidate["allele"]))
    return (
        f"binding core predicted by {model} (recomputed by the report for the shown "
        "peptides: the run's tables do not store it)"
    )


def class2_section(folder: LoadedRun) -> dict[str, Any] | None:
    """The class II candidates, their peptides and cores; ``None`` for a class I-only run.

    The core of each shown peptide comes from the table's core column when it has one, else it
    is recomputed with the shipped model when that model made the run's predictions
    (:mod:`vaxmix.report.cores`); otherwise no core is shown.
    """
    if folder.class2_aggregated is None and folder.class2_epitopes is None:
        return None
    candidates = candidate_records(folder, class2=True)
    indexes = {c["variant_index"] for c in candidates}
    grouped = epitope_records(folder, indexes=indexes, class2=True)
    models = class2_models(folder)
    core_note = attach_cores(folder, grouped, candidates, models)
    has_core = bool(core_note)
    fields = (*EPITOPE_DETAIL_FIELDS, "mt_core") if has_core else EPITOPE_DETAIL_FIELDS
    tiers = tier_counts(candidates)
    return {
        "candidates": candidates,
        "n_candidates": len(candidates),
        "n_epitopes": None if folder.class2_epitopes is None else len(folder.class2_epitopes),
        "n_filtered": None if folder.class2_filtered is None else len(folder.class2_filtered),
        "tiers": tiers,
        "tier_plot": (
            Markup(svg.bar_chart(tiers, "Class II candidates per tier")) if tiers else None
        ),
        "alleles": run_class2_alleles(folder),
        "models": models,
        "has_core": has_core,
        "core_note": core_note,
        "detail_json": json_for_script(
            {
                "epitopes": columnar(grouped, fields),
                "variants": variant_details(folder, indexes),
                "candidates": candidates,
            }
        ),
    }


# Gene-fusion aggregated table (pVACfuse's columns, vaxmix.pipeline.fusions) -> report header.
FUSION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ID", "Fusion (Index)"),
    ("Gene", "Genes"),
    ("Junction Position", "Junction position"),
    ("Best Peptide", "Best peptide"),
    ("Allele", "Its allele"),
    ("IC50 MT", "IC50 (nM, predicted)"),
    ("%ile MT", "Percentile (predicted)"),
    ("Num Passing Peptides", "Passing peptides"),
    ("Read Support", "Read support (reads)"),
    ("Expr", "Expression (FFPM)"),
    ("Tier", "Tier"),
)


FUSION_CLASS_TITLES = {CLASS1_FOLDER: "Class I", CLASS2_FOLDER: "Class II"}


def fusion_section(folder: LoadedRun) -> dict[str, Any] | None:
    """The gene-fusion candidates (``fusions/MHC_Class_I|II/aggregated.tsv``) as a kind of
    their own; ``None`` for a run without fusions.

    The models come from run.json's ``fusions`` section (the run records which predictor
    scored the fusion epitopes); columns a table lacks are not shown (an Arriba run without
    STAR-Fusion has Expr NA, which is shown as NA, not as zero).
    """
    if not folder.fusion_aggregated:
        return None
    record = folder.record.fusions
    models = list(record.models) if record is not None else []
    classes = []
    for name in FUSION_CLASS_FOLDERS:
        frame = folder.fusion_aggregated.get(name)
        if frame is None:
            continue
        table = curated(frame, FUSION_COLUMNS)
        assert table is not None
        tiers = Counter(str(t) for t in frame["Tier"])
        classes.append({
            "name": name,
            "title": FUSION_CLASS_TITLES.get(name, name),
            "table": table,
            "n_candidates": len(frame),
            "tiers": [(t, tiers[t]) for t in TIER_ORDER if tiers.get(t)]
            + sorted((t, n) for t, n in tiers.items() if t not in svg.TIER_COLOURS),
        })  # fmt: skip
    return {
        "classes": classes,
        "models": models,
        "n_fusions": record.counts.get("fusions") if record is not None else None,
        "rules": record.rules if record is not None else "",
    }


def candidate_section(folder: LoadedRun) -> dict[str, Any]:
    """The class I candidates (with ``vaccine/candidates.tsv``'s verdict), their peptides and
    variant details as inline JSON, the tier and IC50 plots."""
    candidates = candidate_records(folder)
    reasons = vaccine_reasons(folder)
    for candidate in candidates:
        if candidate["variant_id"] in reasons:
            candidate["vaccine"] = reasons[candidate["variant_id"]]
    indexes = {c["variant_index"] for c in candidates}
    epitopes = columnar(epitope_records(folder, indexes=indexes))
    details = variant_details(folder, indexes)
    tiers = tier_counts(candidates)
    points = [
        (c["ic50_wt"], c["ic50_mt"], c["tier"], f"{c['gene']} {c['aa_change']} {c['best_peptide']}")
        for c in candidates
        if c["ic50_mt"] is not None and c["ic50_wt"] is not None
    ]
    return {
        "candidates": candidates,
        "n_candidates": len(candidates),
        "n_epitopes": None if folder.epitopes is None else len(folder.epitopes),
        "n_filtered": None if folder.filtered is None else len(folder.filtered),
        "tiers": tiers,
        "tier_plot": Markup(svg.bar_chart(tiers, "Candidates per tier")) if tiers else None,
        "ic50_plot": Markup(
            svg.scatter_loglog(
                points,
                "WT IC50 (nM, predicted)",
                "MT IC50 (nM, predicted)",
                "Best peptide per candidate: MT vs WT IC50",
            )
        )
        if points
        else None,
        "detail_json": json_for_script(
            {"epitopes": epitopes, "variants": details, "candidates": candidates}
        ),
        "class1_models": class1_models(folder),
        "class2": class2_section(folder),
        "fusions": fusion_section(folder),
    }
