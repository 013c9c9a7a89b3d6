"""The design sections of the report: the vaccine (selection, junctions, reasons, construct
map) and the mRNA (facts, QC table, map, predicted structure)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from vaxmix.report import svg
from vaxmix.report.formatting import curated, plain, plain_table
from vaxmix.report.loaders import LoadedRun

__all__ = ["mrna_section", "vaccine_section"]


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


def class2_design(design: dict[str, Any] | None) -> list[tuple[str, Any]]:
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


def construct_section(construct: dict[str, Any]) -> dict[str, Any]:
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


def design_facts(design: dict[str, Any]) -> list[tuple[str, Any]]:
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
            facts.append((label, plain(value)))
    return facts


def selection_table(frame: Any) -> dict[str, Any] | None:
    """The selected long peptides with readable headers; epitope counts as 'n (k class II)'."""
    table = curated(frame, SELECTION_COLUMNS)
    if table is None or "n_epitopes" not in table["keys"] or "n_class2_epitopes" not in frame:
        return table
    at = table["keys"].index("n_epitopes")
    for row, class2 in zip(table["rows"], frame["n_class2_epitopes"], strict=True):
        row[at] = f"{row[at]} ({class2})"
    return table


def mrna_map(mrna: dict[str, Any]) -> Markup | None:
    segments = _zero_based(list(mrna.get("segments") or []))
    if not segments:
        return None
    sequence = mrna.get("mrna") or ""
    length = len(sequence) if isinstance(sequence, str) and sequence else segments[-1]["end"]
    drawing = svg.construct_map(segments, length, title="mRNA map", unit="nt")
    return Markup(drawing)  # built with escaped text


def mrna_structure(mrna: dict[str, Any]) -> tuple[str, str] | None:
    """The predicted structure to draw and what it is, from the fields mrna.json may hold."""
    qc = mrna.get("qc") if isinstance(mrna.get("qc"), dict) else {}
    for label, value in (
        ("full mRNA, MFE structure (dangles=2)", qc.get("mrna_structure_d2")),
        ("design DP structure", mrna.get("dp_structure")),
    ):
        if isinstance(value, str) and value and set(value) <= set("().[]{}<>"):
            return label, value
    return None


def label_unit(key: str) -> tuple[str, str]:
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


def mrna_facts(mrna: dict[str, Any]) -> list[tuple[str, str]]:
    """Scalar fields of ``mrna.json`` and its ``qc`` with units (sequences left out)."""
    qc = mrna.get("qc") if isinstance(mrna.get("qc"), dict) else {}
    facts = []
    for key, value in [*mrna.items(), *qc.items()]:
        if key == "schema" or isinstance(value, dict | list):
            continue
        if isinstance(value, str) and len(value) > 120:
            continue
        label, unit = label_unit(key)
        text = plain(value)
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
    label, unit = label_unit(item)
    return f"{label} ({unit})" if unit else label


def mrna_qc(frame: Any) -> dict[str, Any] | None:
    if frame is None:
        return None
    table = plain_table(frame)
    assert table is not None
    if "item" in frame.columns:  # item/value/status, as vaxmix.mrna.writers writes qc.tsv
        at = list(frame.columns).index("item")
        for row in table["rows"]:
            row[at] = _qc_item(str(row[at]))
    names = {"item": "Check", "value": "Value", "status": "Status"}
    table["columns"] = [names.get(c, c) for c in table["columns"]]
    return table


def vaccine_section(folder: LoadedRun) -> dict[str, Any]:
    """``vaccine/``: the selection, junction and reason tables, the construct and design facts."""
    return {
        "selection": selection_table(folder.selection),
        "junctions": curated(folder.junctions, JUNCTION_COLUMNS),
        "vaccine_reasons": curated(folder.vaccine_candidates, REASON_COLUMNS),
        "construct": construct_section(folder.construct) if folder.construct else None,
        "design": folder.design,
        "design_facts": design_facts(folder.design) if folder.design else [],
        "class2_design": class2_design(folder.design),
    }


def mrna_section(folder: LoadedRun) -> dict[str, Any]:
    """``mrna/``: the QC table, the design's facts, its map and its predicted structure."""
    structure = mrna_structure(folder.mrna) if folder.mrna else None
    return {
        "mrna_qc": mrna_qc(folder.mrna_qc),
        "mrna": folder.mrna,
        "mrna_scalars": mrna_facts(folder.mrna) if folder.mrna else [],
        "mrna_map": mrna_map(folder.mrna) if folder.mrna else None,
        "structure_plot": Markup(svg.arc_diagram(structure[1])) if structure else None,
        "structure_label": structure[0] if structure else "",
    }
