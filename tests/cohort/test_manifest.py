"""Manifest reading: every row becomes `vaxmix run`'s config; errors name file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from vaxmix.cohort.manifest import read_manifest
from vaxmix.cohort.synthetic import make_synthetic_cohort
from vaxmix.common.errors import InputError


@pytest.fixture
def inputs(tmp_path) -> Path:
    cohort = make_synthetic_cohort(tmp_path, 2)
    return cohort.manifest.parent


def _write(folder: Path, text: str, name: str = "m.tsv") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_rows_become_run_configs_with_paths_and_options(inputs, tmp_path):
    manifest = _write(inputs, (
        "# comment line\n"
        "Patient ID\tVCF\tTumor Sample\talleles\tclass2_alleles\toptions\n"
        "P1\tinputs/SYN0001.vcf\tHCC1395_TUMOR_DNA\tHLA-A*02:01;B0702\tHLA-DRB1*04:05\t\n"
        "P2\tinputs/SYN0002.vcf\tHCC1395_TUMOR_DNA\tA*01:01 \t\t--lengths 10 --pass-only\n"))
    specs = read_manifest(manifest, tmp_path / "out", options="--lengths 9")
    assert [s.patient_id for s in specs] == ["P1", "P2"]
    assert [s.line for s in specs] == [3, 4]
    first, second = (s.config for s in specs)
    assert first.vcf == (inputs / "inputs" / "SYN0001.vcf").resolve()
    assert first.sample == "HCC1395_TUMOR_DNA"
    assert first.alleles == ("HLA-A*02:01", "B0702", "HLA-DRB1*04:05")
    assert first.lengths == (9,) and not first.pass_only
    assert second.lengths == (10,) and second.pass_only  # the row's options win


def test_csv_manifest(inputs, tmp_path):
    manifest = _write(inputs, "patient_id,vcf,hla_file\nP1,inputs/SYN0001.vcf,"
                      "inputs/SYN0002.hla.txt\n", "m.csv")
    (spec,) = read_manifest(manifest, tmp_path / "out")
    assert spec.error is None
    assert spec.config.hla_file == (inputs / "inputs" / "SYN0002.hla.txt").resolve()


@pytest.mark.parametrize(("text", "line", "field"), [
    ("patient_id\tvcf\thla_fle\nP1\tinputs/SYN0001.vcf\tx\n", 1, "hla_fle"),
    ("vcf\talleles\ninputs/SYN0001.vcf\tA*02:01\n", 1, "patient_id"),
    ("patient_id\tvcf\talleles\nP1\tinputs/SYN0001.vcf\tA*02:01\n"
     "P1\tinputs/SYN0002.vcf\tA*02:01\n", 3, "patient_id"),
    ("patient_id\tvcf\talleles\n../up\tinputs/SYN0001.vcf\tA*02:01\n", 2, "patient_id"),
])  # fmt: skip
def test_manifest_wide_errors_stop_everything(inputs, tmp_path, text, line, field):
    with pytest.raises(InputError) as caught:
        read_manifest(_write(inputs, text), tmp_path / "out")
    assert caught.value.line == line
    assert caught.value.field == field
    assert Path(caught.value.path).name == "m.tsv"


@pytest.mark.parametrize(("cells", "field", "words"), [
    ("inputs/missing.vcf\tA*02:01\t", "vcf", "file not found"),
    ("inputs/SYN0001.vcf\tHLA-A*99:99\t", "alleles", "unknown allele"),
    ("inputs/SYN0001.vcf\t\t", "alleles", "give alleles"),
    ("inputs/SYN0001.vcf\tA*02:01\t--alleles A*01:01", "options", "alleles column"),
    ("inputs/SYN0001.vcf\tA*02:01\t--lengths x", "options", "integers"),
    ("inputs/SYN0001.vcf\tA*02:01\t--no-such-option", "options", "unrecognized"),
    ("inputs/SYN0001.vcf\tA*02:01\t--reference-proteome nope.fa", "options", "not found"),
])  # fmt: skip
def test_one_patients_bad_input_is_kept_on_that_patient(inputs, tmp_path, cells, field, words):
    manifest = _write(inputs, "patient_id\tvcf\talleles\toptions\n"
                      "GOOD\tinputs/SYN0002.vcf\tA*02:01\t\n" f"BAD\t{cells}\n")
    good, bad = read_manifest(manifest, tmp_path / "out")
    assert good.error is None and good.config is not None
    assert bad.config is None
    assert (bad.error.path, bad.error.line, bad.error.field) == (manifest, 3, field)
    assert words in bad.error.message


def test_class2_column_takes_only_class2_names(inputs, tmp_path):
    manifest = _write(inputs, "patient_id\tvcf\tclass2_alleles\nP\tinputs/SYN0001.vcf\t"
                      "HLA-A*02:01\n")
    (spec,) = read_manifest(manifest, tmp_path / "out")
    assert spec.error.field == "class2_alleles"


def test_bad_cohort_options_are_one_error(inputs, tmp_path):
    manifest = _write(inputs, "patient_id\tvcf\talleles\nP\tinputs/SYN0001.vcf\tA*02:01\n")
    with pytest.raises(InputError) as caught:
        read_manifest(manifest, tmp_path / "out", options="--lengths 9,x")
    assert caught.value.field == "--options"
    with pytest.raises(InputError):
        read_manifest(manifest, tmp_path / "out", options="--sample X")
