"""Expression tables of kallisto, StringTie, RSEM and Cufflinks."""

from __future__ import annotations

import pandas as pd
import pytest

from vaxmix.common.errors import InputError
from vaxmix.variants import attach_expression, read_expression_table


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_kallisto_gencode_targets(tmp_path):
    path = _write(tmp_path, "abundance.tsv",
                  "target_id\tlength\teff_length\test_counts\ttpm\n"
                  "ENST00000332831.5|ENSG00000284662.1|OR4F16-201|\t939\t760\t12\t3.5\n"
                  "ENST00000426406.4|ENSG00000284733.1|OR4F29-201|\t939\t760\t0\t0\n")  # fmt: skip
    values, name = read_expression_table(path, "transcript")
    assert name == "kallisto"
    assert values == {"ENST00000332831.5": 3.5, "ENST00000426406.4": 0.0}


def test_rsem_genes_stringtie_cufflinks(tmp_path):
    rsem = _write(tmp_path, "s.genes.results",
                  "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n"
                  "ENSG00000284662\tENST00000332831\t939\t760\t12\t7.25\t3.1\n")  # fmt: skip
    assert read_expression_table(rsem, "gene") == ({"ENSG00000284662": 7.25}, "rsem")
    stringtie = _write(tmp_path, "gene_abund.tab",
                       "Gene ID\tGene Name\tReference\tStrand\tStart\tEnd\tCoverage\tFPKM\tTPM\n"
                       "ENSG00000284662.1\tOR4F16\tchr1\t-\t685716\t686654\t1.2\t0.8\t1.5\n",
                       )  # fmt: skip
    assert read_expression_table(stringtie, "gene") == ({"ENSG00000284662.1": 1.5}, "stringtie")
    cufflinks = _write(tmp_path, "genes.fpkm_tracking",
                       "tracking_id\tclass_code\tnearest_ref_id\tgene_id\tFPKM\n"
                       "ENSG00000284662\t-\t-\tENSG00000284662\t4.0\n")  # fmt: skip
    assert read_expression_table(cufflinks, "gene") == ({"ENSG00000284662": 4.0}, "cufflinks")


def test_attach_matches_versioned_ids(tmp_path):
    variants = pd.DataFrame({"ensembl_gene_id": ["ENSG00000284662", "ENSG0000000X"],
                             "gene_name": ["OR4F16", "X"],
                             "transcript_name": ["ENST00000332831.5", "ENST0000000X.1"],
                             "gene_expression": ["0.0", "0.0"],
                             "transcript_expression": ["0.0", "0.0"]})  # fmt: skip
    out = attach_expression(variants, {"ENSG00000284662.1": 2.0}, {"ENST00000332831": 5.0})
    assert list(out["gene_expression"]) == ["2.0", "NA"]  # versioned table key, bare VCF id
    out = attach_expression(variants, {"ENSG00000284662": 2.0}, {"ENST00000332831": 5.0})
    assert list(out["gene_expression"]) == ["2.0", "NA"]
    assert list(out["transcript_expression"]) == ["5.0", "NA"]


def test_bad_value_is_located(tmp_path):
    path = _write(tmp_path, "abundance.tsv",
                  "target_id\tlength\teff_length\test_counts\ttpm\nENST1\t1\t1\t1\thigh\n")
    with pytest.raises(InputError) as info:
        read_expression_table(path, "transcript")
    assert info.value.line == 2 and info.value.field == "tpm"
    with pytest.raises(InputError, match="unrecognized expression table"):
        read_expression_table(_write(tmp_path, "x.tsv", "a\tb\n1\t2\n"), "gene")
