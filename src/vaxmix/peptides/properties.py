"""Sequence properties of candidate peptides: hydropathy, synthesis flags, problematic residues.

Hydropathy is Kyte & Doolittle's scale (J Mol Biol 1982;157:105-132,
doi:10.1016/0022-2836(82)90515-0); GRAVY is its mean over a sequence.

:func:`manufacturability_table` gives, per peptide, the eight columns that pVACseq 7.1.5 appends
to its epitope tables (``pvactools/lib/calculate_manufacturability.py``), defined as in vaxrank's
``manufacturability`` module (Rubinsteyn A et al., Front Immunol 2018;8:1807,
doi:10.3389/fimmu.2017.01807) that pVACseq calls: GRAVY of the C-terminal 7 residues, the
highest GRAVY of any 7-residue window, an N-terminal Q/E/C (cyclisation to pyroglutamate,
oxidation), a C-terminal C or P, the cysteine count, an N-terminal N, and the count of "NP"
bonds (the column is named ``asparagine_proline_bond_count``; pVACseq's shipped HCC1395 table
counts Asn-Pro, checked row by row in ``tests/peptides/test_properties.py``). pVACseq leaves
them NA for peptides shorter than 7 residues, and so does this module.

:func:`problematic_positions` marks residues a user considers problematic (pVACseq's
``--problematic-amino-acids``): ``C`` (every C), ``NG`` (every Asn-Gly, positions of its first
residue), ``G:2`` (a G at position 2), ``P:-1`` (a P at the C-terminus). Positions are 1-based as
in pVACseq's "Problematic Positions" column ("None" when there is none). pVACseq 7.1.5's code
tests a positional entry only against the *first* occurrence of the residue and never matches a
negative position; this module applies the documented meaning (any occurrence at that position,
negative positions counted from the C-terminus).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vaxmix.common.aminoacids import AMINO_ACID_SET
from vaxmix.common.errors import InputError

__all__ = [
    "KYTE_DOOLITTLE",
    "MANUFACTURABILITY_COLUMNS",
    "gravy",
    "manufacturability_table",
    "max_window_gravy",
    "parse_problematic_amino_acids",
    "problematic_positions",
]

KYTE_DOOLITTLE: dict[str, float] = {
    "A": 1.8, "R": -4.5, "N": -3.5, "D": -3.5, "C": 2.5, "Q": -3.5, "E": -3.5,
    "G": -0.4, "H": -3.2, "I": 4.5, "L": 3.8, "K": -3.9, "M": 1.9, "F": 2.8,
    "P": -1.6, "S": -0.8, "T": -0.7, "W": -0.9, "Y": -1.3, "V": 4.2,
}  # fmt: skip

MANUFACTURABILITY_COLUMNS = (
    "cterm_7mer_gravy_score",
    "max_7mer_gravy_score",
    "difficult_n_terminal_residue",
    "c_terminal_cysteine",
    "c_terminal_proline",
    "cysteine_count",
    "n_terminal_asparagine",
    "asparagine_proline_bond_count",
)
_WINDOW = 7
_HYDROPATHY = np.zeros(256)
for _aa, _value in KYTE_DOOLITTLE.items():
    _HYDROPATHY[ord(_aa)] = _value


def gravy(sequence: str) -> float:
    """Mean Kyte-Doolittle hydropathy of ``sequence`` (positive = hydrophobic; 0 if empty)."""
    return float(np.mean([KYTE_DOOLITTLE[aa] for aa in sequence])) if sequence else 0.0


def max_window_gravy(sequence: str, width: int = _WINDOW) -> float:
    """Highest GRAVY over all ``width``-residue windows (aggregation-prone stretches)."""
    if len(sequence) <= width:
        return gravy(sequence)
    values = np.array([KYTE_DOOLITTLE[aa] for aa in sequence])
    sums = np.convolve(values, np.ones(width), mode="valid")
    return float(sums.max() / width)


def _window_gravies(peptides: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """C-terminal and maximal 7-residue GRAVY of each peptide (NaN under 7 residues).

    Peptides of one length share one vectorized pass (cumulative sums of hydropathy).
    """
    lengths = np.fromiter((len(p) for p in peptides), dtype=np.int64, count=len(peptides))
    cterm = np.full(len(peptides), np.nan)
    best = np.full(len(peptides), np.nan)
    for length in np.unique(lengths[lengths >= _WINDOW]):
        rows = np.flatnonzero(lengths == length)
        codes = np.frombuffer("".join(peptides[i] for i in rows).encode("ascii"), dtype=np.uint8)
        values = _HYDROPATHY[codes].reshape(len(rows), int(length))
        sums = np.cumsum(np.pad(values, ((0, 0), (1, 0))), axis=1)
        windows = (sums[:, _WINDOW:] - sums[:, :-_WINDOW]) / _WINDOW
        cterm[rows] = windows[:, -1]
        best[rows] = windows.max(axis=1)
    return cterm, best


def manufacturability_table(peptides: Sequence[str]) -> pd.DataFrame:
    """pVACseq's eight manufacturability columns for ``peptides`` (one row each, same order).

    Booleans are ``True``/``False`` and counts integers; every column is NA (``None``) for a
    peptide shorter than 7 residues, as pVACseq writes them.
    """
    peptides = list(peptides)
    unique, inverse = np.unique(np.array(peptides, dtype=object).astype(str), return_inverse=True)
    names = unique.tolist()
    cterm, best = _window_gravies(names)
    first = np.array([p[:1] for p in names], dtype=object)
    last = np.array([p[-1:] for p in names], dtype=object)
    table = pd.DataFrame(
        {
            "cterm_7mer_gravy_score": cterm,
            "max_7mer_gravy_score": best,
            "difficult_n_terminal_residue": np.isin(first, ["Q", "E", "C"]),
            "c_terminal_cysteine": last == "C",
            "c_terminal_proline": last == "P",
            "cysteine_count": [p.count("C") for p in names],
            "n_terminal_asparagine": first == "N",
            "asparagine_proline_bond_count": [p.count("NP") for p in names],
        }
    )
    short = np.char.str_len(unique.astype(str)) < _WINDOW
    if short.any():  # epitopes are 8+ residues; only odd callers reach this
        table = table.astype(object)
        table[short] = None
    return table.iloc[inverse].reset_index(drop=True)


def parse_problematic_amino_acids(
    entries: Sequence[str], field: str = "--problematic-amino-acids"
) -> list[tuple[str, int | None]]:
    """``["C", "G:2", "P:-1"]`` → ``[("C", None), ("G", 2), ("P", -1)]``; errors name ``field``."""
    parsed: list[tuple[str, int | None]] = []
    for entry in entries:
        text = entry.strip().upper()
        residues, _, position = text.partition(":")
        if not residues or set(residues) - AMINO_ACID_SET:
            raise InputError(f"problematic amino acid entry {entry!r}: use one-letter codes of "
                             "the 20 standard residues", field=field)
        if not _:
            parsed.append((residues, None))
            continue
        try:
            number = int(position)
        except ValueError:
            number = 0
        if number == 0 or len(residues) != 1:
            raise InputError(f"problematic amino acid entry {entry!r}: a positional entry is one "
                             "residue and a non-zero position, e.g. G:2 or P:-1", field=field)
        parsed.append((residues, number))
    return parsed


def problematic_positions(
    peptides: Sequence[str], entries: Sequence[tuple[str, int | None]]
) -> list[str]:
    """Sorted 1-based positions of problematic residues per peptide ("2,5"), or ``"None"``."""
    cache: dict[str, str] = {}
    out = []
    for peptide in peptides:
        if peptide not in cache:
            found: list[int] = []
            for residues, position in entries:
                if position is None:
                    start = peptide.find(residues)
                    while start >= 0:
                        found.append(start + 1)
                        start = peptide.find(residues, start + 1)
                elif abs(position) <= len(peptide):
                    index = position - 1 if position > 0 else len(peptide) + position
                    if peptide[index] == residues:
                        found.append(index + 1)
            cache[peptide] = ",".join(map(str, sorted(set(found)))) if found else "None"
        out.append(cache[peptide])
    return out
