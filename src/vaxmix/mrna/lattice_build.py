"""Build the design lattice of a whole mRNA: fixed flanks around a synonymous-codon CDS.

Node costs (integer dcal/mol) put the non-energy objectives on the energy scale:
``λ · (−ln w)`` per codon, split over its three nucleotides (so a codon's cost is paid once
whatever structure it is part of), plus optional per-nucleotide penalties for G/C (used by the
GC-window controller as Lagrange multipliers) and for U (uridine depletion).
"""

from __future__ import annotations

import numpy as np

from vaxmix.mrna.codons import CodonLattice
from vaxmix.mrna.energy_params import NUC_CODE
from vaxmix.mrna.lattice_fold import LatticeInput

__all__ = ["build_lattice"]

MAX_STATES = 6


def build_lattice(
    five_prime: str,
    lattice: CodonLattice,
    three_prime: str,
    cai_weight: float,
    gc_penalty: np.ndarray | None = None,
    u_penalty: float = 0.0,
    unpaired: np.ndarray | None = None,
) -> LatticeInput:
    """Lattice of ``five_prime + CDS + three_prime`` (RNA alphabet).

    Parameters
    ----------
    five_prime, three_prime
        Fixed flanking sequences (one state per nucleotide).
    lattice
        Synonymous choices of the CDS codons.
    cai_weight
        λ: kcal/mol charged per unit of ``−ln w``.
    gc_penalty
        kcal/mol charged for G or C at each position of the full sequence (or ``None``).
    u_penalty
        kcal/mol charged for every U in the CDS.
    unpaired
        Boolean mask of positions that must stay unpaired.
    """
    n_cds = 3 * len(lattice.choices)
    n = len(five_prime) + n_cds + len(three_prime)
    unit = np.zeros(n, dtype=np.int64)
    n_states = np.ones(n, dtype=np.int64)
    nuc = np.zeros((n, MAX_STATES), dtype=np.int64)
    cost = np.zeros((n, MAX_STATES), dtype=np.int64)
    gc = np.zeros(n) if gc_penalty is None else np.asarray(gc_penalty, dtype=float)
    u = 0
    p = 0
    for ch in five_prime:
        unit[p] = u
        nuc[p, 0] = NUC_CODE[ch]
        cost[p, 0] = round(100 * gc[p]) if ch in "GC" else 0
        u += 1
        p += 1
    for k, opts in enumerate(lattice.choices):
        allowed = list(range(len(opts)))
        codon_cost = [round(100 * cai_weight * -lattice.log_w[k][s]) for s in allowed]
        for o in range(3):
            unit[p] = u
            n_states[p] = len(allowed)
            for idx, s in enumerate(allowed):
                ch = opts[s][o]
                nuc[p, idx] = NUC_CODE[ch]
                third = codon_cost[idx] // 3
                share = third if o < 2 else codon_cost[idx] - 2 * third
                extra = 0.0
                if ch in "GC":
                    extra += gc[p]
                if ch == "U":
                    extra += u_penalty
                cost[p, idx] = share + round(100 * extra)
            p += 1
        u += 1
    for ch in three_prime:
        unit[p] = u
        nuc[p, 0] = NUC_CODE[ch]
        cost[p, 0] = round(100 * gc[p]) if ch in "GC" else 0
        u += 1
        p += 1
    pairable = np.ones(n, dtype=bool) if unpaired is None else ~np.asarray(unpaired, dtype=bool)
    return LatticeInput(unit=unit, n_states=n_states, nuc=nuc, cost=cost, pairable=pairable)
