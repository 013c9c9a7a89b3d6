"""The one allele parser: spellings, WHO expression suffixes, unsupported genes, bounds.

Expected values are the WHO nomenclature's (hla.alleles.org/nomenclature/naming.html; Marsh SGE
et al., Tissue Antigens 2010;75:291): the suffix letters' meanings and the two-field protein
name of a longer name are worked out from that document, not from the code.
"""

from __future__ import annotations

import time

import pytest

from vaxmix.common.alleles import UnsupportedAllele, is_class2_name, parse_allele
from vaxmix.common.errors import InputError


@pytest.mark.parametrize(
    ("given", "name", "changed"),
    [
        ("HLA-A*02:01", "HLA-A*02:01", False),
        ("A*02:01", "HLA-A*02:01", True),
        ("A0201", "HLA-A*02:01", True),
        ("HLA-A02:01", "HLA-A*02:01", True),
        ("HLA-A*02:01:01:01", "HLA-A*02:01", True),
        ("Cw0702", "HLA-C*07:02", True),  # the pre-2010 Cw spelling of HLA-C
        ("DRB1_1501", "HLA-DRB1*15:01", True),
        ("HLA-DQB1*06:02-DQA1*01:02", "HLA-DQA1*01:02-DQB1*06:02", True),  # alpha first
        ("HLA-DRA*01:01-DRB1*03:01", "HLA-DRB1*03:01", True),  # DR named by its beta chain
    ],
)
def test_spellings_and_their_normalisation(given: str, name: str, changed: bool) -> None:
    allele = parse_allele(given)
    assert allele.name == name and allele.expressed
    assert (allele.normalisation is not None) is changed
    if changed:
        assert allele.normalisation.startswith(f"{given!r} read as {name}")
    assert allele.record()["name"] == name and allele.record()["action"] == "used"


@pytest.mark.parametrize(
    ("given", "expression", "expressed"),
    [
        # N null, S secreted only, C cytoplasmic only: no cell-surface molecule -> excluded
        ("HLA-B*45:01N", "null", False),
        ("HLA-A*01:01:01:02N", "null", False),  # a null allele inside an expressed group
        ("B*44:02:01:02S", "secreted", False),
        ("HLA-B*15:01C", "cytoplasm", False),
        # L low, A aberrant, Q questionable: may be at the surface -> kept, recorded, warned
        ("HLA-A*24:02:01:02L", "low", True),
        ("A*02:01A", "aberrant", True),
        ("HLA-A*32:11Q", "questionable", True),
    ],
)
def test_who_expression_suffixes(given: str, expression: str, expressed: bool) -> None:
    allele = parse_allele(given, source="hla.txt line 2")
    assert allele.expression == expression and allele.expressed is expressed
    assert allele.suffix == given[-1] and allele.full.endswith(given[-1])
    assert "hla.txt line 2" in allele.warning and f"WHO suffix {given[-1]}" in allele.warning
    assert ("excluded" in allele.warning) is not expressed
    assert allele.record()["action"] == ("used" if expressed else "excluded")


def test_null_keeps_its_two_field_name_but_is_not_the_expressed_allele() -> None:
    null, expressed = parse_allele("HLA-B*45:01N"), parse_allele("HLA-B*45:01")
    assert null.name == expressed.name == "HLA-B*45:01"
    assert null.full == "HLA-B*45:01N" and not null.expressed and expressed.expressed


def test_null_chain_makes_the_class2_molecule_null() -> None:
    allele = parse_allele("HLA-DQA1*01:02N-DQB1*06:02")
    assert allele.name == "HLA-DQA1*01:02-DQB1*06:02" and not allele.expressed


def test_g_and_p_groups_are_read_as_their_named_allele() -> None:
    allele = parse_allele("HLA-A*02:01:01G")
    assert allele.name == "HLA-A*02:01" and allele.expressed and allele.group == "G"
    assert "G group" in allele.normalisation
    assert parse_allele("A*02:01P").name == "HLA-A*02:01"


@pytest.mark.parametrize("gene", ["E", "G", "F"])
def test_non_classical_genes_are_unsupported_with_the_options(gene: str) -> None:
    with pytest.raises(UnsupportedAllele) as info:
        parse_allele(f"HLA-{gene}*01:01", field="--alleles")
    text = str(info.value)
    assert f"HLA-{gene} is a non-classical class I gene" in text
    assert "does not cover" in text and "NetMHCpan" in text and "--run-dir" in text
    assert info.value.field == "--alleles"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("H-2-Kb", "not a human HLA allele"),
        ("Mamu-A*01:01", "not a human HLA allele"),
        ("DRB2*01:01", "pseudogene"),
        ("HLA-DMA*01:01", "not an expressed HLA class II chain"),
        ("MICA*001:01", "not a classical HLA gene"),
    ],
)
def test_unsupported_genes_and_species(given: str, message: str) -> None:
    with pytest.raises(UnsupportedAllele, match=message):
        parse_allele(given)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("A2", "serotype"),
        ("HLA-A*02", "allele-group resolution"),
        ("nonsense!", "not an HLA allele name"),
        ("HLA-DQA1*01:02-DRB1*04:05", "pairs DQA1 with DRB1"),
        ("HLA-A*02:01-B*07:02", "not an HLA class II chain or alpha-beta pair"),
        ("", "empty"),
        ("HLA-C*07:02201", "field '02201' is not a WHO allele field"),  # C*07:02:01, ':' lost
    ],
)
def test_bad_names_are_input_errors_naming_where(given: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse_allele(given, path="hla.txt", line=4, field="allele")
    assert not isinstance(info.value, UnsupportedAllele)
    assert (info.value.path, info.value.line, info.value.field) == ("hla.txt", 4, "allele")


def test_overlong_token_is_refused_at_once() -> None:
    token = "A*02:01" * 10_000  # 70,000 characters: the general parser would be quadratic
    start = time.perf_counter()
    with pytest.raises(InputError, match="70,000 characters"):
        parse_allele(token)
    assert time.perf_counter() - start < 0.1


def test_four_digit_fields_are_names() -> None:
    # IPD-IMGT/HLA 3.58 has A*02:1000 and C*07:1001 (four-digit second fields)
    assert parse_allele("HLA-A*02:1000").name == "HLA-A*02:1000"


def test_class2_prefix() -> None:
    assert is_class2_name("dqa1*01:02") and is_class2_name("HLA-DRB1*15:01")
    assert not is_class2_name("HLA-A*02:01") and not is_class2_name("C0702")
