"""Binding-core windows of class II peptides, shared by training (torch) and inference (numpy).

A class II ligand binds with a 9-residue core in the open-ended groove; the rest hangs out as
peptide-flanking regions (PFRs). As in NNAlign/NetMHCIIpan (Nielsen M et al., BMC Bioinformatics
2009;10:296; Jensen KK et al., Immunology 2018;154:394), a peptide of length L is scored at each
of its L − 8 core offsets and the best offset is its predicted core. Each (peptide, offset)
window is described by 15 residue slots — 3 residues before the core, the 9 core residues, 3
after (the "no residue" row where the peptide ends) — plus three categorical features: length of
the left PFR (0, 1, 2, 3+), of the right PFR (0..3+), and of the peptide (9..25+).

Residues are encoded by the BLOSUM62/5 rows of :func:`vaxmix.mhc.encoding.blosum_table` plus a
gap indicator, the same as class I; the categorical features are one-hot. The first network
layer is linear, so a window's contribution is a sum of per-slot table rows (see
:mod:`vaxmix.mhc.classii.model`).
"""

from __future__ import annotations

import numpy as np

from vaxmix.common.aminoacids import AMINO_ACIDS
from vaxmix.mhc.encoding import GAP

__all__ = [
    "CORE",
    "FLANK",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "N_CATEGORIES",
    "N_SLOTS",
    "window_codes",
]

CORE, FLANK = 9, 3
N_SLOTS = FLANK + CORE + FLANK
MIN_LENGTH, MAX_LENGTH = 9, 40
LENGTH_CAP = 25
#: one-hot widths: left PFR length 0..3+, right PFR 0..3+, peptide length 9..25+
N_CATEGORIES = (FLANK + 1, FLANK + 1, LENGTH_CAP - MIN_LENGTH + 1)
_LOOKUP = np.full(256, GAP, dtype=np.int8)
for _i, _aa in enumerate(AMINO_ACIDS):
    _LOOKUP[ord(_aa)] = _i


def window_codes(
    peptides: list[str] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every core window of every peptide.

    Returns
    -------
    slots : (W, 15) int8
        Residue index per slot (``GAP`` = no residue).
    categories : (W, 3) int16
        Column offsets of the one-hot features (left PFR, right PFR, length) in one
        concatenated one-hot block of width ``sum(N_CATEGORIES)``.
    owner : (W,) int64
        Peptide index of each window; windows of a peptide are contiguous, in offset order.
    starts : (n + 1,) int64
        ``owner`` boundaries: windows of peptide i are ``starts[i]:starts[i+1]``.
    """
    n = len(peptides)
    lengths = np.fromiter((len(p) for p in peptides), dtype=np.int64, count=n)
    counts = lengths - CORE + 1
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    total = int(starts[-1])
    slots = np.empty((total, N_SLOTS), dtype=np.int8)
    categories = np.empty((total, 3), dtype=np.int16)
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        joined = "".join(peptides[i] for i in rows).encode("ascii")
        codes = _LOOKUP[np.frombuffer(joined, dtype=np.uint8)].reshape(len(rows), length)
        padded = np.full((len(rows), length + 2 * FLANK), GAP, dtype=np.int8)
        padded[:, FLANK : FLANK + length] = codes
        n_off = int(length) - CORE + 1
        offsets = np.arange(n_off)
        # window k covers padded columns k .. k + 14 (3 flank + 9 core + 3 flank)
        cols = offsets[:, None] + np.arange(N_SLOTS)[None, :]
        block = padded[:, cols]  # (rows, n_off, 15)
        target = (starts[rows][:, None] + offsets[None, :]).ravel()
        slots[target] = block.reshape(-1, N_SLOTS)
        left = np.minimum(offsets, FLANK)
        right = np.minimum(int(length) - CORE - offsets, FLANK)
        length_col = min(int(length), LENGTH_CAP) - MIN_LENGTH
        cat = np.stack(
            [left, N_CATEGORIES[0] + right,
             np.full(n_off, N_CATEGORIES[0] + N_CATEGORIES[1] + length_col)],
            axis=1,
        ).astype(np.int16)
        categories[target] = np.tile(cat, (len(rows), 1))
    return slots, categories, owner, starts
