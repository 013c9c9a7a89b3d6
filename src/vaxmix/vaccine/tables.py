"""Read a ``vaxmix run`` folder (pVACseq column names) into the vaccine stage's own tables.

The tables are declared in :mod:`vaxmix.common.schemas`: ``variants.tsv`` (pVACseq's parsed-VCF
table), ``all_epitopes.tsv`` (one row per MT peptide x allele) and ``aggregated.tsv`` (one row
per variant), plus ``MHC_Class_II/all_epitopes.tsv`` when the run had class II molecules.
pVACseq's own files (``*.tsv``, ``*.all_epitopes.tsv``,
``*.all_epitopes.aggregated.tsv``) have the same columns and are read the same way.

The epitope table returned here uses short snake_case names; which pVACseq column each comes
from is given by :func:`epitope_columns`, the binding evidence by the run's binding metric
(:func:`vaxmix.common.schemas.binding_columns`: pVACseq's ``--top-score-metric``, median by
default). A table without a column its schema marks required is refused (InputError naming
file and column); every other piece of evidence is optional and its absence is checked by the
ranking preset that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError
from vaxmix.common.runfolder import (
    CLASS1_FOLDER,
    CLASS2_FOLDER,
    FUSION_CLASS_FOLDERS,
    RunFolder,
    is_vaxmix_run,
    require_complete,
)
from vaxmix.common.runrecord import RunRecord
from vaxmix.common.schemas import (
    AGGREGATED,
    ALL_EPITOPES,
    BINDING_METRICS,
    DEFAULT_METRIC,
    FUSION_AGGREGATED,
    FUSION_EPITOPES,
    FUSIONS,
    VARIANTS,
    binding_columns,
    fusion_binding_columns,
    require_columns,
    run_metric,
)

__all__ = [
    "EPITOPE_COLUMNS", "FUSION_EPITOPE_COLUMNS", "RunTables", "epitope_columns",
    "fusion_epitope_columns", "read_aggregated", "read_epitopes", "read_fusions",
    "read_run_folder", "read_variants",
]  # fmt: skip

def epitope_columns(metric: str = DEFAULT_METRIC) -> dict[str, str]:
    """snake_case name -> the all-epitopes column it is read from (pVACseq's names, declared in
    :mod:`vaxmix.common.schemas`); the binding evidence follows ``metric``
    (:func:`vaxmix.common.schemas.binding_columns`, pVACseq's ``--top-score-metric``)."""
    binding = binding_columns(metric)
    return {
        "variant_index": "Index",
        "peptide": "MT Epitope Seq",
        "wt_peptide": "WT Epitope Seq",
        "allele": "HLA Allele",
        "affinity_nm": binding["mt_ic50"],
        "wt_affinity_nm": binding["wt_ic50"],
        "percentile": binding["mt_percentile"],
        "presentation_percentile": binding["mt_presentation_percentile"],
        "processing_score": "MHCflurryEL Processing MT Score",  # pVACseq's MHCflurryEL column
        "stability_half_life_h": "Half Life",  # pVACseq's NetMHCstab column
        "gene_expression_tpm": "Gene Expression",
        "transcript_expression_tpm": "Transcript Expression",
        "rna_vaf": "Tumor RNA VAF",
        "rna_depth": "Tumor RNA Depth",
        "dna_vaf": "Tumor DNA VAF",
        "gene": "Gene Name",
        "mutation": "Mutation",
        "protein_position": "Protein Position",
        "variant_type": "Variant Type",
        "chromosome": "Chromosome",
        "start": "Start",
        "stop": "Stop",
        "reference": "Reference",
        "alt": "Variant",
        "reference_match": "Reference Match",
    }


def fusion_epitope_columns(metric: str = DEFAULT_METRIC) -> dict[str, str]:
    """The same snake_case names from ``fusions/MHC_Class_*/all_epitopes.tsv`` (pVACfuse's
    columns). "Expression" there is fusion FFPM, not gene TPM, so it is not read as expression
    evidence."""
    binding = fusion_binding_columns(metric)
    return {
        "variant_index": "Index",
        "peptide": "Epitope Seq",
        "allele": "HLA Allele",
        "affinity_nm": binding["mt_ic50"],
        "percentile": binding["mt_percentile"],
        "presentation_percentile": binding["mt_presentation_percentile"],
        "gene": "Gene Name",
        "variant_type": "Variant Type",
        "chromosome": "Chromosome",
    }


# snake_case name -> pVACseq column, under pVACseq's default metric (median).
EPITOPE_COLUMNS: dict[str, str] = epitope_columns()
FUSION_EPITOPE_COLUMNS: dict[str, str] = fusion_epitope_columns()
_FUSION_RECORD_COLUMNS = tuple(c.name for c in FUSIONS.required())
_NUMERIC = (
    "affinity_nm", "wt_affinity_nm", "percentile", "presentation_percentile", "processing_score",
    "stability_half_life_h", "gene_expression_tpm", "transcript_expression_tpm", "rna_vaf",
    "rna_depth", "dna_vaf",
)  # fmt: skip
_VARIANT_COLUMNS = tuple(c.name for c in VARIANTS.required())


@dataclass
class RunTables:
    """The tables of one run folder that the vaccine stage uses, with their paths."""

    variants: pd.DataFrame
    epitopes: pd.DataFrame
    aggregated: pd.DataFrame | None
    alleles: list[str]
    paths: dict[str, Path] = field(default_factory=dict)
    class2_epitopes: pd.DataFrame | None = None  # MHC_Class_II/all_epitopes.tsv, if any
    class2_alleles: list[str] = field(default_factory=list)
    class2_aggregated: pd.DataFrame | None = None  # MHC_Class_II/aggregated.tsv, if any
    # fusions/ (vaxmix run --fusions): records by Index, both classes' epitopes, aggregated
    fusion_records: dict = field(default_factory=dict)
    fusion_epitopes: pd.DataFrame | None = None
    fusion_aggregated: pd.DataFrame | None = None  # fusions/MHC_Class_I/aggregated.tsv
    fusion_class2_aggregated: pd.DataFrame | None = None  # fusions/MHC_Class_II/aggregated.tsv
    #: ``vaxmix run --tumor-purity`` as recorded in run.json (None: not given, or a pVACseq
    #: folder); the tiers' clonal VAF was estimated with it, so the design uses it too.
    tumor_purity: float | None = None
    #: the binding metric the tables were read with (pVACseq's ``--top-score-metric``)
    metric: str = DEFAULT_METRIC


def _run_tumor_purity(parameters: dict, path: Path) -> float | None:
    """``parameters.ranking.tumor_purity`` of run.json (None when the run was given none)."""
    ranking = parameters.get("ranking")
    value = ranking.get("tumor_purity") if isinstance(ranking, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise InputError(f"tumor purity {value!r} is not a fraction in (0, 1]", path=path,
                         field="parameters.ranking.tumor_purity")  # fmt: skip
    return float(value)


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.readline().rstrip("\n\r").split("\t")


def read_epitopes(
    path: str | Path, columns: dict[str, str] | None = None, fusion: bool = False,
    metric: str = DEFAULT_METRIC,
) -> pd.DataFrame:
    """Read an all-epitopes TSV into the snake_case epitope table (missing evidence → absent).

    The table must hold every required column of its declared schema
    (:data:`vaxmix.common.schemas.ALL_EPITOPES`, or ``FUSION_EPITOPES`` with ``fusion``);
    ``columns`` maps the snake_case names to the file's columns (default
    :func:`epitope_columns` / :func:`fusion_epitope_columns` under ``metric``).
    """
    path = Path(path)
    if columns is None:
        columns = fusion_epitope_columns(metric) if fusion else epitope_columns(metric)
    if not path.is_file():
        raise InputError("all-epitopes table not found", path=path)
    header = _header(path)
    schema = FUSION_EPITOPES if fusion else ALL_EPITOPES
    require_columns(header, [c.name for c in schema.required()], path)
    require_columns(header, [columns["affinity_nm"]], path)
    chosen = {name: column for name, column in columns.items() if column in header}
    frame = pd.read_csv(
        path, sep="\t", usecols=list(chosen.values()), dtype=str, keep_default_na=False
    ).rename(columns={v: k for k, v in chosen.items()})
    for name in _NUMERIC:
        if name in frame:
            frame[name] = pd.to_numeric(
                frame[name].replace({"NA": None, "": None}), errors="coerce"
            )
    bad = frame["affinity_nm"].isna() | (frame["peptide"].str.len() == 0)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            "MT peptide or its IC50 is empty or not a number",
            path=path,
            line=row + 2,
            field=chosen["affinity_nm"],
        )
    frame["peptide"] = frame["peptide"].str.upper()
    if "reference_match" in frame:  # `vaxmix run --reference-proteome`: True/False
        frame["reference_match"] = frame["reference_match"].eq("True")
    for name in [n for n in _NUMERIC if n in frame]:
        if frame[name].isna().all():
            frame = frame.drop(columns=name)  # column present but empty = evidence absent
    return frame


def read_variants(path: str | Path) -> pd.DataFrame:
    """Read pVACseq's parsed-VCF table (``variants.tsv``), indexed by its ``index`` column."""
    path = Path(path)
    if not path.is_file():
        raise InputError("variants table not found", path=path)
    header = _header(path)
    for column in _VARIANT_COLUMNS:
        if column not in header:
            raise InputError(
                f"required column {column!r} is missing", path=path, line=1, field=column
            )
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if frame["index"].duplicated().any():
        row = int(frame["index"].duplicated().to_numpy().nonzero()[0][0])
        raise InputError("duplicate index value", path=path, line=row + 2, field="index")
    frame["_line"] = range(2, len(frame) + 2)
    return frame.set_index("index", drop=False)


def read_aggregated(path: str | Path, fusion: bool = False) -> pd.DataFrame:
    """Read an aggregated table (text cells) holding every required column of its schema
    (:data:`vaxmix.common.schemas.AGGREGATED`, ``FUSION_AGGREGATED`` with ``fusion``)."""
    path = Path(path)
    schema = FUSION_AGGREGATED if fusion else AGGREGATED
    require_columns(_header(path), [c.name for c in schema.required()], path)
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def _int_field(value: str, path: Path, line: int, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"not an integer: {value!r}", path=path, line=line, field=column) from None


def read_fusions(
    folder: str | Path, metric: str = DEFAULT_METRIC
) -> tuple[dict, pd.DataFrame | None, dict[str, Path]]:
    """Read ``fusions/`` of a run: fusion records by Index, the epitopes of both classes.

    The records come from ``fusions/fusions.tsv`` with ``fusion_coding_length`` (residues
    before the first stop codon), so that a long peptide never uses residues past the stop.
    Returns ``(records, epitopes or None, paths)``; ``epitopes`` has ``kind`` = ``"fusion"``.
    """
    from vaxmix.variants.fusions import FusionRecord

    folder = Path(folder)
    path = folder / "fusions.tsv"
    if not path.is_file():
        raise InputError("the run's fusions/ folder has no fusions.tsv", path=folder)
    header = _header(path)
    for column in _FUSION_RECORD_COLUMNS:
        if column not in header:
            hint = (" (written by an older vaxmix: rerun `vaxmix run --fusions`)"
                    if column == "fusion_coding_length" else "")  # fmt: skip
            raise InputError(f"required column {column!r} is missing{hint}", path=path, line=1,
                             field=column)  # fmt: skip
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    records: dict = {}
    for line, row in enumerate(frame.to_dict("records"), start=2):
        peptide = row["fusion_amino_acid_sequence"]
        junction = _int_field(row["protein_position"], path, line, "protein_position")
        coding = row["fusion_coding_length"]
        coding_length = None if coding in ("", "NA") else _int_field(
            coding, path, line, "fusion_coding_length")  # fmt: skip
        for value, column in ((junction, "protein_position"),
                              (coding_length, "fusion_coding_length")):  # fmt: skip
            if value is not None and not 0 <= value <= len(peptide):
                raise InputError(f"{value} is outside the fusion peptide ({len(peptide)} aa)",
                                 path=path, line=line, field=column)  # fmt: skip
        if row["index"] in records:
            raise InputError("duplicate fusion Index", path=path, line=line, field="index")
        records[row["index"]] = FusionRecord(
            index=row["index"], genes=row["gene_name"], transcripts=row["transcript_name"],
            fusion_type=row["variant_type"], junction=junction, peptide=peptide,
            chromosome=row["chromosome_name"], start=row["start"], stop=row["stop"],
            read_support=None, expression=None, source=str(path), line=line,
            coding_length=coding_length,
        )  # fmt: skip
    paths = {"fusions": path}
    parts = []
    for name in FUSION_CLASS_FOLDERS:
        table = folder / name / "all_epitopes.tsv"
        if not table.is_file():
            continue
        if table.stat().st_size and len(_header(table)) > 1:  # an empty class writes no columns
            epitopes = read_epitopes(table, fusion=True, metric=metric)
            unknown = ~epitopes["variant_index"].isin(records)
            if unknown.any():
                row = int(unknown.to_numpy().nonzero()[0][0])
                raise InputError("fusion Index absent from fusions/fusions.tsv", path=table,
                                 line=row + 2, field="Index")  # fmt: skip
            parts.append(epitopes)
        paths[f"fusion_{name}_all_epitopes"] = table
    epitopes = None
    if parts:
        epitopes = pd.concat(parts, ignore_index=True, sort=False)
        # a junction k-mer has no wild-type counterpart (as a frameshift's): no WT peptide
        epitopes["wt_peptide"] = "NA"
        epitopes["kind"] = "fusion"
    return records, epitopes, paths


def _first_existing(folder: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        hits = sorted(folder.glob(name))
        if hits:
            return hits[0]
    return None


def _pvacseq_metric(folder: Path) -> str | None:
    """``top_score_metric`` of a pVACseq result folder's ``log/inputs.yml`` (pVACseq records
    its parameters there), None when the folder has no such file or it names no metric."""
    import yaml

    path = folder / "log" / "inputs.yml"
    if not path.is_file():
        return None
    try:
        inputs = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"unreadable pVACseq parameters ({exc})", path=path) from exc
    metric = inputs.get("top_score_metric") if isinstance(inputs, dict) else None
    if metric is None:
        return None
    if metric not in BINDING_METRICS:
        raise InputError(f"top_score_metric {metric!r} is not one of {', '.join(BINDING_METRICS)}",
                         path=path, field="top_score_metric")  # fmt: skip
    return str(metric)


def resolve_metric(record: RunRecord | None, folder: Path, requested: str | None) -> str:
    """The binding metric to read the run's tables with: the run's own (run.json, else a
    pVACseq folder's ``log/inputs.yml``); ``requested`` (``vaxmix design --top-score-metric``)
    where the run names none; pVACseq's default ``median`` where neither does. A request that
    contradicts the run's metric is refused: the tiers were ranked on the other columns."""
    if record is not None:
        recorded: str | None = run_metric(record.parameters)
        source = "run.json"
    else:
        recorded, source = _pvacseq_metric(folder), "log/inputs.yml"
    if recorded is not None and requested is not None and requested != recorded:
        raise InputError(
            f"the run was ranked with --top-score-metric {recorded} ({source}); designing "
            f"from it with {requested} would rank the vaccine on other numbers than the tiers",
            path=folder, field="--top-score-metric",
        )
    return recorded or requested or DEFAULT_METRIC


def read_run_folder(run_dir: str | Path, metric: str | None = None) -> RunTables:
    """Read ``variants.tsv``, ``all_epitopes.tsv`` and (optional) ``aggregated.tsv`` of a run.

    pVACseq's file names (``*.all_epitopes.tsv``, ``*.aggregated.tsv``, the parsed ``*.tsv``)
    are accepted too, so its result folder can be designed from directly. ``metric`` is the
    binding metric asked for (:func:`resolve_metric`).
    """
    layout = RunFolder(Path(run_dir))
    folder = layout.root
    if not folder.is_dir():
        raise InputError("run folder not found", path=folder)
    if is_vaxmix_run(folder):  # a vaxmix run must be finished (pVACseq folders have no marker)
        require_complete(folder)
    epitopes_path = _first_existing(folder, ("all_epitopes.tsv", "*.all_epitopes.tsv"))
    if epitopes_path is None:
        raise InputError(
            "no all_epitopes.tsv in the run folder (run `vaxmix run` first)", path=folder
        )
    variants_path = folder / "variants.tsv"
    if not variants_path.is_file():
        parsed = [
            p for p in sorted(folder.glob("*.tsv"))
            if "epitopes" not in p.name and "filtered" not in p.name and "aggregated" not in p.name
        ]  # fmt: skip
        if not parsed:
            raise InputError("no variants.tsv in the run folder", path=folder)
        variants_path = parsed[0]
    aggregated_path = _first_existing(folder, ("aggregated.tsv", "*.aggregated.tsv"))
    # a vaxmix run's record (pVACseq folders have none): its "alleles" are the class I alleles
    # (empty for a class II-only run), its "class2_alleles" the class II molecules
    record = RunRecord.from_json(layout.run_json) if layout.run_json.is_file() else None
    metric = resolve_metric(record, folder, metric)
    epitopes = read_epitopes(epitopes_path, metric=metric)
    variants = read_variants(variants_path)
    aggregated = None
    if aggregated_path is not None:
        aggregated = read_aggregated(aggregated_path)
    alleles = sorted(epitopes["allele"].unique())
    if record is not None and record.alleles:
        alleles = list(dict.fromkeys(record.alleles))
    paths = {"variants": variants_path, "all_epitopes": epitopes_path}
    if aggregated_path is not None:
        paths["aggregated"] = aggregated_path
    class2_epitopes, class2_alleles = None, []
    class2_path = _first_existing(layout.class2, ("all_epitopes.tsv", "*.all_epitopes.tsv"))
    if class2_path is not None:
        class2_epitopes = read_epitopes(class2_path, metric=metric)
        class2_alleles = list(dict.fromkeys(class2_epitopes["allele"]))
        if record is not None and record.class2_alleles:
            class2_alleles = list(dict.fromkeys(record.class2_alleles))
        paths["class2_all_epitopes"] = class2_path
    class2_aggregated = None
    class2_aggregated_path = _first_existing(layout.class2, ("aggregated.tsv",
                                                            "*.aggregated.tsv"))
    if class2_path is not None and class2_aggregated_path is not None:
        class2_aggregated = read_aggregated(class2_aggregated_path)
        paths["class2_aggregated"] = class2_aggregated_path
    tables = RunTables(variants, epitopes, aggregated, alleles, paths, class2_epitopes,
                       class2_alleles, class2_aggregated)  # fmt: skip
    tables.metric = metric
    if record is not None:
        tables.tumor_purity = _run_tumor_purity(record.parameters, layout.run_json)
    if layout.fusions.is_dir():
        records, fusion_epitopes, fusion_paths = read_fusions(layout.fusions, metric)
        tables.fusion_records, tables.fusion_epitopes = records, fusion_epitopes
        tables.paths.update(fusion_paths)
        for name, attribute in ((CLASS1_FOLDER, "fusion_aggregated"),
                                (CLASS2_FOLDER, "fusion_class2_aggregated")):  # fmt: skip
            aggregated_fusions = layout.fusion_table("aggregated", name)
            if aggregated_fusions.is_file() and aggregated_fusions.stat().st_size:
                setattr(tables, attribute, read_aggregated(aggregated_fusions, fusion=True))
                tables.paths[f"fusion_{name}_aggregated"] = aggregated_fusions
    return tables
