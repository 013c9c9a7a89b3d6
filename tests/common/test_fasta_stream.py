"""iter_fasta_entries: the streaming (plain or gzipped) sibling of read_fasta_entries."""

from __future__ import annotations

import gzip
import random

import pytest

from vaxmix.common.errors import InputError
from vaxmix.common.fasta import iter_fasta_entries, read_fasta_entries

TEXT = b"\xef\xbb\xbf>a desc\nMKV\n\nLL\n>b\nAA\n>c empty\n"


def _records(entries):
    return [(e.identifier, e.header, e.line, e.sequence_lines) for e in entries]


@pytest.mark.parametrize("compress", [False, True])
def test_stream_gives_the_same_records_as_the_whole_file_reader(tmp_path, compress):
    plain = tmp_path / "p.fa"
    plain.write_bytes(TEXT)
    path = tmp_path / ("s.fa.gz" if compress else "s.fa")
    path.write_bytes(gzip.compress(TEXT) if compress else TEXT)
    streamed = list(iter_fasta_entries(path))
    assert _records(streamed) == _records(read_fasta_entries(plain))
    # by hand: BOM dropped, blank line 3 skipped, line numbers as in the file
    assert _records(streamed) == [
        ("a", "a desc", 1, [(2, "MKV"), (4, "LL")]),
        ("b", "b", 5, [(6, "AA")]),
        ("c", "c empty", 7, []),
    ]
    assert streamed[0].sequence == "MKVLL"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (b">a\nMK\xe9V\n", 2, "not UTF-8 text: byte 0xE9 at column 3"),
        (b">a\nMK\x00V\n", 2, "NUL byte at column 3"),
        (b"MKV\n>a\nAA\n", 1, "sequence text before the first '>' header"),
        (b">a\nAA\n>  \nCC\n", 3, "header without identifier"),
        (b"\n\n", None, "no FASTA record found"),
    ],
)
def test_stream_errors_name_file_and_line(tmp_path, body, line, message):
    path = tmp_path / "bad.fa.gz"
    path.write_bytes(gzip.compress(body))
    with pytest.raises(InputError) as info:
        list(iter_fasta_entries(path, "reference proteome"))
    assert info.value.line == line and str(path) in str(info.value)
    assert "reference proteome" in str(info.value)
    assert message in str(info.value)


def test_truncated_gzip_and_missing_file_are_input_errors(tmp_path):
    path = tmp_path / "cut.fa.gz"
    rng = random.Random(0)
    residues = "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(20_000))
    whole = gzip.compress(f">a\n{residues}\n".encode())
    path.write_bytes(whole[: len(whole) // 2])  # a download cut short
    with pytest.raises(InputError, match="cannot read FASTA file: Compressed file ended"):
        list(iter_fasta_entries(path))
    with pytest.raises(InputError, match="cannot read FASTA file"):
        list(iter_fasta_entries(tmp_path / "nope.fa"))
