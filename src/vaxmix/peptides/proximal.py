"""Put the phased proximal missense changes into each variant's protein sequences.

For every row of the parsed-VCF table whose somatic variant is in the phased VCF, the missense
changes on the same transcript, phase set and haplotype that lie within ``reach`` residues of
the variant (farther ones cannot share a peptide with it) replace their residue in the row's
``wildtype_amino_acid_sequence`` (and, before the variant, in its frameshift / read-through
protein), so both the mutant peptides and their wild-type partners carry them — pVACseq's
proximal-variant behaviour (Hundal J et al., Genome Med 2020;12:45). A change whose reference
residue does not match the protein is not applied and is counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from vaxmix.peptides.windows import first_protein_position
from vaxmix.variants.phased import PhasedVariants

__all__ = ["ProximalResult", "apply_proximal_variants"]


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
        wildtype = list(wildtypes[row])
        frameshift = list(frameshifts[row] or "")
        applied = 0
        for change in phased.by_transcript.get(str(record.transcript_name), []):
            if change.site == site or change.phase_set != phase_set:
                continue
            if not change.haplotypes & sides:
                continue
            q = change.protein_position
            if position <= q < position + span or abs(q - position) > reach + span:
                continue
            if q > len(wildtype) or wildtype[q - 1] != change.ref_aa:
                counts["proximal changes whose reference residue does not match"] += 1
                continue
            wildtype[q - 1] = change.alt_aa
            if q < position and q <= len(frameshift) and frameshift[q - 1] == change.ref_aa:
                frameshift[q - 1] = change.alt_aa
            applied += 1
        if applied:
            wildtypes[row] = "".join(wildtype)
            frameshifts[row] = "".join(frameshift)
            counts["rows with proximal changes"] += 1
            counts["proximal changes applied"] += applied
    table["wildtype_amino_acid_sequence"] = wildtypes
    table["frameshift_amino_acid_sequence"] = frameshifts
    return ProximalResult(table, counts)
