"""Configuration of one ``vaxmix run`` (inputs and every parameter, recorded in run.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
        HLA alleles as given (any spelling); merged with ``hla_file``'s.
    hla_file
        OptiType / arcasHLA / HLA-HD output or a plain list.
    lengths
        Epitope lengths (class I default 8–11, as pVACseq).
    downstream_length
        Frameshift residues past the variant (pVACseq ``-d``: 1000; ``None`` = full).
    biotypes, allow_incomplete_transcripts, pass_only
        Transcript/record selection (pVACseq defaults: protein_coding, no, no).
    gene_expression_file, transcript_expression_file
        Optional quantifier tables (kallisto, StringTie, RSEM, Cufflinks) replacing GX/TX.
    model
        Path of a predictor model file for :func:`vaxmix.mhc.predict` (``None`` = shipped).
    ranking
        Filter, aggregation and tier thresholds.
    """

    vcf: Path
    sample: str | None = None
    normal_sample: str | None = None
    alleles: tuple[str, ...] = ()
    hla_file: Path | None = None
    lengths: tuple[int, ...] = (8, 9, 10, 11)
    downstream_length: int | None = 1000
    biotypes: tuple[str, ...] = ("protein_coding",)
    allow_incomplete_transcripts: bool = False
    pass_only: bool = False
    gene_expression_file: Path | None = None
    transcript_expression_file: Path | None = None
    model: Path | None = None
    ranking: RankingConfig = field(default_factory=RankingConfig)
