"""End-to-end runs on the built-in example patient (a real HCC1395 subset)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.common.provenance import sha256_file
from vaxmix.pipeline import PipelineConfig, example_patient_files, run_demo, run_pipeline

OUTPUTS = ["variants", "all_epitopes", "filtered", "aggregated"]


def test_demo_writes_every_output_with_provenance(tmp_path, predictor):
    out = tmp_path / "demo"
    result = run_demo(out, predict=predictor, predict_class2=predictor)
    for stem in OUTPUTS:
        tsv = pd.read_csv(out / f"{stem}.tsv", sep="\t", dtype=str, keep_default_na=False)
        parquet = pd.read_parquet(out / f"{stem}.parquet")
        assert len(tsv) == len(parquet), stem
    run = json.loads((out / "run.json").read_text())
    assert run["schema"] == "vaxmix.run/1"
    with example_patient_files() as (vcf, hla):
        assert run["inputs"]["vcf"]["sha256"] == sha256_file(vcf)
        assert run["inputs"]["hla_file"]["sha256"] == sha256_file(hla)
    assert run["alleles"] == ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]
    assert run["class2_alleles"] == ["HLA-DRB1*04:05"]
    assert run["parameters"]["class2_lengths"] == [12, 13, 14, 15, 16, 17, 18]
    for stem in ("all_epitopes", "filtered", "aggregated"):
        assert (out / "MHC_Class_II" / f"{stem}.tsv").is_file()
    assert run["parameters"]["lengths"] == [8, 9, 10, 11]
    assert run["parameters"]["ranking"]["binding_threshold"] == 500.0
    assert run["prediction"]["models"] == ["fake-predictor 0"]
    assert set(run["timings_s"]) >= {"read_inputs", "enumerate_peptides", "predict"}
    assert run["counts"]["vcf_records"] == 48
    # synonymous and intronic entries of the subset are skipped with a counted reason
    assert run["skipped"]["variant_transcripts"]["consequence synonymous_variant"] > 0
    assert run["skipped"]["variant_transcripts"]["frameshift without FrameshiftSequence"] == 3
    assert sum(run["counts"]["tiers"].values()) == run["counts"]["aggregated_rows"]
    assert result.counts == run["counts"]
    # the two MNV records (MAP7D1 GG>AA, 4 transcripts; IP6K3 CA>TG, 2) carry Mutect2 FORMAT
    # fields without RDP/RAD/RAF: their 6 rows have no RNA depth/VAF, counted, not passed
    assert run["read_counts"]["missing_rows"] == {"trna_depth": 6, "trna_vaf": 6}
    assert run["read_counts"]["unmeasured_sources"] == []
    assert run["read_counts"]["allow_missing_vaf"] is False


def test_all_epitopes_rows_are_candidates_times_alleles(tmp_path, predictor):
    with example_patient_files() as (vcf, hla):
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", hla_file=hla, lengths=(9,))
        result = run_pipeline(config, tmp_path / "run", predict=predictor)
    table = pd.read_parquet(tmp_path / "run" / "all_epitopes.parquet")
    assert len(table) == 3 * result.counts["candidate_peptides"]
    assert set(table["Peptide Length"]) == {9}
    # every MT peptide carries the variant: it differs from its WT partner where one exists
    paired = table[table["WT Epitope Seq"] != "NA"]
    assert (paired["MT Epitope Seq"] != paired["WT Epitope Seq"]).all()
    # the model's scores reach the table unchanged (fake predictor recomputed here)
    row = table.iloc[0]
    expected = predictor([row["MT Epitope Seq"]], [row["HLA Allele"]]).iloc[0]
    assert abs(row["Median MT IC50 Score"] - round(expected["affinity_nm"], 3)) < 1e-9
    assert row["Prediction Model"] == "fake-predictor 0"
    # no normal sample given: normal columns are NA
    assert table["Normal Depth"].isna().all()


def test_cli_demo_with_the_built_in_predictor(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["demo", "--core-only", "--out", str(out)]) == 0
    assert "aggregated rows" in capsys.readouterr().err
    run = json.loads((out / "run.json").read_text())
    assert run["prediction"]["models"] and run["prediction"]["models"][0] != "fake-predictor 0"
    aggregated = pd.read_csv(out / "aggregated.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(aggregated.columns[:5]) == ["ID", "Index", "A*29:02", "B*45:01", "B*82:02"]
    assert set(aggregated["Tier"]) <= {"Pass", "PoorBinder", "PoorImmunogenicity",
                                       "PoorPresentation", "RefMatch", "PoorTranscript",
                                       "LowExpr", "Anchor", "Subclonal", "ProbPos", "Poor",
                                       "NoExpr"}  # fmt: skip
    failed = aggregated[aggregated["Tier"] != "Pass"]
    assert (failed["Tier Reasons"] != "").all()


def test_cli_run_contract(tmp_path):
    out = tmp_path / "contract"
    with example_patient_files() as (vcf, _):
        code = main(["run", str(vcf), "--sample", "HCC1395_TUMOR_DNA", "--alleles",
                     "HLA-A*29:02,HLA-B*45:01", "--lengths", "8,9", "--out", str(out),
                     "--binding-threshold", "400", "--allele-specific-anchors",
                     "--allele-specific-binding-thresholds"])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out / "all_epitopes.tsv", sep="\t", dtype=str, keep_default_na=False)
    contract = ["Chromosome", "Start", "Stop", "Reference", "Variant", "Transcript",
                "HLA Allele", "Peptide Length", "Sub-peptide Position", "Mutation Position",
                "MT Epitope Seq", "WT Epitope Seq"]  # fmt: skip
    assert set(contract) <= set(table.columns)
    assert set(table["HLA Allele"]) == {"HLA-A*29:02", "HLA-B*45:01"}
    assert set(table["Peptide Length"]) == {"8", "9"}
    run = json.loads((out / "run.json").read_text())
    assert run["parameters"]["ranking"]["binding_threshold"] == 400.0
    assert run["parameters"]["ranking"]["allele_specific_anchors"] is True
    assert run["parameters"]["ranking"]["allele_specific_binding_thresholds"] is True
    filtered = pd.read_csv(out / "filtered.tsv", sep="\t")
    # A*29:02 is judged at its IEDB cutoff (641 nM), B*45:01 (unlisted) at --binding-threshold
    cut = filtered["HLA Allele"].map({"HLA-A*29:02": 641.0, "HLA-B*45:01": 400.0})
    assert (filtered["Median MT IC50 Score"] <= cut).all()


def test_expression_tables_replace_vcf_values(tmp_path, predictor):
    genes = tmp_path / "genes.results"
    header = "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n"
    genes.write_text(header + "ENSG00000116062\tENST00000234420\t4000\t3800\t900\t42.5\t30.1\n")
    with example_patient_files() as (vcf, hla):
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", hla_file=hla, lengths=(9,),
                                gene_expression_file=genes)  # fmt: skip
        run_pipeline(config, tmp_path / "expr", predict=predictor)
    variants = pd.read_csv(tmp_path / "expr" / "variants.tsv", sep="\t", dtype=str,
                           keep_default_na=False)  # fmt: skip
    msh6 = variants[variants["gene_name"] == "MSH6"]
    assert set(msh6["gene_expression"]) == {"42.5"}  # MSH6 = ENSG00000116062
    assert set(variants[variants["gene_name"] != "MSH6"]["gene_expression"]) == {"NA"}
    run = json.loads((tmp_path / "expr" / "run.json").read_text())
    assert run["inputs"]["gene_expression_file"]["sha256"] == sha256_file(genes)
    assert run["inputs"]["expression_formats"] == {"gene": "rsem"}


def test_problematic_amino_acids_flag_rows_and_steer_the_best_peptide(tmp_path, predictor):
    """pVACseq's --problematic-amino-acids: a column per epitope, "Prob Pos" for the chosen
    peptide, which avoids flagged peptides when the variant has an unflagged one."""
    with example_patient_files() as (vcf, _):
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", alleles=("HLA-A*29:02",),
                                lengths=(9,), problematic_amino_acids=("C", "P:-1"))
        run_pipeline(config, tmp_path / "prob", predict=predictor)
        plain = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", alleles=("HLA-A*29:02",),
                               lengths=(9,))
        run_pipeline(plain, tmp_path / "plain", predict=predictor)
    table = pd.read_csv(tmp_path / "prob" / "all_epitopes.tsv", sep="\t", keep_default_na=False)
    for peptide, flagged in zip(table["MT Epitope Seq"], table["Problematic Positions"],
                                strict=True):
        expected = sorted({i + 1 for i, aa in enumerate(peptide) if aa == "C"}
                          | ({9} if peptide[-1] == "P" else set()))
        assert flagged == (",".join(map(str, expected)) if expected else "None")
    assert table["Problematic Positions"].ne("None").any()
    # pVACseq's manufacturability columns come with every run
    assert (table["cysteine_count"].astype(int) == table["MT Epitope Seq"].str.count("C")).all()
    aggregated = pd.read_csv(tmp_path / "prob" / "aggregated.tsv", sep="\t",
                             keep_default_na=False)
    best_flags = table.set_index("MT Epitope Seq")["Problematic Positions"].to_dict()
    for _, row in aggregated.iterrows():
        assert row["Prob Pos"] == best_flags[row["Best Peptide"]]
        variant = table[table["Index"] == str(row["Index"])]
        if variant["Problematic Positions"].eq("None").any():  # an unflagged choice exists
            assert row["Prob Pos"] == "None"
    plain_columns = pd.read_csv(tmp_path / "plain" / "all_epitopes.tsv", sep="\t", nrows=1)
    assert "Problematic Positions" not in plain_columns.columns


def test_cli_bad_problematic_entry_exits_2(tmp_path, capsys):
    with example_patient_files() as (vcf, _):
        code = main(["run", str(vcf), "--sample", "HCC1395_TUMOR_DNA", "--alleles",
                     "HLA-A*29:02", "--out", str(tmp_path / "x"),
                     "--problematic-amino-acids", "C,G:0"])
    assert code == 2
    assert "--problematic-amino-acids" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_reference_proteome_marks_epitopes_and_tiers(tmp_path, predictor):
    """A protein carrying one candidate's mutated 8-mer flags every epitope with that k-mer."""
    import gzip

    from vaxmix.ranking.reference import mutated_kmers

    with example_patient_files() as (vcf, _):
        base = dict(vcf=vcf, sample="HCC1395_TUMOR_DNA", alleles=("HLA-A*29:02",),
                    lengths=(9, 10))
        run_pipeline(PipelineConfig(**base), tmp_path / "plain", predict=predictor)
        aggregated = pd.read_csv(tmp_path / "plain" / "aggregated.tsv", sep="\t", dtype=str,
                                 keep_default_na=False)
        best = aggregated[aggregated["Pos"].str.isdigit()].iloc[0]  # a best peptide's k-mer
        kmer = mutated_kmers(best["Best Peptide"], best["Pos"], 8)[0]
        fasta = tmp_path / "ref.fa.gz"
        fasta.write_bytes(gzip.compress(f">X1 pep transcript:ENST00000999999.1\nMA{kmer}GG\n"
                                        .encode()))
        run_pipeline(PipelineConfig(**base, reference_proteome=fasta), tmp_path / "ref",
                     predict=predictor)
    table = pd.read_csv(tmp_path / "ref" / "all_epitopes.tsv", sep="\t", dtype=str,
                        keep_default_na=False)
    expected = [kmer in mutated_kmers(p, m, 8) for p, m in
                zip(table["MT Epitope Seq"], table["Mutation Position"], strict=True)]
    assert (table["Reference Match"] == "True").tolist() == expected
    assert sum(expected) >= 2  # the 9-mer and at least one 10-mer around the same k-mer
    matches = pd.read_csv(tmp_path / "ref" / "reference_matches.tsv", sep="\t")
    assert set(matches["Match Window"]) == {kmer} and set(matches["Hit ID"]) == {"X1"}
    assert (matches["Match Start"] == 3).all()
    aggregated = pd.read_csv(tmp_path / "ref" / "aggregated.tsv", sep="\t", dtype=str,
                             keep_default_na=False)
    assert list(aggregated.columns).index("Ref Match") == list(aggregated.columns).index(
        "Evaluation") - 1
    flagged = aggregated[aggregated["Ref Match"] == "True"]
    assert best["ID"] in set(flagged["ID"])  # the same best peptide, now a reference match
    assert all("reference match" in reasons for reasons in flagged["Tier Reasons"])
    if best["Tier"] == "Pass":  # RefMatch is the tier of an otherwise passing candidate
        assert flagged.set_index("ID").loc[best["ID"], "Tier"] == "RefMatch"
    run = json.loads((tmp_path / "ref" / "run.json").read_text())
    assert run["inputs"]["reference_proteome"]["sha256"] == sha256_file(fasta)


def test_genes_of_interest_column(tmp_path, predictor):
    with example_patient_files() as (vcf, _):
        base = dict(vcf=vcf, sample="HCC1395_TUMOR_DNA", alleles=("HLA-A*29:02",), lengths=(9,))
        run_pipeline(PipelineConfig(**base), tmp_path / "plain", predict=predictor)
        genes = pd.read_csv(tmp_path / "plain" / "all_epitopes.tsv", sep="\t",
                            usecols=["Gene Name"])["Gene Name"].unique()
        listed = tmp_path / "genes.txt"
        listed.write_text(f"# genes to watch\n{genes[0]}\n\nNOT_A_GENE\n")
        run_pipeline(PipelineConfig(**base, genes_of_interest_file=listed), tmp_path / "goi",
                     predict=predictor)
        empty = tmp_path / "empty.txt"
        empty.write_text("# nothing\n")
        with pytest.raises(InputError) as error:
            run_pipeline(PipelineConfig(**base, genes_of_interest_file=empty), tmp_path / "x",
                         predict=predictor)
    assert str(empty) in str(error.value.path)
    table = pd.read_csv(tmp_path / "goi" / "all_epitopes.tsv", sep="\t")
    assert (table["Gene of Interest"] == (table["Gene Name"] == genes[0])).all()
    assert table["Gene of Interest"].any() and not table["Gene of Interest"].all()
    assert "Gene of Interest" not in pd.read_csv(tmp_path / "plain" / "all_epitopes.tsv",
                                                 sep="\t", nrows=1).columns
