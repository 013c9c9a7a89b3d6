"""Loop energies and records shared by the codon-lattice fill and traceback kernels.

The numba kernels of :mod:`vaxmix.mrna.lattice_fold` (fill) and
:mod:`vaxmix.mrna.lattice_traceback` take three records, NamedTuples of arrays that numba
passes as one argument each: the lattice (:class:`LatticeArrays`), the energy model
(:class:`vaxmix.mrna.energy_params.LatticeEnergy`) and the DP tables (:class:`DPTables`). The
loop-energy helpers here are inlined into both (``inline="always"``), so fill and traceback score
a loop with the same code and the traceback finds exactly the values the fill stored.
"""

# numba ignores annotations, so the kernels' arguments carry none.
# ruff: noqa: ANN001

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = ["INF", "DPTables", "LatticeArrays", "hairpin_loop", "interior_loop", "unpaired_cost"]

INF = 100_000_000


class LatticeArrays(NamedTuple):
    """The lattice as the kernels read it: :class:`LatticeInput` as int64/bool arrays plus the
    sums of :func:`vaxmix.mrna.lattice_fold._prefix_tables` (one kernel argument)."""

    unit: np.ndarray
    nst: np.ndarray
    nuc: np.ndarray
    cost: np.ndarray
    pairable: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    ubp: np.ndarray
    ucost: np.ndarray
    ubest: np.ndarray
    best_state: np.ndarray


class DPTables(NamedTuple):
    """The DP tables filled by :func:`vaxmix.mrna.lattice_fold._fill` and read by
    :func:`vaxmix.mrna.lattice_traceback.trace_optimum` (one argument).

    ``X[i, j−i, a, b]`` with the states of both ends; the ``r``/``l`` tables are minima over the
    right/left state; ``VG[c, i, d]`` is V summarised for enclosing loops of
    mismatch class ``c``; ``F``/``Fmin`` the exterior loop.
    """

    V: np.ndarray
    WM1: np.ndarray
    WM: np.ndarray
    M2: np.ndarray
    WMr: np.ndarray
    WM1l: np.ndarray
    WMl: np.ndarray
    WM1r: np.ndarray
    M2r: np.ndarray
    M2l: np.ndarray
    VG: np.ndarray
    F: np.ndarray
    Fmin: np.ndarray


# The helpers below take arrays, not the records: the fill kernel calls them inside its
# ``prange`` body, where passing the records cost the threaded fill ~17 % more CPU (measured,
# issue 18; the serial fill was unchanged), so the kernels unpack the records once outside it.


@njit(cache=True, inline="always")
def unpaired_cost(i, j, a, b, unit, cost, head, tail, ubp) -> int:
    """Node cost of positions i+1..j−1 left unpaired, given states a at i and b at j."""
    if unit[i] == unit[j]:
        if a != b:
            return INF
        return head[j, a] - head[i, a] - cost[i, a]
    return tail[i, a] + ubp[unit[j]] - ubp[unit[i] + 1] + head[j, b]


@njit(cache=True, inline="always")
def hairpin_loop(i, j, a, b, pt, unit, nst, nuc, cost, head, tail, ubp, ucost, ubest, hairpin,
                 tau, mmh) -> tuple[int, int, int]:
    """Hairpin loop closed by (i, j) in states (a, b), plus its unpaired node costs.

    The terminal mismatch (i+1, j−1) is exact: a mismatch codon not shared with i or j is
    chosen jointly with the mismatch energy. Returns (value, state of that codon at i+1 or −1,
    state at j−1 or −1).
    """
    u = j - i - 1
    g = unpaired_cost(i, j, a, b, unit, cost, head, tail, ubp)
    if g >= INF:
        return INF, -1, -1
    if u == 3:
        return hairpin[3] + tau[pt] + g, -1, -1
    x = i + 1
    y = j - 1
    ux = unit[x]
    uy = unit[y]
    sx = a if ux == unit[i] else (b if ux == unit[j] else -1)
    sy = b if uy == unit[j] else (a if uy == unit[i] else -1)
    if sx >= 0 and sy >= 0:
        return hairpin[u] + mmh[pt, nuc[x, sx], nuc[y, sy]] + g, -1, -1
    best = INF
    bx = -1
    by = -1
    if sx < 0 and sy < 0 and ux == uy:
        for s in range(nst[x]):
            c = g - ubest[ux] + ucost[ux, s] + mmh[pt, nuc[x, s], nuc[y, s]]
            if c < best:
                best = c
                bx = s
                by = s
    elif sx < 0 and sy < 0:
        for s in range(nst[x]):
            for t in range(nst[y]):
                c = (g - ubest[ux] - ubest[uy] + ucost[ux, s] + ucost[uy, t]
                     + mmh[pt, nuc[x, s], nuc[y, t]])
                if c < best:
                    best = c
                    bx = s
                    by = t
    elif sx < 0:
        for s in range(nst[x]):
            c = g - ubest[ux] + ucost[ux, s] + mmh[pt, nuc[x, s], nuc[y, sy]]
            if c < best:
                best = c
                bx = s
    else:
        for t in range(nst[y]):
            c = g - ubest[uy] + ucost[uy, t] + mmh[pt, nuc[x, sx], nuc[y, t]]
            if c < best:
                best = c
                by = t
    return hairpin[u] + best, bx, by


@njit(cache=True, inline="always")
def interior_loop(pt, rpt, u1, u2, stack, bulge, interior, int11, mmi, mm1n, tau, ninio,
                  maxninio) -> int:
    """Model energy of the interior loop closed by pair type pt with inner reversed type rpt."""
    if u1 == 0 and u2 == 0:
        return stack[pt, rpt]
    if u1 == 0 or u2 == 0:
        u = u1 + u2
        if u == 1:
            return bulge[1] + stack[pt, rpt]
        return bulge[u] + tau[pt] + tau[rpt]
    if u1 == 1 and u2 == 1:
        return int11[pt, rpt]
    asym = abs(u1 - u2) * ninio
    if asym > maxninio:
        asym = maxninio
    if u1 == 1 or u2 == 1:
        return interior[u1 + u2] + asym + mm1n[pt] + mm1n[rpt]
    return interior[u1 + u2] + asym + mmi[pt] + mmi[rpt]
