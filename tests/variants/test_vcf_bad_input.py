"""Issue 14 item 7 and issue 15 (VCF, VCF.gz): a garbled VCF is an InputError naming the file,
the line and the field; never another exception, a silent misread or a hang."""

from __future__ import annotations

import gzip
import random
import time

import pytest
from vcfmaker import csq_entry, record, vcf_text

from vaxmix.common.errors import InputError
from vaxmix.variants import read_vep_vcf

GOOD = [record("GT:AD:AF:DP", "0/1:45,15:0.25:60"),
        record("GT:AD:AF:DP", "0/1:30,10:0.25:40", pos=1003)]


def _error(tmp_path, text: str | bytes, name: str = "bad.vcf") -> InputError:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InputError) as error:
        read_vep_vcf(path)
    assert str(path) in str(error.value)
    assert "\n" not in str(error.value)
    return error.value


def _line_of(text: str, pos: int) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if f"\t{pos}\t" in line)


@pytest.mark.parametrize(
    ("fmt", "call", "field", "words"),
    [
        ("GT:AD:AF:DP", "0/x:45,15:0.25:60", "FORMAT/GT", "genotype"),     # error parsing GT
        ("GT:AD:AF:DP", "0/3:45,15:0.25:60", "FORMAT/GT", "allele 3"),
        (".", "0/1", "FORMAT", "FORMAT is '.'"),
        ("AD:AF:DP", "45,15:0.25:60", "FORMAT/GT", "no GT"),
        ("GT:AD:AF:DP", "0/1:45,15:-0.25:60", "FORMAT/AF", ">= 0"),         # negative VAF
        ("GT:AD:AF:DP", "0/1:45,15:nan:60", "FORMAT/AF", ">= 0"),           # NaN VAF
        ("GT:AD:AF:DP", "0/1:45,15:25.0:60", "FORMAT/AF", "above 1"),       # a percentage
        ("GT:AD:AF:DP", "0/1:45,15:0.25:-60", "FORMAT/DP", ">= 0"),         # negative depth
        ("GT:AD:DP", "0/1:5,70:60", "FORMAT/AD", "larger than the depth"),  # AD > DP
        ("GT:AD:AF:DP", "0/1:45,15:0.25:６０", "FORMAT/DP", "ASCII"),       # full-width digits
        ("GT:AD:AF:DP:TX", "0/1:45,15:0.25:60:ENST0001|high", "FORMAT/TX", "number"),
        ("GT:AD:AF:DP:GX", "0/1:45,15:0.25:60:ENSG0001", "FORMAT/GX", "ID|value"),
        ("GT:AD:DP", "0/1:45,15:60:7", "FORMAT", "4 values"),
        ("GT:AF:AD:AF:DP", "0/1:0.9:45,15:0.25:60", "FORMAT", "twice"),     # which AF?
        ("GT:AD:AF:DP", "0/1:45,15:0.25:6_0", "FORMAT/DP", "not an integer"),  # int("6_0")=60
        ("GT:AD:AF:DP", "0/1:45,15:0x1p-2:60", "FORMAT/AF", "not a number"),
    ],
)
def test_bad_format_values_name_line_and_field(tmp_path, fmt, call, field, words):
    text = vcf_text([GOOD[0], record(fmt, call, pos=1003)])
    error = _error(tmp_path, text)
    assert error.line == _line_of(text, 1003)
    assert error.field == field
    assert words in error.message


def test_csq_entry_with_another_field_count_is_an_error(tmp_path):
    # a stray '|' inside WildtypeProtein: one value too many (would shift or cut the protein)
    broken = csq_entry(WildtypeProtein="MKTAYIAKQRQ|SFVKSHFDRQLEERLGLIEVQAPILSRV")
    text = vcf_text([GOOD[0], record("GT:AD:AF:DP", "0/1:45,15:0.25:60", pos=1003, csq=broken)])
    error = _error(tmp_path, text)
    assert (error.line, error.field) == (_line_of(text, 1003), "INFO/CSQ")
    assert "20 '|'-separated values" in error.message and "19 fields" in error.message
    # a stray ',' cuts the entry in two
    broken = csq_entry(WildtypeProtein="MKTAYIAKQRQ,SFVKSHFDRQLEERLGLIEVQAPILSRV")
    text = vcf_text([record("GT:AD:AF:DP", "0/1:45,15:0.25:60", csq=broken)])
    # entry 1 keeps 19 values (its protein cut short); the rest is a 1-value "entry 2"
    assert "CSQ entry 2 has 1 " in _error(tmp_path, text).message


def test_csq_given_twice_is_an_error(tmp_path):
    line = record("GT:AD:AF:DP", "0/1:45,15:0.25:60")
    cols = line.split("\t")
    cols[7] = f"{cols[7]};{cols[7]}"
    error = _error(tmp_path, vcf_text(["\t".join(cols)]))
    assert error.field == "INFO/CSQ" and "2 times" in error.message


def test_csq_declared_integer_is_an_error(tmp_path):
    error = _error(tmp_path, vcf_text(GOOD, csq_type="Integer"))
    assert error.field == "INFO/CSQ" and error.line is not None and "Type=Integer" in str(error)


def test_non_utf8_byte_in_a_format_value(tmp_path):
    text = vcf_text([GOOD[0], record("GT:AD:AF:DP", "0/1:45,15:0.25:6X", pos=1003)])
    raw = text.encode().replace(b":6X", b":6\xe9")
    error = _error(tmp_path, raw)
    assert (error.line, error.field) == (_line_of(text, 1003), "FORMAT/DP")
    assert "0xe9" in error.message


def test_corrupt_and_truncated_gzip(tmp_path):
    data = gzip.compress(vcf_text(GOOD * 200).encode())
    corrupt = bytearray(data)
    corrupt[len(data) // 2: len(data) // 2 + 8] = b"\xff" * 8
    error = _error(tmp_path, bytes(corrupt), "corrupt.vcf.gz")
    assert "gzip" in error.message and error.line is not None
    error = _error(tmp_path, data[: len(data) * 2 // 3], "cut.vcf.gz")
    assert "truncated or corrupt" in error.message


def test_a_directory_and_a_truncated_record(tmp_path):
    (tmp_path / "dir.vcf").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_vep_vcf(tmp_path / "dir.vcf")
    text = vcf_text(GOOD)
    cut = text[: text.index("\t0/1:30,10")] + "\n"  # the last line ends inside its columns
    error = _error(tmp_path, cut)
    assert error.line == _line_of(text, 1003) and "columns" in error.message


def _mutate(rng: random.Random, text: str) -> bytes:
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(7)
        i = rng.randrange(len(data))
        if kind == 0:
            data[i] = rng.randrange(256)
        elif kind == 1:
            del data[i: i + rng.randint(1, 40)]
        elif kind == 2:
            data[i:i] = rng.choice([b"\t", b",", b"|", b":", b";", b"\n", b".", b"-1", b"nan",
                                    b"1e309", b"\xc3", b"=", b"/", b"999999999999999999999"])
        elif kind == 3:
            data = data[:i]
        elif kind == 4:
            j = rng.randrange(len(data))
            data[i:i] = data[j: j + rng.randint(1, 200)]
        elif kind == 5:
            data[i:i] = b"9" * rng.randint(1, 5000)
        else:
            data = data.replace(b"\t", b" ", 1) if rng.random() < 0.5 else data.upper()
        if not data:
            data = bytearray(b"#")
    return bytes(data)


def test_mutated_vcfs_give_a_result_or_an_input_error(tmp_path):
    """Seeded structure-blind mutations of a valid VCF (plain and gzip): every case ends in a
    table or an InputError within a second (the full campaign is tests/fuzz, issue 15)."""
    with_tx = record("GT:AD:AF:DP:TX", "0/1:45,15:0.25:60:ENST0001|3.5", pos=1006)
    seed = vcf_text([*GOOD, with_tx], samples=("TUMOR",))
    rng = random.Random(14)
    for case in range(300):
        data = _mutate(rng, seed)
        if case % 3 == 0:
            data = gzip.compress(data)
            if case % 2:
                data = data[: rng.randrange(1, len(data))]
        path = tmp_path / f"case{case}.vcf"
        path.write_bytes(data)
        start = time.perf_counter()
        try:
            result = read_vep_vcf(path)
        except InputError as error:
            assert "\n" not in str(error), case
        else:
            for column in ("tdna_vaf",):
                values = [float(v) for v in result.table[column] if v != "NA"]
                assert all(0 <= v <= 1 for v in values), case
        assert time.perf_counter() - start < 1.0, case
