"""The changed stretch of a mutant protein: the record long-peptide windows are cut around.

Both the point/indel path (:func:`vaxmix.vaccine.windows.mutant_region`, from pVACseq's
parsed-VCF row) and the fusion path (:func:`vaxmix.peptides.fusion_regions.fusion_mutant_region`)
produce it, and the vaccine's window enumeration takes it; it lives here, in the earlier stage,
so that the peptides package never imports the vaccine package.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MutantRegion"]


@dataclass(frozen=True)
class MutantRegion:
    """The mutant protein and the half-open span ``[start, end)`` of changed residues in it."""

    sequence: str
    start: int
    end: int
