"""Construct assembly coordinates and element validation."""

from __future__ import annotations

import pytest

from vaxmix.common.errors import ConfigError, InputError
from vaxmix.vaccine.construct import (
    assemble,
    load_construct,
    load_elements,
    resolve_linkers,
    write_construct,
)


def test_shipped_elements_match_the_cited_sequences():
    catalogue = load_elements()
    assert catalogue.signal_peptides["sec_BNT122"][0] == "MRVMAPRTLILLLSGALALTETWAGS"
    assert len(catalogue.trafficking["MITD_BNT122"][0]) == 55
    assert catalogue.linkers["GS10"][0] == "GGSGGGGSGG"
    assert all(source for _, source in catalogue.linkers.values())


def test_assemble_coordinates_by_hand(tmp_path):
    construct = assemble(
        "v",
        [("p1", "AAAA", ""), ("p2", "CCC", "")],
        [("none", ""), ("GGS", "GGS"), ("AAY", "AAY")],
        ("sig", "MKK", "src"),
        ("tm", "WW", "src"),
    )
    assert construct.protein == "MKK" + "AAAA" + "GGS" + "CCC" + "AAY" + "WW"
    spans = [(e.name, e.start, e.end) for e in construct.elements]
    assert spans == [
        ("sig", 1, 3), ("p1", 4, 7), ("GGS", 8, 10), ("p2", 11, 13), ("AAY", 14, 16), ("tm", 17, 18)
    ]  # fmt: skip
    write_construct(construct, tmp_path)
    again = load_construct(tmp_path / "construct.json")
    assert again.protein == construct.protein and again.elements == construct.elements
    assert (tmp_path / "construct.faa").read_text().splitlines()[1] == construct.protein


def test_invalid_linker_residues():
    catalogue = load_elements()
    with pytest.raises(InputError, match="non-standard"):
        resolve_linkers(["AAY", "GXZ"], catalogue)
    assert resolve_linkers(["none", "GGGS"], catalogue)["GGGS"][0] == "GGGS"


def test_invalid_element_file(tmp_path):
    bad = tmp_path / "e.toml"
    bad.write_text('[linker.bad]\nsequence = "AA1"\n')
    with pytest.raises(InputError, match="non-standard"):
        load_elements(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_elements(tmp_path / "missing.toml")
