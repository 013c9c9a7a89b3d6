"""RunRecord: run.json written and read in one place, every field checked on read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaxmix.common.errors import InputError
from vaxmix.common.runfolder import RunFolder
from vaxmix.common.runrecord import (
    SCHEMA,
    FusionRunRecord,
    InputFile,
    Outputs,
    Prediction,
    ReadCounts,
    RunInputs,
    RunRecord,
)


def _record() -> RunRecord:
    return RunRecord(
        vaxmix_version="0.1.0",
        inputs=RunInputs(
            vcf=InputFile("/d/p1.vcf.gz", "ab" * 32), hla_file=None,
            gene_expression_file=InputFile("/d/genes.tsv", "cd" * 32),
            transcript_expression_file=None, reference_proteome=None,
            genes_of_interest_file=None, phased_proximal_variants_vcf=None,
            expression_formats={"gene": "kallisto"},
        ),
        sample="TUMOR",
        normal_sample=None,
        alleles=["HLA-A*02:01"],
        class2_alleles=["HLA-DRB1*04:05"],
        allele_names=[{"given": "A*02:01", "name": "HLA-A*02:01", "action": "used"}],
        parameters={"vcf": "/d/p1.vcf.gz", "lengths": [9], "model": None},
        prediction=Prediction(["m1 1.0", "m2 1.0"], ["m1 1.0"], ["m2 1.0"]),
        outputs=Outputs(["all_epitopes.tsv"], ["MHC_Class_II/all_epitopes.tsv"],
                        ["combined/all_epitopes.tsv"]),
        versions={"numpy": "2.1"},
        timings_s={"read_inputs": 0.5, "predict": 2},
        counts={"variants": 3, "tiers": {"Pass": 1}, "vaf_clonal": 0.4},
        skipped={"peptides": {}},
        warnings=["one warning"],
        read_counts=ReadCounts({"tumor_dna": 1}, ["normal"], False),
    )


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_round_trip(tmp_path: Path) -> None:
    record = _record()
    path = record.write(tmp_path / "run.json")
    again = RunRecord.from_json(path)
    assert again == record
    data = json.loads(path.read_text())
    assert data["schema"] == SCHEMA == "vaxmix.run/1"
    # run.json's keys and order since vaxmix.run/1; no fusions section without --fusions
    assert list(data) == ["schema", "vaxmix_version", "inputs", "sample", "normal_sample",
                          "alleles", "class2_alleles", "allele_names", "parameters",
                          "prediction", "outputs", "versions", "timings_s", "counts",
                          "skipped", "warnings", "read_counts"]  # fmt: skip
    assert data["inputs"]["hla_file"] is None and data["normal_sample"] is None
    assert data["prediction"]["note"].startswith("affinity, presentation score")
    assert again.inputs.files() == {"vcf": InputFile("/d/p1.vcf.gz", "ab" * 32),
                                    "gene_expression_file": InputFile("/d/genes.tsv",
                                                                      "cd" * 32)}  # fmt: skip


def test_round_trip_with_fusions(tmp_path: Path) -> None:
    record = _record()
    record.fusions = FusionRunRecord(
        inputs={"path": "/d/agfusion", "sha256": {"a/a_protein.fa": "ef" * 32}},
        parameters={"path": "/d/agfusion"}, counts={"fusions": 2}, models=["m1 1.0"],
        timings_s={"fusions_read": 0.1}, rules="pVACfuse 7.1.5 (docs/fusions.md)",
    )  # fmt: skip
    path = record.write(tmp_path / "run.json")
    assert list(json.loads(path.read_text()))[-1] == "fusions"
    assert RunRecord.from_json(path) == record


def test_a_run_json_without_the_optional_sections_reads(tmp_path: Path) -> None:
    data = _record().to_json()
    del data["allele_names"], data["read_counts"]
    record = RunRecord.from_json(_write(tmp_path / "run.json", data))
    assert record.allele_names == [] and record.read_counts is None and record.fusions is None


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    data = {**_record().to_json(), "finished_at": "2026-11-24T00:00:00+00:00"}
    assert RunRecord.from_json(_write(tmp_path / "run.json", data)) == _record()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d.pop("schema"), "schema", "expected 'vaxmix.run/1'"),
        (lambda d: d.update(schema="vaxmix.run/2"), "schema", "'vaxmix.run/2'"),
        (lambda d: d.update(schema="vaxmix.complete/1"), "schema", "expected"),
        (lambda d: d.pop("alleles"), "alleles", "required field is missing"),
        (lambda d: d["prediction"].pop("class1_models"), "prediction.class1_models",
         "required field is missing"),
        (lambda d: d["inputs"].pop("vcf"), "inputs.vcf", "required field is missing"),
        (lambda d: d["inputs"]["vcf"].pop("sha256"), "inputs.vcf.sha256", "missing"),
        (lambda d: d.update(alleles="HLA-A*02:01"), "alleles", "expected a list"),
        (lambda d: d.update(alleles=["HLA-A*02:01", 7]), "alleles[1]", "expected text, got int"),
        (lambda d: d.update(sample=3), "sample", "expected text"),
        (lambda d: d.update(counts=[]), "counts", "expected an object"),
        (lambda d: d.update(inputs=[{"role": "vcf", "path": "p"}]), "inputs",
         "expected an object"),
        (lambda d: d["timings_s"].update(predict="2 s"), "timings_s.predict",
         "expected a number"),
        (lambda d: d["timings_s"].update(predict=True), "timings_s.predict",
         "expected a number"),
        (lambda d: d["read_counts"].update(allow_missing_vaf="no"),
         "read_counts.allow_missing_vaf", "expected true/false"),
        (lambda d: d["read_counts"]["missing_rows"].update(tumor_dna=1.5),
         "read_counts.missing_rows.tumor_dna", "expected a whole number"),
    ],
)  # fmt: skip
def test_refusals_name_the_file_and_field(tmp_path: Path, change, field: str,
                                          words: str) -> None:  # fmt: skip
    data = _record().to_json()
    change(data)
    path = _write(tmp_path / "run.json", data)
    with pytest.raises(InputError) as caught:
        RunRecord.from_json(path)
    assert caught.value.path == path
    assert caught.value.field == field
    assert words in caught.value.message


def test_unreadable_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text('{\n  "schema": "vaxmix.run/1",\n  oops\n}\n')
    with pytest.raises(InputError) as caught:
        RunRecord.from_json(path)
    assert caught.value.path == path and caught.value.line == 3


def test_a_json_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="JSON object"):
        RunRecord.from_json(_write(tmp_path / "run.json", []))  # type: ignore[arg-type]


def test_run_folder_layout_names_each_part_once(tmp_path: Path) -> None:
    layout = RunFolder(tmp_path)
    assert layout.run_json == tmp_path / "run.json"
    assert layout.marker == tmp_path / "run.complete.json"
    assert layout.table("aggregated") == tmp_path / "aggregated.tsv"
    assert layout.table("filtered", "MHC_Class_II", ".parquet") == (
        tmp_path / "MHC_Class_II" / "filtered.parquet")
    assert layout.class2 == tmp_path / "MHC_Class_II"
    assert layout.combined == tmp_path / "combined"
    assert layout.fusion_table("aggregated", "MHC_Class_I") == (
        tmp_path / "fusions" / "MHC_Class_I" / "aggregated.tsv")
    assert layout.fusion_table("fusions") == tmp_path / "fusions" / "fusions.tsv"
    assert (layout.vaccine, layout.mrna, layout.virus, layout.report) == (
        tmp_path / "vaccine", tmp_path / "mrna", tmp_path / "virus", tmp_path / "report.html")
    assert layout.relative(layout.table("aggregated", "combined")) == "combined/aggregated.tsv"
