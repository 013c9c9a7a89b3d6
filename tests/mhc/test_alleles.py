"""Allele names, the shipped pseudosequence table and its IPD-IMGT/HLA derivation."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaxmix.common.errors import InputError
from vaxmix.mhc.alleles import known_alleles, normalize_allele, pseudosequence
from vaxmix.mhc.pseudosequences import PSEUDO_POSITIONS, build_table

DATA = Path(__file__).parent / "data"

# NetMHCpan-style 34-residue pseudosequences as published in NetMHCpan's MHC_pseudo.dat
# (Nielsen et al. 2007) and reproduced by public tools; independent of this code.
PUBLISHED = {
    "HLA-A*01:01": "YFAMYQENMAHTDANTLYIIYRDYTWVARVYRGY",
    "HLA-A*02:01": "YFAMYGEKVAHTHVDTLYVRYHYYTWAVLAYTWY",
    "HLA-B*07:02": "YYSEYRNIYAQTDESNLYLSYDYYTWAERAYEWY",
}
# From the research note (mhcseqs mature sequences at the same positions).
FROM_MHCSEQS = {
    "HLA-B*82:02": "YYSEYRNIYAQTDESNLYLRFNLYTWAVDAYLSY",
    "HLA-C*07:02": "YDSGYREKYRQADVSNLYLRSDSYTLAALAYTWY",
}


@pytest.mark.parametrize("spelling", ["HLA-A*02:01", "A*02:01", "A0201", "HLA-A02:01",
                                      "A*02:01:01:01", " hla-a*02:01 "])
def test_spellings_normalise_to_two_fields(spelling):
    assert normalize_allele(spelling) == "HLA-A*02:01"


def test_old_cw_spelling_is_hla_c():
    assert normalize_allele("Cw0702") == "HLA-C*07:02"


@pytest.mark.parametrize("allele", sorted({**PUBLISHED, **FROM_MHCSEQS}))
def test_shipped_table_matches_published_pseudosequences(allele):
    assert pseudosequence(allele) == {**PUBLISHED, **FROM_MHCSEQS}[allele]


def test_table_covers_thousands_of_alleles_of_each_gene():
    alleles = known_alleles()
    for gene in "ABC":
        assert sum(a.startswith(f"HLA-{gene}*") for a in alleles) > 3000


def test_unknown_allele_names_closest_known():
    with pytest.raises(InputError) as err:
        normalize_allele("HLA-A*02:999")
    message = str(err.value)
    assert "HLA-A*02:999" in message and "closest known" in message and "HLA-A*02:" in message


def test_unparseable_allele_is_input_error():
    with pytest.raises(InputError, match="cannot read MHC allele"):
        normalize_allele("not-an-allele")


def test_allele_group_only_is_rejected():
    with pytest.raises(InputError):
        normalize_allele("HLA-A*02")


def test_build_from_imgt_fixture():
    records = {r.allele: r for r in build_table(DATA)}
    for allele, expected in {**PUBLISHED, **FROM_MHCSEQS}.items():
        assert records[allele].pseudosequence == expected
    # null alleles (suffix N) are not expressed and get no pseudosequence
    assert "HLA-A*01:04" not in records
    # a full-length sequence is preferred over a partial one of the same two-field allele
    assert records["HLA-A*01:01"].full_name == "A*01:01:01:01"
    assert records["HLA-C*01:02"].full_name == "C*01:02:05"  # only a partial one here


def test_partial_sequence_is_numbered_like_full_length(tmp_path):
    """A partial exon 2-3 record (starting at mature residue 2) still yields A*01:01's sequence."""
    records = (DATA / "A_prot.fasta").read_text().split(">")[1:]
    reference = [">" + r for r in records if " A*02:01:01:01 " in r]  # gene reference first
    partial = [">" + r for r in records if " A*01:01:04 " in r]
    assert len(reference) == len(partial) == 1
    (tmp_path / "A_prot.fasta").write_text("".join(reference + partial))
    for gene in "BC":
        (tmp_path / f"{gene}_prot.fasta").write_text((DATA / f"{gene}_prot.fasta").read_text())
    built = {r.allele: r for r in build_table(tmp_path)}
    assert built["HLA-A*01:01"].full_name == "A*01:01:04"
    assert built["HLA-A*01:01"].pseudosequence == PUBLISHED["HLA-A*01:01"]
    assert len(PSEUDO_POSITIONS) == 34


def test_build_table_reports_a_bad_imgt_fasta_with_file_and_line(tmp_path):
    with pytest.raises(InputError, match=r"A_prot\.fasta"):  # missing file: no traceback
        build_table(tmp_path)
    (tmp_path / "A_prot.fasta").write_text("MAVMAPRTLL\n>HLA:HLA00001 A*01:01:01:01 365 bp\nM\n")
    with pytest.raises(InputError) as caught:
        build_table(tmp_path)
    assert caught.value.line == 1 and "before the first" in caught.value.message
