"""Phased proximal variants: the missense changes near a somatic variant on the same haplotype.

pVACseq's ``--phased-proximal-variants-vcf`` (Hundal J et al., Genome Med 2020;12:45) takes a
VCF of the tumor's somatic *and* germline variants, phased (e.g. GATK ReadBackedPhasing or
WhatsHap) and annotated by VEP like the main input. A germline or somatic missense change that
lies on the same haplotype as a somatic variant, close enough to share a peptide with it, changes
the peptides the tumor actually presents: both the mutant peptide and its wild-type partner (the
patient's own germline sequence) carry it.

This module reads such a VCF into plain records; :mod:`vaxmix.peptides.proximal` applies them.
Phase: a genotype written with ``|``; two records are on one haplotype when they share the phase
set (FORMAT ``PS``; a VCF without ``PS`` is treated as one phase block per chromosome, as phased
VCFs from ReadBackedPhasing were) and the same allele is on the same side of the ``|``.
Only single-residue missense changes (VEP ``missense_variant``) are used as proximal changes,
as in pVACseq.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vaxmix.common.errors import InputError
from vaxmix.variants.csq import entries_for_allele, split_csq
from vaxmix.variants.vcf import choose_sample, open_vep_vcf, parse_protein_position
from vaxmix.variants.vcftext import parse_genotype

__all__ = ["PhasedVariants", "ProximalChange", "read_phased_vcf"]

#: (chromosome, VCF POS, REF, ALT)
Site = tuple[str, int, str, str]


@dataclass(frozen=True)
class ProximalChange:
    """One phased missense change on one transcript."""

    site: Site
    transcript: str
    protein_position: int  # 1-based
    ref_aa: str
    alt_aa: str
    phase_set: str
    haplotypes: frozenset[int]  # 0 and/or 1: sides of the '|' that carry the ALT
    codons: str = ""  # VEP Codons, e.g. "Gat/Cat" (combines changes in one codon)


@dataclass
class PhasedVariants:
    """Phase of every phased ALT allele, and the missense changes per transcript."""

    phase: dict[Site, tuple[str, frozenset[int]]] = field(default_factory=dict)
    by_transcript: dict[str, list[ProximalChange]] = field(default_factory=dict)
    unphased_records: int = 0


def read_phased_vcf(path: str | Path, sample: str | None = None) -> PhasedVariants:
    """Read a phased, VEP-annotated VCF (plain or bgzipped) for ``sample``.

    Raises
    ------
    InputError
        On a missing file, a VCF without a CSQ header, or an unknown sample.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("phased proximal variants VCF not found", path=path)
    header, records, fields = open_vep_vcf(path)
    index = choose_sample(header.samples, sample, path, what="phased")
    has_ps = "PS" in header.format
    out = PhasedVariants()
    for rec in records:
        call = rec.call(index)
        genotype = parse_genotype(call.get("GT", "."), len(rec.alts), path, rec.line)
        if len(genotype.alleles) != 2 or not genotype.phased:  # haploid or unphased
            out.unphased_records += 1
            continue
        phase_set = rec.chrom
        if has_ps and call.get("PS", ".") not in ("", "."):
            phase_set = f"{rec.chrom}:{call['PS']}"
        entries = split_csq(rec.info_value("CSQ") or "", fields, path=path, line=rec.line) if (
            rec.info_value("CSQ")) else []
        alts = rec.alts
        for alt_number, alt in enumerate(alts, start=1):
            sides = frozenset(i for i, a in enumerate(genotype.alleles) if a == alt_number)
            if not sides:
                continue
            site = (rec.chrom, rec.pos, rec.ref, alt)
            out.phase[site] = (phase_set, sides)
            for entry in entries_for_allele(entries, rec.ref, alt, alts):
                change = _missense(entry, site, phase_set, sides)
                if change is not None:
                    out.by_transcript.setdefault(change.transcript, []).append(change)
    return out


def _missense(
    entry: dict[str, str], site: Site, phase_set: str, sides: frozenset[int]
) -> ProximalChange | None:
    if "missense_variant" not in entry.get("Consequence", "").split("&"):
        return None
    ref_aa, sep, alt_aa = entry.get("Amino_acids", "").partition("/")
    position = parse_protein_position(entry.get("Protein_position", ""))
    if not sep or len(ref_aa) != 1 or len(alt_aa) != 1 or not position.isdigit():
        return None
    return ProximalChange(site, entry.get("Feature", ""), int(position), ref_aa, alt_aa,
                          phase_set, sides, entry.get("Codons", ""))
