"""Candidate neoepitopes: mutant k-mers with their wild-type partners, by pVACseq's rules.

Public API: :func:`enumerate_epitopes` (parsed-VCF table → candidate table), and the building
blocks :func:`build_window` and :func:`pair_kmers`.
"""

from vaxmix.peptides.enumerate import EPITOPE_COLUMNS, EnumerationResult, enumerate_epitopes
from vaxmix.peptides.pairing import KmerPair, pair_kmers
from vaxmix.peptides.windows import Window, WindowSkip, build_window

__all__ = [
    "EPITOPE_COLUMNS",
    "EnumerationResult",
    "KmerPair",
    "Window",
    "WindowSkip",
    "build_window",
    "enumerate_epitopes",
    "pair_kmers",
]
