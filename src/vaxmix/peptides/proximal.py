"""Put the phased proximal missense changes into each variant's protein sequences.

For every row of the parsed-VCF table whose somatic variant is in the phased VCF, the missense
changes on the same transcript, phase set and haplotype that lie within ``reach`` residues of
the variant (farther ones cannot share a peptide with it) replace their residue in the row's
``wildtype_amino_acid_sequence`` (and, before the variant, in its frameshift / read-through
protein), so both the mutant peptides and their wild-type partners carry them — pVACseq's
proximal-variant behaviour (Hundal J et al., Genome Med 2020;12:45). A change whose reference
residue does not match the protein is not applied and is counted.

Changes in one codon are combined at the DNA level, as pVACseq's
``ProximalVariant.combine_conflicting_variants`` does for several proximal changes in one codon
(each VEP ``Codons`` pair sets its changed bases; the codon is translated with the standard
genetic code, NCBI translation table 1). vaxmix also combines a phased change that falls in the
codon of a somatic missense change with that change (pVACseq skips it and keeps the somatic
residue, which the tumor does not make): e.g. somatic GAT>CAT (D>H) with an in-phase GAT>GTT
(D>V) gives CTT, leucine; TTT>TTA (F>L) with TTT>TAT (F>Y) gives TAA, a stop, so no peptide.
The wild-type partner keeps the in-phase change(s) without the somatic one (the patient's own
codon), as for proximal changes elsewhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from vaxmix.peptides.windows import first_protein_position
from vaxmix.variants.phased import PhasedVariants

__all__ = ["ProximalResult", "apply_proximal_variants", "combine_codons", "translate_codon"]

_BASES = "TCAG"
#: NCBI translation table 1 (standard code), codons in TCAG order.
_TABLE1 = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
_CODE = {a + b + c: _TABLE1[16 * i + 4 * j + k]
         for i, a in enumerate(_BASES) for j, b in enumerate(_BASES)
         for k, c in enumerate(_BASES)}  # fmt: skip


def translate_codon(codon: str) -> str | None:
    """Amino acid of one codon (``*`` for a stop); ``None`` for a non-ACGT codon."""
    return _CODE.get(codon.upper())


def combine_codons(codon_changes: list[str]) -> str | None:
    """The codon after every change (VEP ``Codons`` pairs such as ``gAt/gTt``) of one codon.

    Start from the first pair's reference codon and set each pair's changed bases; ``None``
    when a pair is not two 3-base codons or the reference codons disagree.
    """
    pairs = [change.upper().split("/") for change in codon_changes]
    if any(len(p) != 2 or len(p[0]) != 3 or len(p[1]) != 3 for p in pairs):
        return None
    reference = pairs[0][0]
    if any(p[0] != reference for p in pairs):
        return None
    codon = list(reference)
    for old, new in pairs:
        for i in range(3):
            if old[i] != new[i]:
                codon[i] = new[i]
    return "".join(codon)


@dataclass
class ProximalResult:
    """The updated table and what happened (counts for ``run.json``)."""

    table: pd.DataFrame
    counts: Counter = field(default_factory=Counter)


def apply_proximal_variants(
    variants: pd.DataFrame, phased: PhasedVariants, reach: int
) -> ProximalResult:
    """Rows of ``variants`` with in-phase proximal missense changes applied.

    ``reach``: the longest epitope length minus one (the flank of pVACseq's windows).
    """
    table = variants.copy()
    counts: Counter = Counter()
    wildtypes = table["wildtype_amino_acid_sequence"].tolist()
    frameshifts = table["frameshift_amino_acid_sequence"].tolist()
    changes_aa = table["amino_acid_change"].tolist()
    codons = (table["codon_change"].tolist() if "codon_change" in table
              else ["NA"] * len(table))
    drop: list[int] = []
    for row, record in enumerate(table.itertuples(index=False)):
        ref = str(record.reference)
        site = (str(record.chromosome_name), int(record.stop) - len(ref) + 1, ref,
                str(record.variant))
        somatic = phased.phase.get(site)
        if somatic is None:
            counts["somatic rows not in the phased VCF"] += 1
            continue
        position = first_protein_position(record.protein_position)
        if position is None:
            continue
        phase_set, sides = somatic
        span = max(1, len(str(record.amino_acid_change).partition("/")[0]))
        by_position: dict[int, list] = {}
        for change in phased.by_transcript.get(str(record.transcript_name), []):
            if change.site == site or change.phase_set != phase_set:
                continue
            if not change.haplotypes & sides:
                continue
            q = change.protein_position
            if abs(q - position) > reach + span:
                continue
            by_position.setdefault(q, []).append(change)
        wildtype = list(wildtypes[row])
        frameshift = list(frameshifts[row] or "")
        applied = 0
        for q, group in sorted(by_position.items()):
            if position <= q < position + span:
                outcome = _same_codon(record, group, codons[row])
                if outcome is None:
                    counts["rows dropped: an in-phase change in the somatic codon that cannot "
                           "be combined (not a single-codon missense, or no Codons)"] += 1
                    drop.append(row)
                    break
                wt_aa, mt_aa, codon_change = outcome
                if q > len(wildtype) or wildtype[q - 1] != group[0].ref_aa:
                    counts["proximal changes whose reference residue does not match"] += 1
                    continue
                wildtype[q - 1] = wt_aa
                changes_aa[row] = f"{wt_aa}/{mt_aa}"
                codons[row] = codon_change
                counts["somatic codons combined with an in-phase change"] += 1
                applied += len(group)
                continue
            alt_aa = group[0].alt_aa
            if len(group) > 1:
                codon = combine_codons([c.codons for c in group])
                alt_aa = translate_codon(codon) if codon else None
                if alt_aa is None:
                    counts["proximal changes in one codon without usable Codons"] += len(group)
                    continue
            if q > len(wildtype) or wildtype[q - 1] != group[0].ref_aa:
                counts["proximal changes whose reference residue does not match"] += len(group)
                continue
            wildtype[q - 1] = alt_aa
            if q < position and q <= len(frameshift) and frameshift[q - 1] == group[0].ref_aa:
                frameshift[q - 1] = alt_aa
            applied += len(group)
        if applied:
            wildtypes[row] = "".join(wildtype)
            frameshifts[row] = "".join(frameshift)
            counts["rows with proximal changes"] += 1
            counts["proximal changes applied"] += applied
    table["wildtype_amino_acid_sequence"] = wildtypes
    table["frameshift_amino_acid_sequence"] = frameshifts
    table["amino_acid_change"] = changes_aa
    table["codon_change"] = codons
    if drop:
        table = table.drop(index=table.index[drop]).reset_index(drop=True)
    return ProximalResult(table, counts)


def _same_codon(record: object, group: list, somatic_codons: object
                ) -> tuple[str, str, str] | None:
    """(WT residue, MT residue, codon change) when in-phase changes share the codon of a
    single-residue somatic missense change; ``None`` when they cannot be combined."""
    ref_aa, _, alt_aa = str(getattr(record, "amino_acid_change", "")).partition("/")
    if getattr(record, "variant_type", "") != "missense" or len(ref_aa) != 1 or len(alt_aa) != 1:
        return None
    germline = combine_codons([c.codons for c in group])
    mutant = combine_codons([str(somatic_codons), *(c.codons for c in group)])
    if germline is None or mutant is None:
        return None
    wt_aa, mt_aa = translate_codon(germline), translate_codon(mutant)
    if wt_aa is None or mt_aa is None or wt_aa == "*":
        return None
    return wt_aa, mt_aa, f"{germline.lower()}/{mutant.lower()}"
