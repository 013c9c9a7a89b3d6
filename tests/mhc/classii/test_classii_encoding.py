"""Core windows of class II peptides."""

from __future__ import annotations

import numpy as np

from vaxmix.common.aminoacids import AMINO_ACIDS
from vaxmix.mhc.classii.encoding import N_CATEGORIES, window_codes
from vaxmix.mhc.encoding import GAP


def decode(row: np.ndarray) -> str:
    return "".join("-" if code == GAP else AMINO_ACIDS[code] for code in row)


def test_windows_of_a_ten_mer_by_hand() -> None:
    slots, cats, owner, starts = window_codes(["ACDEFGHIKL"])
    # two core offsets: ACDEFGHIK (right flank L) and CDEFGHIKL (left flank A)
    assert [decode(r) for r in slots] == ["---ACDEFGHIKL--", "--ACDEFGHIKL---"]
    # one-hot columns: left flank 0..3 -> 0..3, right flank 0..3 -> 4..7, length 9..25 -> 8..24
    assert N_CATEGORIES == (4, 4, 17)
    assert cats.tolist() == [[0, 5, 9], [1, 4, 9]]
    assert owner.tolist() == [0, 0] and starts.tolist() == [0, 2]


def test_flanks_cap_at_three_and_windows_are_contiguous_per_peptide() -> None:
    peptides = ["PKYVKQNTLKLAT", "ACDEFGHIK", "GELIGILNAAKVPADAAAAAAAAAAAAAAA"]
    slots, cats, owner, starts = window_codes(peptides)
    assert starts.tolist() == [0, 5, 6, 28]
    assert owner.tolist() == [0] * 5 + [1] + [2] * 22
    # HA 306-318: window 2 has core YVKQNTLKL, window 3 core VKQNTLKLA; flanks up to 3
    assert decode(slots[2]) == "-PKYVKQNTLKLAT-"
    assert decode(slots[3]) == "PKYVKQNTLKLAT--"
    assert cats[3, 0] == 3  # left flank of length 3 (capped)
    # peptide length 30 is capped at 25 in the length one-hot
    assert set(cats[6:, 2].tolist()) == {N_CATEGORIES[0] + N_CATEGORIES[1] + 25 - 9}
