"""Tables of ``vaxmix run --fusions`` in ``fusions/`` (pVACfuse 7.1.5's names and order).

``fusions/fusions.tsv`` lists the fusions (pVACfuse's intermediate ``<sample>.fa.tsv``, plus
``fusion_coding_length``); ``fusions/MHC_Class_I|MHC_Class_II|combined/`` hold
``all_epitopes``, ``filtered`` (same columns) and ``aggregated``, each also as Parquet. A class
with no fusion epitope writes an empty file (no header).
"""

from __future__ import annotations

from vaxmix.common.runfolder import CLASS1_FOLDER, CLASS2_FOLDER, COMBINED_FOLDER, FUSION_FOLDER
from vaxmix.common.schemas.core import FLOAT, INT, STR, Column, ColumnGroup, Table

__all__ = [
    "FUSION_AGGREGATED_COLUMNS",
    "FUSION_EPITOPE_COLUMNS",
    "FUSION_FOLDER",
    "FUSION_RECORD_COLUMNS",
    "fusion_binding_columns",
    "fusion_tables",
]

V = "vaxmix"

FUSION_RECORD_COLUMNS: tuple[Column, ...] = (
    Column("chromosome_name", STR, "5' partner chromosome(s)", key="chromosome", required=True),
    Column("start", STR, "breakpoint(s)", required=True),
    Column("stop", STR, "breakpoint(s)", required=True),
    Column("reference", STR, "'fusion'"),
    Column("variant", STR, "'fusion'", key="alt"),
    Column("gene_name", STR, "the two genes (A--B)", key="gene", required=True),
    Column("transcript_name", STR, "the two transcripts", key="transcript", required=True),
    Column("fusion_amino_acid_sequence", STR, "fusion protein around the junction",
           required=True),
    Column("variant_type", STR, "inframe_fusion, frameshift_fusion, ...", required=True),
    Column("protein_position", INT, "junction position in the fusion peptide", required=True),
    Column("fusion_read_support", INT, "supporting reads"),
    Column("fusion_expression", FLOAT, "fusion expression (FFPM)"),
    Column("index", STR, "the fusion key (pVACfuse's Index)", key="variant_index",
           required=True),
    Column("fusion_coding_length", INT, "residues before the first stop codon", required=True,
           origin=V),
)

_MODEL = ColumnGroup("models", (
    Column("{value} IC50 Score", FLOAT, "IC50 of this model (nM)", key="value_ic50"),
    Column("{value} Percentile", FLOAT, "percentile rank of this model", key="value_percentile"),
    Column("{value} Presentation Score", FLOAT, "presentation score of this model",
           key="value_presentation"),
))  # fmt: skip

FUSION_EPITOPE_COLUMNS: tuple[Column | ColumnGroup, ...] = (
    Column("Chromosome", STR, "chromosome(s)", key="chromosome"),
    Column("Start", STR, "breakpoint(s)", key="start"),
    Column("Stop", STR, "breakpoint(s)", key="stop"),
    Column("Transcript", STR, "the two transcripts", key="transcript"),
    Column("Gene Name", STR, "the two genes", key="gene"),
    Column("Variant Type", STR, "fusion type", key="variant_type"),
    Column("Index", STR, "the fusion key (fusions.tsv's index)", key="variant_index",
           required=True),
    Column("HLA Allele", STR, "MHC allele", key="allele", required=True),
    Column("Sub-peptide Position", INT, "1-based start in the fusion peptide"),
    Column("Epitope Seq", STR, "the junction peptide", key="peptide", required=True),
    Column("Median IC50 Score", FLOAT, "median IC50 over methods (nM)", required=True),
    Column("Best IC50 Score", FLOAT, "lowest IC50 over methods (nM)", required=True),
    Column("Best IC50 Score Method", STR, "its method"),
    Column("Median Percentile", FLOAT, "median percentile"),
    Column("Best Percentile", FLOAT, "lowest percentile"),
    Column("Best Percentile Method", STR, "its method"),
    Column("Median IC50 Percentile", FLOAT, "median IC50 percentile (NA: no such model)"),
    Column("Best IC50 Percentile", FLOAT, "lowest IC50 percentile"),
    Column("Best IC50 Percentile Method", STR, "its method"),
    Column("Median Immunogenicity Percentile", FLOAT, "median immunogenicity percentile"),
    Column("Best Immunogenicity Percentile", FLOAT, "lowest immunogenicity percentile"),
    Column("Best Immunogenicity Percentile Method", STR, "its method"),
    Column("Median Presentation Percentile", FLOAT, "median presentation percentile"),
    Column("Best Presentation Percentile", FLOAT, "lowest presentation percentile"),
    Column("Best Presentation Percentile Method", STR, "its method"),
    _MODEL,
    Column("Read Support", INT, "supporting reads"),
    Column("Expression", FLOAT, "fusion expression (FFPM, not TPM)"),
    Column("Junction Position", INT, "junction position in the fusion peptide",
           key="mutation_position"),
    Column("Model", STR, "name and version of the model that made the scores", origin=V),
)

FUSION_AGGREGATED_COLUMNS: tuple[Column | ColumnGroup, ...] = (
    Column("ID", STR, "the fusion key (pVACfuse names the Index ID)", key="variant_index",
           required=True),
    ColumnGroup("alleles", (Column("{value}", INT, "good binders on this allele (blank: 0)",
                                   key="binders_value"),)),
    Column("Gene", STR, "the two genes", key="gene", required=True),
    Column("Best Peptide", STR, "the chosen junction peptide", key="best_peptide",
           required=True),
    Column("Best Transcript", STR, "its transcripts", key="transcript"),
    Column("Allele", STR, "its allele", key="allele", required=True),
    Column("Prob Pos", STR, "problematic positions ('None')"),
    Column("Num Included Peptides", INT, "peptides included"),
    Column("Num Passing Peptides", INT, "peptides below the binding threshold"),
    Column("IC50 MT", FLOAT, "IC50 (nM) of the best peptide, per the metric", key="ic50_mt"),
    Column("%ile MT", FLOAT, "percentile", key="percentile_mt"),
    Column("IC50 %ile MT", FLOAT, "IC50 percentile"),
    Column("IM %ile MT", FLOAT, "immunogenicity percentile"),
    Column("Pres %ile MT", FLOAT, "presentation percentile"),
    Column("Expr", FLOAT, "fusion expression (FFPM)", key="expression_ffpm"),
    Column("Read Support", INT, "supporting reads", key="read_support"),
    Column("Junction Position", INT, "junction position", key="junction_position"),
    Column("Tier", STR, "pVACfuse tier", key="tier", required=True),
    Column("Evaluation", STR, "reviewer decision (Pending)", key="evaluation"),
)


def fusion_tables() -> dict[str, Table]:
    """The tables of ``fusions/``, by name (``fusions/MHC_Class_I/aggregated``, ...)."""
    tables = {"fusions/fusions": Table("fusions/fusions", "fusions/fusions.tsv",
                                       FUSION_RECORD_COLUMNS, "vaxmix.pipeline.fusions",
                                       parquet=True, meaning="one row per fusion")}  # fmt: skip
    for folder in (CLASS1_FOLDER, CLASS2_FOLDER, COMBINED_FOLDER):
        for stem, columns in (("all_epitopes", FUSION_EPITOPE_COLUMNS),
                              ("filtered", FUSION_EPITOPE_COLUMNS),
                              ("aggregated", FUSION_AGGREGATED_COLUMNS)):  # fmt: skip
            name = f"fusions/{folder}/{stem}"
            tables[name] = Table(name, f"{name}.tsv", columns, "vaxmix.pipeline.fusions",
                                 parquet=True, meaning=f"fusion {stem} ({folder})")  # fmt: skip
    return tables


def fusion_binding_columns(metric: str = "median") -> dict[str, str]:
    """pVACfuse's columns for ``--top-score-metric`` (see
    :func:`vaxmix.common.schemas.binding_columns`): ``mt_ic50``, ``mt_percentile``, ...; a
    fusion peptide has no wild type."""
    if metric not in ("median", "lowest"):
        raise ValueError(f"binding metric must be 'median' or 'lowest', not {metric!r}")
    family = "Median" if metric == "median" else "Best"
    return {
        "mt_ic50": f"{family} IC50 Score",
        "mt_percentile": f"{family} Percentile",
        "mt_presentation_percentile": f"{family} Presentation Percentile",
        "mt_ic50_percentile": f"{family} IC50 Percentile",
        "mt_immunogenicity_percentile": f"{family} Immunogenicity Percentile",
    }
