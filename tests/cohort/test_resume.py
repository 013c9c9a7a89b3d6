"""Resume decisions: keep a patient's outputs only when complete, current and unchanged."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pandas as pd
import pytest

from vaxmix.cohort.resume import design_unchanged, reuse_reason, run_folder_complete
from vaxmix.cohort.synthetic import TUMOR, make_synthetic_cohort
from vaxmix.common.provenance import sha256_file
from vaxmix.common.runfolder import finish_design
from vaxmix.pipeline import PipelineConfig, run_pipeline


def fake_predict(peptides, alleles):
    """Deterministic stand-in for the predictor (scores from a hash of peptide and allele)."""
    rows = []
    for peptide in peptides:
        for allele in alleles:
            x = int.from_bytes(hashlib.sha256(f"{peptide}|{allele}".encode()).digest()[:4],
                               "big") / 2**32
            rows.append((peptide, allele, 10 ** (1 + 4 * x), 100 * x, 1 - x, "fake 0"))
    return pd.DataFrame(rows, columns=["peptide", "allele", "affinity_nm", "percentile",
                                       "presentation_score", "model"])


@pytest.fixture
def finished(tmp_path):
    cohort = make_synthetic_cohort(tmp_path / "in", 1, records=(3, 4))
    vcf = (tmp_path / "in" / "inputs" / "SYN0001.vcf").resolve()
    config = PipelineConfig(vcf=vcf, sample=TUMOR, alleles=tuple(cohort.alleles["SYN0001"]),
                            lengths=(9,))
    run_dir = tmp_path / "run"
    run_pipeline(config, run_dir, predict=fake_predict)
    return run_dir, config


def test_a_finished_unchanged_run_is_kept(finished):
    run_dir, config = finished
    assert run_folder_complete(run_dir) is None
    assert reuse_reason(run_dir, config, design=False) == (True, False, "")


def test_a_missing_table_makes_the_folder_incomplete(finished):
    run_dir, config = finished
    (run_dir / "variants.parquet").unlink()  # as if the final move was interrupted
    assert run_folder_complete(run_dir) == "variants.parquet missing"
    assert reuse_reason(run_dir, config, design=False)[0] is False


def test_changed_parameters_inputs_or_version_recompute(finished):
    run_dir, config = finished
    keep, _, why = reuse_reason(run_dir, dataclasses.replace(config, lengths=(10,)), False)
    assert (keep, why) == (False, "parameters changed")
    with open(config.vcf, "a") as handle:  # same path, new content
        handle.write("\n")
    assert reuse_reason(run_dir, config, False)[2] == "input vcf changed (checksum)"
    run = json.loads((run_dir / "run.json").read_text())
    run["vaxmix_version"] = "0.0.1"
    (run_dir / "run.json").write_text(json.dumps(run))
    assert "made by vaxmix 0.0.1" in reuse_reason(run_dir, config, False)[2]


def test_design_is_kept_only_when_made_from_the_current_tables(finished):
    run_dir, config = finished
    aggregated = run_dir / "aggregated.tsv"
    (run_dir / "vaccine").mkdir()
    (run_dir / "vaccine" / "design.json").write_text(json.dumps(
        {"inputs": {"aggregated": {"path": str(aggregated), "sha256": sha256_file(aggregated)}}}))
    finish_design(run_dir)  # a finished design lists vaccine/ in the completion marker
    assert design_unchanged(run_dir, mrna=False) == "report.html missing"
    (run_dir / "report.html").write_text("<html></html>")
    assert design_unchanged(run_dir, mrna=False) is None
    assert design_unchanged(run_dir, mrna=True) == "no readable mrna/mrna.json"
    assert reuse_reason(run_dir, config, design=True, mrna=False) == (True, True, "")
    with open(aggregated, "a") as handle:
        handle.write("\n")
    keep_run, keep_design, why = reuse_reason(run_dir, config, design=True, mrna=False)
    assert keep_run is True and keep_design is False
    assert why == "vaccine/design.json was made from other inputs (aggregated.tsv)"
