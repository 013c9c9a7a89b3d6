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
stretches are charged with :func:`_gap`, which gives the partial units at both ends the states of
their paired neighbours and every whole unit in between its cheapest codon (an unpaired codon has
no energy term in this model, so its best choice is the cheapest one).

Limits, all user-visible: base-pair span ≤ ``max_span`` (CDSfold's ``-w``; keeps time and memory
linear in length), interior loops ≤ ``max_loop`` unpaired nucleotides, the simplified energy
model of :mod:`vaxmix.mrna.energy_params`. The result is exact for that model and those limits;
ViennaRNA re-scores the designed sequence without them.
"""

# The numba kernels below take records (NamedTuples of arrays: the lattice, the energy model,
# the DP tables) and ints; numba ignores annotations, so they have none. They use (i, j, k, l)
# for pair indices as the folding literature does.
# ruff: noqa: ANN001, E741

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from vaxmix.mrna.energy_params import LatticeEnergy

__all__ = ["LatticeInput", "LatticeResult", "fold_lattice"]

INF = 100_000_000


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


class _Lattice(NamedTuple):
    """The lattice as the kernels read it: :class:`LatticeInput` as int64/bool arrays plus the
    sums of :func:`_prefix_tables` (one kernel argument)."""

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


class _Tables(NamedTuple):
    """The DP tables filled by :func:`_fill`, read by :func:`_traceback` (one argument).

    ``X[i, j−i, a, b]`` with the states of both ends; the ``r``/``l`` tables are minima over the
    right/left state, ``M2b`` over both; ``VG[c, i, d]`` is V summarised for enclosing loops of
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


@njit(cache=True, inline="always")
def _gap(i, j, a, b, lat):
    """Node cost of positions i+1..j−1 left unpaired, given states a at i and b at j."""
    unit = lat.unit
    if unit[i] == unit[j]:
        if a != b:
            return INF
        return lat.head[j, a] - lat.head[i, a] - lat.cost[i, a]
    return lat.tail[i, a] + lat.ubp[unit[j]] - lat.ubp[unit[i] + 1] + lat.head[j, b]


@njit(cache=True, inline="always")
def _hairpin(i, j, a, b, pt, lat, e):
    """Hairpin loop closed by (i, j) in states (a, b), plus its unpaired node costs.

    The terminal mismatch (i+1, j−1) is exact: a mismatch codon not shared with i or j is
    chosen jointly with the mismatch energy. Returns (value, state of that codon at i+1 or −1,
    state at j−1 or −1).
    """
    unit = lat.unit
    nst = lat.nst
    nuc = lat.nuc
    ucost = lat.ucost
    ubest = lat.ubest
    hairpin = e.hairpin
    tau = e.terminal_au
    mmh = e.mismatch_hairpin
    u = j - i - 1
    g = _gap(i, j, a, b, lat)
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
def _eint(pt, rpt, u1, u2, e):
    """Model energy of the interior loop closed by pair type pt with inner reversed type rpt."""
    stack = e.stack
    bulge = e.bulge
    interior = e.interior
    mmi = e.mismatch_interior
    mm1n = e.mismatch_1n
    tau = e.terminal_au
    if u1 == 0 and u2 == 0:
        return stack[pt, rpt]
    if u1 == 0 or u2 == 0:
        u = u1 + u2
        if u == 1:
            return bulge[1] + stack[pt, rpt]
        return bulge[u] + tau[pt] + tau[rpt]
    if u1 == 1 and u2 == 1:
        return e.int11[pt, rpt]
    asym = abs(u1 - u2) * e.ninio
    if asym > e.max_ninio:
        asym = e.max_ninio
    if u1 == 1 or u2 == 1:
        return interior[u1 + u2] + asym + mm1n[pt] + mm1n[rpt]
    return interior[u1 + u2] + asym + mmi[pt] + mmi[rpt]


@njit(cache=True, parallel=True)
def _fill(lat, W, L, e):
    """Fill the DP tables (:class:`_Tables`, as a plain tuple) for spans up to W, loops up to L.

    One kernel on purpose: the span loop ``d`` is sequential and each ``d`` fills V, WM1, M2
    and WM for all ``i`` in one ``prange``; helpers called inside it must be inlined or numba's
    parallel backend would give each call its own gufunc argument marshalling.
    """
    unit = lat.unit
    nst = lat.nst
    nuc = lat.nuc
    cost = lat.cost
    pairable = lat.pairable
    head = lat.head
    tail = lat.tail
    ubp = lat.ubp
    ptab = e.pair_type
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
                        best, _hx, _hy = _hairpin(i, j, a, b, pt, lat, e)
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
                                    gl = _gap(i, k, a, s, lat)
                                    if gl >= INF:
                                        continue
                                    for t in range(nst[l]):
                                        if tl and t != b:
                                            continue
                                        v = V[k, l - k, s, t]
                                        if v >= INF:
                                            continue
                                        gr = _gap(l, j, t, b, lat)
                                        if gr >= INF:
                                            continue
                                        rpt = ptab[nuc[l, t], nuc[k, s]]
                                        cand = _eint(pt, rpt, u1, u2, e) + gl + gr + v
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


@njit(cache=True)
def _fill_gap(x, y, sx, sy, unit, best_state, states):
    for q in range(x + 1, y):
        if unit[q] == unit[x]:
            states[q] = sx
        elif unit[q] == unit[y]:
            states[q] = sy
        else:
            states[q] = best_state[unit[q]]


# Traceback: a stack of cells still to expand, one row (kind, i, j, a, b) each; kinds below.
# It runs once per DP round over O(n) cells, so it is split into one helper per cell kind
# (its time is negligible beside the fill).
_V = 1
_WM = 2
_WM1 = 3
_M2 = 4


@njit(cache=True)
def _push(stk, top, kind, i, j, a, b):
    """Put cell (kind, i, j, a, b) on the traceback stack; returns the new stack height."""
    stk[top, 0] = kind
    stk[top, 1] = i
    stk[top, 2] = j
    stk[top, 3] = a
    stk[top, 4] = b
    return top + 1


@njit(cache=True)
def _state_at_min(F, Fmin, p, count, default):
    """First state s < count with ``F[p, s] == Fmin[p]`` (the state that gave the minimum)."""
    for s in range(count):
        if F[p, s] == Fmin[p]:
            return s
    return default


@njit(cache=True)
def _trace_exterior(lat, W, e, dp, states, stk):
    """Exterior loop, right to left: unpaired positions get their states, each closing pair is
    pushed as a V cell. Returns the stack height."""
    unit = lat.unit
    nst = lat.nst
    nuc = lat.nuc
    F = dp.F
    Fmin = dp.Fmin
    n = unit.shape[0]
    top = 0
    j = n - 1
    t = _state_at_min(F, Fmin, n, nst[j], -1)
    while j >= 0:
        target = F[j + 1, t]
        tied = j > 0 and unit[j - 1] == unit[j]
        prev = F[j, t] if tied else Fmin[j]
        if prev < INF and prev + lat.cost[j, t] == target:
            states[j] = t
            if j > 0 and not tied:
                t = _state_at_min(F, Fmin, j, nst[j - 1], 0)
            j -= 1
            continue
        found = False
        for i in range(max(0, j - W), j - 3):
            tiedi = i > 0 and unit[i - 1] == unit[i]
            for s in range(nst[i]):
                v = dp.V[i, j - i, s, t]
                if v >= INF:
                    continue
                left = F[i, s] if tiedi else Fmin[i]
                if left >= INF:
                    continue
                pt = e.pair_type[nuc[i, s], nuc[j, t]]
                if left + v + e.terminal_au[pt] == target:
                    top = _push(stk, top, _V, i, j, s, t)
                    if i > 0:
                        t = s if tiedi else _state_at_min(F, Fmin, i, nst[i - 1], 0)
                    j = i - 1
                    found = True
                    break
            if found:
                break
        if not found:
            raise RuntimeError("exterior traceback failed")
    return top


@njit(cache=True)
def _trace_interior(i, j, a, b, pt, target, lat, L, e, dp, states, stk, top):
    """Find the stack, bulge or interior loop that gave V(i, j, a, b) = ``target``; fill its
    unpaired states and push the inner pair. Returns the stack height (unchanged: none)."""
    unit = lat.unit
    nst = lat.nst
    nuc = lat.nuc
    kmax = min(i + L + 2, j - 4)
    for k in range(i + 1, kmax):
        u1 = k - i - 1
        tk = unit[k] == unit[i]
        for l in range(j - 1, k + 3, -1):
            u2 = j - l - 1
            if u1 + u2 > L:
                break
            for s in range(nst[k]):
                if tk and s != a:
                    continue
                gl = _gap(i, k, a, s, lat)
                if gl >= INF:
                    continue
                for t in range(nst[l]):
                    if unit[l] == unit[j] and t != b:
                        continue
                    v = dp.V[k, l - k, s, t]
                    if v >= INF:
                        continue
                    gr = _gap(l, j, t, b, lat)
                    if gr >= INF:
                        continue
                    rpt = e.pair_type[nuc[l, t], nuc[k, s]]
                    if _eint(pt, rpt, u1, u2, e) + gl + gr + v == target:
                        _fill_gap(i, k, a, s, unit, lat.best_state, states)
                        _fill_gap(l, j, t, b, unit, lat.best_state, states)
                        return _push(stk, top, _V, k, l, s, t)
    return top


@njit(cache=True)
def _trace_pair(i, j, a, b, lat, L, e, dp, states, pairs, stk, top):
    """Expand a V cell: pair (i, j) closes a hairpin, an interior loop or a multiloop."""
    unit = lat.unit
    states[i] = a
    states[j] = b
    pairs[i] = j
    pairs[j] = i
    pt = e.pair_type[lat.nuc[i, a], lat.nuc[j, b]]
    target = dp.V[i, j - i, a, b] - lat.cost[i, a] - lat.cost[j, b]
    hv, hx, hy = _hairpin(i, j, a, b, pt, lat, e)
    if hv == target:
        _fill_gap(i, j, a, b, unit, lat.best_state, states)
        if hx >= 0:  # the hairpin's own mismatch codons
            q = i + 1
            while unit[q] == unit[i + 1]:
                states[q] = hx
                q += 1
        if hy >= 0:
            q = j - 1
            while unit[q] == unit[j - 1]:
                states[q] = hy
                q -= 1
        return top
    pushed = _trace_interior(i, j, a, b, pt, target, lat, L, e, dp, states, stk, top)
    if pushed > top:
        return pushed
    # multiloop: M2 over (i+1, j−1), states tied to i / j where they share its codon
    p = i + 1
    q = j - 1
    rem = target - e.ml_closing - e.ml_intern - e.terminal_au[pt]
    s_lo = a if unit[p] == unit[i] else 0
    s_hi = a + 1 if unit[p] == unit[i] else lat.nst[p]
    t_lo = b if unit[q] == unit[j] else 0
    t_hi = b + 1 if unit[q] == unit[j] else lat.nst[q]
    for s in range(s_lo, s_hi):
        for t in range(t_lo, t_hi):
            if dp.M2[p, q - p, s, t] == rem:
                return _push(stk, top, _M2, p, q, s, t)
    raise RuntimeError("V traceback failed")


@njit(cache=True)
def _trace_m2(i, j, a, b, lat, dp, stk, top):
    """Expand an M2 cell: split into WM(i, u−1) and WM1(u, j)."""
    unit = lat.unit
    nst = lat.nst
    target = dp.M2[i, j - i, a, b]
    for u in range(i + 5, j - 3):
        tiedu = unit[u - 1] == unit[u]
        for x in range(nst[u - 1]):
            left = dp.WM[i, u - 1 - i, a, x]
            if left >= INF:
                continue
            for y in range(nst[u]):
                if tiedu and y != x:
                    continue
                right = dp.WM1[u, j - u, y, b]
                if right < INF and left + right == target:
                    top = _push(stk, top, _WM, i, u - 1, a, x)
                    return _push(stk, top, _WM1, u, j, y, b)
    raise RuntimeError("M2 traceback failed")


@njit(cache=True)
def _trace_wm1(i, j, a, b, lat, e, dp, states, stk, top):
    """Expand a WM1 cell: the branch (i, j) itself, or j unpaired and WM1(i, j−1)."""
    d = j - i
    v = dp.V[i, d, a, b]
    tau = e.terminal_au[e.pair_type[lat.nuc[i, a], lat.nuc[j, b]]]
    if v < INF and v + e.ml_intern + tau == dp.WM1[i, d, a, b]:
        return _push(stk, top, _V, i, j, a, b)
    states[j] = b
    nb = b
    if lat.unit[j - 1] != lat.unit[j]:
        for tt in range(lat.nst[j - 1]):
            if dp.WM1[i, d - 1, a, tt] == dp.WM1r[i, d - 1, a]:
                nb = tt
                break
    return _push(stk, top, _WM1, i, j - 1, a, nb)


@njit(cache=True)
def _trace_wm(i, j, a, b, lat, dp, states, stk, top):
    """Expand a WM cell: one branch (WM1), two or more (M2), or i unpaired and WM(i+1, j)."""
    d = j - i
    target = dp.WM[i, d, a, b]
    if dp.WM1[i, d, a, b] == target:
        return _push(stk, top, _WM1, i, j, a, b)
    if dp.M2[i, d, a, b] == target:
        return _push(stk, top, _M2, i, j, a, b)
    states[i] = a
    na = a
    if lat.unit[i + 1] != lat.unit[i]:
        for ss in range(lat.nst[i + 1]):
            if dp.WM[i + 1, d - 1, ss, b] == dp.WMl[i + 1, d - 1, b]:
                na = ss
                break
    return _push(stk, top, _WM, i + 1, j, na, b)


@njit(cache=True)
def _traceback(lat, W, L, e, dp):
    """States and pair table of the optimum, from the filled tables ``dp``."""
    n = lat.unit.shape[0]
    states = np.full(n, -1, np.int64)
    pairs = np.full(n, -1, np.int64)
    stk = np.zeros((4 * n + 16, 5), np.int64)
    top = _trace_exterior(lat, W, e, dp, states, stk)
    while top > 0:
        top -= 1
        kind = stk[top, 0]
        i = stk[top, 1]
        j = stk[top, 2]
        a = stk[top, 3]
        b = stk[top, 4]
        if kind == _V:
            top = _trace_pair(i, j, a, b, lat, L, e, dp, states, pairs, stk, top)
        elif kind == _M2:
            top = _trace_m2(i, j, a, b, lat, dp, stk, top)
        elif kind == _WM1:
            top = _trace_wm1(i, j, a, b, lat, e, dp, states, stk, top)
        else:
            top = _trace_wm(i, j, a, b, lat, dp, states, stk, top)
    return states, pairs


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
    tables = _Lattice(unit, nst, nuc, cost, pairable, head, tail, ubp, ucost, ubest, best_state)
    filler = _fill if n >= 400 else _fill_serial  # threads only pay off on long inputs
    dp = _Tables(*filler(tables, W, L, energy))
    states, pairs = _traceback(tables, W, L, energy, dp)
    return LatticeResult(states=states, pairs=pairs, objective=int(dp.Fmin[n]))
