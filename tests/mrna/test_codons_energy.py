"""Codon table, CAI, translation and energy-table checks against hand-worked values."""

from __future__ import annotations

import math

import pytest

from vaxmix.mrna.codons import cai, codon_lattice, load_codon_table, translate
from vaxmix.mrna.energy_params import PAIR_TYPE, load_energy


@pytest.fixture(scope="module")
def table():
    return load_codon_table("h_sapiens_9606")


def test_cai_by_hand(table):
    # Kazusa human: Ala GCC 0.40 (max), GCA 0.23 -> w = 0.575; AUG w = 1; stop excluded
    expected = (1.0 * 1.0 * (0.23 / 0.40)) ** (1 / 3)
    assert cai("AUGGCCGCAUGA", table) == pytest.approx(expected, rel=1e-9)
    assert cai("ATGGCCGCA", table) == pytest.approx(expected, rel=1e-9)


def test_codon_lattice_orders_by_adaptiveness(table):
    lat = codon_lattice("MLW", table)
    assert lat.choices[0] == ("AUG",)
    assert lat.choices[1][0] == "CUG"  # Leu: CUG 0.40 is the most used human codon
    assert len(lat.choices[1]) == 6
    assert lat.log_w[1][0] == pytest.approx(0.0)
    assert lat.log_w[1][-1] == pytest.approx(math.log(0.07 / 0.40))  # CUA


def test_translate_standard_code():
    assert translate("AUGUGGUAA") == "MW*"


def test_unknown_codon_table_is_an_input_error():
    from vaxmix.common.errors import InputError

    with pytest.raises(InputError):
        load_codon_table("no_such_table")


def test_turner2004_values_read_from_vienna():
    e = load_energy()
    cg, gc, au = PAIR_TYPE[1, 2], PAIR_TYPE[2, 1], PAIR_TYPE[0, 3]
    # Turner 2004 stacks (Mathews et al. 2004): 5'CG/3'GC -2.4; 5'GC/3'CG -3.4 kcal/mol
    assert e.stack[cg, cg] == -240
    assert e.stack[gc, gc] == -340
    assert e.stack[cg, gc] == -330
    assert e.hairpin[4] == 560 and e.hairpin[3] == 540
    assert e.terminal_au[au] == 50 and e.terminal_au[cg] == 0
    assert e.ml_closing == 930 and e.ml_intern == -90
    # loops beyond 30 nt follow the Jacobson-Stockmayer log extrapolation
    assert e.hairpin[60] == e.hairpin[30] + round(107.856 * math.log(2))
