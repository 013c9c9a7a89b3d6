"""Build the all-epitopes table: candidates × alleles joined with variant data and predictions.

Column names follow pVACseq's ``all_epitopes.tsv`` where the meaning is the same. The predictor
(:func:`vaxmix.mhc.predict` by default) returns, per peptide × allele, a predicted IC50
(``affinity_nm``), a presentation score and one per-allele percentile rank. For the class I
predictor (vaxmix-mhc1 1.2.0 on) that rank is the mean of the affinity-head and presentation-head
percentiles, re-ranked against the same per-allele background peptides (docs/mhc.md, "Percentile
calibration"); for the class II predictor it is the rank of the presentation score
(docs/mhc_class2.md). They fill pVACseq's "IC50 Score" family and, with that one rank, both its
"Percentile" and "Presentation Percentile" families. With one predictor the Best
and Median columns equal that predictor's values; every score is a prediction, and the
``Prediction Model`` column names the model and version that made it. A predictor that also
returns a binding ``core`` (the class II predictor) adds ``MT Core`` and ``WT Core``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "VARIANT_COLUMN_MAP",
    "add_peptide_properties",
    "build_all_epitopes",
    "read_genes_of_interest",
]

#: all-epitopes column ← parsed-VCF (variants.tsv) column.
VARIANT_COLUMN_MAP: dict[str, str] = {
    "Chromosome": "chromosome_name",
    "Start": "start",
    "Stop": "stop",
    "Reference": "reference",
    "Variant": "variant",
    "Transcript": "transcript_name",
    "Transcript Support Level": "transcript_support_level",
    "Transcript Length": "transcript_length",
    "Canonical": "canonical",
    "MANE Select": "mane_select",
    "Biotype": "biotype",
    "Transcript CDS Flags": "transcript_cds_flags",
    "Ensembl Gene ID": "ensembl_gene_id",
    "Variant Type": "variant_type",
    "Mutation": "amino_acid_change",
    "Protein Position": "protein_position",
    "Gene Name": "gene_name",
    "HGVSc": "hgvsc",
    "HGVSp": "hgvsp",
}

_READ_COLUMN_MAP: dict[str, str] = {
    "Tumor DNA Depth": "tdna_depth",
    "Tumor DNA VAF": "tdna_vaf",
    "Tumor RNA Depth": "trna_depth",
    "Tumor RNA VAF": "trna_vaf",
    "Normal Depth": "normal_depth",
    "Normal VAF": "normal_vaf",
    "Gene Expression": "gene_expression",
    "Transcript Expression": "transcript_expression",
}


def _fold_change(wt: pd.Series, mt: pd.Series) -> pd.Series:
    """WT / MT IC50 (pVACseq: ``inf`` when MT is 0, NA when WT is NA)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        fold = wt.to_numpy(dtype=float) / mt.to_numpy(dtype=float)
    fold = np.where(mt.to_numpy(dtype=float) == 0, np.inf, fold)
    fold = np.where(np.isnan(wt.to_numpy(dtype=float)), np.nan, fold)
    return pd.Series(np.round(fold, 3), index=wt.index)


def build_all_epitopes(
    variants: pd.DataFrame,
    candidates: pd.DataFrame,
    predictions: pd.DataFrame,
    alleles: list[str],
) -> pd.DataFrame:
    """The all-epitopes table (numeric score columns; ``NaN`` = NA).

    Parameters
    ----------
    variants
        Parsed-VCF table (``index`` column joins ``candidates['Index']``).
    candidates
        Output of :func:`vaxmix.peptides.enumerate_epitopes`.
    predictions
        ``peptide, allele, affinity_nm, percentile, presentation_score, model`` (and optionally
        ``core``) for every MT and WT peptide × allele.
    alleles
        Normalized allele names, in report order.
    """
    models = sorted(set(predictions["model"].astype(str))) if len(predictions) else ["none"]
    method = models[0] if len(models) == 1 else "+".join(models)
    n_cand = len(candidates)
    frame = candidates.loc[np.repeat(np.arange(n_cand), len(alleles))].reset_index(drop=True)
    frame.insert(0, "HLA Allele", np.tile(np.array(alleles, dtype=object), n_cand))
    has_core = "core" in predictions.columns
    scores = predictions.set_index(["peptide", "allele"])[
        ["affinity_nm", "presentation_score", "percentile", *(["core"] if has_core else [])]
    ]
    scores = scores[~scores.index.duplicated()]
    numeric = ["affinity_nm", "presentation_score", "percentile"]
    scores[numeric] = scores[numeric].astype(float)  # an empty predictor frame is object-typed
    mt_key = pd.MultiIndex.from_arrays([frame["MT Epitope Seq"], frame["HLA Allele"]])
    wt_key = pd.MultiIndex.from_arrays([frame["WT Epitope Seq"], frame["HLA Allele"]])
    mt = scores.reindex(mt_key).reset_index(drop=True)
    wt = scores.reindex(wt_key).reset_index(drop=True)
    wt.loc[frame["WT Epitope Seq"].eq("NA").to_numpy()] = np.nan
    var = variants.set_index("index")
    joined = var.reindex(frame["Index"]).reset_index(drop=True)
    out = pd.DataFrame({name: joined[col] for name, col in VARIANT_COLUMN_MAP.items()})
    for name in ("HLA Allele", "Peptide Length", "Sub-peptide Position", "Mutation Position",
                 "MT Epitope Seq", "WT Epitope Seq"):  # fmt: skip
        out[name] = frame[name].to_numpy()
    fold = _fold_change(wt["affinity_nm"], mt["affinity_nm"])
    out["Best MT IC50 Score Method"] = method
    out["Best MT IC50 Score"] = mt["affinity_nm"].round(3)
    out["Corresponding WT IC50 Score"] = wt["affinity_nm"].round(3)
    out["Corresponding Fold Change"] = fold
    out["Best MT Percentile Method"] = method
    out["Best MT Percentile"] = mt["percentile"].round(3)
    out["Corresponding WT Percentile"] = wt["percentile"].round(3)
    out["Best MT Presentation Percentile Method"] = method
    out["Best MT Presentation Percentile"] = mt["percentile"].round(3)
    out["Corresponding WT Presentation Percentile"] = wt["percentile"].round(3)
    for name, col in _READ_COLUMN_MAP.items():
        out[name] = pd.to_numeric(joined[col], errors="coerce")
    out["Median MT IC50 Score"] = mt["affinity_nm"].round(3)
    out["Median WT IC50 Score"] = wt["affinity_nm"].round(3)
    out["Median Fold Change"] = fold
    out["Median MT Percentile"] = mt["percentile"].round(3)
    out["Median WT Percentile"] = wt["percentile"].round(3)
    out["Median MT Presentation Percentile"] = mt["percentile"].round(3)
    out["Median WT Presentation Percentile"] = wt["percentile"].round(3)
    out[f"{method} WT IC50 Score"] = wt["affinity_nm"].round(3)
    out[f"{method} MT IC50 Score"] = mt["affinity_nm"].round(3)
    out[f"{method} WT Presentation Score"] = wt["presentation_score"].round(4)
    out[f"{method} MT Presentation Score"] = mt["presentation_score"].round(4)
    out[f"{method} WT Percentile"] = wt["percentile"].round(3)
    out[f"{method} MT Percentile"] = mt["percentile"].round(3)
    out["Index"] = frame["Index"].to_numpy()
    out["Prediction Model"] = method
    if has_core:
        out["MT Core"] = mt["core"].to_numpy()
        out["WT Core"] = wt["core"].to_numpy()
    return out


def read_genes_of_interest(path: Path) -> frozenset[str]:
    """Gene symbols, one per line (blank lines and ``#`` comments skipped), as pVACseq's
    ``--genes-of-interest-file``; an unreadable or empty file is an :class:`InputError`."""
    from vaxmix.common.errors import InputError

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the genes of interest: {exc}", path=path) from exc
    genes = frozenset(s for s in (line.split("\t")[0].strip() for line in lines)
                      if s and not s.startswith("#"))  # fmt: skip
    if not genes:
        raise InputError("the genes-of-interest file names no gene", path=path)
    return genes


def add_peptide_properties(
    all_epitopes: pd.DataFrame,
    problematic_amino_acids: tuple[str, ...] = (),
    genes_of_interest: frozenset[str] | None = None,
) -> pd.DataFrame:
    """Append pVACseq's "Problematic Positions" (only when residues are given), "Gene of
    Interest" (only with a gene list: pVACseq's default list derives from COSMIC's Cancer Gene
    Census, which may not be redistributed) and its eight manufacturability columns of the MT
    epitope, in pVACseq's order (:mod:`vaxmix.peptides.properties`)."""
    from vaxmix.peptides.properties import (
        manufacturability_table,
        parse_problematic_amino_acids,
        problematic_positions,
    )

    out = all_epitopes.copy(deep=False)  # new columns only; the input frame stays as it is
    peptides = out["MT Epitope Seq"].astype(str).tolist()
    if problematic_amino_acids:
        entries = parse_problematic_amino_acids(problematic_amino_acids)
        out["Problematic Positions"] = problematic_positions(peptides, entries)
    if genes_of_interest is not None:
        out["Gene of Interest"] = out["Gene Name"].astype(str).isin(genes_of_interest)
    table = manufacturability_table(peptides)
    for column in table.columns:
        out[column] = table[column].to_numpy()
    return out
