"""Peptide properties: pVACseq's manufacturability columns and problematic positions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.peptides.properties import (
    MANUFACTURABILITY_COLUMNS,
    manufacturability_table,
    parse_problematic_amino_acids,
    problematic_positions,
)

DATA = Path(__file__).parent / "data"


def test_manufacturability_by_hand():
    table = manufacturability_table(["SIINFEKL", "QCNPGNPC", "NPKLP", "SIINFEKL"])
    siinfekl = table.iloc[0]
    # Kyte-Doolittle: I I N F E K L = 4.5+4.5-3.5+2.8-3.5-3.9+3.8 = 4.7; S I I N F E K = 0.1
    assert siinfekl["cterm_7mer_gravy_score"] == pytest.approx(4.7 / 7)
    assert siinfekl["max_7mer_gravy_score"] == pytest.approx(4.7 / 7)
    assert not siinfekl["difficult_n_terminal_residue"] and siinfekl["cysteine_count"] == 0
    odd = table.iloc[1]  # Q start, C end, two C, two NP bonds
    assert odd["difficult_n_terminal_residue"] and odd["c_terminal_cysteine"]
    assert not odd["c_terminal_proline"] and not odd["n_terminal_asparagine"]
    assert odd["cysteine_count"] == 2 and odd["asparagine_proline_bond_count"] == 2
    assert table.iloc[2].isna().all()  # under 7 residues: NA, as pVACseq writes
    pd.testing.assert_series_equal(table.iloc[3], table.iloc[0], check_names=False)


def test_manufacturability_equals_pvacseq_shipped_values():
    shipped = pd.read_csv(DATA / "pvacseq_manufacturability.tsv", sep="\t")
    ours = manufacturability_table(shipped["MT Epitope Seq"].tolist())
    for column in MANUFACTURABILITY_COLUMNS[:2]:
        np.testing.assert_allclose(ours[column].astype(float), shipped[column], atol=1e-12)
    for column in MANUFACTURABILITY_COLUMNS[2:]:
        assert ours[column].tolist() == shipped[column].tolist(), column
    assert set(shipped["MHC Class"]) == {"I", "II"}


def test_problematic_positions_follow_the_documented_meaning():
    entries = parse_problematic_amino_acids(["C", "NG", "G:2", "P:-2", "c:-1"])
    assert entries == [("C", None), ("NG", None), ("G", 2), ("P", -2), ("C", -1)]
    # Q C N G S G L P C: C at 2 and 9, NG at 3, position 2 is not G, P second from the end (8)
    assert problematic_positions(["QCNGSGLPC", "SIINFEKL", "AGAGAGAG"], entries) == [
        "2,3,8,9", "None", "2"]
    # a positional entry matches any occurrence at that place, not only the first one
    assert problematic_positions(["GAGAAAAA"], [("G", 3)]) == ["3"]


@pytest.mark.parametrize("bad", ["X", "G:0", "GG:2", "G:a", ":2", "B"])
def test_bad_problematic_entry_names_the_option(bad):
    with pytest.raises(InputError) as error:
        parse_problematic_amino_acids([bad])
    assert error.value.field == "--problematic-amino-acids"
