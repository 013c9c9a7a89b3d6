"""Class II in `vaxmix run`: allele splitting and pairing, MHC_Class_II tables, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.pipeline import PipelineConfig, example_patient_files, run_pipeline

CLASS1 = ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]
TABLES = ["all_epitopes", "filtered", "aggregated"]


def run(tmp_path, predictor, name, **kwargs):
    with example_patient_files() as (vcf, _hla):
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", lengths=(9,), **kwargs)
        return run_pipeline(config, tmp_path / name, predict=predictor, predict_class2=predictor)


def test_class2_tables_beside_unchanged_class1_tables(tmp_path, predictor):
    alleles = (*CLASS1, "DRB1*04:05", "HLA-DQA1*01:02-DQB1*06:02")
    result = run(tmp_path, predictor, "both", alleles=alleles, class2_lengths=(12, 15))
    only1 = run(tmp_path, predictor, "class1", alleles=CLASS1)
    out = tmp_path / "both"
    # class I outputs are byte-identical to a class I-only run
    for stem in TABLES:
        alone = (tmp_path / "class1" / f"{stem}.tsv").read_bytes()
        assert (out / f"{stem}.tsv").read_bytes() == alone
    assert result.alleles == CLASS1
    assert result.class2_alleles == ["HLA-DRB1*04:05", "HLA-DQA1*01:02-DQB1*06:02"]
    class2 = pd.read_csv(out / "MHC_Class_II" / "all_epitopes.tsv", sep="\t")
    assert set(class2["Peptide Length"]) == {12, 15}
    assert set(class2["HLA Allele"]) == set(result.class2_alleles)
    counts = class2.groupby("HLA Allele").size()
    assert counts.nunique() == 1  # every candidate once per molecule
    # every class II peptide carries the mutation, like class I ones
    paired = class2[class2["WT Epitope Seq"].notna()]
    assert (paired["MT Epitope Seq"] != paired["WT Epitope Seq"]).all()
    aggregated = pd.read_csv(out / "MHC_Class_II" / "aggregated.tsv", sep="\t")
    assert {"DRB1*04:05", "DQA1*01:02-DQB1*06:02", "Tier"} <= set(aggregated.columns)
    # combined/: both classes' rows, aggregated over every allele (pVACseq's combined folder)
    combined = pd.read_csv(out / "combined" / "all_epitopes.tsv", sep="\t")
    class1 = pd.read_csv(out / "all_epitopes.tsv", sep="\t")
    assert len(combined) == len(class1) + len(class2)
    combined_aggregated = pd.read_csv(out / "combined" / "aggregated.tsv", sep="\t")
    variants = set(class1["Chromosome"] + ":" + class1["Start"].astype(str)) | set(
        class2["Chromosome"] + ":" + class2["Start"].astype(str))
    assert combined_aggregated["ID"].str.split("-").str[:2].str.join(":").nunique() == len(
        variants)
    assert {"DRB1*04:05", "A*29:02"} <= set(combined_aggregated.columns)
    record = json.loads((out / "run.json").read_text())
    assert record["class2_alleles"] == result.class2_alleles
    assert record["counts"]["class2"]["all_epitopes_rows"] == len(class2)
    assert record["outputs"]["class2"][0] == "MHC_Class_II/all_epitopes.tsv"
    assert "MHC_Class_II" not in json.dumps(
        json.loads((tmp_path / "class1" / "run.json").read_text())["outputs"]["class2"])
    assert only1.class2_alleles == []


def test_typing_file_chains_are_paired(tmp_path, predictor):
    hla_hd = tmp_path / "final.result.txt"
    hla_hd.write_text(
        "A\tHLA-A*29:02:01\tHLA-A*29:02:01\n"
        "B\tHLA-B*45:01:01\tHLA-B*82:02:01\n"
        "DRB1\tHLA-DRB1*04:05:01\tHLA-DRB1*15:01:01\n"
        "DQA1\tHLA-DQA1*01:02:01\tHLA-DQA1*03:03:01\n"
        "DQB1\tHLA-DQB1*06:02:01\tHLA-DQB1*04:01:01\n"
        "DPA1\tHLA-DPA1*01:03:01\t-\n"
        "DPB1\tHLA-DPB1*04:01:01\tHLA-DPB1*02:01:02\n"
    )
    result = run(tmp_path, predictor, "typed", hla_file=hla_hd, class2_lengths=(15,))
    assert result.alleles == CLASS1
    # DR by beta chain; DQ and DP: every alpha x beta combination (cis and trans)
    assert result.class2_alleles == [
        "HLA-DRB1*04:05", "HLA-DRB1*15:01",
        "HLA-DQA1*01:02-DQB1*06:02", "HLA-DQA1*01:02-DQB1*04:01",
        "HLA-DQA1*03:03-DQB1*06:02", "HLA-DQA1*03:03-DQB1*04:01",
        "HLA-DPA1*01:03-DPB1*04:01", "HLA-DPA1*01:03-DPB1*02:01",
    ]  # fmt: skip


def test_plain_list_with_class2_pairs(tmp_path, predictor):
    listed = tmp_path / "hla.txt"
    listed.write_text("# patient\nHLA-A*29:02, HLA-B*45:01\nHLA-DQA1*05:01-DQB1*02:01\n"
                      "DPA1*01:03/DPB1*04:01\n")
    result = run(tmp_path, predictor, "plain", hla_file=listed, class2_lengths=(15,))
    assert result.alleles == ["HLA-A*29:02", "HLA-B*45:01"]
    assert result.class2_alleles == ["HLA-DQA1*05:01-DQB1*02:01", "HLA-DPA1*01:03-DPB1*04:01"]


def test_class2_only_run_and_design(tmp_path, predictor):
    """Only class II molecules typed: empty class I tables (every reader still finds its
    files), the class II tables, and a design whose junctions are checked for class II only."""
    from vaxmix.vaccine.config import DesignConfig
    from vaxmix.vaccine.design import design_vaccine

    result = run(tmp_path, predictor, "c2", alleles=("DRB1*04:05",), class2_lengths=(15,))
    out = tmp_path / "c2"
    assert result.alleles == [] and result.class2_alleles == ["HLA-DRB1*04:05"]
    for stem, column in zip(TABLES, ["MT Epitope Seq", "MT Epitope Seq", "Tier"], strict=True):
        table = pd.read_csv(out / f"{stem}.tsv", sep="\t")
        assert len(table) == 0 and column in table.columns, stem
    class2 = pd.read_csv(out / "MHC_Class_II" / "all_epitopes.tsv", sep="\t")
    assert len(class2) > 0 and set(class2["HLA Allele"]) == {"HLA-DRB1*04:05"}
    record = json.loads((out / "run.json").read_text())
    assert record["alleles"] == [] and record["prediction"]["class1_models"] == []

    def no_class1(peptides, alleles):
        raise AssertionError("the class I predictor was asked about a class II-only patient")

    design = design_vaccine(out, DesignConfig(n_peptides=3, junction_max_affinity_nm=50.0),
                            predict=no_class1, predict_class2=predictor)
    assert len(design.selection) > 0
    assert design.class2_alleles == ["HLA-DRB1*04:05"]
    assert set(design.verification["binders_by_class"]) == {"class II"}


def test_cli_bad_class2_allele_exits_2_naming_close_ones(tmp_path, capsys):
    with example_patient_files() as (vcf, _hla):
        code = main(["run", str(vcf), "--sample", "HCC1395_TUMOR_DNA", "--out",
                     str(tmp_path / "bad"), "--alleles", "HLA-A*29:02,DQB1*06:02"])
    err = capsys.readouterr().err
    assert code == 2
    assert "DQB1*06:02" in err and "needs its DQA1 partner" in err
    assert "Traceback" not in err
    assert not (tmp_path / "bad").exists()


def test_bad_class2_name_in_a_typing_file_names_file_and_line(tmp_path, predictor):
    listed = tmp_path / "hla.txt"
    listed.write_text("HLA-A*29:02\nHLA-DQA1*99:01-DQB1*06:02\n")
    with pytest.raises(InputError) as info:
        run(tmp_path, predictor, "bad", hla_file=listed)
    assert info.value.path == listed and info.value.line == 2
    assert "HLA-DQA1*99:01" in str(info.value) and "closest known" in str(info.value)


def test_class2_tables_carry_the_predicted_binding_core(tmp_path, predictor):
    """With the shipped class II predictor every row names its 9-residue core, a window of
    the peptide it belongs to (the register the predictor chose)."""
    with example_patient_files() as (vcf, _hla):
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", lengths=(9,),
                                alleles=(*CLASS1, "DRB1*04:05"), class2_lengths=(15,))
        run_pipeline(config, tmp_path / "cores", predict=predictor)  # default class II model
    table = pd.read_csv(tmp_path / "cores" / "MHC_Class_II" / "all_epitopes.tsv", sep="\t")
    assert len(table) > 0
    assert (table["MT Core"].str.len() == 9).all()
    assert all(core in peptide for core, peptide in zip(table["MT Core"],
                                                        table["MT Epitope Seq"], strict=True))
    paired = table[table["WT Epitope Seq"].notna()]
    assert all(core in peptide for core, peptide in zip(paired["WT Core"],
                                                        paired["WT Epitope Seq"], strict=True))
    assert table.loc[table["WT Epitope Seq"].isna(), "WT Core"].isna().all()
    # class I tables stay as pVACseq writes them: no core columns
    class1 = pd.read_csv(tmp_path / "cores" / "all_epitopes.tsv", sep="\t", nrows=1)
    assert "MT Core" not in class1.columns
