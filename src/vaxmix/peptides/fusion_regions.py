"""The foreign part of a fusion protein, for long-peptide (vaccine) windows.

A long peptide made from a fusion is only tumor-specific if it contains residues that no normal
protein has next to each other:

* **inframe**: both partners keep their own frame, so only the junction itself is new: the
  last 5' residue (``junction - 1``) next to the first 3' residue (``junction``). The foreign
  span is ``[junction - 1, junction + 1)``; a window must hold both residues.
* **frameshift**: the 3' partner is read out of frame, so every residue from the junction to
  the first stop codon is foreign: ``[junction, coding_length)``.

Residues after the first stop codon are cut off: pVACfuse removes ``*`` and predicts across it
(kept for epitope parity, :mod:`vaxmix.peptides.fusion_windows`), but the cell never makes them.
The span is returned as :class:`vaxmix.peptides.regions.MutantRegion`, the type the vaccine's
window enumeration (:func:`vaxmix.vaccine.windows.candidate_windows`, which requires a window to
overlap the span by ``min(span, 2)`` residues) already takes.
"""

from __future__ import annotations

from vaxmix.peptides.regions import MutantRegion
from vaxmix.variants.fusions import FusionRecord

__all__ = ["fusion_mutant_region", "spans_junction"]


def fusion_mutant_region(record: FusionRecord) -> MutantRegion | None:
    """Protein (up to its first stop) and foreign span of ``record``; ``None`` if nothing
    foreign is left (junction at the protein's edge, or a stop before the junction)."""
    end = len(record.peptide) if record.coding_length is None else record.coding_length
    sequence = record.peptide[:end]
    j = record.junction
    if record.inframe:
        if j < 1 or j + 1 > len(sequence):
            return None
        return MutantRegion(sequence, j - 1, j + 1)
    if j >= len(sequence):
        return None
    return MutantRegion(sequence, j, len(sequence))


def spans_junction(record: FusionRecord, start: int, length: int) -> bool:
    """Does the window ``[start, start + length)`` of the fusion protein hold foreign residues
    (both junction residues for inframe; at least one novel residue for frameshift)?"""
    region = fusion_mutant_region(record)
    if region is None or start < 0 or start + length > len(region.sequence):
        return False
    if record.inframe:
        return start <= region.start and start + length >= region.end
    return start + length > region.start
