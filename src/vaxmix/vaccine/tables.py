"""Read a ``vaxmix run`` folder (pVACseq column names) into the vaccine stage's own tables.

The run folder contract is in ``docs/architecture.md``: ``variants.tsv`` (pVACseq's parsed-VCF
table), ``all_epitopes.tsv`` (one row per MT peptide x allele) and ``aggregated.tsv`` (one row
per variant), plus ``MHC_Class_II/all_epitopes.tsv`` when the run had class II molecules.
pVACseq's own files (``*.tsv``, ``*.all_epitopes.tsv``,
``*.all_epitopes.aggregated.tsv``) have the same columns and are read the same way.

The epitope table returned here uses short snake_case names; which pVACseq column each comes
from is listed in :data:`EPITOPE_COLUMNS`. Only ``MT Epitope Seq``, ``HLA Allele``, ``Index``
and ``Best MT IC50 Score`` are required; every other piece of evidence is optional and its
absence is checked by the ranking preset that needs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vaxmix.common.errors import InputError

__all__ = ["EPITOPE_COLUMNS", "RunTables", "read_epitopes", "read_run_folder", "read_variants"]

# snake_case name -> candidate pVACseq columns, first present wins.
EPITOPE_COLUMNS: dict[str, tuple[str, ...]] = {
    "variant_index": ("Index",),
    "peptide": ("MT Epitope Seq",),
    "wt_peptide": ("WT Epitope Seq",),
    "allele": ("HLA Allele",),
    "affinity_nm": ("Best MT IC50 Score", "Median MT IC50 Score"),
    "wt_affinity_nm": ("Corresponding WT IC50 Score", "Median WT IC50 Score"),
    "percentile": ("Best MT Percentile", "Median MT Percentile"),
    "presentation_percentile": ("Best MT Presentation Percentile",),
    "processing_score": ("MHCflurryEL Processing MT Score",),
    "stability_half_life_h": ("Half Life", "NetMHCstab MT Half Life"),
    "gene_expression_tpm": ("Gene Expression",),
    "transcript_expression_tpm": ("Transcript Expression",),
    "rna_vaf": ("Tumor RNA VAF",),
    "rna_depth": ("Tumor RNA Depth",),
    "dna_vaf": ("Tumor DNA VAF",),
    "gene": ("Gene Name",),
    "mutation": ("Mutation",),
    "protein_position": ("Protein Position",),
    "variant_type": ("Variant Type",),
    "chromosome": ("Chromosome",),
    "start": ("Start",),
    "stop": ("Stop",),
    "reference": ("Reference",),
    "alt": ("Variant",),
    "reference_match": ("Reference Match",),
}
#: Sub-folder with the class II tables (``vaxmix run`` and pVACseq both name it so).
CLASS2_FOLDER = "MHC_Class_II"
_REQUIRED = ("variant_index", "peptide", "allele", "affinity_nm")
_NUMERIC = (
    "affinity_nm", "wt_affinity_nm", "percentile", "presentation_percentile", "processing_score",
    "stability_half_life_h", "gene_expression_tpm", "transcript_expression_tpm", "rna_vaf",
    "rna_depth", "dna_vaf",
)  # fmt: skip
_VARIANT_COLUMNS = (
    "index", "wildtype_amino_acid_sequence", "frameshift_amino_acid_sequence",
    "amino_acid_change", "protein_position", "variant_type",
)  # fmt: skip


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


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.readline().rstrip("\n\r").split("\t")


def read_epitopes(path: str | Path) -> pd.DataFrame:
    """Read an all-epitopes TSV into the snake_case epitope table (missing evidence → absent)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("all-epitopes table not found", path=path)
    header = _header(path)
    chosen: dict[str, str] = {}
    for name, candidates in EPITOPE_COLUMNS.items():
        for column in candidates:
            if column in header:
                chosen[name] = column
                break
    for name in _REQUIRED:
        if name not in chosen:
            raise InputError(
                f"required column {EPITOPE_COLUMNS[name][0]!r} is missing",
                path=path,
                line=1,
                field=EPITOPE_COLUMNS[name][0],
            )
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


def _first_existing(folder: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        hits = sorted(folder.glob(name))
        if hits:
            return hits[0]
    return None


def read_run_folder(run_dir: str | Path) -> RunTables:
    """Read ``variants.tsv``, ``all_epitopes.tsv`` and (optional) ``aggregated.tsv`` of a run.

    pVACseq's file names (``*.all_epitopes.tsv``, ``*.aggregated.tsv``, the parsed ``*.tsv``)
    are accepted too, so its result folder can be designed from directly.
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        raise InputError("run folder not found", path=folder)
    from vaxmix.common.runfolder import is_vaxmix_run, require_complete

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
    epitopes = read_epitopes(epitopes_path)
    variants = read_variants(variants_path)
    aggregated = None
    if aggregated_path is not None:
        aggregated = pd.read_csv(aggregated_path, sep="\t", dtype=str, keep_default_na=False)
    alleles = sorted(epitopes["allele"].unique())
    run_json = folder / "run.json"
    meta: dict = {}
    if run_json.is_file():
        try:
            meta = json.loads(run_json.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", path=run_json) from exc
        # run.json "alleles" holds the class I alleles (empty for a class II-only run)
        listed = (meta["alleles"] if "alleles" in meta
                  else meta.get("parameters", {}).get("alleles"))
        if isinstance(listed, str):
            listed = [a for a in listed.split(",") if a]
        if listed:
            alleles = list(dict.fromkeys(listed))
    paths = {"variants": variants_path, "all_epitopes": epitopes_path}
    if aggregated_path is not None:
        paths["aggregated"] = aggregated_path
    class2_epitopes, class2_alleles = None, []
    class2_path = _first_existing(folder / CLASS2_FOLDER, ("all_epitopes.tsv",
                                                           "*.all_epitopes.tsv"))
    if class2_path is not None:
        class2_epitopes = read_epitopes(class2_path)
        class2_alleles = list(dict.fromkeys(class2_epitopes["allele"]))
        if run_json.is_file() and meta.get("class2_alleles"):
            class2_alleles = list(dict.fromkeys(meta["class2_alleles"]))
        paths["class2_all_epitopes"] = class2_path
    class2_aggregated = None
    class2_aggregated_path = _first_existing(folder / CLASS2_FOLDER, ("aggregated.tsv",
                                                                      "*.aggregated.tsv"))
    if class2_path is not None and class2_aggregated_path is not None:
        class2_aggregated = pd.read_csv(class2_aggregated_path, sep="\t", dtype=str,
                                        keep_default_na=False)
        paths["class2_aggregated"] = class2_aggregated_path
    return RunTables(variants, epitopes, aggregated, alleles, paths, class2_epitopes,
                     class2_alleles, class2_aggregated)
