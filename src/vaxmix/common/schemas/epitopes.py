"""Tables of ``vaxmix run`` for SNVs and indels (pVACseq's names, pVACseq 7.1.5's order).

The class I tables lie in the run folder itself, the class II ones in ``MHC_Class_II/`` and the
two classes together in ``combined/`` (pVACseq's layout). ``filtered`` has the columns of
``all_epitopes`` (it is a subset of its rows). Each table is also written as Parquet.

The binding metric (:func:`binding_columns`) is pVACseq's ``--top-score-metric``: ``median``
(the default) reads the Median columns, ``lowest`` the Best MT / Corresponding WT columns. Every
reader (vaccine, report, registry) takes the same column for the same candidate.
"""

from __future__ import annotations

from vaxmix.common.runfolder import CLASS2_FOLDER, COMBINED_FOLDER
from vaxmix.common.schemas.core import BOOL, FLOAT, INT, STR, Column, ColumnGroup, Table

__all__ = [
    "AGGREGATED_COLUMNS",
    "BINDING_METRICS",
    "CLASS2_FOLDER",
    "COMBINED_FOLDER",
    "DEFAULT_METRIC",
    "EPITOPE_COLUMNS",
    "REFERENCE_MATCH_COLUMNS",
    "VARIANTS_COLUMNS",
    "binding_columns",
    "combined_header",
    "epitope_tables",
]

#: pVACseq's ``--top-score-metric`` values; ``median`` is its default.
BINDING_METRICS = ("median", "lowest")
DEFAULT_METRIC = "median"

V = "vaxmix"

#: variants.tsv: pVACseq's parsed-VCF table (``<sample>.tsv``), one row per variant x transcript.
VARIANTS_COLUMNS: tuple[Column, ...] = (
    Column("chromosome_name", STR, "chromosome", key="chromosome", required=True),
    Column("start", INT, "0-based start of the variant (pVACseq's convention)", required=True),
    Column("stop", INT, "end of the variant", required=True),
    Column("reference", STR, "reference allele", required=True),
    Column("variant", STR, "alternate allele", key="alt", required=True),
    Column("gene_name", STR, "gene symbol (VEP SYMBOL)", key="gene"),
    Column("transcript_name", STR, "Ensembl transcript ID", key="transcript"),
    Column("transcript_support_level", STR, "TSL (1-5 or NA)"),
    Column("canonical", STR, "VEP CANONICAL flag"),
    Column("mane_select", STR, "MANE Select transcript"),
    Column("transcript_length", INT, "transcript length (nt)"),
    Column("biotype", STR, "transcript biotype"),
    Column("transcript_cds_flags", STR, "VEP FLAGS (cds_start_NF, cds_end_NF)"),
    Column("amino_acid_change", STR, "VEP Amino_acids (e.g. R/H)", required=True),
    Column("codon_change", STR, "VEP Codons"),
    Column("ensembl_gene_id", STR, "Ensembl gene ID"),
    Column("hgvsc", STR, "HGVS coding change"),
    Column("hgvsp", STR, "HGVS protein change"),
    Column("wildtype_amino_acid_sequence", STR, "full wild-type protein (VEP Wildtype plugin)",
           required=True),
    Column("frameshift_amino_acid_sequence", STR, "frameshift protein (VEP Frameshift plugin)",
           required=True),
    Column("variant_type", STR, "missense, inframe_ins, inframe_del, FS", required=True),
    Column("protein_position", STR, "1-based protein position (or range)", required=True),
    Column("transcript_expression", FLOAT, "transcript expression (TPM)"),
    Column("gene_expression", FLOAT, "gene expression (TPM)"),
    Column("normal_depth", INT, "normal DNA depth"),
    Column("normal_vaf", FLOAT, "normal DNA VAF"),
    Column("tdna_depth", INT, "tumor DNA depth"),
    Column("tdna_vaf", FLOAT, "tumor DNA VAF"),
    Column("trna_depth", INT, "tumor RNA depth"),
    Column("trna_vaf", FLOAT, "tumor RNA VAF"),
    Column("index", STR, "the variant key (pVACseq's Index): n.gene.transcript.type.change",
           key="variant_index", required=True),
    Column("protein_length_change", STR, "protein length change of an indel"),
)

_MODEL = ColumnGroup("models", (
    Column("{value} WT IC50 Score", FLOAT, "WT IC50 of this model (nM)", key="value_wt_ic50"),
    Column("{value} MT IC50 Score", FLOAT, "MT IC50 of this model (nM)", key="value_mt_ic50"),
    Column("{value} WT Presentation Score", FLOAT, "WT presentation score of this model",
           key="value_wt_presentation"),
    Column("{value} MT Presentation Score", FLOAT, "MT presentation score of this model",
           key="value_mt_presentation"),
    Column("{value} WT Percentile", FLOAT, "WT percentile rank of this model",
           key="value_wt_percentile"),
    Column("{value} MT Percentile", FLOAT, "MT percentile rank of this model",
           key="value_mt_percentile"),
))  # fmt: skip

_MANUFACTURABILITY: tuple[Column, ...] = (
    Column("cterm_7mer_gravy_score", FLOAT, "GRAVY of the C-terminal 7-mer (Kyte-Doolittle)"),
    Column("max_7mer_gravy_score", FLOAT, "highest 7-mer GRAVY"),
    Column("difficult_n_terminal_residue", BOOL, "N-terminal Q, E or C"),
    Column("c_terminal_cysteine", BOOL, "C-terminal C"),
    Column("c_terminal_proline", BOOL, "C-terminal P"),
    Column("cysteine_count", INT, "number of C"),
    Column("n_terminal_asparagine", BOOL, "N-terminal N"),
    Column("asparagine_proline_bond_count", INT, "number of NP bonds"),
)

#: all_epitopes.tsv / filtered.tsv: one row per MT peptide x allele (pVACseq's all_epitopes).
EPITOPE_COLUMNS: tuple[Column | ColumnGroup, ...] = (
    Column("Chromosome", STR, "chromosome", key="chromosome"),
    Column("Start", INT, "variant start", key="start"),
    Column("Stop", INT, "variant end", key="stop"),
    Column("Reference", STR, "reference allele", key="reference"),
    Column("Variant", STR, "alternate allele", key="alt"),
    Column("Transcript", STR, "Ensembl transcript ID", key="transcript"),
    Column("Transcript Support Level", STR, "TSL"),
    Column("Transcript Length", INT, "transcript length (nt)"),
    Column("Canonical", STR, "VEP CANONICAL flag"),
    Column("MANE Select", STR, "MANE Select transcript"),
    Column("Biotype", STR, "transcript biotype"),
    Column("Transcript CDS Flags", STR, "VEP FLAGS"),
    Column("Ensembl Gene ID", STR, "Ensembl gene ID"),
    Column("Variant Type", STR, "missense, inframe_ins, inframe_del, FS", key="variant_type"),
    Column("Mutation", STR, "amino-acid change (R/H)", key="mutation"),
    Column("Protein Position", STR, "protein position", key="protein_position"),
    Column("Gene Name", STR, "gene symbol", key="gene"),
    Column("HGVSc", STR, "HGVS coding change"),
    Column("HGVSp", STR, "HGVS protein change"),
    Column("HLA Allele", STR, "MHC allele", key="allele", required=True),
    Column("Peptide Length", INT, "peptide length", key="length"),
    Column("Sub-peptide Position", INT, "1-based start of the peptide in the mutant window"),
    Column("Mutation Position", STR, "1-based mutated positions in the peptide, or NA"),
    Column("MT Epitope Seq", STR, "mutant peptide", key="peptide", required=True),
    Column("WT Epitope Seq", STR, "matched wild-type peptide, or NA", key="wt_peptide"),
    Column("Best MT IC50 Score Method", STR, "method of the lowest MT IC50"),
    Column("Best MT IC50 Score", FLOAT, "lowest MT IC50 over methods (nM)", required=True),
    Column("Corresponding WT IC50 Score", FLOAT, "WT IC50 of that method (nM)"),
    Column("Corresponding Fold Change", FLOAT, "WT / MT IC50 of that method"),
    Column("Best MT Percentile Method", STR, "method of the lowest MT percentile"),
    Column("Best MT Percentile", FLOAT, "lowest MT percentile over methods"),
    Column("Corresponding WT Percentile", FLOAT, "WT percentile of that method"),
    Column("Best MT Presentation Percentile Method", STR, "method of the lowest MT "
           "presentation percentile"),
    Column("Best MT Presentation Percentile", FLOAT, "lowest MT presentation percentile"),
    Column("Corresponding WT Presentation Percentile", FLOAT, "WT presentation percentile of "
           "that method"),
    Column("Tumor DNA Depth", INT, "tumor DNA depth"),
    Column("Tumor DNA VAF", FLOAT, "tumor DNA VAF", key="dna_vaf"),
    Column("Tumor RNA Depth", INT, "tumor RNA depth", key="rna_depth"),
    Column("Tumor RNA VAF", FLOAT, "tumor RNA VAF", key="rna_vaf"),
    Column("Normal Depth", INT, "normal DNA depth"),
    Column("Normal VAF", FLOAT, "normal DNA VAF"),
    Column("Gene Expression", FLOAT, "gene expression (TPM)", key="gene_expression_tpm"),
    Column("Transcript Expression", FLOAT, "transcript expression (TPM)",
           key="transcript_expression_tpm"),
    Column("Median MT IC50 Score", FLOAT, "median MT IC50 over methods (nM)", required=True),
    Column("Median WT IC50 Score", FLOAT, "median WT IC50 over methods (nM)"),
    Column("Median Fold Change", FLOAT, "median WT / MT IC50"),
    Column("Median MT Percentile", FLOAT, "median MT percentile"),
    Column("Median WT Percentile", FLOAT, "median WT percentile"),
    Column("Median MT Presentation Percentile", FLOAT, "median MT presentation percentile"),
    Column("Median WT Presentation Percentile", FLOAT, "median WT presentation percentile"),
    _MODEL,
    Column("Index", STR, "the variant key (variants.tsv's index)", key="variant_index",
           required=True),
    Column("Prediction Model", STR, "name and version of the model(s) that made the scores",
           origin=V),
    Column("MT Core", STR, "binding core of the MT peptide (class II predictor)", when="core",
           origin=V),
    Column("WT Core", STR, "binding core of the WT peptide", when="core", origin=V),
    Column("Problematic Positions", STR, "positions of --problematic-amino-acids, or None",
           when="problematic_amino_acids"),
    Column("Gene of Interest", BOOL, "the gene is in --genes-of-interest-file",
           when="genes_of_interest"),
    *_MANUFACTURABILITY,
    Column("Reference Match", BOOL, "a mutated k-mer occurs in the reference proteome",
           key="reference_match", when="reference_proteome"),
)

#: aggregated.tsv: one row per variant (pVACseq's all_epitopes.aggregated.tsv).
AGGREGATED_COLUMNS: tuple[Column | ColumnGroup, ...] = (
    Column("ID", STR, "variant ID (chr-start-stop-ref-alt)", key="variant_id", required=True),
    Column("Index", STR, "the variant key of the best transcript", key="variant_index",
           required=True),
    ColumnGroup("alleles", (Column("{value}", INT, "good binders on this allele (blank: 0)",
                                   key="binders_value"),)),
    Column("Gene", STR, "gene symbol", key="gene", required=True),
    Column("AA Change", STR, "amino-acid change", key="aa_change"),
    Column("Num Passing Transcripts", INT, "transcripts with a passing peptide"),
    Column("Best Peptide", STR, "the chosen MT peptide", key="best_peptide"),
    Column("Best Transcript", STR, "its transcript", key="transcript"),
    Column("MANE Select", STR, "MANE Select"),
    Column("Canonical", STR, "canonical"),
    Column("TSL", STR, "transcript support level"),
    Column("Allele", STR, "allele of the best peptide", key="allele"),
    Column("Pos", STR, "mutated positions of the best peptide"),
    Column("Prob Pos", STR, "problematic positions of the best peptide"),
    Column("Num Included Peptides", INT, "peptides included"),
    Column("Num Passing Peptides", INT, "peptides below the binding threshold"),
    Column("IC50 MT", FLOAT, "MT IC50 (nM) of the best peptide, per the metric", key="ic50_mt"),
    Column("IC50 WT", FLOAT, "WT IC50 (nM)", key="ic50_wt"),
    Column("%ile MT", FLOAT, "MT percentile", key="percentile_mt"),
    Column("%ile WT", FLOAT, "WT percentile", key="percentile_wt"),
    Column("IC50 %ile MT", FLOAT, "MT IC50 percentile"),
    Column("IC50 %ile WT", FLOAT, "WT IC50 percentile"),
    Column("IM %ile MT", FLOAT, "MT immunogenicity percentile"),
    Column("IM %ile WT", FLOAT, "WT immunogenicity percentile"),
    Column("Pres %ile MT", FLOAT, "MT presentation percentile"),
    Column("Pres %ile WT", FLOAT, "WT presentation percentile"),
    Column("RNA Expr", FLOAT, "gene expression (TPM)", key="rna_expr"),
    Column("RNA VAF", FLOAT, "tumor RNA VAF", key="rna_vaf"),
    Column("Allele Expr", FLOAT, "RNA expression x RNA VAF", key="allele_expr"),
    Column("RNA Depth", INT, "tumor RNA depth", key="rna_depth"),
    Column("DNA VAF", FLOAT, "tumor DNA VAF", key="dna_vaf"),
    Column("Tier", STR, "pVACseq tier (Pass, LowExpr, ...)", key="tier", required=True),
    Column("Tier Reasons", STR, "why the tier is not Pass", key="tier_reasons", origin=V),
    Column("Ref Match", BOOL, "the best peptide matches the reference proteome",
           when="reference_proteome"),
    Column("Evaluation", STR, "reviewer decision (Pending)", key="evaluation"),
)

#: reference_matches.tsv (``--reference-proteome``): one row per mutated k-mer hit.
REFERENCE_MATCH_COLUMNS: tuple[Column, ...] = (
    Column("Index", STR, "the variant key", key="variant_index", required=True),
    Column("MT Epitope Seq", STR, "mutant peptide", key="peptide", required=True),
    Column("Mutation Position", STR, "mutated positions"),
    Column("Transcript", STR, "transcript"),
    Column("Match Window", STR, "the mutated k-mer found in the reference"),
    Column("Hit ID", STR, "reference protein ID"),
    Column("Hit Definition", STR, "reference protein FASTA header"),
    Column("Match Start", INT, "1-based start of the hit in the protein"),
)


def _family(folder: str, label: str) -> dict[str, Table]:
    prefix = f"{folder}/" if folder else ""
    key = f"{folder}/" if folder else ""
    return {
        f"{key}all_epitopes": Table(f"{key}all_epitopes", f"{prefix}all_epitopes.tsv",
                                    EPITOPE_COLUMNS, "vaxmix.pipeline.run", parquet=True,
                                    meaning=f"{label}: every MT peptide x allele"),
        f"{key}filtered": Table(f"{key}filtered", f"{prefix}filtered.tsv", EPITOPE_COLUMNS,
                                "vaxmix.pipeline.run", parquet=True,
                                meaning=f"{label}: the rows passing pVACseq's filters"),
        f"{key}aggregated": Table(f"{key}aggregated", f"{prefix}aggregated.tsv",
                                  AGGREGATED_COLUMNS, "vaxmix.pipeline.run", parquet=True,
                                  meaning=f"{label}: one row per variant, tiered"),
    }  # fmt: skip


def epitope_tables() -> dict[str, Table]:
    """The SNV/indel tables of ``vaxmix run``, by name (``MHC_Class_II/aggregated``, ...)."""
    tables = {"variants": Table("variants", "variants.tsv", VARIANTS_COLUMNS,
                                "vaxmix.pipeline.run", parquet=True,
                                meaning="pVACseq's parsed-VCF table")}  # fmt: skip
    tables.update(_family("", "class I"))
    tables.update(_family(CLASS2_FOLDER, "class II"))
    tables.update(_family(COMBINED_FOLDER, "class I and II"))
    for folder in ("", CLASS2_FOLDER):
        name = f"{folder}/reference_matches" if folder else "reference_matches"
        path = f"{folder}/reference_matches.tsv" if folder else "reference_matches.tsv"
        tables[name] = Table(name, path, REFERENCE_MATCH_COLUMNS, "vaxmix.pipeline.run",
                             parquet=True, meaning="hits of mutated k-mers in the reference "
                             "proteome (--reference-proteome)")  # fmt: skip
    return tables


def combined_header(class1: list[str], class2: list[str]) -> list[str]:
    """``combined/`` tables: class I's columns, then class II's that class I lacks (the
    column union pandas' concat makes, which is what the writer does)."""
    seen = set(class1)
    return [*class1, *(c for c in class2 if c not in seen)]


def binding_columns(metric: str = DEFAULT_METRIC) -> dict[str, str]:
    """The all-epitopes columns read as a peptide's binding evidence under ``metric``.

    pVACseq's ``--top-score-metric``: ``median`` (its default) uses the median over the
    prediction methods, ``lowest`` the best method's score and the WT score of that same
    method. Keys: ``mt_ic50``, ``wt_ic50``, ``fold_change``, ``mt_percentile``,
    ``wt_percentile``, ``mt_presentation_percentile``, ``wt_presentation_percentile``,
    ``mt_ic50_percentile``, ``wt_ic50_percentile``, ``mt_immunogenicity_percentile``,
    ``wt_immunogenicity_percentile``. With one model (vaxmix's own runs) both metrics give the
    same values.
    """
    if metric == "median":
        mt, wt = "Median MT", "Median WT"
        fold = "Median Fold Change"
    elif metric == "lowest":
        mt, wt = "Best MT", "Corresponding WT"
        fold = "Corresponding Fold Change"
    else:
        raise ValueError(f"binding metric must be one of {BINDING_METRICS}, not {metric!r}")
    return {
        "mt_ic50": f"{mt} IC50 Score",
        "wt_ic50": f"{wt} IC50 Score",
        "fold_change": fold,
        "mt_percentile": f"{mt} Percentile",
        "wt_percentile": f"{wt} Percentile",
        "mt_presentation_percentile": f"{mt} Presentation Percentile",
        "wt_presentation_percentile": f"{wt} Presentation Percentile",
        "mt_ic50_percentile": f"{mt} IC50 Percentile",
        "wt_ic50_percentile": f"{wt} IC50 Percentile",
        "mt_immunogenicity_percentile": f"{mt} Immunogenicity Percentile",
        "wt_immunogenicity_percentile": f"{wt} Immunogenicity Percentile",
    }
