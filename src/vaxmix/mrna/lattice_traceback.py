"""Traceback of the codon-lattice DP: the chosen codon state of every position and the pairs.

It reads the tables :func:`vaxmix.mrna.lattice_fold._fill` stored and recomputes each cell's
candidates with the same loop-energy code (:mod:`vaxmix.mrna.lattice_loops`) until one equals the
stored value, so the structure and codons it returns score exactly the optimum.
"""

# numba ignores annotations; (i, j, k, l) are pair indices as in the folding literature.
# ruff: noqa: ANN001, E741

from __future__ import annotations

import numpy as np
from numba import njit

from vaxmix.mrna.lattice_loops import INF, hairpin_loop, interior_loop, unpaired_cost

__all__ = ["trace_optimum"]


@njit(cache=True)
def _set_unpaired_states(x, y, sx, sy, unit, best_state, states):
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
def _interior(pt, rpt, u1, u2, e):
    """:func:`interior_loop` with the energy model as one record."""
    return interior_loop(pt, rpt, u1, u2, e.stack, e.bulge, e.interior, e.int11,
                         e.mismatch_interior, e.mismatch_1n, e.terminal_au, e.ninio, e.max_ninio)


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
                gl = unpaired_cost(i, k, a, s, unit, lat.cost, lat.head, lat.tail, lat.ubp)
                if gl >= INF:
                    continue
                for t in range(nst[l]):
                    if unit[l] == unit[j] and t != b:
                        continue
                    v = dp.V[k, l - k, s, t]
                    if v >= INF:
                        continue
                    gr = unpaired_cost(l, j, t, b, unit, lat.cost, lat.head, lat.tail, lat.ubp)
                    if gr >= INF:
                        continue
                    rpt = e.pair_type[nuc[l, t], nuc[k, s]]
                    if _interior(pt, rpt, u1, u2, e) + gl + gr + v == target:
                        _set_unpaired_states(i, k, a, s, unit, lat.best_state, states)
                        _set_unpaired_states(l, j, t, b, unit, lat.best_state, states)
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
    hv, hx, hy = hairpin_loop(i, j, a, b, pt, unit, lat.nst, lat.nuc, lat.cost, lat.head,
                              lat.tail, lat.ubp, lat.ucost, lat.ubest, e.hairpin,
                              e.terminal_au, e.mismatch_hairpin)
    if hv == target:
        _set_unpaired_states(i, j, a, b, unit, lat.best_state, states)
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
def trace_optimum(lat, W, L, e, dp) -> tuple[np.ndarray, np.ndarray]:
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
