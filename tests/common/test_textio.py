"""Safe delimited-text reading: encodings, byte-order mark, row widths, R headers, limits."""

from __future__ import annotations

import time

import pytest

from vaxmix.common.errors import InputError
from vaxmix.common.fasta import read_fasta_entries
from vaxmix.common.textio import read_delimited, read_json, read_text


def _write(tmp_path, data: bytes, name="t.tsv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_latin1_byte_is_named_with_line_and_column(tmp_path):
    path = _write(tmp_path, b"gene\tTPM\nICAM1\t3\nCAF\xc9\t4\n")  # Latin-1 'É' on line 3
    with pytest.raises(InputError) as info:
        read_text(path, "expression table")
    text = str(info.value)
    assert f"{path}, line 3:" in text
    assert "byte 0xC9 at column 4" in text


def test_bom_is_dropped(tmp_path):
    path = _write(tmp_path, b"\xef\xbb\xbfgene\tTPM\nICAM1\t3\n")
    table = read_delimited(path)
    assert table.header == ["gene", "TPM"]
    assert table.rows == [["ICAM1", "3"]]
    assert table.lines == [2]


def test_nul_byte_is_not_text(tmp_path):
    path = _write(tmp_path, b"gene\tTPM\nA\t\x001\n")
    with pytest.raises(InputError, match="line 2: table is not text: NUL byte"):
        read_text(path, "table")


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (b"a\tb\n1\t2\n3\t4\t5\n", 3, "3 fields on this line but 2 in the header"),
        (b"a\tb\tc\n1\t2\t3\n4\t5\n", 3, "2 fields on this line but 3 in the header"),
        (b"a\tb\nx\t1\t2\ny\t3\t4\n", 2, "every row has 3 fields but the header names 2"),
        (b"a\ta\n1\t2\n", 1, "column 'a' appears twice"),
        (b"a\t\tc\n1\t2\t3\n", 1, "column 2 of the header has no name"),
        (b'a\tb\n"1\t2\n3\t4\n', 2, "a quote opened here is never closed"),
        (b'a\tb\n"1\t2\n3"\t4\n', 2, "spans several lines"),
    ],
)
def test_width_and_header_problems_are_errors(tmp_path, body, line, message):
    path = _write(tmp_path, body)
    with pytest.raises(InputError) as info:
        read_delimited(path, sep="\t")
    assert f", line {line}" in str(info.value)
    assert message in str(info.value)


def test_r_write_table_row_names_are_read(tmp_path):
    # R: write.table(df, sep="\t") writes "gene"\t"TPM" then "1"\t"ICAM1"\t3 ...
    path = _write(tmp_path, b'"gene"\t"TPM"\n"1"\t"ICAM1"\t3\n"2"\t"PVR"\t4.5\n')
    table = read_delimited(path, sep="\t")
    assert table.header == ["gene", "TPM"]
    assert table.rows == [["ICAM1", "3"], ["PVR", "4.5"]]


def test_trailing_empty_column_of_a_spreadsheet_is_tolerated(tmp_path):
    path = _write(tmp_path, b"a,b,\n1,2,\n3,4,\n")
    table = read_delimited(path, sep=",")
    assert [row[:2] for row in table.rows] == [["1", "2"], ["3", "4"]]
    # a trailing delimiter on every data row but not on the header: nothing shifts
    table = read_delimited(_write(tmp_path, b"a\tb\n1\t2\t\n3\t4\t\n", "t2.tsv"), sep="\t")
    assert table.header == ["a", "b"]
    assert table.rows == [["1", "2"], ["3", "4"]]


def test_giant_field_and_giant_row_fail_fast(tmp_path):
    field = _write(tmp_path, b"a,b\n1," + b"7" * 131_073 + b"\n", "f.csv")
    started = time.perf_counter()
    with pytest.raises(InputError, match="line 2: table: a field longer than 131,072 characters"):
        read_delimited(field, sep=",")
    wide = _write(tmp_path, b"a\tb\n1\t2" + b"\t" * 1_000_000 + b"\n", "w.tsv")
    with pytest.raises(InputError, match="line 2: table: a row of 1,000,002 fields"):
        read_delimited(wide, sep="\t")
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"start": ' + b"1" * 5000 + b"}", "Exceeds the limit (4300 digits)"),
        (b'{"x": NaN}', "NaN is not a JSON number"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"x": 1,}', "line 1: not valid JSON"),
    ],
)
def test_json_problems_are_input_errors_within_a_second(tmp_path, body, message):
    path = _write(tmp_path, body, "c.json")
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        read_json(path)
    assert time.perf_counter() - started < 1.0
    assert message in str(info.value)


def test_messages_are_one_line():
    error = InputError("Error tokenizing data.\nC error: Expected 3 fields\n", "x.tsv", 4, "TPM")
    assert str(error) == (
        "x.tsv, line 4, field TPM: Error tokenizing data. C error: Expected 3 fields"
    )


def test_fasta_entries_keep_line_numbers(tmp_path):
    path = _write(tmp_path, b"\xef\xbb\xbf>a desc\nMKV\n\nLL\n>b\nAA\n", "p.fa")
    entries = read_fasta_entries(path)
    assert [(e.identifier, e.header, e.line) for e in entries] == [
        ("a", "a desc", 1),
        ("b", "b", 5),
    ]
    assert entries[0].sequence_lines == [(2, "MKV"), (4, "LL")]
    with pytest.raises(InputError, match="line 1: FASTA file: sequence text before"):
        read_fasta_entries(_write(tmp_path, b"MKV\n>a\nAA\n", "q.fa"))
