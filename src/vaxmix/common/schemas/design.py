"""Tables of ``vaxmix design`` (vaxmix's own snake_case names): ``vaccine/``, ``mrna/``,
``virus/``. TSV only (no Parquet twin)."""

from __future__ import annotations

from vaxmix.common.schemas.core import BOOL, FLOAT, INT, STR, Column, ColumnGroup, Table

__all__ = ["design_tables"]

V = "vaxmix"


def _c(name: str, dtype: str, meaning: str, **kw: object) -> Column:
    return Column(name, dtype, meaning, origin=V, **kw)  # type: ignore[arg-type]


SELECTION_COLUMNS: tuple[Column | ColumnGroup, ...] = (
    _c("order", INT, "position of the long peptide in the construct (1-based)", required=True),
    _c("name", STR, "long-peptide name (GENE_change)", required=True),
    _c("kind", STR, "snv/indel or fusion"),
    _c("best_epitope", STR, "its best-valued epitope"),
    _c("best_allele", STR, "that epitope's allele"),
    _c("best_affinity_nm", FLOAT, "that epitope's MT IC50 (nM, the run's binding metric)"),
    _c("best_percentile", FLOAT, "that epitope's MT percentile"),
    _c("agretopicity", FLOAT, "MT / WT IC50 of the best epitope"),
    _c("tumor_abundance_tpm", FLOAT, "gene TPM x RNA VAF"),
    _c("gene_expression_tpm", FLOAT, "gene expression (TPM)"),
    _c("rna_vaf", FLOAT, "tumor RNA VAF"),
    _c("dna_vaf", FLOAT, "tumor DNA VAF"),
    _c("clonality", FLOAT, "DNA VAF / clonal VAF"),
    _c("processing", FLOAT, "processing score"),
    _c("processing_source", STR, "what gave the processing score"),
    _c("tcr_hydrophobic_fraction", FLOAT, "hydrophobic fraction of TCR-facing residues"),
    _c("alleles_covered", STR, "alleles with a valued epitope (comma-separated)"),
    _c("n_epitopes", INT, "valued epitopes in the long peptide"),
    _c("n_class2_epitopes", INT, "of them, class II"),
    _c("mutation", STR, "amino-acid change"),
    _c("variant_index", STR, "the variant key (pVACseq's Index)", required=True),
    _c("protein_start", INT, "0-based start of the long peptide in the mutant protein"),
    _c("length", INT, "long-peptide length (aa)"),
    _c("sequence", STR, "long-peptide sequence", required=True),
    ColumnGroup("alleles", (_c("value:{value}", FLOAT, "best epitope value on this allele",
                               key="value_value"),)),
    _c("value", FLOAT, "sum of the per-allele values"),
    _c("epitopes", STR, "the valued epitopes (peptide@allele;...)"),
    _c("cysteine_count", INT, "number of C"),
    _c("n_terminal_qec", BOOL, "N-terminal Q, E or C"),
    _c("dp_count", INT, "DP motifs"),
    _c("dg_count", INT, "DG motifs"),
    _c("ng_count", INT, "NG motifs"),
    _c("gravy", FLOAT, "GRAVY (Kyte-Doolittle)"),
    _c("max_7mer_gravy", FLOAT, "highest 7-mer GRAVY"),
)

JUNCTION_COLUMNS: tuple[Column, ...] = (
    _c("junction", INT, "junction number (1-based)", required=True),
    _c("left", STR, "element left of the junction"),
    _c("right", STR, "element right of the junction"),
    _c("linker", STR, "linker name (none: joined directly)"),
    _c("linker_sequence", STR, "linker sequence"),
    _c("junction_peptides", INT, "junction-spanning peptides predicted"),
    _c("predicted_binders", INT, "of them, predicted binders"),
    _c("worst_peptide", STR, "the strongest junction binder"),
    _c("worst_allele", STR, "its allele"),
    _c("worst_affinity_nm", FLOAT, "its IC50 (nM)"),
    _c("worst_percentile", FLOAT, "its percentile"),
)

CANDIDATE_COLUMNS: tuple[Column, ...] = (
    _c("variant", STR, "variant ID (chr-start-stop-ref-alt)", required=True),
    _c("gene", STR, "gene symbol"),
    _c("aa_change", STR, "amino-acid change"),
    _c("class1_index", STR, "class I best transcript's variant key"),
    _c("class1_tier", STR, "class I tier"),
    _c("class2_index", STR, "class II best transcript's variant key"),
    _c("class2_tier", STR, "class II tier"),
    _c("in_vaccine", STR, "yes / no"),
    _c("long_peptide", STR, "the long peptide it went into"),
    _c("reason", STR, "why it is in or out of the vaccine"),
    _c("kind", STR, "snv/indel or fusion"),
)

MRNA_QC_COLUMNS: tuple[Column, ...] = (
    _c("item", STR, "QC item", required=True),
    _c("value", STR, "its value", required=True),
    _c("status", STR, "ok / warn / fail", required=True),
)

CURVE_COLUMNS: tuple[Column, ...] = (
    _c("plate_id", STR, "plate"), _c("sample_id", STR, "sample"),
    _c("sample_type", STR, "tumor / normal"), _c("virus_id", STR, "virus"),
    _c("dose_unit", STR, "dose unit (MOI, PFU/mL...)"), _c("n_points", INT, "wells fitted"),
    _c("n_doses", INT, "distinct doses"), _c("dose_min", FLOAT, "lowest dose"),
    _c("dose_max", FLOAT, "highest dose"), _c("ec50", FLOAT, "fitted EC50"),
    _c("ec50_censored", STR, "EC50 beyond the tested range (<, >)"),
    _c("ec50_ci_low", FLOAT, "EC50 95% CI low"), _c("ec50_ci_high", FLOAT, "EC50 95% CI high"),
    _c("log10_ec50", FLOAT, "log10 EC50"), _c("ec50_relative", FLOAT, "relative EC50"),
    _c("hill", FLOAT, "Hill slope"), _c("bottom", FLOAT, "lower asymptote"),
    _c("top", FLOAT, "upper asymptote"), _c("rmse", FLOAT, "fit RMSE"),
    _c("auc", FLOAT, "area under the viability curve"), _c("activity", FLOAT, "activity area"),
    _c("median_replicate_cv", FLOAT, "median CV of replicates"),
    _c("converged", BOOL, "the fit converged"), _c("fit_ok", BOOL, "the fit passed QC"),
    _c("flags", STR, "QC flags"), _c("call", STR, "active / inactive / ..."),
)  # fmt: skip

PLATE_QC_COLUMNS: tuple[Column, ...] = (
    _c("plate_id", STR, "plate"), _c("sample_id", STR, "sample"),
    _c("n_mock", INT, "mock wells"), _c("n_blank", INT, "blank wells"),
    _c("n_kill", INT, "kill-control wells"), _c("z_prime", FLOAT, "Z'-factor"),
    _c("z_prime_low_control", STR, "which low control Z' used"),
    _c("mock_cv", FLOAT, "CV of mock wells"),
    _c("edge_minus_interior_mock", FLOAT, "edge minus interior mock signal"),
    _c("edge_p_mock", FLOAT, "its p-value"),
    _c("edge_minus_interior_residual", FLOAT, "edge minus interior fit residual"),
    _c("edge_p_residual", FLOAT, "its p-value"), _c("flags", STR, "QC flags"),
)  # fmt: skip

RNA_SCORE_COLUMNS: tuple[Column, ...] = (
    _c("virus_id", STR, "virus"), _c("gate", STR, "receptor gate result"),
    _c("score", FLOAT, "RNA-based score"), _c("defense_broken", BOOL, "antiviral defence broken"),
    _c("broken_steps", STR, "which defence steps"), _c("receptor_tpm", STR, "receptor TPMs"),
    _c("isg_mean_log2tpm", FLOAT, "mean log2 TPM of ISGs"), _c("isg_z", FLOAT, "ISG z-score"),
    _c("reasons", STR, "why"),
)  # fmt: skip

SELECTIVITY_COLUMNS: tuple[Column, ...] = (
    _c("virus_id", STR, "virus"), _c("tumor_sample", STR, "tumor sample"),
    _c("normal_sample", STR, "normal sample"),
    _c("log10_selectivity", FLOAT, "log10 normal EC50 / tumor EC50"),
    _c("selectivity_bound", STR, "censoring of the ratio (<, >)"),
    _c("delta_auc", FLOAT, "normal AUC - tumor AUC"),
)  # fmt: skip

WELL_COLUMNS: tuple[Column, ...] = (
    _c("plate_id", STR, "plate"), _c("well", STR, "well (A1)"), _c("row", INT, "row"),
    _c("col", INT, "column"), _c("plate_format", INT, "wells per plate"),
    _c("sample_id", STR, "sample"), _c("sample_type", STR, "tumor / normal"),
    _c("virus_id", STR, "virus"), _c("dose", FLOAT, "dose"), _c("dose_unit", STR, "dose unit"),
    _c("replicate", FLOAT, "replicate"), _c("control", STR, "control kind"),
    _c("readout", FLOAT, "raw readout"), _c("assay", STR, "assay"),
    _c("signal", FLOAT, "background-corrected signal"), _c("viability", FLOAT, "viability"),
    _c("edge", BOOL, "edge well"), _c("residual", FLOAT, "fit residual"),
)  # fmt: skip


def design_tables() -> dict[str, Table]:
    """The tables of ``vaxmix design``, by name (``vaccine/selection``, ...)."""
    specs = [
        ("vaccine/selection", SELECTION_COLUMNS, "vaxmix.vaccine.design",
         "one row per long peptide, in construct order"),
        ("vaccine/junctions", JUNCTION_COLUMNS, "vaxmix.vaccine.design",
         "one row per junction of the construct, re-predicted"),
        ("vaccine/candidates", CANDIDATE_COLUMNS, "vaxmix.vaccine.design",
         "every candidate variant and why it is in or out"),
        ("mrna/qc", MRNA_QC_COLUMNS, "vaxmix.mrna", "mRNA design QC items"),
        ("virus/curves", CURVE_COLUMNS, "vaxmix.virus.run", "dose-response fits"),
        ("virus/plate_qc", PLATE_QC_COLUMNS, "vaxmix.virus.run", "plate QC"),
        ("virus/rna_scores", RNA_SCORE_COLUMNS, "vaxmix.virus.run", "RNA-based virus scores"),
        ("virus/selectivity", SELECTIVITY_COLUMNS, "vaxmix.virus.run", "tumor selectivity"),
        ("virus/wells", WELL_COLUMNS, "vaxmix.virus.run", "plate wells"),
    ]
    return {name: Table(name, f"{name}.tsv", columns, writer, meaning=meaning)
            for name, columns, writer, meaning in specs}  # fmt: skip
