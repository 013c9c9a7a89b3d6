"""Fusion junction windows and their epitopes, built as pVACfuse 7.1.5 builds them.

pVACfuse (``FusionFastaGenerator`` with ``flanking_sequence_length = length - 1``,
``trim_invalid_characters=True``, then pVACbind on the FASTA) predicts every k-mer of one window
per fusion and length:

* the window starts ``length - 1`` residues before the junction (or at residue 0);
* **inframe**: it ends ``length - 1`` residues after the junction, so every k-mer spans it;
* **frameshift**: the whole novel 3' frame is foreign, so it runs to the end of the protein,
  capped at ``downstream`` residues past the junction (pVACfuse's ``--downstream-sequence-length``,
  default 1000; ``None`` = full);
* a trailing ``X`` is dropped; each ``*``/``X``/``?`` left is cut away together with the shorter
  side of the window (pVACfuse's ``trim_sequence``);
* windows shorter than ``length`` give no epitopes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vaxmix.variants.fusions import FusionRecord

__all__ = ["FusionEpitope", "fusion_epitopes", "fusion_window", "trim_invalid"]

_INVALID = ("*", "X", "?")


def trim_invalid(sequence: str) -> str:
    """Cut each invalid residue away with the shorter side of the sequence (pVACfuse's rule)."""
    for char in _INVALID:
        while char in sequence:
            pos = sequence.index(char)
            sequence = sequence[pos + 1 :] if pos < len(sequence) - pos else sequence[:pos]
    return sequence


def fusion_window(record: FusionRecord, length: int, downstream: int | None = 1000) -> str:
    """The peptide pVACfuse predicts for ``record`` at epitope ``length`` ('' if none)."""
    flank = length - 1
    start = max(record.junction - flank, 0)
    if record.inframe:
        window = record.peptide[start : record.junction + flank]
    elif downstream is not None:
        window = record.peptide[start : record.junction + downstream]
    else:
        window = record.peptide[start:]
    window = window.removesuffix("X")
    window = trim_invalid(window)
    return window if len(window) >= length else ""


@dataclass(frozen=True)
class FusionEpitope:
    """One k-mer of a fusion window; ``position`` is pVACbind's 1-based Sub-peptide Position."""

    index: str
    length: int
    position: int
    epitope: str


def fusion_epitopes(
    records: Iterable[FusionRecord], lengths: Iterable[int], downstream: int | None = 1000
) -> Iterator[FusionEpitope]:
    """Every epitope pVACfuse would predict, per fusion and length, in window order."""
    lengths = list(lengths)
    for record in records:
        for length in lengths:
            window = fusion_window(record, length, downstream)
            for i in range(len(window) - length + 1):
                yield FusionEpitope(record.index, length, i + 1, window[i : i + length])
