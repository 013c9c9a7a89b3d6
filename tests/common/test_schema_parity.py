"""Schema parity (issue 18): every writer emits exactly its declared table, every reader takes
exactly the declared table, and the declared pVACseq names are pVACseq's.

(a) the writers are run for real: ``vaxmix run`` (class I + II, fusions, every optional column)
    with a deterministic fake predictor, the vaccine design on that run, the mRNA writer and the
    virus panel writer; each header (TSV and Parquet) must equal
    :meth:`vaxmix.common.schemas.Table.header` for the run's models, alleles and options.
(b) each reader accepts a table built from the declaration alone (one row of typed values) and
    refuses, with an InputError naming the file and the column, one missing any required column.
(c) the declared pVACseq/pVACfuse names occur in pVACseq 7.1.5's own HCC1395 tables (the
    fixtures of tests/report/data and tests/ranking/data, see their SOURCE.md), in the same order.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from vaxmix.common.errors import InputError
from vaxmix.common.runfolder import write_marker
from vaxmix.common.schemas import (
    TABLES,
    ColumnGroup,
    Table,
    binding_columns,
    combined_header,
    read_header,
    run_metric,
    snake_case,
)

TESTS = Path(__file__).parents[1]
ARRIBA = TESTS / "variants" / "data" / "fusions" / "arriba_fusions_subset.tsv"
CLASS1 = ["HLA-A*29:02", "HLA-B*45:01", "HLA-B*82:02"]  # the example patient's HLA list
CLASS2 = ["HLA-DRB1*04:05"]
MODEL = "fake-predictor 0"


def fake_predict(peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
    """Deterministic scores from a hash of peptide+allele (as tests/pipeline/conftest.py)."""
    rows = []
    for peptide in peptides:
        for allele in alleles:
            digest = hashlib.sha256(f"{peptide}|{allele}".encode()).digest()
            fraction = int.from_bytes(digest[:4], "big") / 2**32
            rows.append((peptide, allele, 10 ** (1 + 4 * fraction), 100 * fraction,
                         1 - fraction, MODEL))  # fmt: skip
    return pd.DataFrame(rows, columns=["peptide", "allele", "affinity_nm", "percentile",
                                       "presentation_score", "model"])  # fmt: skip


def fake_class2(peptides: Sequence[str], alleles: Sequence[str]) -> pd.DataFrame:
    """The fake scores plus a binding core, as the class II predictor returns."""
    frame = fake_predict(peptides, alleles)
    frame["core"] = frame["peptide"].str[3:12]
    return frame


def _short(alleles: list[str]) -> list[str]:
    return [a.replace("HLA-", "") for a in alleles]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """``vaxmix run`` with class II, fusions and every optional column switched on."""
    from vaxmix.pipeline import PipelineConfig, example_patient_files, run_pipeline
    from vaxmix.pipeline.fusion_args import FusionConfig

    tmp = tmp_path_factory.mktemp("parity")
    fasta = tmp / "ref.fa.gz"  # holds a k-mer of no candidate: the columns are what counts
    fasta.write_bytes(gzip.compress(b">X1 pep transcript:ENST00000999999.1\nMAKKLLGGWW\n"))
    genes = tmp / "genes.txt"
    genes.write_text("TP53\n")
    with example_patient_files() as (vcf, hla):
        config = PipelineConfig(vcf=vcf, sample="HCC1395_TUMOR_DNA", hla_file=hla,
                                lengths=(8, 9), class2_lengths=(15,), reference_proteome=fasta,
                                problematic_amino_acids=("C",), genes_of_interest_file=genes)
        run_pipeline(config, tmp / "run", predict=fake_predict, predict_class2=fake_class2,
                     fusions=FusionConfig(ARRIBA))  # fmt: skip
    return tmp / "run"


def _check(run: Path, table: Table, expected: list[str]) -> None:
    path = run / table.path
    assert read_header(path) == expected, table.name
    if table.parquet:
        assert pq.read_schema(path.with_suffix(".parquet")).names == expected, table.name


ALL_OPTIONS = ("reference_proteome", "problematic_amino_acids", "genes_of_interest")


def test_run_tables_match_their_schema(run_dir):
    class1 = TABLES["all_epitopes"].header([MODEL], options=ALL_OPTIONS)
    class2 = TABLES["MHC_Class_II/all_epitopes"].header([MODEL], options=(*ALL_OPTIONS, "core"))
    _check(run_dir, TABLES["variants"], TABLES["variants"].header())
    for stem in ("all_epitopes", "filtered"):
        _check(run_dir, TABLES[stem], class1)
        _check(run_dir, TABLES[f"MHC_Class_II/{stem}"], class2)
        _check(run_dir, TABLES[f"combined/{stem}"], combined_header(class1, class2))
    for folder, alleles in (("", CLASS1), ("MHC_Class_II/", CLASS2),
                            ("combined/", CLASS2 + CLASS1)):  # fmt: skip
        table = TABLES[f"{folder}aggregated"]
        _check(run_dir, table, table.header(alleles=_short(alleles), options=ALL_OPTIONS))
    for name in ("reference_matches", "MHC_Class_II/reference_matches"):
        _check(run_dir, TABLES[name], TABLES[name].header())


def test_fusion_tables_match_their_schema(run_dir):
    _check(run_dir, TABLES["fusions/fusions"], TABLES["fusions/fusions"].header())
    method = MODEL.split(" ")[0]  # pVACfuse-style per-method columns name the method only
    for folder, alleles in (("MHC_Class_I", CLASS1), ("MHC_Class_II", CLASS2),
                            ("combined", CLASS1 + CLASS2)):  # fmt: skip
        for stem in ("all_epitopes", "filtered"):
            table = TABLES[f"fusions/{folder}/{stem}"]
            _check(run_dir, table, table.header([method]))
        table = TABLES[f"fusions/{folder}/aggregated"]
        _check(run_dir, table, table.header(alleles=_short(sorted(alleles))))


def test_design_tables_match_their_schema(run_dir, tmp_path):
    from vaxmix.vaccine.config import DesignConfig
    from vaxmix.vaccine.design import design_vaccine, write_design

    result = design_vaccine(run_dir, DesignConfig(n_peptides=4), predict=fake_predict,
                            predict_class2=fake_class2)  # fmt: skip
    out = write_design(result, tmp_path / "vaccine", DesignConfig(n_peptides=4))
    root = out.parent
    for name in ("vaccine/junctions", "vaccine/candidates"):
        _check(root, TABLES[name], TABLES[name].header())
    selection = TABLES["vaccine/selection"]
    _check(root, selection, selection.header(alleles=CLASS1 + CLASS2))


def test_mrna_and_virus_tables_match_their_schema(tmp_path):
    from vaxmix.cli import main
    from vaxmix.virus.example import run_example

    protein = tmp_path / "p.faa"
    protein.write_text(">toy\nMRVMAPRTLILLLSGALALTETWAGSSIINFEKLGGSGGGGSGGYLQPRTFLL\n")
    assert main(["mrna", "--protein", str(protein), "--out", str(tmp_path / "mrna"),
                 "--context", "cds", "--max-span", "40"]) == 0
    run_example(tmp_path / "virus", plots=False)
    for name in ("mrna/qc", "virus/curves", "virus/plate_qc", "virus/rna_scores",
                 "virus/selectivity", "virus/wells"):  # fmt: skip
        _check(tmp_path, TABLES[name], TABLES[name].header())


# ---------------------------------------------------------------- (b) readers


def _write(path: Path, table: Table, drop: str = "", **context) -> None:
    row = table.example_row(**context)
    row.pop(drop, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row]).to_csv(path, sep="\t", index=False)


def _schema_run(root: Path, run_json: Path, drop: dict[str, str] | None = None) -> Path:
    """A finished run folder whose tables are built from the schema alone (its run.json is a
    real run's: the record is checked by its own schema, vaxmix.common.runrecord)."""
    drop = drop or {}
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_json, root / "run.json")
    for name in ("variants", "all_epitopes", "aggregated", "MHC_Class_II/all_epitopes",
                 "MHC_Class_II/aggregated", "fusions/fusions",
                 "fusions/MHC_Class_I/all_epitopes", "fusions/MHC_Class_I/aggregated",
                 "vaccine/selection"):  # fmt: skip
        table = TABLES[name]
        _write(root / table.path, table, drop.get(name, ""), models=["m"], alleles=["A*01:01"])
    write_marker(root, "design")
    return root


def test_readers_accept_the_declared_tables(tmp_path, run_dir):
    from vaxmix.report.loaders import epitope_records, load_run, selected_indexes
    from vaxmix.vaccine.tables import read_run_folder

    run = _schema_run(tmp_path / "run", run_dir / "run.json")
    tables = read_run_folder(run)
    assert list(tables.epitopes["variant_index"]) == ["x"]
    assert tables.epitopes["affinity_nm"].tolist() == [1.5]
    assert list(tables.fusion_records) == ["x"] and len(tables.fusion_epitopes) == 1
    assert tables.class2_epitopes is not None
    folder = load_run(run)
    assert list(epitope_records(folder)) == ["x"]
    assert selected_indexes(folder) == ["x"]
    assert set(folder.fusion_aggregated) == {"MHC_Class_I"}


FUSION_EPITOPES = "fusions/MHC_Class_I/all_epitopes"
FUSION_AGGREGATED = "fusions/MHC_Class_I/aggregated"


def _required(name: str) -> list[str]:
    return [c.name for c in TABLES[name].required()]


@pytest.mark.parametrize(("name", "column"), [
    *[("variants", c) for c in _required("variants")],
    *[("all_epitopes", c) for c in _required("all_epitopes")],
    *[("MHC_Class_II/all_epitopes", c) for c in _required("all_epitopes")],
    *[("fusions/fusions", c) for c in _required("fusions/fusions")],
    *[(FUSION_EPITOPES, c) for c in _required(FUSION_EPITOPES)],
    *[("aggregated", c) for c in _required("aggregated")],
    *[("MHC_Class_II/aggregated", c) for c in _required("aggregated")],
    *[(FUSION_AGGREGATED, c) for c in _required(FUSION_AGGREGATED)],
])  # fmt: skip
def test_vaccine_reader_refuses_a_missing_required_column(tmp_path, run_dir, name, column):
    from vaxmix.vaccine.tables import read_run_folder

    run = _schema_run(tmp_path / "run", run_dir / "run.json", {name: column})
    with pytest.raises(InputError) as error:
        read_run_folder(run)
    assert error.value.field == column
    assert Path(error.value.path) == run / TABLES[name].path


@pytest.mark.parametrize(("name", "column"), [
    *[("aggregated", c) for c in _required("aggregated")],
    *[("all_epitopes", c) for c in _required("all_epitopes")],
    *[("MHC_Class_II/aggregated", c) for c in _required("aggregated")],
    *[("MHC_Class_II/all_epitopes", c) for c in _required("all_epitopes")],
    *[(FUSION_AGGREGATED, c) for c in _required(FUSION_AGGREGATED)],
])  # fmt: skip
def test_report_reader_refuses_a_missing_required_column(tmp_path, run_dir, name, column):
    from vaxmix.report.loaders import load_run

    run = _schema_run(tmp_path / "run", run_dir / "run.json", {name: column})
    with pytest.raises(InputError) as error:
        load_run(run)
    assert error.value.field == column
    assert Path(error.value.path) == run / TABLES[name].path


def test_report_refuses_a_selection_without_variant_index(tmp_path, run_dir):
    from vaxmix.report.loaders import load_run, selected_indexes

    run = _schema_run(tmp_path / "run", run_dir / "run.json",
                      {"vaccine/selection": "variant_index"})
    with pytest.raises(InputError) as error:
        selected_indexes(load_run(run))
    assert error.value.field == "variant_index"


# ---------------------------------------------------------------- the binding metric


def test_one_binding_rule_for_vaccine_report_registry_and_ranking():
    """pVACseq's --top-score-metric: median (default) = Median columns; lowest = Best MT /
    Corresponding WT (pVACseq 7.1.5 ``AggregateAllEpitopes``)."""
    from vaxmix.ranking.aggregate import metric_columns
    from vaxmix.ranking.config import RankingConfig
    from vaxmix.report.loaders import epitope_fields
    from vaxmix.store.peptides import fusion_epitope_fields
    from vaxmix.vaccine.tables import epitope_columns, fusion_epitope_columns

    assert binding_columns()["mt_ic50"] == "Median MT IC50 Score"
    assert binding_columns("lowest")["mt_ic50"] == "Best MT IC50 Score"
    assert binding_columns("lowest")["wt_ic50"] == "Corresponding WT IC50 Score"
    for metric in ("median", "lowest"):
        vaccine, report = epitope_columns(metric), epitope_fields(metric)
        ranking = metric_columns(RankingConfig(top_score_metric=metric))
        assert vaccine["affinity_nm"] == report["mt_ic50"] == ranking["IC50 MT"]
        assert vaccine["wt_affinity_nm"] == report["wt_ic50"] == ranking["IC50 WT"]
        assert vaccine["percentile"] == report["mt_percentile"] == ranking["%ile MT"]
        assert fusion_epitope_columns(metric)["affinity_nm"] == \
            fusion_epitope_fields(metric)["mt_ic50"]
    assert run_metric(None) == "median"
    assert run_metric({"ranking": {"top_score_metric": "lowest"}}) == "lowest"
    with pytest.raises(ValueError):
        binding_columns("best")


def test_pvacseq_folder_is_read_with_the_median(tmp_path):
    """On a pVACseq folder (14 methods: Median != Best) the vaccine takes pVACseq's default
    metric, the median, as the report does (issue 18: it took Best MT IC50 before)."""
    from vaxmix.vaccine.tables import read_epitopes

    source = TESTS / "vaccine" / "data" / "hcc1395_subset" / "all_epitopes.tsv"
    raw = pd.read_csv(source, sep="\t")
    assert (raw["Median MT IC50 Score"] != raw["Best MT IC50 Score"]).any()
    read = read_epitopes(source)
    assert read["affinity_nm"].equals(raw["Median MT IC50 Score"].rename("affinity_nm"))
    assert read["wt_affinity_nm"].equals(raw["Median WT IC50 Score"].rename("wt_affinity_nm"))
    lowest = read_epitopes(source, metric="lowest")
    assert lowest["affinity_nm"].equals(raw["Best MT IC50 Score"].rename("affinity_nm"))


def test_vaccine_and_report_follow_the_runs_metric(tmp_path, run_dir):
    """A run made with --top-score-metric lowest is read with the Best columns by both the
    vaccine and the report (the table here has Median != Best so the choice shows)."""
    from vaxmix.report.loaders import epitope_records, load_run
    from vaxmix.vaccine.tables import read_run_folder

    run = _schema_run(tmp_path / "run", run_dir / "run.json")
    table = pd.read_csv(run / "all_epitopes.tsv", sep="\t", dtype=str)
    table["Best MT IC50 Score"], table["Median MT IC50 Score"] = "7.5", "99.5"
    table.to_csv(run / "all_epitopes.tsv", sep="\t", index=False)
    assert read_run_folder(run).epitopes["affinity_nm"].tolist() == [99.5]  # median
    assert epitope_records(load_run(run))["x"][0]["mt_ic50"] == 99.5
    record = json.loads((run / "run.json").read_text())
    record["parameters"]["ranking"]["top_score_metric"] = "lowest"
    (run / "run.json").write_text(json.dumps(record))
    assert read_run_folder(run).epitopes["affinity_nm"].tolist() == [7.5]  # lowest = Best
    assert epitope_records(load_run(run))["x"][0]["mt_ic50"] == 7.5


# ---------------------------------------------------------------- (c) pVACseq's names


def _pvacseq_names(table: Table, options: Sequence[str] = ()) -> list[str]:
    return [c.name for c in table.columns_for(options=options) if c.origin == "pvacseq"]


def _in_order(declared: list[str], header: list[str]) -> None:
    missing = [c for c in declared if c not in header]
    assert not missing, missing
    positions = [header.index(c) for c in declared]
    assert positions == sorted(positions)


def test_declared_names_are_pvacseq_names(tmp_path):
    class1, class2 = tmp_path / "class1.tsv", tmp_path / "class2.tsv"
    for path, source in ((class1, "run"), (class2, "class2")):
        packed = TESTS / "report" / "data" / source / "all_epitopes.tsv.gz"
        path.write_bytes(gzip.decompress(packed.read_bytes()))
    # pVACseq's HCC1395 run had its default genes-of-interest list on
    for path in (class1, class2):
        header = read_header(path)
        assert len(header) in (130, 98)  # all columns of pVACseq's files
        _in_order(_pvacseq_names(TABLES["all_epitopes"], ["genes_of_interest"]), header)
        for template in [c for g in TABLES["all_epitopes"].columns
                         if isinstance(g, ColumnGroup) for c in g.columns]:  # fmt: skip
            if "IC50" in template.name or template.name.endswith(" Percentile"):
                assert any(template.name.replace("{value}", m) in header
                           for m in ("MHCflurry", "NetMHCpan", "NetMHCIIpan", "ImmuScope_IM"))
        for metric in ("median", "lowest"):
            wanted = binding_columns(metric)
            assert {wanted[k] for k in ("mt_ic50", "wt_ic50", "mt_percentile",
                                        "wt_percentile", "fold_change")} <= set(header)
    for path, alleles in ((TESTS / "ranking/data/pvacseq_aggregated_class_I.tsv",
                           _short(CLASS1)),
                          (TESTS / "report/data/class2/aggregated.tsv", _short(CLASS2))):
        expected = [c for c in TABLES["aggregated"].header(alleles=alleles)
                    if c not in ("Tier Reasons",)]  # vaxmix's addition
        assert read_header(path) == expected
    for path in (TESTS / "report/data/run/variants.tsv",
                 TESTS / "vaccine/data/hcc1395_subset/variants.tsv"):
        assert read_header(path) == TABLES["variants"].header()


def test_pvacfuse_names():
    """pVACfuse's epitope columns as the committed pVACfuse 7.1.5 subset spells them."""
    header = read_header(TESTS / "variants/data/fusions/pvacfuse_arriba_epitopes.tsv")
    assert {"Index", "Sub-peptide Position", "Epitope Seq"} <= set(header)
    assert {c.name for c in TABLES["fusions/MHC_Class_I/all_epitopes"].fixed()} >= set(header) - {
        "Length"}  # pVACfuse's intermediate length column is not in its all_epitopes report


def test_declarations_are_well_formed():
    for name, table in TABLES.items():
        assert table.path == f"{name}.tsv"
        columns = table.columns_for(models=["m"], alleles=["A*01:01"],
                                    options=(*ALL_OPTIONS, "core"))  # fmt: skip
        names = [c.name for c in columns]
        keys = [c.key for c in columns]
        assert len(set(names)) == len(names), name
        assert len(set(keys)) == len(keys), name
        assert all(k == snake_case(k) for k in keys), name
        assert all(c.meaning for c in columns), name
    # the Index key is variant_index in every table that holds it
    for table in TABLES.values():
        for column in table.fixed():
            if column.name in ("Index", "index"):
                assert column.key == "variant_index"
    from vaxmix.pipeline.outputs import INTEGER_COLUMNS

    integers = {c.name for c in TABLES["all_epitopes"].fixed() if c.dtype == "int"}
    assert set(INTEGER_COLUMNS) <= integers


