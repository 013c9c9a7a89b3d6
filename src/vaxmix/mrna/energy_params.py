"""Nearest-neighbour energy tables for the codon-lattice folding model, read from ViennaRNA.

The design dynamic program (:mod:`vaxmix.mrna.lattice_fold`) scores structures with a
simplified Turner 2004 model (Mathews et al., PNAS 2004;101:7287; Turner & Mathews, NAR
2010;38:D280) taken from ViennaRNA's own parameter set (Lorenz et al., Algorithms Mol Biol
2011;6:26), 37 °C, no dangles (``dangles=0``, LinearDesign's model). Exact: stacking, hairpin,
bulge and interior-loop size terms, ninio asymmetry, multiloop ``a + b·branches``, terminal AU/GU.
Hairpin terminal mismatches are exact (the DP chooses the codons that hold them). Averaged,
because the unpaired neighbours of a pair are not tracked there: the terminal mismatches of
interior loops (mean over the 16 mismatches of the closing pair type) and 1×1 loops (mean over
the 16 int11 entries of the two pair types). Special tetra-/tri-/hexaloops,
2×1/2×2 tables and G-quadruplexes are not modelled. Every reported energy is recomputed by
ViennaRNA on the final sequence, so the approximations affect only the search, never the figures.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

__all__ = ["PAIR_TYPE", "LatticeEnergy", "load_energy"]

#: nucleotide code used throughout the lattice: A=0, C=1, G=2, U=3
NUC_CODE = {"A": 0, "C": 1, "G": 2, "U": 3, "T": 3}

#: ViennaRNA pair type for (5' nt, 3' nt): CG=1, GC=2, GU=3, UG=4, AU=5, UA=6, 0 = no pair
PAIR_TYPE = np.zeros((4, 4), dtype=np.int64)
PAIR_TYPE[1, 2] = 1
PAIR_TYPE[2, 1] = 2
PAIR_TYPE[2, 3] = 3
PAIR_TYPE[3, 2] = 4
PAIR_TYPE[0, 3] = 5
PAIR_TYPE[3, 0] = 6


class LatticeEnergy(NamedTuple):
    """Integer energy tables in dcal/mol, indexed by ViennaRNA pair type (0..6).

    A NamedTuple of arrays and ints so that the numba kernels of
    :mod:`vaxmix.mrna.lattice_fold` take the whole model as one argument (numba types a
    NamedTuple field by field and caches kernels compiled for it).

    Attributes
    ----------
    stack
        ``stack[outer, inner_reversed]`` stacking energies (7×7).
    hairpin
        Hairpin initiation by loop length, extended to ``max_hairpin`` with the lxc log rule.
    bulge, interior
        Bulge and interior-loop initiation by total unpaired length (0..30).
    int11
        Mean 1×1 interior-loop energy for (outer, inner_reversed) pair types.
    mismatch_hairpin
        Hairpin terminal mismatch ``[pair type, nt after i, nt before j]`` (exact: the DP
        chooses the mismatch codons).
    mismatch_interior, mismatch_1n
        Mean terminal-mismatch contribution per closing pair type.
    terminal_au
        Terminal AU/GU penalty per pair type (0 for GC pairs).
    ninio, max_ninio, ml_closing, ml_intern
        Asymmetry and multiloop parameters.
    pair_type
        ViennaRNA pair type of (5' nt, 3' nt) codes, :data:`PAIR_TYPE`.
    """

    stack: np.ndarray
    hairpin: np.ndarray
    bulge: np.ndarray
    interior: np.ndarray
    int11: np.ndarray
    mismatch_hairpin: np.ndarray
    mismatch_interior: np.ndarray
    mismatch_1n: np.ndarray
    terminal_au: np.ndarray
    ninio: int
    max_ninio: int
    ml_closing: int
    ml_intern: int
    pair_type: np.ndarray = PAIR_TYPE


def _section(text: str, name: str) -> list[int]:
    """Integers of one ``# name`` section of a ViennaRNA v2.0 parameter file."""
    match = re.search(rf"^# {re.escape(name)}\s*$(.*?)(?=^# |\Z)", text, flags=re.M | re.S)
    if match is None:
        raise KeyError(f"parameter section {name!r} not found")
    body = re.sub(r"/\*.*?\*/", " ", match.group(1), flags=re.S)
    values = []
    for token in body.split():
        if token in ("INF", "DEF"):
            values.append(1_000_000 if token == "INF" else -50)
        else:
            values.append(round(float(token)))
    return values


def _mean_mismatch(values: list[int]) -> np.ndarray:
    """Mean over the 4×4 real mismatch nucleotides for pair types 1..6 (file order CG..NS)."""
    table = np.array(values[: 7 * 25]).reshape(7, 5, 5)
    out = np.zeros(7, dtype=np.int64)
    for pt in range(1, 7):
        out[pt] = round(float(table[pt - 1, 1:, 1:].mean()))
    return out


def _mismatch_table(values: list[int]) -> np.ndarray:
    """Full terminal-mismatch table ``[pair type, 5' nt, 3' nt]`` with A0 C1 G2 U3 codes."""
    table = np.array(values[: 7 * 25]).reshape(7, 5, 5)
    out = np.zeros((7, 4, 4), dtype=np.int64)
    out[1:] = table[:6, 1:, 1:]
    return out


def load_energy(max_hairpin: int = 1000) -> LatticeEnergy:
    """Read ViennaRNA's Turner 2004 set (the library default) into integer tables.

    Parameters
    ----------
    max_hairpin
        Longest hairpin loop to tabulate (the DP never exceeds its span limit).
    """
    import math

    import RNA

    text = RNA.parameter_set_rna_turner2004
    stack_vals = np.array(_section(text, "stack")[:49]).reshape(7, 7)
    stack = np.zeros((7, 7), dtype=np.int64)
    stack[1:, 1:] = stack_vals[:6, :6]
    hp = _section(text, "hairpin")[:31]
    lxc = float(RNA.param(RNA.md()).lxc)
    hairpin = np.full(max_hairpin + 1, 1_000_000, dtype=np.int64)
    for size in range(3, max_hairpin + 1):
        hairpin[size] = hp[size] if size <= 30 else hp[30] + round(lxc * math.log(size / 30))
    bulge = np.array(_section(text, "bulge")[:31], dtype=np.int64)
    interior = np.array(_section(text, "internal")[:31], dtype=np.int64)
    int11_vals = np.array(_section(text, "int11")[: 7 * 7 * 25]).reshape(7, 7, 5, 5)
    int11 = np.zeros((7, 7), dtype=np.int64)
    for a in range(1, 7):
        for b in range(1, 7):
            int11[a, b] = round(float(int11_vals[a - 1, b - 1, 1:, 1:].mean()))
    ml = _section(text, "ML_params")
    ninio = _section(text, "NINIO")
    misc = _section(text, "Misc")
    terminal_au = np.zeros(7, dtype=np.int64)
    terminal_au[3:] = round(misc[2])
    return LatticeEnergy(
        stack=stack,
        hairpin=hairpin,
        bulge=bulge,
        interior=interior,
        int11=int11,
        mismatch_hairpin=_mismatch_table(_section(text, "mismatch_hairpin")),
        mismatch_interior=_mean_mismatch(_section(text, "mismatch_internal")),
        mismatch_1n=_mean_mismatch(_section(text, "mismatch_internal_1n")),
        terminal_au=terminal_au,
        ninio=int(ninio[0]),
        max_ninio=int(ninio[2]),
        ml_closing=int(ml[2]),
        ml_intern=int(ml[4]),
    )

