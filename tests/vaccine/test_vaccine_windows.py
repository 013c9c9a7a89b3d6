"""Mutant proteins and long-peptide windows on hand-made rows."""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.vaccine.windows import candidate_windows, mutant_region

WT = "MAAAKLLLGGGSSSTTT"


def row(change: str, position: str, kind: str = "missense", fs: str = "") -> pd.Series:
    return pd.Series({
        "wildtype_amino_acid_sequence": WT, "frameshift_amino_acid_sequence": fs,
        "amino_acid_change": change, "protein_position": position, "variant_type": kind,
    })  # fmt: skip


def test_missense():
    region = mutant_region(row("K/E", "5"))
    assert region.sequence == "MAAAELLLGGGSSSTTT"
    assert (region.start, region.end) == (4, 5)


def test_inframe_deletion_marks_the_junction():
    region = mutant_region(row("KLL/K", "5-7", "inframe_del"))
    assert region.sequence == "MAAAKLGGGSSSTTT"
    assert (region.start, region.end) == (4, 5)
    region = mutant_region(row("KL/-", "5-6", "inframe_del"))
    assert region.sequence == "MAAALLGGGSSSTTT"
    assert (region.start, region.end) == (3, 5)  # A|L around the deleted KL


def test_insertion_and_stop_gain():
    region = mutant_region(row("-/WW", "5-6", "inframe_ins"))
    assert region.sequence == "MAAAKWWLLLGGGSSSTTT"
    assert (region.start, region.end) == (5, 7)
    region = mutant_region(row("K/EX", "5"))
    assert region.sequence == "MAAAE"


def test_stop_lost_appends_the_read_through_residues():
    # WT has 17 residues; the lost stop is residue 18; the new residue Y is at index 17
    region = mutant_region(row("*/Y", "18", "stop_lost"))
    assert region.sequence == WT + "Y"
    assert (region.start, region.end) == (17, 18)
    region = mutant_region(row("*/Y", "18", "stop_lost", fs=WT + "YKR*"))
    assert region.sequence == WT + "YKR"
    assert (region.start, region.end) == (17, 20)


def test_frameshift():
    region = mutant_region(row("K/X", "5", "FS", fs="MAAAKRRRWWW"))
    assert region.sequence == "MAAAKRRRWWW"
    assert (region.start, region.end) == (5, 11)
    assert mutant_region(row("K/X", "5", "FS", fs="MAAAK")) is None  # prefix of WT


def test_reference_mismatch_is_an_input_error():
    with pytest.raises(InputError, match="do not match"):
        mutant_region(row("Q/E", "5"), path="variants.tsv")


def test_windows_hold_epitopes_and_dominated_ones_are_pruned():
    region = mutant_region(row("K/E", "5"))
    epitopes = pd.DataFrame({
        "peptide": ["AAAELLLG", "ELLLGGGS"], "allele": ["HLA-A*02:01", "HLA-B*07:02"],
        "value": [2.0, 1.0],
    })  # fmt: skip
    windows = candidate_windows(region, epitopes, ["HLA-A*02:01", "HLA-B*07:02"], range(10, 13))
    # AAAELLLG = residues 1..8 (0-based), ELLLGGGS = 4..11; a window of <= 12 holding both
    # must start at 0 or 1 and end at >= 12 -> value 3 on both alleles, nothing else survives
    assert len(windows) == 1
    best = windows.iloc[0]
    assert best["value"] == pytest.approx(3.0)
    assert best["sequence"].find("AAAELLLG") >= 0 and best["sequence"].find("ELLLGGGS") >= 0
