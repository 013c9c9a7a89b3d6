"""Configuration of one ``vaxmix run`` (inputs and every parameter, recorded in run.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.epitope_lengths import CLASS1_LENGTHS, CLASS2_LENGTHS
from vaxmix.ranking.config import RankingConfig

__all__ = ["PipelineConfig"]


@dataclass(frozen=True)
class PipelineConfig:
    """Inputs and parameters of the core pipeline (VCF → ranked, tiered tables).

    Attributes
    ----------
    vcf
        VEP-annotated VCF (Wildtype + Frameshift plugins), plain or bgzipped.
    sample, normal_sample
        Tumor sample (required when the VCF has several) and optional matched normal.
    alleles
        HLA alleles as given (any spelling); merged with ``hla_file``'s. Class II names
        (``HLA-DRB1*15:01``, ``HLA-DQA1*01:02-DQB1*06:02``, single DQ/DP chains, which are
        paired) are split off and run through the class II predictor, as pVACseq does.
    hla_file
        OptiType / arcasHLA / HLA-HD output or a plain list.
    lengths
        Class I epitope lengths (default ``CLASS1_LENGTHS``, 8–11 as pVACseq's ``-e1``).
    class2_lengths
        Class II epitope lengths (default ``CLASS2_LENGTHS``, 12–18 as pVACseq's ``-e2``).
    downstream_length
        Frameshift residues past the variant (pVACseq ``-d``: 1000; ``None`` = full).
    biotypes, allow_incomplete_transcripts, pass_only
        Transcript/record selection (pVACseq defaults: protein_coding, no, no).
    gene_expression_file, transcript_expression_file
        Optional quantifier tables (kallisto, StringTie, RSEM, Cufflinks) replacing GX/TX.
    model
        Path of a predictor model file for :func:`vaxmix.mhc.predict` (``None`` = shipped).
    class2_model
        Path of a class II model for :func:`vaxmix.mhc.classii.predict` (``None`` = shipped).
    problematic_amino_acids
        Residues to flag in every MT epitope (pVACseq's ``--problematic-amino-acids``: ``C``,
        ``NG``, ``G:2``, ``P:-1``); adds "Problematic Positions", which the best-peptide choice
        and the ProbPos tier use (:mod:`vaxmix.peptides.properties`). Empty: no column.
    genes_of_interest_file
        Gene symbols, one per line: adds "Gene of Interest" (pVACseq's column; its default
        COSMIC-derived list is not bundled).
    reference_proteome, reference_match_length
        Optional protein FASTA (e.g. Ensembl ``pep.all.fa.gz``): MT epitopes whose mutated
        ``reference_match_length``-mers (8) occur in another protein get "Reference Match" and
        the RefMatch tier (:mod:`vaxmix.ranking.reference`).
    phased_proximal_variants_vcf
        Phased, VEP-annotated VCF of the tumor's somatic and germline variants (pVACseq's
        ``--phased-proximal-variants-vcf``): in-phase missense changes near a somatic variant
        enter its mutant and wild-type peptides (:mod:`vaxmix.peptides.proximal`).
    ranking
        Filter, aggregation and tier thresholds.
    """

    vcf: Path
    sample: str | None = None
    normal_sample: str | None = None
    alleles: tuple[str, ...] = ()
    hla_file: Path | None = None
    lengths: tuple[int, ...] = CLASS1_LENGTHS
    class2_lengths: tuple[int, ...] = CLASS2_LENGTHS
    downstream_length: int | None = 1000
    biotypes: tuple[str, ...] = ("protein_coding",)
    allow_incomplete_transcripts: bool = False
    pass_only: bool = False
    gene_expression_file: Path | None = None
    transcript_expression_file: Path | None = None
    model: Path | None = None
    class2_model: Path | None = None
    problematic_amino_acids: tuple[str, ...] = ()
    genes_of_interest_file: Path | None = None
    reference_proteome: Path | None = None
    reference_match_length: int = 8
    phased_proximal_variants_vcf: Path | None = None
    ranking: RankingConfig = field(default_factory=RankingConfig)
