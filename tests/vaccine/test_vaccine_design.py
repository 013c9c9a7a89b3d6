"""End to end on real pVACseq HCC1395 rows (fixture) with the deterministic fake predictor."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from vaccine_fakes import DATA, anchor_rule_binds, fake_predict, junction_kmers

import vaxmix.vaccine.design as design_module
from vaxmix.cli import main
from vaxmix.vaccine.config import DesignConfig
from vaxmix.vaccine.construct import load_construct
from vaxmix.vaccine.design import design_vaccine, write_design

ALLELES = ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]


def test_design_on_hcc1395_subset(hcc_dir, predict, tmp_path):
    config = DesignConfig(n_peptides=6)
    result = design_vaccine(hcc_dir, config, predict=predict)
    sel = result.selection
    assert len(sel) == 6
    assert not sel["mutation"].duplicated().any()
    assert sel["length"].between(25, 29).all()
    # every selected window is a substring of the run's mutant context and holds its epitope
    for _, row in sel.iterrows():
        assert row["best_epitope"] in row["sequence"]
    assert result.covered_alleles == ALLELES  # each allele has a Pass-tier binder here
    # the construct starts with the signal peptide and ends with the MITD
    protein = result.construct.protein
    assert protein.startswith("MRVMAPRTLILLLSGALALTETWAGS")
    assert protein.endswith("DSAQGSDVSLTA")
    # junction binders: recount independently with the fake rule
    truth = {p for p in junction_kmers(result.construct, [8, 9]) if anchor_rule_binds(p)}
    assert result.verification["binders"] == len(truth)
    assert result.order.proven_optimal
    out = write_design(result, tmp_path, config)
    doc = json.loads((out / "design.json").read_text())
    assert doc["schema"] == "vaxmix.vaccine_design/1"
    assert doc["inputs"]["all_epitopes"]["sha256"]
    construct = load_construct(out / "construct.json")
    assert construct.protein == protein
    table = pd.read_csv(out / "selection.tsv", sep="\t")
    assert list(table["order"]) == list(range(1, 7))
    junctions = pd.read_csv(out / "junctions.tsv", sep="\t")
    assert len(junctions) == 6 + 1  # signal->p1, 5 between, p6->MITD


def test_n_larger_than_candidates_is_a_reported_partial_design(hcc_dir, predict):
    result = design_vaccine(hcc_dir, DesignConfig(n_peptides=34), predict=predict)
    assert len(result.selection) < 34
    assert result.partial
    assert any("partial design" in w for w in result.warnings)


def test_allele_without_candidates_is_reported(hcc_dir, predict):
    config = DesignConfig(n_peptides=5, alleles=(*ALLELES, "HLA-C*07:02"))
    result = design_vaccine(hcc_dir, config, predict=predict)
    assert "HLA-C*07:02" in result.uncovered_alleles
    assert any("HLA-C*07:02" in w for w in result.warnings)
    assert result.partial


def test_minimal_epitope_mode(hcc_dir, predict):
    result = design_vaccine(hcc_dir, DesignConfig(n_peptides=5, mode="minimal"), predict=predict)
    assert result.selection["length"].between(8, 9).all()


@pytest.fixture
def fake_default(monkeypatch):
    monkeypatch.setattr(design_module, "_default_predict", lambda: fake_predict)


def test_cli_design_run_dir(hcc_dir, tmp_path, fake_default, capsys):
    run = tmp_path / "run"
    shutil.copytree(hcc_dir, run)
    assert main(["design", "--run-dir", str(run), "-n", "4", "--length", "27",
                 "--no-mrna", "--no-report"]) == 0
    assert "4 long peptides" in capsys.readouterr().out
    for name in (
        "construct.faa",
        "construct.json",
        "selection.tsv",
        "junctions.tsv",
        "design.json",
    ):
        assert (run / "vaccine" / name).is_file()
    assert pd.read_csv(run / "vaccine" / "selection.tsv", sep="\t")["length"].eq(27).all()


def test_cli_pvacvector_style(tmp_path, fake_default, capsys):
    code = main([
        "design", "--peptides-fasta", str(DATA / "pvacvector_input.fa"),
        "--alleles", "HLA-A*02:01,HLA-B*35:01", "--junction-lengths", "8-10",
        "--out", str(tmp_path),
    ])  # fmt: skip
    assert code == 0
    construct = load_construct(tmp_path / "vaccine" / "construct.json")
    peptides = [e for e in construct.elements if e.kind == "peptide"]
    assert len(peptides) == 5
    truth = {p for p in junction_kmers(construct, [8, 9, 10]) if anchor_rule_binds(p)}
    doc = json.loads((tmp_path / "vaccine" / "design.json").read_text())
    assert doc["verification"]["binders"] == len(truth) == 0


def test_cli_junction_thresholds_reach_the_design(tmp_path, fake_default):
    code = main([
        "design", "--peptides-fasta", str(DATA / "pvacvector_input.fa"),
        "--alleles", "HLA-A*02:01,HLA-B*35:01", "--junction-lengths", "8-10",
        "--junction-max-affinity", "100", "--junction-max-percentile", "0.1",
        "--class2-junction-max-affinity", "20", "--class2-junction-max-percentile", "0.2",
        "--out", str(tmp_path),
    ])  # fmt: skip
    assert code == 0
    doc = json.loads((tmp_path / "vaccine" / "design.json").read_text())
    params = doc["parameters"]
    assert (params["junction_max_affinity_nm"], params["junction_max_percentile"]) == (100, 0.1)
    assert params["class2_junction_max_affinity_nm"] == 20
    assert params["class2_junction_max_percentile"] == 0.2
    assert "affinity <= 100 nM or percentile <= 0.1" in doc["verification"]["rule"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--linkers", "none,AXY"], "non-standard"),
        (["--preset", "tesla-strict"], "stability"),
        (["-n", "35"], "1-34"),
        (["--alleles", "HLA-A2"], "not a specific allele"),
        (["--length", "30-20"], "backwards"),
        (["--length", "25-70"], "max_length"),
    ],
)
def test_cli_bad_input_exits_2_with_one_message(
    hcc_dir, tmp_path, fake_default, capsys, args, message
):
    run = tmp_path / "run"
    shutil.copytree(hcc_dir, run)
    assert main(["design", "--run-dir", str(run), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (run / "vaccine").exists()


def test_cli_missing_abundance_column(hcc_dir, tmp_path, fake_default, capsys):
    run = tmp_path / "run"
    shutil.copytree(hcc_dir, run)
    table = pd.read_csv(run / "all_epitopes.tsv", sep="\t", dtype=str, keep_default_na=False)
    table.drop(columns=["Gene Expression"]).to_csv(run / "all_epitopes.tsv", sep="\t", index=False)
    assert main(["design", "--run-dir", str(run)]) == 2
    assert "Gene Expression" in capsys.readouterr().err
    assert main(["design", "--run-dir", str(run), "--preset", "binding", "-n", "3",
                 "--no-mrna", "--no-report"]) == 0


def test_cli_bad_fasta(tmp_path, fake_default, capsys):
    fasta = tmp_path / "x.fa"
    fasta.write_text(">a\nAAAAAAAAAAAA\n>b\nAAAAJAAAA\n")
    code = main(["design", "--peptides-fasta", str(fasta), "--alleles", "HLA-A*02:01",
                 "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 2
    assert "line 4" in capsys.readouterr().err  # the line holding the J


def test_intrinsic_flank_binders_are_reported_not_repaired(tmp_path, predict):
    from vaxmix.vaccine.design import design_from_peptides
    from vaxmix.vaccine.sequences import FastaRecord

    # any residue + LAAAAAAV is a 9-mer with L at 2 and V at 9: a binder for every neighbour
    elements = tmp_path / "elements.toml"
    elements.write_text(
        '[signal_peptide.sig]\nsequence = "MGGGGGGGGGG"\n'
        '[trafficking.tm]\nsequence = "LAAAAAAVGGGGGGGG"\n'
        '[linker.none]\nsequence = ""\n[linker.GGS]\nsequence = "GGS"\n'
    )
    records = [
        FastaRecord("p1", "p1", "GGGGGGGGGGGGGGGG", 1),
        FastaRecord("p2", "p2", "SSSSSSSSSSSS", 2),
    ]
    config = DesignConfig(
        elements=str(elements), signal_peptide="sig", trafficking="tm", linkers=("none", "GGS"),
        junction_lengths=(9,),
    )  # fmt: skip
    result = design_from_peptides(records, ["HLA-A*02:01"], config, predict=predict)
    assert result.verification["binders"] == 1
    assert any("intrinsic to the trafficking element" in w for w in result.warnings)
    assert result.junctions.attrs["flank_floor"] == {"signal_peptide": 0, "trafficking": 1}


def test_single_peptide_without_flanks(tmp_path, predict):
    from vaxmix.vaccine.design import design_from_peptides
    from vaxmix.vaccine.sequences import FastaRecord

    config = DesignConfig(signal_peptide="none", trafficking="none")
    result = design_from_peptides([FastaRecord("a", "a", "SIINFEKLAAAA", 1)], ["HLA-A*02:01"],
                                  config, predict=predict)  # fmt: skip
    assert result.construct.protein == "SIINFEKLAAAA"
    assert result.junctions.empty and "predicted_binders" in result.junctions
    write_design(result, tmp_path, config)
    assert (tmp_path / "vaccine" / "junctions.tsv").read_text().startswith("junction\tleft")


def test_config_file_and_allele_spellings(tmp_path, hcc_dir, predict):
    from vaxmix.common.errors import ConfigError
    from vaxmix.vaccine.config import load_config

    path = tmp_path / "design.toml"
    path.write_text('[design]\nn_peptides = 3\nalleles = ["A*29:02", "B4501", "HLA-B*82:02"]\n')
    config = load_config(path)
    result = design_vaccine(hcc_dir, config, predict=predict)
    assert result.alleles == ALLELES
    assert len(result.selection) == 3
    path.write_text("[design]\nn_peptide = 3\n")
    with pytest.raises(ConfigError, match="n_peptide"):
        load_config(path)


def test_reference_matched_epitopes_are_not_vaccine_epitopes(hcc_dir, predict, tmp_path):
    """An epitope flagged "Reference Match" by `vaxmix run --reference-proteome` (a self
    peptide) no longer counts: it is not the best epitope of any selected window."""
    import shutil

    baseline = design_vaccine(hcc_dir, DesignConfig(n_peptides=6), predict=predict)
    flagged = baseline.selection["best_epitope"].iloc[0]
    run = tmp_path / "run"
    shutil.copytree(hcc_dir, run)
    table = pd.read_csv(run / "all_epitopes.tsv", sep="\t", dtype=str, keep_default_na=False)
    table["Reference Match"] = (table["MT Epitope Seq"] == flagged).map(
        {True: "True", False: "False"})
    table.to_csv(run / "all_epitopes.tsv", sep="\t", index=False)
    result = design_vaccine(run, DesignConfig(n_peptides=6), predict=predict)
    assert flagged not in set(result.selection["best_epitope"])
    assert any("Reference Match" in w and "1 epitope" in w for w in result.warnings)
