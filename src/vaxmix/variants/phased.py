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
from vaxmix.variants.vcf import choose_sample, open_vep_vcf

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
    import cyvcf2

    path = Path(path)
    if not path.is_file():
        raise InputError("phased proximal variants VCF not found", path=path)
    vcf, fields = open_vep_vcf(path, cyvcf2)
    index = choose_sample(list(vcf.samples), sample, path, what="phased")
    has_ps = "PS" in {h.info().get("ID") for h in vcf.header_iter() if h.type == "FORMAT"}
    out = PhasedVariants()
    for rec in vcf:
        genotype = rec.genotypes[index]
        if len(genotype) != 3 or not genotype[2]:  # haploid or unphased
            out.unphased_records += 1
            continue
        phase_set = rec.CHROM
        if has_ps:
            value = rec.format("PS")
            if value is not None and value[index][0] >= 0:
                phase_set = f"{rec.CHROM}:{int(value[index][0])}"
        entries = split_csq(rec.INFO.get("CSQ") or "", fields)
        alts = list(rec.ALT)
        for alt_number, alt in enumerate(alts, start=1):
            sides = frozenset(i for i, a in enumerate(genotype[:2]) if a == alt_number)
            if not sides:
                continue
            site = (rec.CHROM, rec.POS, rec.REF, alt)
            out.phase[site] = (phase_set, sides)
            for entry in entries_for_allele(entries, rec.REF, alt, alts):
                change = _missense(entry, site, phase_set, sides)
                if change is not None:
                    out.by_transcript.setdefault(change.transcript, []).append(change)
    vcf.close()
    return out


def _missense(
    entry: dict[str, str], site: Site, phase_set: str, sides: frozenset[int]
) -> ProximalChange | None:
    if "missense_variant" not in entry.get("Consequence", "").split("&"):
        return None
    ref_aa, sep, alt_aa = entry.get("Amino_acids", "").partition("/")
    position = entry.get("Protein_position", "")
    if not sep or len(ref_aa) != 1 or len(alt_aa) != 1 or not position.isdigit():
        return None
    return ProximalChange(site, entry.get("Feature", ""), int(position), ref_aa, alt_aa,
                          phase_set, sides)
