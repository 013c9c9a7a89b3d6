"""Zuker-style folding dynamic program over a lattice of synonymous codons.

Every position ``p`` of the RNA carries a small set of *states*: the synonymous codons of the
codon (``unit``) it belongs to, or a single state for fixed nucleotides (UTRs, stop codon, tail).
The program minimises ``free energy + Σ node costs`` over all codon choices and all secondary
structures at once, where a node cost holds ``λ·(−ln w)/3`` per nucleotide of a codon with
relative adaptiveness ``w`` (the CAI term) plus optional per-nucleotide GC and U penalties. This
is the codon-lattice folding problem solved exactly for MFE by Cohen & Skiena (J Comput Biol
2003;10:419) and CDSfold (Terai et al., Bioinformatics 2016;32:828); here it is written from the
textbook Zuker recursions (Zuker & Stiegler, NAR 1981;9:133) with codon-consistency states.

Codon consistency: DP cells ``X[i, j−i, s, t]`` carry the states of both ends. Two neighbouring
positions of the same unit must share a state; across a unit boundary they are free. Unpaired
stretches are charged with :func:`~vaxmix.mrna.lattice_loops.unpaired_cost`, which gives the
partial units at both ends the states of their paired neighbours and every whole unit in between
its cheapest codon (an unpaired codon has no energy term in this model, so its best choice is the
cheapest one).

Limits, all user-visible: base-pair span ≤ ``max_span`` (CDSfold's ``-w``; keeps time and memory
linear in length), interior loops ≤ ``max_loop`` unpaired nucleotides, the simplified energy
model of :mod:`vaxmix.mrna.energy_params`. The result is exact for that model and those limits;
ViennaRNA re-scores the designed sequence without them.
"""

# The fill kernel takes records (NamedTuples of arrays: the lattice, the energy model; see
# vaxmix.mrna.lattice_loops) and ints; numba ignores annotations, so it has none. It uses
# (i, j, k, l) for pair indices as the folding literature does.
# ruff: noqa: ANN001, E741

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from vaxmix.mrna.energy_params import LatticeEnergy
from vaxmix.mrna.lattice_loops import (
    INF,
    DPTables,
    LatticeArrays,
    hairpin_loop,
    interior_loop,
    unpaired_cost,
)
from vaxmix.mrna.lattice_traceback import trace_optimum

__all__ = ["LatticeInput", "LatticeResult", "fold_lattice"]


@dataclass
class LatticeInput:
    """The lattice: per-position states, their nucleotides and node costs (dcal/mol).

    Attributes
    ----------
    unit
        Unit id of each position (non-decreasing, consecutive from 0).
    n_states
        Number of states of each position (equal within a unit).
    nuc
        ``nuc[p, s]``: nucleotide code (A0 C1 G2 U3) of state ``s`` at ``p``.
    cost
        ``cost[p, s]``: integer node cost of state ``s`` at ``p``.
    pairable
        False where the position must stay unpaired (e.g. the start-codon window).
    """

    unit: np.ndarray
    n_states: np.ndarray
    nuc: np.ndarray
    cost: np.ndarray
    pairable: np.ndarray


@dataclass
class LatticeResult:
    """The optimum: chosen state per position, pair table and its objective (dcal/mol)."""

    states: np.ndarray
    pairs: np.ndarray
    objective: int


@njit(cache=True, parallel=True)
def _fill(lat, W, L, e):
    """Fill the DP tables (:class:`DPTables`, as a plain tuple) for spans up to W, loops up to L.

    Kept as one kernel: all the design time is spent in this ``prange`` body (every span ``d``
    fills V, WM1, M2 and WM for all ``i``), and cutting it into separately compiled functions
    changes what numba's parfor pass and LLVM optimise together; such a split has not been
    measured to run as fast, so it is not made (issue 18). The loop energies it shares with the
    traceback are the inlined helpers of :mod:`vaxmix.mrna.lattice_loops`.
    """
    unit = lat.unit
    nst = lat.nst
    nuc = lat.nuc
    cost = lat.cost
    pairable = lat.pairable
    head = lat.head
    tail = lat.tail
    ubp = lat.ubp
    ucost = lat.ucost
    ubest = lat.ubest
    ptab = e.pair_type
    stack = e.stack
    hairpin = e.hairpin
    int11 = e.int11
    mmh = e.mismatch_hairpin
    bulge = e.bulge
    interior = e.interior
    mmi = e.mismatch_interior
    mm1n = e.mismatch_1n
    tau = e.terminal_au
    ninio = e.ninio
    maxninio = e.max_ninio
    mlc = e.ml_closing
    mli = e.ml_intern
    n = unit.shape[0]
    S = nuc.shape[1]
    V = np.full((n, W + 1, S, S), INF, np.int32)
    WM1 = np.full((n, W + 1, S, S), INF, np.int32)
    WM = np.full((n, W + 1, S, S), INF, np.int32)
    M2 = np.full((n, W + 1, S, S), INF, np.int32)
    WMr = np.full((n, W + 1, S), INF, np.int32)   # min over right state
    WM1l = np.full((n, W + 1, S), INF, np.int32)  # min over left state
    M2r = np.full((n, W + 1, S), INF, np.int32)
    M2l = np.full((n, W + 1, S), INF, np.int32)
    M2b = np.full((n, W + 1), INF, np.int32)
    WMl = np.full((n, W + 1, S), INF, np.int32)
    WM1r = np.full((n, W + 1, S), INF, np.int32)
    # VG[c, k, d]: min over inner states of V + class-c mismatch term + partial-unit costs
    VG = np.full((3, n, W + 1), INF, np.int32)
    for d in range(4, W + 1):
        for i in prange(0, n - d):
            j = i + d
            ui = unit[i]
            uj = unit[j]
            # ---------------- V ----------------
            if pairable[i] and pairable[j]:
                # separable interior loops whose inner pair shares no unit with i or j
                sep0 = INF
                sep1 = INF
                sep2 = INF
                kmax = min(i + L + 2, j - 4)
                for k in range(i + 1, kmax):
                    if unit[k] == ui:
                        continue
                    u1 = k - i - 1
                    left = ubp[unit[k]] - ubp[ui + 1]
                    for l in range(j - 1, k + 3, -1):
                        u2 = j - l - 1
                        if u1 + u2 > L:
                            break
                        if unit[l] == uj:
                            continue
                        if u1 + u2 <= 1 or (u1 == 1 and u2 == 1):
                            continue
                        if u1 == 0 or u2 == 0:
                            c = 0
                            f = bulge[u1 + u2]
                        else:
                            asym = abs(u1 - u2) * ninio
                            if asym > maxninio:
                                asym = maxninio
                            f = interior[u1 + u2] + asym
                            c = 1 if (u1 == 1 or u2 == 1) else 2
                        vg = VG[c, k, l - k]
                        if vg >= INF:
                            continue
                        val = f + left + ubp[uj] - ubp[unit[l] + 1] + vg
                        if c == 0:
                            if val < sep0:
                                sep0 = val
                        elif c == 1:
                            if val < sep1:
                                sep1 = val
                        elif val < sep2:
                            sep2 = val
                tiedI = unit[i + 1] == ui
                tiedJ = unit[j - 1] == uj
                for a in range(nst[i]):
                    for b in range(nst[j]):
                        pt = ptab[nuc[i, a], nuc[j, b]]
                        if pt == 0:
                            continue
                        best, _hx, _hy = hairpin_loop(i, j, a, b, pt, unit, nst, nuc, cost,
                                                     head, tail, ubp, ucost, ubest,
                                                     hairpin, tau, mmh)
                        base_free = tail[i, a] + head[j, b]
                        cand = base_free + sep0 + tau[pt]
                        if cand < best:
                            best = cand
                        cand = base_free + sep1 + mm1n[pt]
                        if cand < best:
                            best = cand
                        cand = base_free + sep2 + mmi[pt]
                        if cand < best:
                            best = cand
                        # explicit: inner pair tied to i or j, or stack / bulge-1 / 1x1
                        for k in range(i + 1, kmax):
                            tk = unit[k] == ui
                            u1 = k - i - 1
                            lmin = k + 4
                            if k > i + 3:
                                lmin = max(lmin, j - 3)
                            for l in range(j - 1, lmin - 1, -1):
                                u2 = j - l - 1
                                if u1 + u2 > L:
                                    break
                                tl = unit[l] == uj
                                small = (u1 + u2 <= 1) or (u1 == 1 and u2 == 1)
                                if not (tk or tl or small):
                                    continue
                                for s in range(nst[k]):
                                    if tk and s != a:
                                        continue
                                    gl = unpaired_cost(i, k, a, s, unit, cost, head, tail, ubp)
                                    if gl >= INF:
                                        continue
                                    for t in range(nst[l]):
                                        if tl and t != b:
                                            continue
                                        v = V[k, l - k, s, t]
                                        if v >= INF:
                                            continue
                                        gr = unpaired_cost(l, j, t, b, unit, cost, head, tail,
                                                           ubp)
                                        if gr >= INF:
                                            continue
                                        rpt = ptab[nuc[l, t], nuc[k, s]]
                                        e_int = interior_loop(pt, rpt, u1, u2, stack, bulge,
                                                              interior, int11, mmi, mm1n, tau,
                                                              ninio, maxninio)
                                        cand = e_int + gl + gr + v
                                        if cand < best:
                                            best = cand
                        # multiloop closed by (i, j)
                        if d >= 11:
                            p = i + 1
                            dq = d - 2
                            if tiedI and tiedJ:
                                m2 = M2[p, dq, a, b]
                            elif tiedI:
                                m2 = M2r[p, dq, a]
                            elif tiedJ:
                                m2 = M2l[p, dq, b]
                            else:
                                m2 = M2b[p, dq]
                            if m2 < INF:
                                cand = m2 + mlc + mli + tau[pt]
                                if cand < best:
                                    best = cand
                        if best < INF:
                            V[i, d, a, b] = best + cost[i, a] + cost[j, b]
                # separable summaries of V(i, j) for enclosing loops
                for a in range(nst[i]):
                    for b in range(nst[j]):
                        v = V[i, d, a, b]
                        if v >= INF:
                            continue
                        rpt = ptab[nuc[j, b], nuc[i, a]]
                        extra = v + head[i, a] + tail[j, b]
                        c0 = extra + tau[rpt]
                        c1 = extra + mm1n[rpt]
                        c2 = extra + mmi[rpt]
                        if c0 < VG[0, i, d]:
                            VG[0, i, d] = c0
                        if c1 < VG[1, i, d]:
                            VG[1, i, d] = c1
                        if c2 < VG[2, i, d]:
                            VG[2, i, d] = c2
            # ---------------- WM1: branch starting at i, unpaired tail up to j ----------------
            tiedj = unit[j - 1] == uj
            for a in range(nst[i]):
                for b in range(nst[j]):
                    best = INF
                    v = V[i, d, a, b]
                    if v < INF:
                        pt = ptab[nuc[i, a], nuc[j, b]]
                        best = v + mli + tau[pt]
                    prev = WM1[i, d - 1, a, b] if tiedj else WM1r[i, d - 1, a]
                    if prev < INF:
                        cand = prev + cost[j, b]
                        if cand < best:
                            best = cand
                    WM1[i, d, a, b] = best
            # ---------------- M2: at least two branches in [i, j] ----------------
            for a in range(nst[i]):
                for b in range(nst[j]):
                    best = INF
                    for u in range(i + 5, j - 3):
                        if unit[u - 1] == unit[u]:
                            for x in range(nst[u]):
                                left = WM[i, u - 1 - i, a, x]
                                if left >= INF:
                                    continue
                                right = WM1[u, j - u, x, b]
                                if right >= INF:
                                    continue
                                if left + right < best:
                                    best = left + right
                        else:
                            left = WMr[i, u - 1 - i, a]
                            right = WM1l[u, j - u, b]
                            if left < INF and right < INF and left + right < best:
                                best = left + right
                    M2[i, d, a, b] = best
            # ---------------- WM: one or more branches in [i, j] ----------------
            tiedi = unit[i + 1] == ui
            for a in range(nst[i]):
                for b in range(nst[j]):
                    best = WM1[i, d, a, b]
                    if M2[i, d, a, b] < best:
                        best = M2[i, d, a, b]
                    nxt = WM[i + 1, d - 1, a, b] if tiedi else WMl[i + 1, d - 1, b]
                    if nxt < INF and nxt + cost[i, a] < best:
                        best = nxt + cost[i, a]
                    WM[i, d, a, b] = best
            # marginals
            for a in range(nst[i]):
                for b in range(nst[j]):
                    if WM[i, d, a, b] < WMr[i, d, a]:
                        WMr[i, d, a] = WM[i, d, a, b]
                    if WM[i, d, a, b] < WMl[i, d, b]:
                        WMl[i, d, b] = WM[i, d, a, b]
                    if WM1[i, d, a, b] < WM1l[i, d, b]:
                        WM1l[i, d, b] = WM1[i, d, a, b]
                    if WM1[i, d, a, b] < WM1r[i, d, a]:
                        WM1r[i, d, a] = WM1[i, d, a, b]
                    m = M2[i, d, a, b]
                    if m < M2r[i, d, a]:
                        M2r[i, d, a] = m
                    if m < M2l[i, d, b]:
                        M2l[i, d, b] = m
                    if m < M2b[i, d]:
                        M2b[i, d] = m
    # ---------------- exterior loop ----------------
    F = np.full((n + 1, S), INF, np.int64)
    Fmin = np.full(n + 1, INF, np.int64)
    Fmin[0] = 0
    for j in range(n):
        tied = j > 0 and unit[j - 1] == unit[j]
        for t in range(nst[j]):
            prev = F[j, t] if tied else Fmin[j]
            best = prev + cost[j, t] if prev < INF else INF
            for i in range(max(0, j - W), j - 3):
                tiedi = i > 0 and unit[i - 1] == unit[i]
                for s in range(nst[i]):
                    v = V[i, j - i, s, t]
                    if v >= INF:
                        continue
                    left = F[i, s] if tiedi else Fmin[i]
                    if left >= INF:
                        continue
                    pt = ptab[nuc[i, s], nuc[j, t]]
                    cand = left + v + tau[pt]
                    if cand < best:
                        best = cand
            F[j + 1, t] = best
            if best < Fmin[j + 1]:
                Fmin[j + 1] = best
    return V, WM1, WM, M2, WMr, WM1l, WMl, WM1r, M2r, M2l, VG, F, Fmin


def _renamed(fn, name: str):
    """Copy of a Python function under another name. numba names its on-disk cache after the
    function's qualified name and line, not after the compile options, so a serial and a
    parallel compilation of the *same* function would share one cache entry and whichever was
    compiled first would be loaded for both (the parallel fill then silently ran serially)."""
    import types

    copy = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = name
    return copy


_fill_serial = njit(cache=True)(_renamed(_fill.py_func, "_fill_serial"))


def _prefix_tables(lat: LatticeInput) -> tuple[np.ndarray, ...]:
    """Within-unit head/tail sums, unit costs per state, cheapest state per unit and prefix
    sums of unit optima."""
    n, n_s = lat.cost.shape
    unit = lat.unit
    head = np.zeros((n, n_s), dtype=np.int64)
    tail = np.zeros((n, n_s), dtype=np.int64)
    for p in range(1, n):
        if unit[p] == unit[p - 1]:
            head[p] = head[p - 1] + lat.cost[p - 1]
    for p in range(n - 2, -1, -1):
        if unit[p] == unit[p + 1]:
            tail[p] = tail[p + 1] + lat.cost[p + 1]
    n_units = int(unit[-1]) + 1
    unit_cost = np.full((n_units, n_s), 0, dtype=np.int64)
    np.add.at(unit_cost, unit, lat.cost)
    first = np.searchsorted(unit, np.arange(n_units))
    counts = lat.n_states[first]
    mask = np.arange(n_s)[None, :] < counts[:, None]
    unit_cost = np.where(mask, unit_cost, INF)
    best_state = unit_cost.argmin(axis=1).astype(np.int64)
    ubest = unit_cost.min(axis=1)
    ubp = np.zeros(n_units + 1, dtype=np.int64)
    ubp[1:] = np.cumsum(ubest)
    return head, tail, ubp, best_state, unit_cost, ubest


def fold_lattice(
    lat: LatticeInput, energy: LatticeEnergy, max_span: int = 150, max_loop: int = 20
) -> LatticeResult:
    """Solve the codon-lattice folding problem; see the module docstring for the model.

    Parameters
    ----------
    lat
        The lattice (see :class:`LatticeInput`).
    energy
        Integer energy tables from :func:`vaxmix.mrna.energy_params.load_energy`.
    max_span
        Largest ``j − i`` of any base pair.
    max_loop
        Largest number of unpaired nucleotides in a bulge or interior loop (≤ 30).

    Returns
    -------
    LatticeResult
        Chosen state per position, pair partner per position (−1 unpaired) and the optimum.
    """
    n = len(lat.unit)
    W = int(min(max_span, n - 1))
    L = int(min(max_loop, 30))
    head, tail, ubp, best_state, ucost, ubest = _prefix_tables(lat)
    unit = lat.unit.astype(np.int64)
    nst = lat.n_states.astype(np.int64)
    nuc = lat.nuc.astype(np.int64)
    cost = lat.cost.astype(np.int64)
    pairable = lat.pairable.astype(np.bool_)
    if len(energy.hairpin) <= W:
        raise ValueError("energy tables too short for max_span; load_energy(max_hairpin=...)")
    if W < 4:
        states = best_state[unit]
        return LatticeResult(states, np.full(n, -1), int(ubp[-1]))
    tables = LatticeArrays(unit, nst, nuc, cost, pairable, head, tail, ubp, ucost, ubest,
                           best_state)
    filler = _fill if n >= 400 else _fill_serial  # threads only pay off on long inputs
    dp = DPTables(*filler(tables, W, L, energy))
    states, pairs = trace_optimum(tables, W, L, energy, dp)
    return LatticeResult(states=states, pairs=pairs, objective=int(dp.Fmin[n]))
