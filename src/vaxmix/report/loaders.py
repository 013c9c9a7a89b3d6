"""Read a vaxmix run folder into plain records for the report and the registry.

Every file of the run folder (docs/architecture.md) is read by one small function here, so the
exact file and column names live in one place. Optional parts (the vaccine design, the mRNA
design, the virus panel) load as ``None`` when absent, and each report section is shown only when
its part is present.

Column names follow pVACseq's report columns (pvactools ``aggregate_all_epitopes.py`` and
``OutputParser``), which the vaxmix ranking stage keeps where the meaning is the same.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.common.provenance import sha256_file
from vaxmix.common.runfolder import (
    CLASS2_FOLDER,
    FUSION_CLASS_FOLDERS,
    FUSION_FOLDER,
    require_complete,
)

__all__ = [
    "AGGREGATED_FIELDS",
    "CLASS2_FOLDER",
    "EPITOPE_FIELDS",
    "FUSION_CLASS_FOLDERS",
    "FUSION_FOLDER",
    "LoadedRun",
    "candidate_records",
    "class1_models",
    "class2_models",
    "epitope_records",
    "fusion_candidate_records",
    "load_run",
    "run_alleles",
    "run_class2_alleles",
    "run_identity",
    "run_inputs",
    "run_section",
    "selected_indexes",
]

# Report field -> aggregated.tsv column (pVACseq names).
AGGREGATED_FIELDS: dict[str, str] = {
    "variant_id": "ID",
    "index": "Index",
    "gene": "Gene",
    "aa_change": "AA Change",
    "transcript": "Best Transcript",
    "best_peptide": "Best Peptide",
    "allele": "Allele",
    "num_passing_peptides": "Num Passing Peptides",
    "ic50_mt": "IC50 MT",
    "ic50_wt": "IC50 WT",
    "percentile_mt": "%ile MT",
    "percentile_wt": "%ile WT",
    "rna_expr": "RNA Expr",
    "rna_vaf": "RNA VAF",
    "allele_expr": "Allele Expr",
    "rna_depth": "RNA Depth",
    "dna_vaf": "DNA VAF",
    "tier": "Tier",
    "tier_reasons": "Tier Reasons",
    "evaluation": "Evaluation",
}
NUMERIC_CANDIDATE_FIELDS = frozenset(
    {
        "num_passing_peptides",
        "ic50_mt",
        "ic50_wt",
        "percentile_mt",
        "percentile_wt",
        "rna_expr",
        "rna_vaf",
        "allele_expr",
        "rna_depth",
        "dna_vaf",
    }
)

# Report field -> all_epitopes.tsv column; the first present column of each tuple is used.
EPITOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "index": ("Index",),
    "allele": ("HLA Allele",),
    "length": ("Peptide Length",),
    "mutation_position": ("Mutation Position",),
    "mt_peptide": ("MT Epitope Seq",),
    "wt_peptide": ("WT Epitope Seq",),
    "ic50_mt": ("Median MT IC50 Score", "Best MT IC50 Score"),
    "ic50_wt": ("Median WT IC50 Score", "Corresponding WT IC50 Score"),
    "percentile_mt": ("Median MT Percentile", "Best MT Percentile"),
    "percentile_wt": ("Median WT Percentile", "Corresponding WT Percentile"),
    "fold_change": ("Median Fold Change", "Corresponding Fold Change"),
    "tumor_dna_vaf": ("Tumor DNA VAF",),
    "tumor_rna_vaf": ("Tumor RNA VAF",),
    "gene_expression": ("Gene Expression",),
    "transcript_expression": ("Transcript Expression",),
    "method": ("Best MT IC50 Score Method", "Prediction Model"),
    "core": ("Best MT Core", "MT Core", "Core"),
}
NUMERIC_EPITOPE_FIELDS = frozenset(
    {
        "length",
        "ic50_mt",
        "ic50_wt",
        "percentile_mt",
        "percentile_wt",
        "fold_change",
        "tumor_dna_vaf",
        "tumor_rna_vaf",
        "gene_expression",
        "transcript_expression",
    }
)

# Optional parts of the run folder, relative paths.
TABLE_FILES = {
    "aggregated": "aggregated.tsv",
    "filtered": "filtered.tsv",
    "variants": "variants.tsv",
    "selection": "vaccine/selection.tsv",
    "junctions": "vaccine/junctions.tsv",
    "vaccine_candidates": "vaccine/candidates.tsv",
    "mrna_qc": "mrna/qc.tsv",
}
JSON_FILES = {
    "run": "run.json",
    "construct": "vaccine/construct.json",
    "design": "vaccine/design.json",
    "mrna": "mrna/mrna.json",
    "virus_panel": "virus/panel.json",
}
EPITOPES_FILE = "all_epitopes.tsv"
# Figures of the virus stage shown in the report (SVG, embedded as images).
VIRUS_PLOTS = {
    "dose_response": "virus/dose_response.svg",
    "receptor_heatmap": "virus/receptor_heatmap.svg",
}
# Class II tables (same columns as class I) are in CLASS2_FOLDER, as pVACseq's separate
# MHC_Class_II results; gene-fusion tables of ``vaxmix run --fusions`` (pVACfuse's layout,
# docs/fusions.md) in FUSION_FOLDER, one aggregated table per FUSION_CLASS_FOLDERS folder.
FUSION_REQUIRED_COLUMNS = ("ID", "Gene", "Best Peptide", "Allele", "Tier")


@dataclass
class LoadedRun:
    """Everything the report reads from one run folder; absent optional parts are ``None``."""

    path: Path
    run: dict[str, Any]
    aggregated: pd.DataFrame | None = None
    filtered: pd.DataFrame | None = None
    variants: pd.DataFrame | None = None
    epitopes: pd.DataFrame | None = None
    selection: pd.DataFrame | None = None
    junctions: pd.DataFrame | None = None
    vaccine_candidates: pd.DataFrame | None = None
    mrna_qc: pd.DataFrame | None = None
    construct: dict[str, Any] | None = None
    design: dict[str, Any] | None = None
    mrna: dict[str, Any] | None = None
    virus_panel: dict[str, Any] | None = None
    class2_aggregated: pd.DataFrame | None = None
    class2_filtered: pd.DataFrame | None = None
    class2_epitopes: pd.DataFrame | None = None
    # fusions/<class folder>/aggregated.tsv by class folder; empty for a run without fusions
    fusion_aggregated: dict[str, pd.DataFrame] = field(default_factory=dict)
    virus_plots: dict[str, bytes] = field(default_factory=dict)  # name -> SVG bytes
    checksums: dict[str, str] = field(default_factory=dict)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
    if not isinstance(data, dict):
        raise InputError("expected a JSON object at the top level", path=path)
    return data


def _read_tsv(path: Path, usecols: Any = None) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path, sep="\t", dtype=str, keep_default_na=False, usecols=usecols, low_memory=False
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable TSV table: {exc}", path=path) from exc


def _read_table(path: Path, usecols: Any = None) -> pd.DataFrame | None:
    """Read ``path`` (TSV) or its Parquet twin; ``None`` when neither exists."""
    if path.is_file():
        return _read_tsv(path, usecols)
    parquet = path.with_suffix(".parquet")
    if parquet.is_file():
        frame = pd.read_parquet(parquet)
        if usecols is not None:
            frame = frame[[c for c in frame.columns if usecols(c)]]
        return frame.astype(str).replace({"nan": "", "None": "NA"})
    return None


def _epitope_columns(column: str) -> bool:
    wanted = {name for names in EPITOPE_FIELDS.values() for name in names}
    return column in wanted


def load_run(run_dir: str | Path) -> LoadedRun:
    """Load a run folder; ``run.json`` is required, every other part is optional.

    The run must be complete: its ``run.complete.json`` marker present and listing every part
    on disk (:func:`vaxmix.common.runfolder.require_complete`).

    Raises
    ------
    InputError
        When the folder or its ``run.json`` is missing, the run is incomplete, or a file cannot
        be parsed.
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise InputError("run folder not found", path=root)
    run_json = root / JSON_FILES["run"]
    if not run_json.is_file():
        raise InputError("not a vaxmix run folder: run.json is missing", path=root)
    folder = LoadedRun(path=root, run=_read_json(run_json))
    schema = str(folder.run.get("schema", ""))
    if schema and not schema.startswith("vaxmix.run/"):
        raise InputError(f"unexpected schema {schema!r}", path=run_json, field="schema")
    require_complete(root)  # run.complete.json, written last: refuse an unfinished run
    for attribute, relative in TABLE_FILES.items():
        setattr(folder, attribute, _read_table(root / relative))
    for attribute, relative in JSON_FILES.items():
        if attribute != "run" and (root / relative).is_file():
            setattr(folder, attribute, _read_json(root / relative))
    folder.epitopes = _read_table(root / EPITOPES_FILE, usecols=_epitope_columns)
    for name, relative in VIRUS_PLOTS.items():
        if folder.virus_panel is not None and (root / relative).is_file():
            folder.virus_plots[name] = (root / relative).read_bytes()
    for relative in [*TABLE_FILES.values(), *JSON_FILES.values(), EPITOPES_FILE,
                     *(VIRUS_PLOTS[n] for n in folder.virus_plots)]:
        if (root / relative).is_file():
            folder.checksums[relative] = sha256_file(root / relative)
    if folder.aggregated is not None:
        _require_columns(
            folder.aggregated, ("ID", "Index", "Gene", "Tier"), root / "aggregated.tsv"
        )
    _load_class2(folder)
    _load_fusions(folder)
    return folder


def _load_fusions(folder: LoadedRun) -> None:
    """``fusions/MHC_Class_I|II/aggregated.tsv`` when the run predicted gene fusions."""
    root = folder.path / FUSION_FOLDER
    if not root.is_dir():
        return
    for name in FUSION_CLASS_FOLDERS:
        path = root / name / TABLE_FILES["aggregated"]
        frame = _read_table(path)
        if frame is None:
            continue
        _require_columns(frame, FUSION_REQUIRED_COLUMNS, path)
        folder.fusion_aggregated[name] = frame
        if path.is_file():
            folder.checksums[f"{FUSION_FOLDER}/{name}/{path.name}"] = sha256_file(path)


def _load_class2(folder: LoadedRun) -> None:
    """The ``MHC_Class_II/`` tables, when the run has them (a class I-only run has none)."""
    class2 = folder.path / CLASS2_FOLDER
    if not class2.is_dir():
        return
    folder.class2_aggregated = _read_table(class2 / TABLE_FILES["aggregated"])
    folder.class2_filtered = _read_table(class2 / TABLE_FILES["filtered"])
    folder.class2_epitopes = _read_table(class2 / EPITOPES_FILE, usecols=_epitope_columns)
    for name in (TABLE_FILES["aggregated"], TABLE_FILES["filtered"], EPITOPES_FILE):
        if (class2 / name).is_file():
            folder.checksums[f"{CLASS2_FOLDER}/{name}"] = sha256_file(class2 / name)
    if folder.class2_aggregated is not None:
        _require_columns(
            folder.class2_aggregated,
            ("ID", "Index", "Gene", "Tier"),
            class2 / TABLE_FILES["aggregated"],
        )


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    for column in columns:
        if column not in frame.columns:
            raise InputError("required column is missing", path=path, line=1, field=column)


def to_number(value: Any) -> float | None:
    """Parse a table cell as a float; ``None`` for blank, NA or non-finite values."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def candidate_records(folder: LoadedRun, class2: bool = False) -> list[dict[str, Any]]:
    """One record per aggregated row (a candidate variant), in file order, with ``rank``.

    ``class2`` reads the class II table (``MHC_Class_II/aggregated.tsv``) instead of class I's.
    """
    frame = folder.class2_aggregated if class2 else folder.aggregated
    if frame is None:
        return []
    allele_columns = [c for c in frame.columns if "*" in c and c != "Allele"]
    records = []
    for rank, row in enumerate(frame.to_dict("records"), start=1):
        record: dict[str, Any] = {"rank": rank}
        for key, column in AGGREGATED_FIELDS.items():
            raw = row.get(column, "")
            record[key] = to_number(raw) if key in NUMERIC_CANDIDATE_FIELDS else str(raw)
        record["good_binders_per_allele"] = {
            column: int(n) for column in allele_columns if (n := to_number(row[column])) is not None
        }
        records.append(record)
    return records


# Candidate field -> column of a fusion aggregated table (pVACfuse's names; ID is the Index).
FUSION_CANDIDATE_FIELDS: dict[str, str] = {
    "variant_id": "ID",
    "index": "ID",
    "gene": "Gene",
    "transcript": "Best Transcript",
    "best_peptide": "Best Peptide",
    "allele": "Allele",
    "num_passing_peptides": "Num Passing Peptides",
    "ic50_mt": "IC50 MT",
    "percentile_mt": "%ile MT",
    "junction_position": "Junction Position",
    "read_support": "Read Support",
    "expression_ffpm": "Expr",
    "tier": "Tier",
}
NUMERIC_FUSION_FIELDS = frozenset(
    {"num_passing_peptides", "ic50_mt", "percentile_mt", "read_support", "expression_ffpm"}
)


def fusion_candidate_records(folder: LoadedRun) -> dict[str, list[dict[str, Any]]]:
    """The gene-fusion candidates by MHC class ("I", "II"): one record per row of
    ``fusions/MHC_Class_I|II/aggregated.tsv``, in file order, with ``rank``.

    Fields a fusion has no value for (AA change, WT IC50, VAFs, TPM expression) are blank or
    ``None``, never borrowed from another column: a fusion's expression is FFPM
    (``expression_ffpm``), not TPM.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for name, mhc_class in zip(FUSION_CLASS_FOLDERS, ("I", "II"), strict=True):
        frame = folder.fusion_aggregated.get(name)
        if frame is None:
            continue
        records = []
        for rank, row in enumerate(frame.to_dict("records"), start=1):
            record: dict[str, Any] = {"rank": rank, "aa_change": ""}
            for key in ("ic50_wt", "percentile_wt", "rna_expr", "rna_vaf", "allele_expr",
                        "rna_depth", "dna_vaf"):  # fmt: skip
                record[key] = None
            for key, column in FUSION_CANDIDATE_FIELDS.items():
                raw = row.get(column, "")
                record[key] = to_number(raw) if key in NUMERIC_FUSION_FIELDS else str(raw)
            records.append(record)
        out[mhc_class] = records
    return out


def epitope_records(
    folder: LoadedRun,
    per_variant: int = 15,
    indexes: set[str] | None = None,
    class2: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """MT peptides per candidate (by ``Index``), the best ``per_variant`` by MT IC50 each.

    The cap mirrors pVACseq's ``--aggregate-inclusion-count-limit`` (15) so that the report of
    a large run stays small. ``indexes`` keeps only those candidates (all_epitopes also holds
    rows of the variants' other transcripts, each with its own ``Index``). ``class2`` reads the
    class II all-epitopes table.
    """
    frame = folder.class2_epitopes if class2 else folder.epitopes
    if frame is None or frame.empty:
        return {}
    if indexes is not None and "Index" in frame.columns:
        frame = frame[frame["Index"].isin(indexes)]
    columns = {}
    for key, names in EPITOPE_FIELDS.items():
        present = next((name for name in names if name in frame.columns), None)
        if present is not None:
            columns[key] = present
    if "index" not in columns:
        return {}
    table = frame[list(columns.values())].rename(columns={v: k for k, v in columns.items()})
    for key in NUMERIC_EPITOPE_FIELDS & set(table.columns):
        table[key] = pd.to_numeric(table[key], errors="coerce")
    if "ic50_mt" in table.columns:
        table = table.sort_values(["index", "ic50_mt"], kind="stable", na_position="last")
    table = table.groupby("index", sort=False).head(per_variant)
    table = table.astype(object).where(table.notna(), None)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in table.to_dict("records"):
        grouped.setdefault(str(record["index"]), []).append(record)
    return grouped


def run_identity(folder: LoadedRun) -> dict[str, str]:
    """Patient and sample names from ``run.json`` (several spellings accepted)."""
    run = folder.run
    parameters = run.get("parameters") or {}
    sample = str(run.get("sample") or run.get("sample_name") or parameters.get("sample_name") or "")
    patient = str(run.get("patient") or run.get("patient_id") or sample or folder.path.name)
    return {"patient": patient, "sample": sample or patient}


def run_alleles(folder: LoadedRun) -> list[str]:
    """HLA alleles of the run: ``run.json`` when it lists them, else those in the tables."""
    run = folder.run
    for candidate in (run.get("alleles"), (run.get("parameters") or {}).get("alleles")):
        if isinstance(candidate, list) and candidate:
            return [str(a) for a in candidate]
        if isinstance(candidate, str) and candidate:
            return [a.strip() for a in candidate.split(",") if a.strip()]
    if folder.epitopes is not None and "HLA Allele" in folder.epitopes.columns:
        return sorted(set(folder.epitopes["HLA Allele"]))
    return []


def run_class2_alleles(folder: LoadedRun) -> list[str]:
    """Class II molecules: ``run.json``'s ``class2_alleles``, else those of the class II tables."""
    listed = folder.run.get("class2_alleles")
    if isinstance(listed, list) and listed:
        return [str(a) for a in listed]
    frame = folder.class2_epitopes
    if frame is not None and "HLA Allele" in frame.columns:
        return sorted(set(frame["HLA Allele"]))
    frame = folder.class2_aggregated
    if frame is not None and "Allele" in frame.columns:
        return sorted(set(frame["Allele"]) - {""})
    return []


def class1_models(folder: LoadedRun) -> list[str]:
    """Name and version of the class I predictor(s): ``run.json``, else the tables' method column.

    ``vaxmix run`` records them under ``prediction.class1_models`` (older runs: ``models``, class
    I only); pVACseq tables name the method in ``Best MT IC50 Score Method``.
    """
    prediction = folder.run.get("prediction")
    if isinstance(prediction, dict):
        for key in ("class1_models", "models"):
            if isinstance(prediction.get(key), list) and (key == "class1_models"
                                                          or "class2_models" not in prediction):
                return [str(m) for m in prediction[key]]
    models = folder.run.get("models")
    if isinstance(models, dict) and models.get("binding"):
        return [str(models["binding"])]
    frame = folder.epitopes
    if frame is not None:
        for column in EPITOPE_FIELDS["method"]:
            if column in frame.columns:
                return sorted(set(frame[column]) - {"", "NA", "None"})
    return []


def class2_models(folder: LoadedRun) -> list[str]:
    """Name and version of the class II predictor(s): ``run.json``, else the tables' method column.

    ``vaxmix run`` records them under ``prediction.class2_models``; pVACseq-style tables name
    the method in ``Best MT IC50 Score Method``.
    """
    prediction = folder.run.get("prediction")
    if isinstance(prediction, dict) and isinstance(prediction.get("class2_models"), list):
        return [str(m) for m in prediction["class2_models"]]
    frame = folder.class2_epitopes
    if frame is not None:
        for column in EPITOPE_FIELDS["method"]:
            if column in frame.columns:
                return sorted(set(frame[column]) - {"", "NA", "None"})
    return []


def run_inputs(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Inputs of ``run.json`` as ``[{role, path, sha256}]``.

    Accepts a list of records or a mapping ``role -> {path, sha256}``; entries without a path
    (optional inputs not given) are left out.
    """
    raw = run.get("inputs")
    items: list[tuple[str, Any]]
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(str(i.get("role", "")) if isinstance(i, dict) else "", i) for i in raw]
    else:
        items = []
    inputs = []
    for role, value in items:
        if isinstance(value, dict) and value.get("path"):
            inputs.append(
                {"role": role, "path": str(value["path"]), "sha256": value.get("sha256", "")}
            )
        elif isinstance(value, str) and value:
            inputs.append({"role": role, "path": value, "sha256": ""})
    return inputs


def run_section(run: dict[str, Any], *names: str) -> dict[str, Any]:
    """The first of ``names`` that ``run.json`` holds as an object (e.g. timings, timings_s)."""
    for name in names:
        value = run.get(name)
        if isinstance(value, dict):
            return value
    return {}


def selected_indexes(folder: LoadedRun) -> list[str]:
    """``Index`` keys of the candidates in ``vaccine/selection.tsv``, in construct order."""
    frame = folder.selection
    if frame is None:
        return []
    for column in ("Index", "variant_index", "index"):
        if column in frame.columns:
            return [str(v) for v in frame[column] if str(v)]
    return []
