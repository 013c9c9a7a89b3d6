"""Vectorised peptide and pseudosequence encodings shared by training (torch) and inference (numpy).

Each residue is encoded as its BLOSUM62 row (Henikoff & Henikoff, PNAS 1992;89:10915) divided by 5,
plus one indicator for "no residue" (gap/unknown). A fixed substitution-matrix encoding is kept
deliberately: a learned embedding shared by peptide and MHC collapsed in earlier experiments
(docs/mhc.md).

Peptides of 8–15 residues are placed in 15 slots: the first 4 residues, the middle residues centred
in 7 slots, the last 4 residues (anchors stay aligned across lengths), plus a one-hot of length.
"""

from __future__ import annotations

import numpy as np

from vaxmix.common.aminoacids import AMINO_ACIDS

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "N_SLOTS",
    "blosum_table",
    "encode_peptides",
    "encode_pseudosequences",
    "peptide_slots",
    "slot_map",
]

MIN_LENGTH, MAX_LENGTH = 8, 15
N_SLOTS = 15
# residue rows/columns in AMINO_ACIDS order (alphabetical): the shipped weights depend on it
GAP = len(AMINO_ACIDS)  # index of the "no residue" row
_LOOKUP = np.full(256, GAP, dtype=np.int64)
for _i, _aa in enumerate(AMINO_ACIDS):
    _LOOKUP[ord(_aa)] = _i


def blosum_table() -> np.ndarray:
    """(21, 21) float32 matrix: BLOSUM62/5 for the 20 amino acids plus a gap indicator column."""
    from Bio.Align import substitution_matrices

    matrix = substitution_matrices.load("BLOSUM62")
    table = np.zeros((len(AMINO_ACIDS) + 1, len(AMINO_ACIDS) + 1), dtype=np.float32)
    for i, a in enumerate(AMINO_ACIDS):
        for j, b in enumerate(AMINO_ACIDS):
            table[i, j] = matrix[a][b] / 5.0
    table[GAP, len(AMINO_ACIDS)] = 1.0
    return table


def slot_map(length: int) -> np.ndarray:
    """Slot index (0..14) of each residue position of a peptide of ``length``."""
    middle = length - 8
    start = 4 + (7 - middle) // 2
    return np.concatenate(
        [np.arange(4), np.arange(start, start + middle), np.arange(11, 15)]
    ).astype(np.int64)


def peptide_slots(peptides: list[str] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residue indices in 15 slots (n, 15) and lengths (n,). Peptides must be 8–15 residues."""
    n = len(peptides)
    slots = np.full((n, N_SLOTS), GAP, dtype=np.int64)
    lengths = np.fromiter((len(p) for p in peptides), dtype=np.int64, count=n)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        joined = "".join(peptides[i] for i in rows).encode("ascii")
        codes = _LOOKUP[np.frombuffer(joined, dtype=np.uint8)].reshape(len(rows), length)
        slots[rows[:, None], slot_map(int(length))[None, :]] = codes
    return slots, lengths


def encode_peptides(peptides: list[str] | np.ndarray, table: np.ndarray) -> np.ndarray:
    """(n, 15*21 + 8) float32 features: BLOSUM rows per slot and a one-hot of length 8–15."""
    slots, lengths = peptide_slots(peptides)
    n = len(lengths)
    features = np.zeros((n, N_SLOTS * table.shape[1] + (MAX_LENGTH - MIN_LENGTH + 1)), np.float32)
    features[:, : N_SLOTS * table.shape[1]] = table[slots].reshape(n, -1)
    features[np.arange(n), N_SLOTS * table.shape[1] + lengths - MIN_LENGTH] = 1.0
    return features


def encode_pseudosequences(pseudos: list[str], table: np.ndarray) -> np.ndarray:
    """(m, 34*21) float32 features of 34-residue pseudosequences ("X" → gap row)."""
    joined = "".join(pseudos).encode("ascii")
    codes = _LOOKUP[np.frombuffer(joined, dtype=np.uint8)].reshape(len(pseudos), -1)
    return table[codes].reshape(len(pseudos), -1)
