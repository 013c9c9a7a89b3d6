"""Reference-proteome matches of mutated k-mers."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.ranking.reference import mutated_kmers, read_reference_proteome, reference_matches


def test_mutated_kmers_contain_a_mutated_position():
    assert mutated_kmers("SIINFEKLM", "5", 8) == ["SIINFEKL", "IINFEKLM"]
    assert mutated_kmers("SIINFEKLM", "1", 8) == ["SIINFEKL"]
    assert mutated_kmers("SIINFEKLM", "9", 8) == ["IINFEKLM"]
    assert mutated_kmers("SIINFEKLM", "NA", 8) == ["SIINFEKL", "IINFEKLM"]  # no position: all
    assert mutated_kmers("SIINFEK", "3", 8) == []


def _fasta(tmp_path, text: str, gz: bool = True):
    path = tmp_path / ("ref.fa.gz" if gz else "ref.fa")
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


PROTEOME = """>P1 pep transcript:ENST00000000001.4 gene_symbol:OWN
MKSIINFEKLQQ
>P2 pep transcript:ENST00000000002.1 gene_symbol:OTHER
AAASIINFEKLRRR
SIINFEKL
>P3 pep transcript:ENST00000000003.1
GGGGSIIN
>P4 pep transcript:ENST00000000004.1
FEKLGGGGXIINFEKLM
"""


def test_matches_skip_the_own_transcript_and_protein_boundaries(tmp_path):
    proteome = read_reference_proteome(_fasta(tmp_path, PROTEOME))
    assert proteome.ids == ["P1", "P2", "P3", "P4"]
    rows = pd.DataFrame({"MT Epitope Seq": ["SIINFEKLM", "SIINFEKLM", "WWWWWWWWW"],
                         "Mutation Position": ["1", "9", "NA"],
                         "Transcript": ["ENST00000000001", "ENST00000000009", "ENST00000000001"]},
                        index=[10, 11, 12])
    hits = reference_matches(rows, proteome, 8)
    # row 10: mutated 8-mer SIINFEKL; P1 is its own transcript; P2 has it twice (line 1 at 4,
    # and across the wrapped line at 15); P3|P4 would only match across a record boundary
    row10 = hits[hits["row"] == 10]
    assert sorted(zip(row10["Hit ID"], row10["Match Start"], strict=True)) == [("P2", 4),
                                                                                 ("P2", 15)]
    # row 11: IINFEKLM occurs only in P4 after an X (X never matches, the 8-mer after it does)
    row11 = hits[hits["row"] == 11]
    assert list(zip(row11["Hit ID"], row11["Match Start"], strict=True)) == [("P4", 10)]
    assert set(row11["Match Window"]) == {"IINFEKLM"}
    # row 11's own-transcript rule does not apply (ENST...9): P1 has no IINFEKLM anyway
    assert 12 not in set(hits["row"])


def test_not_a_fasta_is_an_input_error(tmp_path):
    path = _fasta(tmp_path, "MKSIINFEKL\n>P1\nAAAA\n", gz=False)
    with pytest.raises(InputError) as error:
        read_reference_proteome(path)
    assert error.value.line == 1 and str(path) in str(error.value.path)
    with pytest.raises(InputError):
        read_reference_proteome(_fasta(tmp_path, "", gz=False))


def test_proteome_read_is_the_same_plain_or_gzipped_and_residues_are_concatenated(tmp_path):
    plain_dir, gz_dir = tmp_path / "plain", tmp_path / "gz"
    plain_dir.mkdir(), gz_dir.mkdir()
    plain = read_reference_proteome(_fasta(plain_dir, PROTEOME, gz=False))
    packed = read_reference_proteome(_fasta(gz_dir, PROTEOME))
    # by hand: "*" before each protein and at the end; wrapped lines joined
    expected = b"*MKSIINFEKLQQ*AAASIINFEKLRRRSIINFEKL*GGGGSIIN*FEKLGGGGXIINFEKLM*"
    for proteome in (plain, packed):
        assert proteome.residues.tobytes() == expected
        assert proteome.starts.tolist() == [1, 14, 37, 46]
    assert packed.descriptions[0] == "P1 pep transcript:ENST00000000001.4 gene_symbol:OWN"


def test_proteome_errors_name_file_and_line(tmp_path):
    with pytest.raises(InputError) as error:
        read_reference_proteome(_fasta(tmp_path, ">P1\nAAAA\n>\nCCCC\n"))
    assert error.value.line == 3 and "header without identifier" in str(error.value)
    latin1 = tmp_path / "latin1.fa"
    latin1.write_bytes(">P1 caf\xe9\nAAAA\n".encode("latin-1"))
    with pytest.raises(InputError) as error:
        read_reference_proteome(latin1)
    assert error.value.line == 1 and "not UTF-8 text: byte 0xE9" in str(error.value)
