"""Peptide FASTA reading: the one FASTA reader underneath, located errors on top."""

from __future__ import annotations

import pytest

from vaxmix.common.errors import InputError
from vaxmix.vaccine.sequences import check_protein, read_protein_fasta


def _fasta(tmp_path, text: str):
    path = tmp_path / "peptides.fa"
    path.write_text(text, encoding="utf-8")
    return path


def test_records_with_lines_and_stop_trimmed(tmp_path):
    path = _fasta(tmp_path, ">p1 first\nMKV\nLLA*\n\n>p2\nsiinfekl\n")
    records = read_protein_fasta(path)
    assert [(r.identifier, r.header, r.sequence, r.line) for r in records] == [
        ("p1", "p1 first", "MKVLLA", 1),
        ("p2", "p2", "SIINFEKL", 5),
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (">p1\nMKV\nMXV\n", 3, "non-standard residue(s) 'X'"),  # the bad line, not the header
        (">p1\nMKV\n>p1\nAAA\n", 3, "duplicate identifier 'p1' (first seen on line 1)"),
        ("MKV\n>p1\nAAA\n", 1, "before the first '>' header"),
        (">\nAAA\n", 1, "header without identifier"),
        (">p1\n", 1, "'p1' is empty"),
    ],
)
def test_errors_name_file_line_and_cause(tmp_path, text, line, words):
    path = _fasta(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_protein_fasta(path)
    assert words in str(err.value)
    assert err.value.line == line
    assert str(path) in str(err.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_protein_fasta(tmp_path / "absent.fa")
    with pytest.raises(InputError, match="no FASTA record"):
        read_protein_fasta(_fasta(tmp_path, "\n\n"))


def test_check_protein_names_every_bad_letter_once():
    with pytest.raises(InputError, match="'BXZ'"):
        check_protein("AZBXZ", "linker 'AZBXZ'")
    assert check_protein(" gs ", "linker") == "GS"
