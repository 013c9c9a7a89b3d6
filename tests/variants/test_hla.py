"""HLA names and typing files."""

from __future__ import annotations

import json

import pytest

from vaxmix.common.errors import InputError
from vaxmix.variants import normalize_allele, parse_allele_list, read_hla_file

KNOWN = ["HLA-A*02:01", "HLA-A*02:06", "HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02",
         "HLA-C*07:02"]  # fmt: skip


@pytest.mark.parametrize(
    "spelling", ["HLA-A*29:02", "A*29:02", "A2902", "HLA-A29:02", "HLA-A*29:02:01:01", "a*29:02"]
)
def test_spellings_normalize_to_two_fields(spelling):
    assert normalize_allele(spelling) == "HLA-A*29:02"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("garbage", "not an HLA allele name"),
        ("HLA-A*02", "allele-group resolution"),
        ("H2-Kb", "not a human HLA allele"),
    ],
)
def test_malformed_names(name, message):
    with pytest.raises(InputError, match=message) as info:
        normalize_allele(name)
    assert info.value.field == "--alleles"


def test_unknown_allele_suggests_close_names():
    with pytest.raises(InputError) as info:
        normalize_allele("HLA-A*02:99", known=KNOWN)
    text = str(info.value)
    assert "unknown allele 'HLA-A*02:99'" in text
    assert "HLA-A*02:01" in text and "HLA-A*02:06" in text


def test_allele_list_deduplicates_in_order():
    assert parse_allele_list("B4501, HLA-A*29:02,HLA-B*45:01") == ["HLA-B*45:01", "HLA-A*29:02"]
    with pytest.raises(InputError):
        parse_allele_list(" , ")


def test_optitype_result(tmp_path):
    path = tmp_path / "sample_result.tsv"
    path.write_text("\tA1\tA2\tB1\tB2\tC1\tC2\tReads\tObjective\n"
                    "0\tA*29:02\tA*02:01\tB*45:01\tB*82:02\tC*07:02\tC*07:02\t1234.0\t1190.5\n")
    assert read_hla_file(path, KNOWN) == ["HLA-A*29:02", "HLA-A*02:01", "HLA-B*45:01",
                                          "HLA-B*82:02", "HLA-C*07:02"]  # fmt: skip


def test_arcashla_genotype_json(tmp_path):
    path = tmp_path / "sample.genotype.json"
    path.write_text(json.dumps({"A": ["A*29:02:01", "A*02:01:01"], "B": ["B*45:01:01"],
                                "C": ["C*07:02:01", "C*07:02:01"]}))  # fmt: skip
    assert read_hla_file(path) == ["HLA-A*29:02", "HLA-A*02:01", "HLA-B*45:01", "HLA-C*07:02"]


def test_hlahd_final_result(tmp_path):
    path = tmp_path / "sample_final.result.txt"
    path.write_text("A\tHLA-A*29:02:01\tHLA-A*02:01:01:01\nB\tHLA-B*45:01:01\t-\n"
                    "C\tNot typed\tNot typed\n")  # fmt: skip
    assert read_hla_file(path) == ["HLA-A*29:02", "HLA-A*02:01", "HLA-B*45:01"]


def test_plain_list_reports_the_bad_line(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("# typing\nHLA-A*29:02\nHLA-B*45:01, nonsense!\n")
    with pytest.raises(InputError) as info:
        read_hla_file(path)
    assert info.value.line == 3 and str(path) in str(info.value)
