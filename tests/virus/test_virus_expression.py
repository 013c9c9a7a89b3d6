"""Expression-table readers."""

from __future__ import annotations

import pytest

from vaxmix.common.errors import InputError
from vaxmix.virus.expression import read_expression


def test_symbols_aliases_and_ensembl_ids(tmp_path):
    path = tmp_path / "tpm.tsv"
    path.write_text(
        "gene\tTPM\nICAM1\t12.5\nDDX58\t3\nENSG00000073008.15\t40\nGAPDH\t1000\nPVRL1\t0.5\n"
    )
    profile = read_expression(path)
    assert profile.tpm == {"ICAM1": 12.5, "RIGI": 3.0, "PVR": 40.0, "NECTIN1": 0.5}
    assert profile.n_rows == 5
    assert profile.n_unresolved == 1  # GAPDH is not scored
    assert profile.renamed == {"DDX58": "RIGI", "PVRL1": "NECTIN1"}


def test_stringtie_gene_abundance(tmp_path):
    path = tmp_path / "gene_abund.tab"
    path.write_text(
        "Gene ID\tGene Name\tReference\tStrand\tStart\tEnd\tCoverage\tFPKM\tTPM\n"
        "ENSG00000090339.9\tICAM1\tchr19\t+\t10271093\t10286615\t10.1\t5.0\t7.25\n"
        "STRG.1\t-\tchr1\t+\t1\t100\t1.0\t1.0\t2.0\n"
    )
    profile = read_expression(path)
    assert profile.tpm == {"ICAM1": 7.25}
    assert profile.value_column == "TPM"


def test_rsem_genes_results(tmp_path):
    path = tmp_path / "sample.genes.results"
    path.write_text(
        "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n"
        "ENSG00000154639\tENST1,ENST2\t3000\t2800\t500\t33.30\t20.0\n"
    )
    assert read_expression(path).tpm == {"CXADR": pytest.approx(33.3)}


def test_kallisto_gencode_transcripts_summed_per_gene(tmp_path):
    path = tmp_path / "abundance.tsv"
    path.write_text(
        "target_id\tlength\teff_length\test_counts\ttpm\n"
        "ENST00000264832.8|ENSG00000090339.9|OTTHUMG1|OTTHUMT1|ICAM1-201|ICAM1|3000|protein_coding|\t3000\t2800\t100\t4.5\n"
        "ENST00000423829.2|ENSG00000090339.9|OTTHUMG1|OTTHUMT2|ICAM1-202|ICAM1|800|protein_coding|\t800\t600\t10\t1.5\n"
    )
    assert read_expression(path).tpm == {"ICAM1": pytest.approx(6.0)}


def test_csv_with_explicit_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,value\nPVR,3.5\n")
    assert read_expression(path, gene_column="name", value_column="value").tpm == {"PVR": 3.5}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("gene\tTPM\nICAM1\t-1\n", "line 2, field TPM: TPM '-1' is negative"),
        ("gene\tTPM\nICAM1\tabc\n", "line 2, field TPM: TPM 'abc' is not a finite number"),
        ("gene\tFPKM\nICAM1\t1\n", "no TPM column"),
        ("id\tTPM\nICAM1\t1\n", "no gene column"),
        ("gene\tTPM\nIcam1_mouse\t1\nFOO\t2\n", "none of the genes the virus stage scores"),
    ],
)
def test_bad_tables_name_file_line_and_field(tmp_path, content, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        read_expression(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
