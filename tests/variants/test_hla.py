"""HLA names and typing files."""

from __future__ import annotations

import json
import time

import pytest

from vaxmix.common.alleles import UnsupportedAllele
from vaxmix.common.errors import InputError
from vaxmix.variants import normalize_allele, parse_allele_list, read_hla_file
from vaxmix.variants.hla import (
    MAX_FILE_BYTES,
    allele_report,
    normalize_class2_name,
    read_hla_names,
)

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


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        # pairs as pVACseq/IEDB, with a slash, NetMHCIIpan's compact form, beta first
        ("HLA-DQA1*01:02-DQB1*06:02", "HLA-DQA1*01:02-DQB1*06:02"),
        ("DPA1*01:03/DPB1*04:01", "HLA-DPA1*01:03-DPB1*04:01"),
        ("HLA-DQA10501-DQB10201", "HLA-DQA1*05:01-DQB1*02:01"),
        ("HLA-DQB1*06:02-DQA1*01:02", "HLA-DQA1*01:02-DQB1*06:02"),
        # DR: the molecule is named by its beta chain (DRA*01:01 is implied)
        ("HLA-DRA*01:01-DRB1*03:01", "HLA-DRB1*03:01"),
        ("DRB1*04:05", "HLA-DRB1*04:05"),
        ("DRB1_0405", "HLA-DRB1*04:05"),
        ("HLA-DRB3*02:02:01:02", "HLA-DRB3*02:02"),
        ("DRB4*01:03", "HLA-DRB4*01:03"),
        ("DRB5*01:01", "HLA-DRB5*01:01"),
        # single chains, as typing tools report them
        ("HLA-DQB1*06:02:01", "HLA-DQB1*06:02"),
        ("DPA1*01:03:01:01", "HLA-DPA1*01:03"),
    ],
)
def test_class2_names_normalize(name, canonical):
    assert normalize_class2_name(name) == canonical
    assert parse_allele_list(name, KNOWN) == [canonical]  # class I list not applied


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("HLA-DQA1*01:02-DRB1*04:05", "pairs DQA1 with DRB1"),
        ("DQA1*01:02-DPB1*04:01", "pairs DQA1 with DPB1"),
        ("DRB2*01:01", "HLA-DRB2 is a pseudogene, not an expressed chain"),
        ("DQA1*01", "allele-group resolution"),
    ],
)
def test_bad_class2_names(name, message):
    with pytest.raises(InputError, match=message):
        normalize_class2_name(name)


def test_plain_list_with_class2_pairs_and_chains(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("# patient 7\nHLA-A*29:02, HLA-B*45:01\nHLA-DRB1*04:05\n"
                    "HLA-DQA1*01:02-DQB1*06:02 DPA1*01:03/DPB1*04:01\n"
                    "DQA1*05:01\n")  # fmt: skip
    assert read_hla_file(path, KNOWN) == [
        "HLA-A*29:02", "HLA-B*45:01", "HLA-DRB1*04:05", "HLA-DQA1*01:02-DQB1*06:02",
        "HLA-DPA1*01:03-DPB1*04:01", "HLA-DQA1*05:01",
    ]  # fmt: skip


def test_plain_list_names_the_line_of_a_bad_class2_pair(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("HLA-A*29:02\nHLA-DQA1*01:02-DRB1*04:05\n")
    with pytest.raises(InputError, match="pairs DQA1 with DRB1") as info:
        read_hla_file(path)
    assert info.value.line == 2 and info.value.path == path


def test_class1_names_still_checked_against_known(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("HLA-DRB1*04:05\nHLA-A*68:01\n")
    with pytest.raises(InputError, match="unknown allele 'HLA-A\\*68:01'") as info:
        read_hla_file(path, KNOWN)
    assert info.value.line == 2


def test_arcashla_class2_chains_and_non_classical_genes(tmp_path):
    path = tmp_path / "sample.genotype.json"
    path.write_text(json.dumps({
        "A": ["A*29:02:01"], "DQA1": ["DQA1*01:02:01", "DQA1*05:01:01"],
        "DQB1": ["DQB1*06:02:01"], "DRB1": ["DRB1*04:05:01", "DRB1*04:05:01"],
        "E": ["E*01:01:01"], "DMA": ["DMA*01:01:01"],
    }))  # fmt: skip
    assert read_hla_file(path, KNOWN) == [
        "HLA-A*29:02", "HLA-DQA1*01:02", "HLA-DQA1*05:01", "HLA-DQB1*06:02", "HLA-DRB1*04:05"
    ]  # fmt: skip


def test_hlahd_class2_rows_and_non_classical_genes(tmp_path):
    path = tmp_path / "sample_final.result.txt"
    path.write_text(
        "A\tHLA-A*29:02:01\tHLA-A*02:01:01:01\nE\tHLA-E*01:01:01:01\tHLA-E*01:03:02:01\n"
        "DRB1\tHLA-DRB1*04:05:01\tHLA-DRB1*15:01:01:01\nDRB2\tNot typed\tNot typed\n"
        "DRB4\tHLA-DRB4*01:03:01:01\t-\nDPA1\tHLA-DPA1*01:03:01:02\t-\n"
        "DPB1\tHLA-DPB1*04:01:01:01\tHLA-DPB1*02:01:02:01\nDOA\tHLA-DOA*01:01:02\t-\n"
    )  # fmt: skip
    assert read_hla_file(path, KNOWN) == [
        "HLA-A*29:02", "HLA-A*02:01", "HLA-DRB1*04:05", "HLA-DRB1*15:01", "HLA-DRB4*01:03",
        "HLA-DPA1*01:03", "HLA-DPB1*04:01", "HLA-DPB1*02:01",
    ]  # fmt: skip
    skipped: list[str] = []
    read_hla_names(path, KNOWN, skipped)
    assert skipped == ["HLA-E", "HLA-DOA"]  # DRB2 was "Not typed": nothing skipped there


def test_class2_chain_without_groove_sequence_names_line_and_close_chains(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("HLA-A*29:02\nHLA-DQA1*99:01-DQB1*06:02\n")
    with pytest.raises(InputError, match="closest known") as info:
        read_hla_file(path)
    assert info.value.line == 2
    assert "HLA-DQA1*99:01" in str(info.value)


# ---- null and questionable alleles (WHO suffixes), normalisation records


def test_null_allele_in_a_typing_file_is_read_but_left_out(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("HLA-A*29:02\nHLA-B*45:01N\nA0201\nHLA-A*24:02:01:02L\n")
    names = read_hla_names(path, [*KNOWN, "HLA-A*24:02"])
    assert [(a.name, a.expression) for a in names] == [
        ("HLA-A*29:02", "expressed"), ("HLA-B*45:01", "null"), ("HLA-A*02:01", "expressed"),
        ("HLA-A*24:02", "low"),
    ]  # fmt: skip
    # the null B*45:01N is not the expressed B*45:01: it is left out
    assert read_hla_file(path, [*KNOWN, "HLA-A*24:02"]) == ["HLA-A*29:02", "HLA-A*02:01",
                                                           "HLA-A*24:02"]  # fmt: skip
    records, notes, warnings = allele_report(names)
    by_given = {r["given"]: r for r in records}
    assert by_given["HLA-B*45:01N"]["action"] == "excluded"
    assert by_given["HLA-B*45:01N"]["source"] == "alleles.txt line 2"
    assert by_given["A0201"]["normalisation"] == "'A0201' read as HLA-A*02:01 (spelling)"
    assert notes == ["allele 'A0201' read as HLA-A*02:01 (spelling) (alleles.txt line 3)",
                     "allele 'HLA-A*24:02:01:02L' read as HLA-A*24:02 (4 fields reduced to two, "
                     "the protein level the models are defined at; suffix L recorded as low "
                     "expression) (alleles.txt line 4)"]  # fmt: skip
    assert len(warnings) == 2 and "HLA-B*45:01N (alleles.txt line 2) is a null allele" in (
        warnings[0]) and "low cell-surface expression" in warnings[1]


def test_a_null_allele_is_never_checked_against_known_and_a_single_one_is_an_error():
    # A*01:04N has no expressed two-field counterpart: it is left out, not "unknown"
    assert parse_allele_list("HLA-A*29:02,HLA-A*01:04N", KNOWN) == ["HLA-A*29:02"]
    with pytest.raises(InputError, match="null allele"):
        normalize_allele("HLA-B*45:01N")
    with pytest.raises(InputError, match="no expressed HLA allele given"):
        parse_allele_list("HLA-B*45:01N")


def test_only_null_alleles_in_a_file_is_an_error(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("HLA-C*04:09N\n")
    with pytest.raises(InputError, match="no expressed HLA allele"):
        read_hla_file(path)


def test_hla_e_in_a_list_is_a_clear_unsupported_error(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("HLA-A*29:02\nHLA-E*01:01\n")
    with pytest.raises(UnsupportedAllele, match="non-classical class I gene") as info:
        read_hla_file(path)
    assert info.value.line == 2


# ---- bounded, never-crashing reader (issue 15)


def test_60k_character_token_is_a_clean_error_within_a_second(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_text("HLA-A*29:02\n" + "HLA-A*02:01" * 5_500 + "\n")
    start = time.perf_counter()
    with pytest.raises(InputError, match="60,500 characters") as info:
        read_hla_file(path, KNOWN)
    assert time.perf_counter() - start < 1.0
    assert info.value.line == 2 and info.value.path == path


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"HLA-A*29:02\nHLA-B*45:01\xe9\n", "byte 0xe9 is not UTF-8", 2),
        (b"HLA-A*29:02\n\x00\n", "NUL byte", 2),
        (b'{"A": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "invalid JSON", None),
        (b'{"A": [' + b"9" * 5_000 + b"]}", "invalid JSON", None),
        (b'{"A": [12]}', "allele names are strings", 1),
        (b'{"A": "A*02:01"}', "expected a list", 1),
        (b"\tA1\tA2\tB1\tB2\tC1\tC2\tReads\tObjective\n0\tA*29:02\tA*02:01\tB*45:01\n",
         "4 cells where the header has 9", 2),
        (b"\tA1\tA2\tB1\tB2\tC1\tC2\n0\tA*29:02\tA*02:01\tB*45:01\tB*45:01\tC*07:02\tC*07:02\n"
         b"1\tA*02:01\tA*02:01\tB*45:01\tB*45:01\tC*07:02\tC*07:02\n",
         "more than one genotype row", 3),
        (b"A\tHLA-A*29:02:01\t-\n!!\tHLA-B*45:01:01\t-\n", "not a gene name", 2),
        (b"HLA-A*29:02," * 1_200, "1,200 allele names", None),
        # an allele under another gene's column or key: a shifted or corrupted file
        (b"\tA1\tA2\tB1\tB2\tC1\tC2\n0\tA*29:02\tB*45:01\tB*45:01\tC*07:02\tC*07:02\t\n",
         "listed under gene A but is an HLA-B allele", 2),
        (b'{"A": ["A*29:02:01"],\n "B": ["C*07:02:01"]}', "listed under gene B", 2),
        (b'{"A\\u0000": ["A*29:02:01"]}', "not a gene name", 1),
        (b"A\tHLA-A*29:02:01\tHLA-B*45:01:01\n", "listed under gene A", 1),
        (b"A\tHLA-A*29:02:01\tHLA-A*02:01\tHLA-A*03:01\n", "3 allele columns", 1),
        (b'{"A": ["A*29:02", "A*02:01", "A*03:01"]}', "3 alleles for one gene", 1),
    ],
)
def test_malformed_typing_files_are_input_errors(tmp_path, content, message, line):
    path = tmp_path / "typing.txt"
    path.write_bytes(content)
    start = time.perf_counter()
    with pytest.raises(InputError, match=message) as info:
        read_hla_file(path)
    assert time.perf_counter() - start < 1.0
    assert info.value.path == path and info.value.line == line


def test_directory_and_huge_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="not a file"):
        read_hla_file(tmp_path)
    big = tmp_path / "big.txt"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(InputError, match="bytes: an HLA typing result"):
        read_hla_file(big)


def test_utf8_bom_and_crlf_are_read(tmp_path):
    path = tmp_path / "alleles.txt"
    path.write_bytes(b"\xef\xbb\xbfHLA-A*29:02\r\nHLA-B*45:01\r\n")
    assert read_hla_file(path, KNOWN) == ["HLA-A*29:02", "HLA-B*45:01"]
