"""The codon-lattice DP against exhaustive enumeration and against ViennaRNA.

Exhaustive check: for a short protein every codon assignment is folded as a fixed sequence (one
state per position) with the same energy model; the lattice optimum must equal the best of them,
and its traceback must give one consistent codon per residue. This tests the codon-consistency
bookkeeping independently of the energy model. The model itself is compared with ViennaRNA.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vaxmix.mrna.codons import CodonLattice, codon_lattice, load_codon_table
from vaxmix.mrna.energy_params import load_energy
from vaxmix.mrna.lattice_build import build_lattice
from vaxmix.mrna.lattice_fold import fold_lattice

ENERGY = load_energy()
TABLE = load_codon_table()


def _fixed(lat: CodonLattice, combo) -> CodonLattice:
    return CodonLattice(lat.protein, [(lat.choices[k][s],) for k, s in enumerate(combo)],
                        [lat.log_w[k][[s]] for k, s in enumerate(combo)])


@pytest.mark.parametrize(
    ("protein", "five", "three"),
    [("PGAC", "", ""), ("KRC", "GGGA", "UCCC"), ("WSH", "CC", "GGAA")],
)
def test_lattice_optimum_equals_exhaustive_search(protein, five, three):
    lat = codon_lattice(protein, TABLE)
    res = fold_lattice(build_lattice(five, lat, three, 1.0), ENERGY, max_span=40, max_loop=10)
    best = min(
        fold_lattice(build_lattice(five, _fixed(lat, combo), three, 1.0), ENERGY, 40, 10).objective
        for combo in itertools.product(*[range(len(c)) for c in lat.choices])
    )
    assert res.objective == best
    states = res.states[len(five) : len(five) + 3 * len(protein)].reshape(-1, 3)
    assert (states == states[:, :1]).all()


def test_pairs_are_canonical_and_nested():
    lat = codon_lattice("MGSRLLAGCPR", TABLE)
    res = fold_lattice(build_lattice("", lat, "", 0.5), ENERGY, max_span=33, max_loop=10)
    seq = "".join(lat.choices[k][s] for k, s in enumerate(res.states.reshape(-1, 3)[:, 0]))
    stack = []
    for i, j in enumerate(res.pairs):
        if j < 0:
            continue
        assert res.pairs[j] == i
        assert {seq[i], seq[j]} in ({"G", "C"}, {"A", "U"}, {"G", "U"})
        assert abs(j - i) <= 33
        if j > i:
            stack.append(j)
        else:
            assert stack.pop() == i
    assert not stack


def test_unpaired_mask_is_respected():
    lat = codon_lattice("MGSRLLAGCPRGG", TABLE)
    mask = np.zeros(39, dtype=bool)
    mask[:9] = True
    res = fold_lattice(build_lattice("", lat, "", 0.5, unpaired=mask), ENERGY, 38, 10)
    assert (res.pairs[:9] == -1).all()


def test_model_energy_tracks_viennarna():
    """The DP objective at λ=0 minus nothing is its model MFE; ViennaRNA (dangles 0) evaluates
    the same structure on the designed sequence. They differ only by the averaged mismatch
    terms, so agreement must be close, and Vienna's MFE can only be lower."""
    import RNA

    lat = codon_lattice("MRVMAPRTLILLLSGALALTETWAGS", TABLE)
    res = fold_lattice(build_lattice("", lat, "", 0.0), ENERGY, max_span=60, max_loop=20)
    seq = "".join(lat.choices[k][s] for k, s in enumerate(res.states.reshape(-1, 3)[:, 0]))
    struct = "".join("." if j < 0 else "(" if j > i else ")" for i, j in enumerate(res.pairs))
    md = RNA.md()
    md.dangles = 0
    fc = RNA.fold_compound(seq, md)
    evaluated = fc.eval_structure(struct)
    mfe = fc.mfe()[1]
    model = res.objective / 100
    assert mfe <= evaluated + 1e-6
    assert abs(evaluated - model) <= 0.15 * abs(evaluated) + 1.0



def test_parallel_and_serial_fill_agree_and_are_cached_apart(monkeypatch):
    """The threaded fill kernel (used from 400 nt up) must give exactly the serial result, and
    the two compilations must not share a numba cache entry (they once did: numba names the
    cache after the function, so the parallel kernel silently loaded the serial machine code)."""
    from vaxmix.mrna import lattice_fold as lf

    assert lf._fill.py_func.__qualname__ != lf._fill_serial.py_func.__qualname__
    lat = codon_lattice("MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEK", TABLE)
    lattice = build_lattice("GGGAAAUAAGAGAGAAAAGAAGAGUAAGAAGAAAUAUAAGAGCCACC", lat, "UGAUGA", 0.8)
    serial = fold_lattice(lattice, ENERGY, max_span=60, max_loop=12)
    monkeypatch.setattr(lf, "_fill_serial", lf._fill)  # short input: force the threaded kernel
    threaded = fold_lattice(lattice, ENERGY, max_span=60, max_loop=12)
    assert threaded.objective == serial.objective
    assert (threaded.states == serial.states).all()
    assert (threaded.pairs == serial.pairs).all()
