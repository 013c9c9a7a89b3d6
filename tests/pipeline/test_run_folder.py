"""Issue 14 items 8 and 9 end to end: allele names as the run reads and records them, and a run
that owns its output folder (no stale file survives; readers refuse an unfinished run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vaxmix.cli import main
from vaxmix.common.runfolder import MARKER, finish_design
from vaxmix.mhc.alleles import known_alleles
from vaxmix.pipeline import PipelineConfig, example_patient_files, run_pipeline
from vaxmix.pipeline import run as run_module

SAMPLE = "HCC1395_TUMOR_DNA"


@pytest.fixture
def fake_default_predictors(monkeypatch: pytest.MonkeyPatch, predictor) -> list[list[str]]:
    """The CLI's default predictors replaced by the fake one (same known-allele check)."""
    asked: list[list[str]] = []

    def recording(peptides, alleles):
        asked.append(list(alleles))
        return predictor(peptides, alleles)

    monkeypatch.setattr(run_module, "_default_predictor",
                        lambda model: (recording, known_alleles()))  # fmt: skip
    monkeypatch.setattr(run_module, "_default_class2_predictor", lambda model: recording)
    return asked


def test_null_allele_is_excluded_with_a_warning_and_never_predicted(
    tmp_path: Path, predictor
) -> None:
    hla = tmp_path / "hla.txt"
    hla.write_text("HLA-A*29:02\nHLA-B*45:01N\nA0201\n")
    asked: list[list[str]] = []

    def recording(peptides, alleles):
        asked.append(list(alleles))
        return predictor(peptides, alleles)

    with example_patient_files() as (vcf, _):
        config = PipelineConfig(vcf=vcf, sample=SAMPLE, hla_file=hla, lengths=(9,))
        result = run_pipeline(config, tmp_path / "run", predict=recording)
    assert result.alleles == ["HLA-A*29:02", "HLA-A*02:01"]
    assert asked and all("HLA-B*45:01" not in alleles for alleles in asked)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["alleles"] == ["HLA-A*29:02", "HLA-A*02:01"]
    records = {r["given"]: r for r in run["allele_names"]}
    assert records["HLA-B*45:01N"]["action"] == "excluded"
    assert records["HLA-B*45:01N"]["expression"] == "null"
    assert records["HLA-B*45:01N"]["source"] == "hla.txt line 2"
    assert records["A0201"]["name"] == "HLA-A*02:01" and records["A0201"]["action"] == "used"
    assert any("HLA-B*45:01N (hla.txt line 2) is a null allele" in w for w in run["warnings"])
    assert result.allele_warnings and result.allele_notes == [
        "allele 'A0201' read as HLA-A*02:01 (spelling) (hla.txt line 3)"]


@pytest.mark.parametrize("spelling", ["A0201", "A*02:01", "HLA-A02:01"])
def test_cli_prints_and_records_the_normalisation(
    tmp_path: Path, capsys: pytest.CaptureFixture, fake_default_predictors, spelling: str
) -> None:
    out = tmp_path / "run"
    with example_patient_files() as (vcf, _):
        code = main(["run", str(vcf), "--sample", SAMPLE, "--alleles",
                     f"{spelling},HLA-B*45:01N", "--lengths", "9", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0
    assert f"vaxmix: note: allele {spelling!r} read as HLA-A*02:01" in err
    assert "vaxmix: warning: allele HLA-B*45:01N (--alleles) is a null allele" in err
    run = json.loads((out / "run.json").read_text())
    assert run["alleles"] == ["HLA-A*02:01"]
    assert run["allele_names"][0]["given"] == spelling
    assert run["allele_names"][0]["normalisation"].startswith(f"{spelling!r} read as HLA-A*02:01")
    assert all(a == ["HLA-A*02:01"] for a in fake_default_predictors)


def test_cli_hla_e_is_exit_2_naming_the_options(tmp_path: Path, capsys) -> None:
    with example_patient_files() as (vcf, _):
        code = main(["run", str(vcf), "--sample", SAMPLE, "--alleles", "HLA-A*29:02,HLA-E*01:01",
                     "--out", str(tmp_path / "run")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "HLA-E is a non-classical class I gene" in err and "--run-dir" in err


def _cli_run(out: Path, alleles: str, *extra: str) -> int:
    with example_patient_files() as (vcf, _):
        return main(["run", str(vcf), "--sample", SAMPLE, "--alleles", alleles, "--lengths", "9",
                     "--class2-lengths", "15", "--out", str(out), *extra])  # fmt: skip


def test_second_run_into_the_same_folder_leaves_no_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture, fake_default_predictors
) -> None:
    out = tmp_path / "run"
    assert _cli_run(out, "HLA-A*29:02,HLA-DRB1*04:05") == 0
    assert (out / "MHC_Class_II" / "aggregated.tsv").is_file()
    assert (out / "combined" / "aggregated.tsv").is_file()
    (out / "vaccine").mkdir()  # as `vaxmix design` leaves them
    (out / "vaccine" / "selection.tsv").write_text("old\n")
    (out / "report.html").write_text("<html>old</html>")
    finish_design(out)
    first = (out / "run.json").read_text()
    capsys.readouterr()

    assert _cli_run(out, "HLA-A*29:02") == 2  # refused without --overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "run.json").read_text() == first and (out / "vaccine").is_dir()

    assert _cli_run(out, "HLA-A*29:02", "--overwrite") == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MARKER, "run.json", "variants.tsv", "variants.parquet", "all_epitopes.tsv",
         "all_epitopes.parquet", "filtered.tsv", "filtered.parquet", "aggregated.tsv",
         "aggregated.parquet"])  # fmt: skip
    assert json.loads((out / "run.json").read_text())["class2_alleles"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no stage or old copy left


def test_non_vaxmix_folder_is_refused_with_exit_2(tmp_path: Path, capsys) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    for extra in ((), ("--overwrite",)):
        assert _cli_run(out, "HLA-A*29:02", *extra) == 2
        err = capsys.readouterr().err
        assert "not a vaxmix run folder" in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]


def test_report_import_and_design_refuse_a_run_without_the_marker(
    tmp_path: Path, capsys: pytest.CaptureFixture, fake_default_predictors
) -> None:
    out = tmp_path / "run"
    assert _cli_run(out, "HLA-A*29:02") == 0
    (out / MARKER).unlink()  # as a run killed before its last write would leave it
    capsys.readouterr()
    commands = (
        ["report", str(out)],
        ["registry", "import", str(out), "--db", str(tmp_path / "reg.sqlite")],
        ["design", "--run-dir", str(out), "--no-mrna", "--no-report"],
    )
    for argv in commands:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"incomplete vaxmix run folder: {MARKER} is missing" in err, argv
        assert "Traceback" not in err
    assert not (out / "report.html").exists() and not (out / "vaccine").exists()


def test_registry_export_refuses_a_folder_replaced_since_import(
    tmp_path: Path, capsys: pytest.CaptureFixture, fake_default_predictors
) -> None:
    from vaxmix.common.errors import InputError
    from vaxmix.store.db import open_registry
    from vaxmix.store.service import import_run, write_evaluated_aggregated

    out = tmp_path / "run"
    assert _cli_run(out, "HLA-A*29:02") == 0
    registry = open_registry(f"sqlite:///{tmp_path / 'reg.sqlite'}")
    try:
        run_id, _ = import_run(registry, out, actor="test")
        with registry.read() as session:
            assert write_evaluated_aggregated(session, run_id, tmp_path / "a.tsv") == 0
        assert _cli_run(out, "HLA-A*02:01", "--overwrite") == 0  # another run, same folder
        with registry.read() as session, pytest.raises(InputError, match="no longer holds"):
            write_evaluated_aggregated(session, run_id, tmp_path / "b.tsv")
    finally:
        registry.close()


def test_typed_but_uncovered_genes_are_noted_and_recorded(tmp_path: Path, predictor) -> None:
    hla = tmp_path / "sample_final.result.txt"  # HLA-HD's layout
    hla.write_text("A\tHLA-A*29:02:01\t-\nE\tHLA-E*01:01:01:01\tHLA-E*01:03:02:01\n"
                   "G\tHLA-G*01:01:01:01\t-\n")  # fmt: skip
    with example_patient_files() as (vcf, _):
        config = PipelineConfig(vcf=vcf, sample=SAMPLE, hla_file=hla, lengths=(9,))
        result = run_pipeline(config, tmp_path / "run", predict=predictor)
    assert result.alleles == ["HLA-A*29:02"]
    assert any("HLA-E, HLA-G typed but not used" in note for note in result.allele_notes)
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    skipped = [r["given"] for r in run["allele_names"] if r["action"] == "skipped"]
    assert skipped == ["HLA-E", "HLA-G"]
