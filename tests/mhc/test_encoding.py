"""Peptide and pseudosequence encodings."""

from __future__ import annotations

import numpy as np

from vaxmix.common.aminoacids import AMINO_ACIDS
from vaxmix.mhc.encoding import (
    blosum_table,
    encode_peptides,
    encode_pseudosequences,
    peptide_slots,
)


def test_blosum_rows_are_blosum62_over_five():
    table = blosum_table()
    w, a, c = AMINO_ACIDS.index("W"), AMINO_ACIDS.index("A"), AMINO_ACIDS.index("C")
    assert table[w, w] == np.float32(11 / 5)  # BLOSUM62 W-W = 11
    assert table[a, a] == np.float32(4 / 5)  # A-A = 4
    assert table[c, w] == np.float32(-2 / 5)  # C-W = -2
    assert table[20, 20] == 1.0 and table[20, :20].sum() == 0.0


def test_slots_keep_anchors_aligned_across_lengths():
    slots, lengths = peptide_slots(["SIINFEKL", "GILGFVFTL", "ACDEFGHIKLMNPQR"])
    gap = len(AMINO_ACIDS)
    # first four residues in slots 0-3, last four in 11-14 for every length
    assert "".join(AMINO_ACIDS[i] for i in slots[0, :4]) == "SIIN"
    assert "".join(AMINO_ACIDS[i] for i in slots[0, 11:]) == "FEKL"
    assert (slots[0, 4:11] == gap).all()
    # a 9-mer's single middle residue (position 5, F) sits in the centre slot 7
    assert AMINO_ACIDS[slots[1, 7]] == "F" and (slots[1, [4, 5, 6, 8, 9, 10]] == gap).all()
    assert "".join(AMINO_ACIDS[i] for i in slots[2]) == "ACDEFGHIKLMNPQR"
    assert lengths.tolist() == [8, 9, 15]


def test_peptide_features_have_length_one_hot():
    table = blosum_table()
    features = encode_peptides(["SIINFEKL", "GILGFVFTLT"], table)
    assert features.shape == (2, 15 * 21 + 8)
    assert features[0, 315:].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert features[1, 315:].tolist() == [0, 0, 1, 0, 0, 0, 0, 0]
    np.testing.assert_array_equal(features[0, :21], table[AMINO_ACIDS.index("S")])


def test_unknown_pseudo_residue_encodes_as_gap():
    table = blosum_table()
    features = encode_pseudosequences(["X" + "A" * 33], table)
    np.testing.assert_array_equal(features[0, :21], table[20])
