"""Class II allele names, chain pairing and the IPD-IMGT/HLA-derived groove residues."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaxmix.common.errors import InputError
from vaxmix.mhc.classii.alleles import chain_table, normalize_allele, pseudosequence
from vaxmix.mhc.classii.pseudosequences import ALPHA_POSITIONS, BETA_POSITIONS, build_table

DATA = Path(__file__).parent / "data"

# Worked out by hand from the mature DRA*01:01 (IKEEHVIIQAEFYLNPDQSGEFMFDFDGDEIFHVDMAKKETVW...)
# and DRB1*01:01 (GDTRPRFLWQLKFECHFFNGTERVRLLERCIYNQEESVRFDSDVGEYRAVTELGRPDAEYWNSQKDLL...)
# sequences at the NetMHCIIpan positions; it is also NetMHCIIpan's published DRB1_0101 entry.
DRB1_0101 = "QEFFIASGAAVDAIM" + "WLFLECYDLQRATYHVGFT"


def beta_residue(allele: str, position: int) -> str:
    """Residue at DR-aligned beta ``position`` of a molecule's pseudosequence."""
    return pseudosequence(allele)[len(ALPHA_POSITIONS) + BETA_POSITIONS.index(position)]


def test_drb1_0101_pseudosequence_matches_hand_derivation() -> None:
    assert pseudosequence("HLA-DRB1*01:01") == DRB1_0101


@pytest.mark.parametrize(
    ("allele", "position", "residue", "why"),
    [
        # shared epitope QKRAA / QRRAA at beta 70-74 (Gregersen PK et al., Arthritis Rheum 1987)
        ("DRB1*04:01", 71, "K", "DRB1*04:01 QKRAA"),
        ("DRB1*04:04", 71, "R", "DRB1*04:04 QRRAA"),
        ("DRB1*04:01", 74, "A", "DRB1*04:01 QKRAA"),
        # beta 86 Gly/Val dimorphism of the P1 pocket
        ("DRB1*01:01", 86, "G", "DRB1*01:01 Gly86"),
        ("DRB1*15:01", 86, "V", "DRB1*15:01 Val86"),
        # DQ beta 57 Asp/non-Asp (Todd JA et al., Nature 1987;329:599)
        ("HLA-DQA1*05:01-DQB1*02:01", 57, "A", "DQ2 Ala57"),
        ("HLA-DQA1*03:01-DQB1*03:02", 57, "A", "DQ8 Ala57"),
        ("HLA-DQA1*01:02-DQB1*06:02", 57, "D", "DQ6 Asp57"),
        # DP beta 69 Glu/Lys (Richeldi L et al., Science 1993;262:242); DP's own beta 69 is
        # DR-aligned 71 because DPB1 lacks two residues near beta 23
        ("HLA-DPA1*02:01-DPB1*02:01", 71, "E", "DPB1*02:01 Glu69"),
        ("HLA-DPA1*01:03-DPB1*04:01", 71, "K", "DPB1*04:01 Lys69"),
    ],
)
def test_known_polymorphisms(allele: str, position: int, residue: str, why: str) -> None:
    assert beta_residue(allele, position) == residue, why


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("HLA-DRB1*15:01", "HLA-DRB1*15:01"),
        ("DRB1*15:01:01:01", "HLA-DRB1*15:01"),
        ("DRB1_1501", "HLA-DRB1*15:01"),
        ("HLA-DRA*01:01-DRB1*15:01", "HLA-DRB1*15:01"),
        ("DRB3*01:01:02", "HLA-DRB3*01:01"),
        ("DRB4*01:01", "HLA-DRB4*01:01"),
        ("DRB5*01:01", "HLA-DRB5*01:01"),
        ("HLA-DQA1*01:02-DQB1*06:02", "HLA-DQA1*01:02-DQB1*06:02"),
        ("DQA1*01:02/DQB1*06:02", "HLA-DQA1*01:02-DQB1*06:02"),
        ("HLA-DQA10102-DQB10602", "HLA-DQA1*01:02-DQB1*06:02"),
        ("DPA1*01:03/DPB1*04:01", "HLA-DPA1*01:03-DPB1*04:01"),
        ("HLA-DPA1*01:03-DPB1*04:01", "HLA-DPA1*01:03-DPB1*04:01"),
    ],
)
def test_spellings(spelling: str, canonical: str) -> None:
    assert normalize_allele(spelling) == canonical


def test_pair_pseudosequence_is_alpha_then_beta() -> None:
    table = chain_table()
    pseudo = pseudosequence("DPA1*01:03/DPB1*04:01")
    assert pseudo == table["HLA-DPA1*01:03"] + table["HLA-DPB1*04:01"]
    assert len(pseudo) == 34
    dq2 = pseudosequence("HLA-DQA1*05:01-DQB1*02:01")
    assert dq2 != pseudosequence("HLA-DQA1*01:02-DQB1*02:01")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("DQB1*06:02", "needs its DQA1 partner"),
        ("HLA-DPB1*04:01", "needs its DPA1 partner"),
        ("DRB1*99:01", "closest known"),
        ("HLA-DQA1*01:02-DPB1*04:01", "pairs DQA1 with DPB1"),
        ("HLA-A*02:01", "not an HLA class II"),
        ("not an allele", "not an HLA allele name"),
        ("HLA-DRB1*04:05N", "null allele, not expressed"),
        ("HLA-DQA1*01:02-DQB1*06:02S", "not at the cell surface"),
    ],
)
def test_bad_alleles_raise_input_error(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        normalize_allele(name)


def test_unknown_allele_names_neighbours() -> None:
    with pytest.raises(InputError) as info:
        normalize_allele("DRB1*16:97")
    assert "HLA-DRB1*16:" in str(info.value)


def test_build_from_imgt_fasta_matches_shipped_table() -> None:
    records = {r.allele: r for r in build_table(DATA)}
    shipped = chain_table()
    assert "HLA-DRB1*01:33" not in records  # null allele skipped
    for allele in ("HLA-DRA*01:01", "HLA-DRB1*01:01", "HLA-DRB1*15:01", "HLA-DRB3*01:01",
                   "HLA-DQA1*05:01", "HLA-DQB1*06:02", "HLA-DPA1*01:03", "HLA-DPB1*04:01"):
        assert records[allele].residues == shipped[allele]
    assert records["HLA-DRA*01:01"].chain == "alpha"
    assert records["HLA-DQB1*02:01"].chain == "beta"
    # the partial DQB1*05:01:02 sequence (exon 2 only) still covers the groove
    assert "X" not in records["HLA-DQB1*05:01"].residues


def test_table_covers_all_loci() -> None:
    genes = {name.split("-", 1)[1].split("*")[0] for name in chain_table()}
    assert {"DRA", "DRB1", "DRB3", "DRB4", "DRB5", "DQA1", "DQB1", "DPA1", "DPB1"} <= genes
