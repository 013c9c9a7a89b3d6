"""Pair each mutant k-mer with its wild-type counterpart and locate the mutated residues.

The rules are pVACseq 7.1.5's (``OutputParser``), restated in ``docs/pipeline.md``:

* missense and frameshift: the wild-type k-mer starts at the same window position (scored by
  identical residues);
* inframe insertions/deletions: walking left to right, each k-mer is aligned either at the same
  position (scored by residues matching from the left) or shifted by the indel length (scored by
  residues matching from the right), whichever matches more; once a k-mer is aligned from the
  right, the following ones continue from the right;
* a pairing counts only when the chosen k-mers share at least ``ceil(L / 2)`` residues in
  total (identical positions, not consecutive ones: pVACseq's ``determine_total_matches``; the
  consecutive counts only choose the alignment), otherwise the wild-type peptide and mutation
  position are NA;
* k-mers identical to their wild-type partner carry no mutation and are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from vaxmix.peptides.windows import Window

__all__ = ["KmerPair", "pair_kmers"]


@dataclass(frozen=True)
class KmerPair:
    """One mutant k-mer, its 1-based start in the mutant window, and its wild-type partner."""

    position: int
    mutant: str
    wildtype: str | None
    mutation_positions: tuple[int, ...] | None


def _matches_from_left(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _matches_from_right(a: str, b: str) -> int:
    return _matches_from_left(a[::-1], b[::-1])


def _identical_positions(a: str, b: str) -> int:
    return sum(x == y for x, y in zip(a, b, strict=False))


def _kmer(sequence: str, start: int, length: int) -> str | None:
    """1-based ``start``; ``None`` when the k-mer does not fit."""
    if start < 1 or start - 1 + length > len(sequence):
        return None
    return sequence[start - 1 : start - 1 + length]


def pair_kmers(window: Window, length: int) -> Iterator[KmerPair]:
    """Yield every mutant k-mer of ``window`` that differs from its wild-type partner."""
    mutant, wildtype = window.mutant, window.wildtype
    needed = math.ceil(length / 2)
    from_right = False
    previous_wt_start = 0
    for position in range(1, len(mutant) - length + 2):
        mt = mutant[position - 1 : position - 1 + length]
        wt: str | None
        if window.kind in ("missense", "FS"):
            wt_start = position
            wt = _kmer(wildtype, wt_start, length)
            score = _identical_positions(mt, wt) if wt is not None else 0
        else:
            shifted = position - window.shift if window.kind == "inframe_ins" else (
                position + window.shift
            )
            if from_right:
                wt_start = previous_wt_start + 1
                wt = _kmer(wildtype, wt_start, length)
            else:
                left = _kmer(wildtype, position, length)
                right = _kmer(wildtype, shifted, length)
                left_score = _matches_from_left(mt, left) if left is not None else -1
                right_score = _matches_from_right(mt, right) if right is not None else -1
                if right_score > left_score:
                    wt_start, wt, from_right = shifted, right, True
                else:
                    wt_start, wt = position, left
            score = _identical_positions(mt, wt) if wt is not None else 0
            previous_wt_start = wt_start
        if wt is None or score < needed:
            yield KmerPair(position, mt, None, None)
            continue
        if wt == mt:
            continue
        differ = tuple(i + 1 for i, (a, b) in enumerate(zip(mt, wt, strict=True)) if a != b)
        yield KmerPair(position, mt, wt, differ)
