"""The protein alphabet, defined once for every stage.

vaxmix works on the 20 standard amino acids in one-letter IUPAC code (IUPAC-IUB Joint
Commission on Biochemical Nomenclature, "Nomenclature and symbolism for amino acids and
peptides", 1983). Peptides with anything else (``X``, ``*``, ``U``, ``B``, ``Z``) are not
scored by the MHC models, which were trained on standard residues only; each stage decides
whether such a peptide is skipped (candidate windows) or refused (a protein to encode).

The order is alphabetical by one-letter code, the order the MHC encoders' one-hot and
BLOSUM columns use, so ``AMINO_ACIDS.index(residue)`` is a column number.

>>> AMINO_ACIDS[:5]
'ACDEF'
>>> len(AMINO_ACID_SET)
20
>>> is_standard_peptide("SIINFEKL"), is_standard_peptide("SIINFEKX")
(True, False)
"""

from __future__ import annotations

__all__ = ["AMINO_ACIDS", "AMINO_ACID_SET", "is_standard_peptide", "nonstandard_residues"]

#: The 20 standard amino acids, one-letter codes in alphabetical order.
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
#: The same letters as a set, for membership tests.
AMINO_ACID_SET = frozenset(AMINO_ACIDS)


def is_standard_peptide(peptide: str) -> bool:
    """True when ``peptide`` is non-empty and every residue is one of :data:`AMINO_ACIDS`."""
    return bool(peptide) and set(peptide) <= AMINO_ACID_SET


def nonstandard_residues(sequence: str) -> list[str]:
    """The distinct letters of ``sequence`` outside :data:`AMINO_ACIDS`, sorted (for messages)."""
    return sorted(set(sequence) - AMINO_ACID_SET)
