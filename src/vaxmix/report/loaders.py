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
    MRNA_FOLDER,
    VACCINE_FOLDER,
    VIRUS_FOLDER,
    RunFolder,
    require_complete,
)
from vaxmix.common.runrecord import RunRecord
from vaxmix.common.schemas import (
    AGGREGATED,
    ALL_EPITOPES,
    DEFAULT_METRIC,
    FUSION_AGGREGATED,
    Column,
    binding_columns,
    run_metric,
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
    "epitope_fields",
    "epitope_records",
    "fusion_candidate_records",
    "load_run",
    "run_alleles",
    "run_class2_alleles",
    "run_identity",
    "run_inputs",
    "selected_indexes",
]

# Report field -> aggregated.tsv column (pVACseq names).
AGGREGATED_FIELDS: dict[str, str] = {
    "variant_id": "ID",
    "variant_index": "Index",
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



# all_epitopes.tsv columns the report reads besides the binding ones (pVACseq names).
EPITOPE_COLUMNS = (
    "Index",
    "HLA Allele",
    "Peptide Length",
    "Mutation Position",
    "MT Epitope Seq",
    "WT Epitope Seq",
    "Tumor DNA VAF",
    "Tumor RNA VAF",
    "Gene Expression",
    "Transcript Expression",
    "Best MT IC50 Score Method",
    "MT Core",  # vaxmix's class II predictor (pVACseq writes no core)
)
# The binding fields, by their key in binding_columns().
BINDING_FIELDS = ("mt_ic50", "wt_ic50", "mt_percentile", "wt_percentile", "fold_change")


def epitope_fields(metric: str = DEFAULT_METRIC) -> dict[str, str]:
    """Field -> all_epitopes.tsv column, keyed by the schema's snake_case key
    (:data:`vaxmix.common.schemas.ALL_EPITOPES`: ``peptide``, ``allele``, ``variant_index``...);
    the binding fields (``mt_ic50``, ``wt_ic50``, ``mt_percentile``, ``wt_percentile``,
    ``fold_change``) follow ``metric`` (:func:`vaxmix.common.schemas.binding_columns`, the same
    rule as the vaccine's reader)."""
    keys = {column.name: column.key for column in ALL_EPITOPES.columns
            if isinstance(column, Column)}  # fmt: skip
    binding = binding_columns(metric)
    fields = {keys[name]: name for name in EPITOPE_COLUMNS}
    fields.update({key: binding[key] for key in BINDING_FIELDS})
    return fields


# Report field -> all_epitopes.tsv column under pVACseq's default metric (median).
EPITOPE_FIELDS: dict[str, str] = epitope_fields()
NUMERIC_EPITOPE_FIELDS = frozenset(
    {
        "length",
        "mt_ic50",
        "wt_ic50",
        "mt_percentile",
        "wt_percentile",
        "fold_change",
        "dna_vaf",
        "rna_vaf",
        "gene_expression_tpm",
        "transcript_expression_tpm",
    }
)

# Optional parts of the run folder, relative paths (folder names: vaxmix.common.runfolder).
TABLE_FILES = {
    "aggregated": "aggregated.tsv",
    "filtered": "filtered.tsv",
    "variants": "variants.tsv",
    "selection": f"{VACCINE_FOLDER}/selection.tsv",
    "junctions": f"{VACCINE_FOLDER}/junctions.tsv",
    "vaccine_candidates": f"{VACCINE_FOLDER}/candidates.tsv",
    "mrna_qc": f"{MRNA_FOLDER}/qc.tsv",
}
JSON_FILES = {
    "construct": f"{VACCINE_FOLDER}/construct.json",
    "design": f"{VACCINE_FOLDER}/design.json",
    "mrna": f"{MRNA_FOLDER}/mrna.json",
    "virus_panel": f"{VIRUS_FOLDER}/panel.json",
}
EPITOPES_FILE = "all_epitopes.tsv"
# Figures of the virus stage shown in the report (SVG, embedded as images).
VIRUS_PLOTS = {
    "dose_response": f"{VIRUS_FOLDER}/dose_response.svg",
    "receptor_heatmap": f"{VIRUS_FOLDER}/receptor_heatmap.svg",
}
# Class II tables (same columns as class I) are in CLASS2_FOLDER, as pVACseq's separate
# MHC_Class_II results; gene-fusion tables of ``vaxmix run --fusions`` (pVACfuse's layout,
# docs/fusions.md) in FUSION_FOLDER, one aggregated table per FUSION_CLASS_FOLDERS folder.
FUSION_REQUIRED_COLUMNS = tuple(c.name for c in FUSION_AGGREGATED.required())
AGGREGATED_REQUIRED_COLUMNS = tuple(c.name for c in AGGREGATED.required())
EPITOPE_REQUIRED_COLUMNS = tuple(c.name for c in ALL_EPITOPES.required())


@dataclass
class LoadedRun:
    """Everything the report reads from one run folder; absent optional parts are ``None``."""

    path: Path
    record: RunRecord  # run.json, checked
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
    wanted = {*epitope_fields("median").values(), *epitope_fields("lowest").values(),
              *EPITOPE_REQUIRED_COLUMNS}  # fmt: skip
    return column in wanted


def load_run(run_dir: str | Path) -> LoadedRun:
    """Load a run folder; ``run.json`` is required (read and checked as a
    :class:`~vaxmix.common.runrecord.RunRecord`), every other part is optional.

    The run must be complete: its ``run.complete.json`` marker present and listing every part
    on disk (:func:`vaxmix.common.runfolder.require_complete`).

    Raises
    ------
    InputError
        When the folder or its ``run.json`` is missing, the run is incomplete, or a file cannot
        be parsed.
    """
    layout = RunFolder(Path(run_dir))
    root = layout.root
    if not root.is_dir():
        raise InputError("run folder not found", path=root)
    if not layout.run_json.is_file():
        raise InputError("not a vaxmix run folder: run.json is missing", path=root)
    folder = LoadedRun(path=root, record=RunRecord.from_json(layout.run_json))
    require_complete(root)  # run.complete.json, written last: refuse an unfinished run
    for attribute, relative in TABLE_FILES.items():
        setattr(folder, attribute, _read_table(root / relative))
    for attribute, relative in JSON_FILES.items():
        if (root / relative).is_file():
            setattr(folder, attribute, _read_json(root / relative))
    folder.epitopes = _read_table(root / EPITOPES_FILE, usecols=_epitope_columns)
    for name, relative in VIRUS_PLOTS.items():
        if folder.virus_panel is not None and (root / relative).is_file():
            folder.virus_plots[name] = (root / relative).read_bytes()
    for relative in [*TABLE_FILES.values(), layout.relative(layout.run_json),
                     *JSON_FILES.values(), EPITOPES_FILE,
                     *(VIRUS_PLOTS[n] for n in folder.virus_plots)]:
        if (root / relative).is_file():
            folder.checksums[relative] = sha256_file(root / relative)
    if folder.aggregated is not None:
        _require_columns(folder.aggregated, AGGREGATED_REQUIRED_COLUMNS, root / "aggregated.tsv")
    if folder.epitopes is not None:
        _require_columns(folder.epitopes, EPITOPE_REQUIRED_COLUMNS, root / EPITOPES_FILE)
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
        _require_columns(folder.class2_aggregated, AGGREGATED_REQUIRED_COLUMNS,
                         class2 / TABLE_FILES["aggregated"])  # fmt: skip
    if folder.class2_epitopes is not None:
        _require_columns(folder.class2_epitopes, EPITOPE_REQUIRED_COLUMNS, class2 / EPITOPES_FILE)


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
    "variant_index": "ID",
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
    """MT peptides per candidate (by ``variant_index``), the best ``per_variant`` by MT IC50 each
    (the run's binding metric, :func:`vaxmix.common.schemas.run_metric`).

    The cap mirrors pVACseq's ``--aggregate-inclusion-count-limit`` (15) so that the report of
    a large run stays small. ``indexes`` keeps only those candidates (all_epitopes also holds
    rows of the variants' other transcripts, each with its own ``Index``). ``class2`` reads the
    class II all-epitopes table.
    """
    frame = folder.class2_epitopes if class2 else folder.epitopes
    if frame is None or frame.empty:
        return {}
    if indexes is not None:
        frame = frame[frame["Index"].isin(indexes)]
    fields = epitope_fields(run_metric(folder.record.parameters))
    columns = {key: name for key, name in fields.items() if name in frame.columns}
    table = frame[list(columns.values())].rename(columns={v: k for k, v in columns.items()})
    for key in NUMERIC_EPITOPE_FIELDS & set(table.columns):
        table[key] = pd.to_numeric(table[key], errors="coerce")
    if "mt_ic50" in table.columns:
        table = table.sort_values(["variant_index", "mt_ic50"], kind="stable",
                                  na_position="last")  # fmt: skip
    table = table.groupby("variant_index", sort=False).head(per_variant)
    table = table.astype(object).where(table.notna(), None)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in table.to_dict("records"):
        grouped.setdefault(str(record["variant_index"]), []).append(record)
    return grouped


def run_identity(folder: LoadedRun) -> dict[str, str]:
    """Patient and sample names: run.json's ``sample`` (the tumor sample), else the folder's
    name. run.json has no patient field; the sample names the patient."""
    sample = folder.record.sample or ""
    patient = sample or folder.path.name
    return {"patient": patient, "sample": sample or patient}


def run_alleles(folder: LoadedRun) -> list[str]:
    """Class I HLA alleles of the run: run.json's ``alleles`` when it lists any, else those in
    the class I table (a class II-only run has neither)."""
    if folder.record.alleles:
        return list(folder.record.alleles)
    if folder.epitopes is not None and "HLA Allele" in folder.epitopes.columns:
        return sorted(set(folder.epitopes["HLA Allele"]))
    return []


def run_class2_alleles(folder: LoadedRun) -> list[str]:
    """Class II molecules: ``run.json``'s ``class2_alleles``, else those of the class II tables."""
    if folder.record.class2_alleles:
        return list(folder.record.class2_alleles)
    frame = folder.class2_epitopes
    if frame is not None and "HLA Allele" in frame.columns:
        return sorted(set(frame["HLA Allele"]))
    frame = folder.class2_aggregated
    if frame is not None and "Allele" in frame.columns:
        return sorted(set(frame["Allele"]) - {""})
    return []


def class1_models(folder: LoadedRun) -> list[str]:
    """Name and version of the class I predictor(s): ``run.json``, else the tables' method column.

    ``vaxmix run`` records them under ``prediction.class1_models``; pVACseq tables name the
    method in ``Best MT IC50 Score Method``.
    """
    if folder.record.prediction.class1_models:
        return list(folder.record.prediction.class1_models)
    frame = folder.epitopes
    if frame is not None:
        column = EPITOPE_FIELDS["best_mt_ic50_score_method"]
        if column in frame.columns:
            return sorted(set(frame[column]) - {"", "NA", "None"})
    return []


def class2_models(folder: LoadedRun) -> list[str]:
    """Name and version of the class II predictor(s): ``run.json``, else the tables' method column.

    ``vaxmix run`` records them under ``prediction.class2_models``; pVACseq-style tables name
    the method in ``Best MT IC50 Score Method``.
    """
    if folder.record.prediction.class2_models:
        return list(folder.record.prediction.class2_models)
    frame = folder.class2_epitopes
    if frame is not None:
        column = EPITOPE_FIELDS["best_mt_ic50_score_method"]
        if column in frame.columns:
            return sorted(set(frame[column]) - {"", "NA", "None"})
    return []


def run_inputs(record: RunRecord) -> list[dict[str, Any]]:
    """The run's input files as ``[{role, path, sha256}]``; inputs not given are left out."""
    return [{"role": role, "path": item.path, "sha256": item.sha256}
            for role, item in record.inputs.files().items()]  # fmt: skip


def selected_indexes(folder: LoadedRun) -> list[str]:
    """``variant_index`` keys of the candidates in ``vaccine/selection.tsv``, in construct
    order."""
    frame = folder.selection
    if frame is None:
        return []
    _require_columns(frame, ("variant_index",), folder.path / TABLE_FILES["selection"])
    return [str(v) for v in frame["variant_index"] if str(v)]
