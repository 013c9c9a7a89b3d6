"""Turn a run folder into one self-contained HTML report.

The page has no external reference: CSS, JavaScript and plots (SVG) are inlined, and per-
candidate details travel as an inline JSON block that the page's own script renders on demand.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from vaxmix import __version__
from vaxmix.common.atomic import atomic_write
from vaxmix.common.runfolder import CLASS1_FOLDER, CLASS2_FOLDER
from vaxmix.common.runrecord import RunRecord
from vaxmix.report import svg
from vaxmix.report.loaders import (
    FUSION_CLASS_FOLDERS,
    LoadedRun,
    candidate_records,
    class1_models,
    class2_models,
    epitope_records,
    load_run,
    run_alleles,
    run_class2_alleles,
    run_identity,
    run_inputs,
    to_number,
)

__all__ = ["build_context", "render_report", "write_report"]

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


def _json_for_script(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _tier_counts(candidates: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts = Counter(c["tier"] for c in candidates)
    ordered = [(t, counts[t]) for t in TIER_ORDER if counts.get(t)]
    ordered += sorted((t, n) for t, n in counts.items() if t not in svg.TIER_COLOURS)
    return ordered


def _variant_details(folder: LoadedRun, indexes: set[str]) -> dict[str, dict[str, str]]:
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
    "mt_peptide",
    "wt_peptide",
    "length",
    "mutation_position",
    "ic50_mt",
    "ic50_wt",
    "percentile_mt",
    "percentile_wt",
    "fold_change",
)


def _columnar(
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


def _class2_section(folder: LoadedRun) -> dict[str, Any] | None:
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
    in_table = any(row.get("core") for rows in grouped.values() for row in rows)
    core_note = ""
    if in_table:
        core_note = "binding core as written in the run's class II table"
    else:
        from vaxmix.report.cores import core_source, recompute_cores

        model = core_source(folder.record, models)
        if model is not None:
            pairs = [(r["mt_peptide"], r["allele"]) for rows in grouped.values() for r in rows]
            pairs += [(c["best_peptide"], c["allele"]) for c in candidates]
            cores = recompute_cores(pairs)
            for rows in grouped.values():
                for row in rows:
                    row["core"] = cores.get((str(row["mt_peptide"]), str(row["allele"])))
            for candidate in candidates:
                candidate["core"] = cores.get((candidate["best_peptide"], candidate["allele"]))
            core_note = (
                f"binding core predicted by {model} (recomputed by the report for the shown "
                "peptides: the run's tables do not store it)"
            )
    if in_table:
        best = {(str(r["mt_peptide"]), str(r["allele"])): r.get("core") for rows in
                grouped.values() for r in rows}  # fmt: skip
        for candidate in candidates:
            candidate["core"] = best.get((candidate["best_peptide"], candidate["allele"]))
    has_core = bool(core_note)
    fields = (*EPITOPE_DETAIL_FIELDS, "core") if has_core else EPITOPE_DETAIL_FIELDS
    tiers = _tier_counts(candidates)
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
        "detail_json": _json_for_script(
            {
                "epitopes": _columnar(grouped, fields),
                "variants": _variant_details(folder, indexes),
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


def _fusion_section(folder: LoadedRun) -> dict[str, Any] | None:
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
        table = _curated(frame, FUSION_COLUMNS)
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


def _class2_design(design: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """Class II facts of ``vaccine/design.json``: its ``class2`` section and binders by class."""
    if not design:
        return []
    facts: list[tuple[str, Any]] = []
    section = design.get("class2") if isinstance(design.get("class2"), dict) else {}
    for key, label in (
        ("alleles", "Class II molecules"),
        ("epitopes_in_selection", "Class II epitopes in the selected long peptides"),
        ("junction_lengths", "Class II junction peptide lengths"),
        ("note", "Class II note"),
    ):
        if key in section:
            value = section[key]
            facts.append((label, ", ".join(map(str, value)) if isinstance(value, list) else value))
    verification = design.get("verification")
    if isinstance(verification, dict):
        by_class = verification.get("binders_by_class")
        if isinstance(by_class, dict):
            for name, count in by_class.items():
                facts.append((f"Junction binders, {name} (predicted)", count))
        for key, label in (("rule", "Junction binder rule"), ("model", "Junction check models")):
            if key in verification and by_class is not None:
                value = verification[key]
                facts.append(
                    (label, ", ".join(map(str, value)) if isinstance(value, list) else value)
                )
    return facts


def _zero_based(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the elements with 0-based, end-exclusive ``start``/``end``.

    ``construct.json`` elements (:class:`vaxmix.vaccine.construct.Element`) and ``mrna.json``
    segments (:func:`vaxmix.mrna.writers.write_design`) are written 1-based and inclusive.
    """
    kept = [dict(e) for e in elements if isinstance(e, dict) and "start" in e and "end" in e]
    for element in kept:
        element["start"], element["end"] = int(element["start"]) - 1, int(element["end"])
        element.setdefault("kind", "")
        element.setdefault("name", "")
    return kept


def _construct_section(construct: dict[str, Any]) -> dict[str, Any]:
    elements = _zero_based(list(construct.get("elements", [])))
    protein = str(construct.get("protein") or "")
    length = len(protein) or max((e["end"] for e in elements), default=0)
    return {
        "elements": elements,
        "length": length,
        "protein": protein,
        "map": Markup(svg.construct_map(elements, length)) if elements else None,
        "kinds": sorted({str(e.get("kind", "")) for e in elements}),
        "colours": svg.KIND_COLOURS,
    }


def _mrna_map(mrna: dict[str, Any]) -> Markup | None:
    segments = _zero_based(list(mrna.get("segments") or []))
    if not segments:
        return None
    sequence = mrna.get("mrna") or ""
    length = len(sequence) if isinstance(sequence, str) and sequence else segments[-1]["end"]
    drawing = svg.construct_map(segments, length, title="mRNA map", unit="nt")
    return Markup(drawing)  # built with escaped text


def _mrna_structure(mrna: dict[str, Any]) -> tuple[str, str] | None:
    """The predicted structure to draw and what it is, from the fields mrna.json may hold."""
    qc = mrna.get("qc") if isinstance(mrna.get("qc"), dict) else {}
    for label, value in (
        ("full mRNA, MFE structure (dangles=2)", qc.get("mrna_structure_d2")),
        ("design DP structure", mrna.get("dp_structure")),
    ):
        if isinstance(value, str) and value and set(value) <= set("().[]{}<>"):
            return label, value
    return None


def _design_facts(design: dict[str, Any]) -> list[tuple[str, Any]]:
    """The headline fields of ``vaccine/design.json`` that exist in this file."""
    wanted = (
        ("n_peptides", "Long peptides"),
        ("construct_length", "Construct length (aa)"),
        ("covered_alleles", "Alleles covered"),
        ("uncovered_alleles", "Alleles not covered"),
        ("partial", "Partial design"),
        ("predictor_models", "Predictor models"),
        ("predictions_note", "Note"),
    )
    facts = []
    for key, label in wanted:
        if key in design:
            value = design[key]
            facts.append((label, _plain(value)))
    return facts


# Readable headers (with units) of the vaccine tables; columns not listed are not shown in the
# report (the TSV files in vaccine/ keep every column).
SELECTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("order", "#"),
    ("name", "Long peptide"),
    ("value", "Value (preset)"),
    ("sequence", "Sequence"),
    ("length", "Length (aa)"),
    ("best_epitope", "Best epitope"),
    ("best_allele", "Its allele"),
    ("best_affinity_nm", "IC50 (nM, predicted)"),
    ("best_percentile", "Percentile (predicted)"),
    ("agretopicity", "Agretopicity (MT/WT IC50)"),
    ("gene_expression_tpm", "Gene expression (TPM)"),
    ("tumor_abundance_tpm", "Tumor abundance (TPM x RNA VAF)"),
    ("rna_vaf", "RNA VAF"),
    ("dna_vaf", "DNA VAF"),
    ("n_epitopes", "Epitopes (of them class II)"),
    ("alleles_covered", "Alleles covered"),
)
JUNCTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("junction", "#"),
    ("left", "Left"),
    ("right", "Right"),
    ("linker", "Linker"),
    ("linker_sequence", "Linker sequence"),
    ("junction_peptides", "Junction peptides checked"),
    ("predicted_binders", "Predicted binders"),
    ("worst_peptide", "Strongest junction peptide"),
    ("worst_allele", "Its allele"),
    ("worst_affinity_nm", "Its IC50 (nM, predicted)"),
    ("worst_percentile", "Its percentile (predicted)"),
)
REASON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("gene", "Gene"),
    ("aa_change", "AA change"),
    ("variant", "Variant"),
    ("kind", "Kind"),
    ("class1_tier", "Class I tier"),
    ("class2_tier", "Class II tier"),
    ("in_vaccine", "In vaccine"),
    ("long_peptide", "Long peptide"),
    ("reason", "Why"),
)
# mRNA QC fields: label and unit.
MRNA_QC_LABELS: dict[str, tuple[str, str]] = {
    "mrna_length_nt": ("mRNA length", "nt"),
    "cds_length_nt": ("CDS length", "nt"),
    "protein_length_aa": ("Protein length", "aa"),
    "cai": ("Codon adaptation index (CAI, 0-1)", ""),
    "codon_table": ("Codon usage table", ""),
    "energy_model": ("Energy model", ""),
    "mfe": ("Minimum free energy (predicted)", "kcal/mol"),
    "mfe_per_nt": ("MFE per nucleotide (predicted)", "kcal/mol/nt"),
    "gc_content": ("GC content", "fraction"),
    "mfe_cds_d0": ("MFE of the CDS, dangles=0 (predicted)", "kcal/mol"),
    "mfe_cds_d2": ("MFE of the CDS, dangles=2 (predicted)", "kcal/mol"),
    "mfe_mrna_d0": ("MFE of the full mRNA, dangles=0 (predicted)", "kcal/mol"),
    "mfe_mrna_d2": ("MFE of the full mRNA, dangles=2 (predicted)", "kcal/mol"),
    "gc_cds": ("GC content of the CDS", "fraction"),
    "gc_mrna": ("GC content of the mRNA", "fraction"),
    "gc_window_min": ("GC content, lowest sliding window", "fraction"),
    "gc_window_max": ("GC content, highest sliding window", "fraction"),
    "gc_window_min_max": ("GC content, sliding window min-max", "fraction"),
    "u_fraction_cds": ("Uridine in the CDS", "fraction"),
    "u_fraction_mrna": ("Uridine in the mRNA", "fraction"),
    "start_region_paired_fraction": ("Start region paired", "fraction of nt"),
    "start_region_ok": ("Start region open enough", ""),
    "translation_matches": ("CDS translates to the construct", ""),
    "translation_matches_input": ("CDS translates to the construct", ""),
    "dp_rounds": ("Design DP rounds", ""),
    "repair_swaps": ("Codon swaps in repair", ""),
    "start_region_swaps": ("Codon swaps at the start region", ""),
    "cai_check": ("CAI recomputed from the sequence", ""),
}


def _plain(value: Any) -> str:
    """A value as a reader expects it: yes/no, 'not given', lists joined, numbers short."""
    if value is None:
        return "not given"
    if isinstance(value, bool) or value in ("True", "False"):
        return "yes" if value in (True, "True") else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) if value else "none"
    if isinstance(value, float):
        return _short(value)
    return str(value)


def _flatten(section: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested provenance records as (key path, readable value) rows, no JSON escapes."""
    rows: list[tuple[str, str]] = []
    for key, value in section.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows += _flatten(value, f"{name} › ")
        elif isinstance(value, dict):
            rows.append((name, "none"))
        else:
            rows.append((name, _plain(value)))
    return rows


def _curated(frame: Any, columns: tuple[tuple[str, str], ...]) -> dict[str, Any] | None:
    """The listed columns of ``frame`` (those it has), with readable headers."""
    if frame is None:
        return None
    kept = [(c, label) for c, label in columns if c in frame.columns]
    return {
        "keys": [c for c, _ in kept],
        "columns": [label for _, label in kept],
        "rows": frame[[c for c, _ in kept]].to_dict("split")["data"],
    }


def _selection_table(frame: Any) -> dict[str, Any] | None:
    """The selected long peptides with readable headers; epitope counts as 'n (k class II)'."""
    table = _curated(frame, SELECTION_COLUMNS)
    if table is None or "n_epitopes" not in table["keys"] or "n_class2_epitopes" not in frame:
        return table
    at = table["keys"].index("n_epitopes")
    for row, class2 in zip(table["rows"], frame["n_class2_epitopes"], strict=True):
        row[at] = f"{row[at]} ({class2})"
    return table


def _label_unit(key: str) -> tuple[str, str]:
    """Words and unit of an mRNA field: the table above, else from its name's unit suffix."""
    if key in MRNA_QC_LABELS:
        return MRNA_QC_LABELS[key]
    for suffix, unit in (("_kcal_mol", "kcal/mol"), ("_nt", "nt"), ("_aa", "aa")):
        if key.endswith(suffix):
            base = key[: -len(suffix)]
            label = MRNA_QC_LABELS.get(base, (base.replace("_", " ").capitalize(), ""))[0]
            return label, unit
    words = {"name": "Name", "all_constraints_met": "All manufacturing constraints met",
             "cap": "Cap"}  # fmt: skip
    return words.get(key, key.replace("_", " ").capitalize()), ""


def _mrna_facts(mrna: dict[str, Any]) -> list[tuple[str, str]]:
    """Scalar fields of ``mrna.json`` and its ``qc`` with units (sequences left out)."""
    qc = mrna.get("qc") if isinstance(mrna.get("qc"), dict) else {}
    facts = []
    for key, value in [*mrna.items(), *qc.items()]:
        if key == "schema" or isinstance(value, dict | list):
            continue
        if isinstance(value, str) and len(value) > 120:
            continue
        label, unit = _label_unit(key)
        text = _plain(value)
        if unit == "fraction":
            text += " (fraction)"
        elif unit:
            text += f" {unit}"
        facts.append((label, text))
    return facts


def _qc_item(item: str) -> str:
    """A ``mrna/qc.tsv`` item name in words, with its unit."""
    if item.startswith("constraint:"):
        return "Constraint: " + item.split(":", 1)[1].replace("_", " ")
    label, unit = _label_unit(item)
    return f"{label} ({unit})" if unit else label


def _mrna_qc(frame: Any) -> dict[str, Any] | None:
    if frame is None:
        return None
    table = _table(frame)
    assert table is not None
    if "item" in frame.columns:  # item/value/status, as vaxmix.mrna.writers writes qc.tsv
        at = list(frame.columns).index("item")
        for row in table["rows"]:
            row[at] = _qc_item(str(row[at]))
    names = {"item": "Check", "value": "Value", "status": "Status"}
    table["columns"] = [names.get(c, c) for c in table["columns"]]
    return table


def _virus_plots(folder: LoadedRun) -> list[tuple[str, str, str]]:
    """(id, title, data URI) of the virus stage's SVG figures (shown as images: no script)."""
    titles = {
        "dose_response": "Dose-response curves (ex vivo plate, 4PL fits)",
        "receptor_heatmap": "Virus entry receptors in the tumor RNA (TPM)",
    }
    return [
        (f"virus-{name}", titles.get(name, name),
         "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii"))
        for name, data in folder.virus_plots.items()
    ]  # fmt: skip


def _vaccine_reasons(folder: LoadedRun) -> dict[str, dict[str, str]]:
    """``vaccine/candidates.tsv`` by variant ID: in the vaccine or not, and why."""
    frame = folder.vaccine_candidates
    if frame is None or "variant" not in frame.columns:
        return {}
    return {
        str(row["variant"]): {k: str(row.get(k, "")) for k in ("in_vaccine", "long_peptide",
                                                               "reason")}
        for row in frame.to_dict("records")
    }  # fmt: skip


def _parameters(run: RunRecord) -> dict[str, Any]:
    """``run.json`` parameters, with the alleles an HLA file gave shown (not ``[]``)."""
    parameters = dict(run.parameters)
    listed = [*run.alleles, *run.class2_alleles]
    if not parameters.get("alleles") and listed and parameters.get("hla_file"):
        parameters["alleles"] = f"{', '.join(map(str, listed))} (read from hla_file)"
    return parameters


def _allele_names(run: RunRecord) -> list[dict[str, str]]:
    """run.json ``allele_names`` as table rows: each allele as the user gave it, the name the
    run used, its WHO expression status, used / excluded / skipped, and why.

    The why comes from the record itself: an excluded allele's expression suffix (WHO
    nomenclature, :data:`vaxmix.common.alleles.EXPRESSION_SUFFIXES`), a kept allele's
    questionable expression, the spelling normalisation, or a skipped gene's reason.
    """
    from vaxmix.common.alleles import EXPRESSION_SUFFIXES

    rows = []
    for record in run.allele_names:
        if not isinstance(record, dict):
            continue
        action = str(record.get("action") or "")
        suffix = str(record.get("suffix") or "")
        meaning = EXPRESSION_SUFFIXES.get(suffix, ("", "", True))[1]
        why = []
        if action == "excluded":
            status = meaning or "not expressed"
            status += f" (suffix {suffix})" if suffix else ""
            why.append(f"{status}: not at the cell surface, so no epitope is predicted for it")
        elif action == "used" and meaning:
            why.append(f"kept with a warning: {meaning} (suffix {suffix})")
        if record.get("reason"):
            why.append(str(record["reason"]))
        if record.get("normalisation") and not meaning:  # a suffix's reading is said above
            why.append(str(record["normalisation"]))
        rows.append({
            "given": str(record.get("given") or ""),
            "source": str(record.get("source") or "--alleles"),
            "name": str(record.get("name") or ""),
            "mhc_class": str(record.get("mhc_class") or ""),
            "expression": str(record.get("expression") or ""),
            "action": action,
            "why": "; ".join(why) or "used as given",
        })  # fmt: skip
    return rows


def _virus_rows(panel: dict[str, Any] | None, key: str) -> list[dict[str, Any]]:
    """Virus records under ``key`` of ``panel.json`` (``picks``, ``rejections``:
    :meth:`vaxmix.virus.select.Panel.to_dict`)."""
    rows = (panel or {}).get(key)
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _virus_notes(panel: dict[str, Any] | None) -> list[str]:
    panel = panel or {}
    notes = [str(n) for n in panel.get("notes") or []]
    notes += [f"missing input: {m}" for m in panel.get("missing_inputs") or []]
    return notes


def _table(frame: Any) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {"columns": list(frame.columns), "rows": frame.to_dict("split")["data"]}


def build_context(folder: LoadedRun) -> dict[str, Any]:
    """Everything the template shows, computed from the loaded run folder."""
    candidates = candidate_records(folder)
    reasons = _vaccine_reasons(folder)
    for candidate in candidates:
        if candidate["variant_id"] in reasons:
            candidate["vaccine"] = reasons[candidate["variant_id"]]
    indexes = {c["variant_index"] for c in candidates}
    epitopes = _columnar(epitope_records(folder, indexes=indexes))
    details = _variant_details(folder, indexes)
    tiers = _tier_counts(candidates)
    points = [
        (c["ic50_wt"], c["ic50_mt"], c["tier"], f"{c['gene']} {c['aa_change']} {c['best_peptide']}")
        for c in candidates
        if c["ic50_mt"] is not None and c["ic50_wt"] is not None
    ]
    run = folder.record
    identity = run_identity(folder)
    context: dict[str, Any] = {
        "identity": identity,
        "alleles": run_alleles(folder),
        "run": run,
        "status": "completed",  # run.json is written only when a run succeeds
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
        "detail_json": _json_for_script(
            {"epitopes": epitopes, "variants": details, "candidates": candidates}
        ),
        "selection": _selection_table(folder.selection),
        "junctions": _curated(folder.junctions, JUNCTION_COLUMNS),
        "vaccine_reasons": _curated(folder.vaccine_candidates, REASON_COLUMNS),
        "construct": _construct_section(folder.construct) if folder.construct else None,
        "mrna_qc": _mrna_qc(folder.mrna_qc),
        "mrna": folder.mrna,
        "mrna_scalars": _mrna_facts(folder.mrna) if folder.mrna else [],
        "mrna_map": _mrna_map(folder.mrna) if folder.mrna else None,
        "structure_plot": None,
        "structure_label": "",
        "virus": folder.virus_panel,
        "virus_rows": _virus_rows(folder.virus_panel, "picks"),
        "virus_rejections": _virus_rows(folder.virus_panel, "rejections"),
        "virus_notes": _virus_notes(folder.virus_panel),
        "virus_simulated": (str((folder.virus_panel or {}).get("data_origin") or "simulated data")
                            if (folder.virus_panel or {}).get("simulated") else None),
        "virus_plots": _virus_plots(folder),
        "class1_models": class1_models(folder),
        "checksums": folder.checksums,
        "inputs": run_inputs(run),
        "allele_names": _allele_names(run),
        "provenance": [
            (title, _flatten(section))
            for title, section in (
                ("Parameters", _parameters(run)),
                ("Models", dataclasses.asdict(run.prediction)),
                ("Versions", run.versions),
                ("Timings (s)", run.timings_s),
                ("Counts", run.counts),
                ("Skipped", run.skipped),
                ("Gene fusions", dataclasses.asdict(run.fusions) if run.fusions else {}),
            )
            if section
        ],
        "run_warnings": list(run.warnings),
        "design": folder.design,
        "design_facts": _design_facts(folder.design) if folder.design else [],
        "class2": _class2_section(folder),
        "fusions": _fusion_section(folder),
        "class2_design": _class2_design(folder.design),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vaxmix_version": __version__,
        "tier_colours": svg.TIER_COLOURS,
        "number": to_number,
    }
    structure = _mrna_structure(folder.mrna) if folder.mrna else None
    if structure is not None:
        context["structure_label"] = structure[0]
        context["structure_plot"] = Markup(svg.arc_diagram(structure[1]))
    return context


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("vaxmix.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _format_number
    env.filters["short"] = _short
    env.filters["tojson_compact"] = lambda v: json.dumps(v, sort_keys=True, default=str)
    return env


def _format_number(value: Any, digits: int = 3) -> str:
    number = to_number(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    if number == int(number) and abs(number) < 1e12:
        return str(int(number))
    if abs(number) >= 1000:
        return f"{number:.0f}"
    return f"{number:.{digits}f}".rstrip("0").rstrip(".")


def _short(value: Any) -> str:
    """A table cell: numbers to 4 significant digits (integers kept whole), yes/no, text."""
    if isinstance(value, bool) or value in ("True", "False"):
        return "yes" if value in (True, "True") else "no"
    if value is None:
        return ""
    number = to_number(value)
    if number is None or isinstance(value, int):
        return str(value)
    if number == int(number) and abs(number) < 1e12:
        return str(int(number))
    return f"{number:.0f}" if abs(number) >= 1000 else f"{number:.4g}"


def _static(name: str) -> Markup:
    text = resources.files("vaxmix.report").joinpath("static", name).read_text(encoding="utf-8")
    return Markup(text)


def render_report(folder: LoadedRun) -> str:
    """Render the report HTML of a loaded run folder."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        css=_static("report.css"), js=_static("report.js"), **build_context(folder)
    )


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for ``run_dir`` (or to ``out``) atomically and return its path.

    Raises
    ------
    InputError
        When the run folder is missing, has no ``run.json``, or holds an unreadable file.
    """
    folder = load_run(run_dir)
    target = Path(out) if out is not None else Path(run_dir) / "report.html"
    html = render_report(folder)
    with atomic_write(target, encoding="utf-8") as handle:
        handle.write(html)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(target, 0o666 & ~umask)  # a report is a document to share, not a secret
    return target
