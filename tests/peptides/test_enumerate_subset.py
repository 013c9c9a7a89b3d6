"""Enumeration on the example patient equals pVACseq's shipped all_epitopes rows (offline)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from vaxmix.peptides import enumerate_epitopes
from vaxmix.pipeline.demo import example_patient_files
from vaxmix.variants import read_vep_vcf

DATA = Path(__file__).parent / "data"
KEY = ["Index", "Peptide Length", "Sub-peptide Position", "Mutation Position", "MT Epitope Seq",
       "WT Epitope Seq"]  # fmt: skip


def test_subset_enumeration_equals_pvacseq():
    with example_patient_files() as (vcf, _), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        variants = read_vep_vcf(vcf, sample="HCC1395_TUMOR_DNA").table
    result = enumerate_epitopes(variants, (8, 9))
    ours = result.table.astype(str)
    ours["Index"] = ours["Index"].str.split(".", n=1).str[1]  # pVACseq numbers the full VCF
    expected = pd.read_csv(DATA / "pvacseq_epitopes_subset.tsv", sep="\t", dtype=str,
                           keep_default_na=False)  # fmt: skip
    expected["Index"] = expected["Index"].str.split(".", n=1).str[1]
    assert len(expected) == 2734
    assert sorted(map(tuple, ours[KEY].to_numpy())) == sorted(map(tuple, expected[KEY].to_numpy()))
    # rows without peptides, counted: 3 IGSF3 "-/*" insertions, NOTCH4 L/LLL in a leucine
    # repeat, and the OR4F29 frameshift whose mutant protein is a prefix of the wild type
    assert result.skipped["variant × transcript without any peptide"] == 5
