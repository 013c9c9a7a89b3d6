"""`vaxmix cohort run` on a LocalCluster of 2 worker processes (isolation, registry, identical
outputs to `vaxmix run`, resume, one predictor load per worker, design)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vaxmix.cli import main
from vaxmix.cohort.synthetic import NORMAL, TUMOR, make_synthetic_cohort

pytestmark = pytest.mark.slow  # a cluster of processes and real predictions: ~1-2 min


def _cohort(manifest, out, scheduler, *extra):
    return main(["cohort", "run", str(manifest), "--out", str(out), "--options", "--lengths 9",
                 "--scheduler", scheduler, *extra])


def _summary(out):
    return pd.read_csv(out / "cohort" / "summary.tsv", sep="\t", dtype=str,
                       keep_default_na=False).set_index("patient_id")


@pytest.fixture(scope="module")
def first_run(cluster, tmp_path_factory):
    root = tmp_path_factory.mktemp("cohort")
    cohort = make_synthetic_cohort(root / "in", 5, n_bad=2, records=(3, 6))
    out, db = root / "out", root / "registry.sqlite"
    code = _cohort(cohort.manifest, out, cluster.scheduler_address, "--registry", str(db))
    return cohort, out, db, code, _summary(out)


def test_bad_patients_are_reported_and_the_others_finish(first_run):
    cohort, out, _, code, summary = first_run
    assert cohort.bad == {"SYN0004": "pos", "SYN0005": "allele"}
    assert code == 2  # exit status = number of failed patients
    assert list(summary.index) == cohort.patients  # every patient, in manifest order
    assert list(summary["status"]) == ["ok", "ok", "ok", "failed", "failed"]
    # SYN0004: its first record's POS was spoiled; that record's line = header lines + 1
    vcf = cohort.manifest.parent / "inputs" / "SYN0004.vcf"
    header_lines = sum(line.startswith("#") for line in vcf.read_text().splitlines())
    bad = summary.loc["SYN0004"]
    assert (bad["error_file"], bad["error_line"], bad["error_field"]) == (
        str(vcf.resolve()), str(header_lines + 1), "POS")
    # SYN0005: unknown allele in its HLA typing file (5th patient: i % 3 == 1 gets a file),
    # caught while validating the manifest, before any work
    bad = summary.loc["SYN0005"]
    hla = cohort.manifest.parent / "inputs" / "SYN0005.hla.txt"
    assert hla.read_text().splitlines()[0] == "HLA-A*99:99"
    assert (bad["error_file"], bad["error_line"], bad["error_field"]) == (
        str(hla.resolve()), "1", "allele")
    assert bad["note"] == "not started: bad input in the manifest"
    assert "HLA-A*99:99" in bad["error"]
    for patient in ("SYN0001", "SYN0002", "SYN0003"):
        row = summary.loc[patient]
        run = json.loads((out / "patients" / patient / "run.json").read_text())
        assert row["out_dir"] == str(out / "patients" / patient)
        assert int(row["variants"]) == run["counts"]["variants"]
        assert int(row["aggregated_rows"]) == sum(run["counts"]["tiers"].values())
        assert float(row["seconds"]) > 0
    assert not (out / "patients" / "SYN0004").exists()  # nothing half-written
    report = (out / "cohort" / "report.html").read_text()
    assert all(p in report for p in cohort.patients)
    assert "<script src" not in report and "<link" not in report  # self-contained
    meta = json.loads((out / "cohort" / "cohort.json").read_text())
    assert meta["patients"] == {"total": 5, "ok": 3, "skipped": 0, "failed": 2}


def test_shared_table_matches_the_patients_filtered_tables(first_run):
    _, out, _, _, _ = first_run
    pairs: dict[tuple[str, str], set[str]] = {}
    for patient in ("SYN0001", "SYN0002", "SYN0003"):
        table = pd.read_csv(out / "patients" / patient / "filtered.tsv", sep="\t", dtype=str)
        for key in zip(table["MT Epitope Seq"], table["HLA Allele"], strict=True):
            pairs.setdefault(key, set()).add(patient)
    expected = {k: v for k, v in pairs.items() if len(v) >= 2}
    shared = pd.read_csv(out / "cohort" / "shared_neoantigens.tsv", sep="\t", dtype=str)
    found = {(r.mt_epitope, r.allele): set(r.patients.split(","))
             for r in shared.itertuples()}  # fmt: skip
    assert found == expected
    # SYN0001 and SYN0003 (even positions) share HLA-A*29:02 and the hotspot DDX3X R294T
    assert any(k[1] == "HLA-A*29:02" for k in expected)


def test_each_finished_patient_is_in_the_registry(first_run):
    from sqlalchemy import select

    from vaxmix.store.db import open_registry
    from vaxmix.store.models import Patient, Run

    _, _, db, _, summary = first_run
    assert list(summary["registry"][:3]) == ["run 1", "run 2", "run 3"] or all(
        cell.startswith("run ") for cell in summary["registry"][:3])
    assert list(summary["registry"][3:]) == ["", ""]
    registry = open_registry(str(db))
    with registry.read() as session:
        patients = sorted(session.scalars(select(Patient.external_id)))
        runs = len(list(session.scalars(select(Run))))
    registry.close()
    assert (patients, runs) == (["SYN0001", "SYN0002", "SYN0003"], 3)


def test_outputs_are_identical_to_a_single_vaxmix_run(first_run, tmp_path):
    cohort, out, _, _, _ = first_run
    vcf = (cohort.manifest.parent / "inputs" / "SYN0001.vcf").resolve()
    single = tmp_path / "single"
    assert main(["run", str(vcf), "--sample", TUMOR, "--normal-sample", NORMAL, "--alleles",
                 ",".join(cohort.alleles["SYN0001"]), "--lengths", "9",
                 "--out", str(single)]) == 0  # fmt: skip
    mine = out / "patients" / "SYN0001"
    names = sorted(p.relative_to(single).as_posix() for p in single.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*")
                           if p.is_file())  # fmt: skip
    for name in names:
        if name.endswith(".tsv"):
            assert (single / name).read_bytes() == (mine / name).read_bytes(), name
        elif name.endswith(".parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(single / name),
                                          pd.read_parquet(mine / name))  # fmt: skip
    a, b = (json.loads((d / "run.json").read_text()) for d in (single, mine))
    for record in (a, b):
        record.pop("timings_s")
    assert a == b


def test_resume_keeps_unchanged_patients_and_recomputes_changed_ones(first_run, cluster):
    cohort, out, db, _, first = first_run
    code = _cohort(cohort.manifest, out, cluster.scheduler_address, "--registry", str(db))
    again = _summary(out)
    assert code == 2
    assert list(again["status"][:3]) == ["skipped"] * 3
    assert all("already imported" in cell for cell in again["registry"][:3])
    vcf = cohort.manifest.parent / "inputs" / "SYN0002.vcf"
    lines = vcf.read_text().splitlines(keepends=True)  # same path and records, new checksum
    vcf.write_text("".join([lines[0], "##note=edited\n", *lines[1:]]))
    (out / "patients" / "SYN0003" / "filtered.parquet").unlink()  # an incomplete folder
    _cohort(cohort.manifest, out, cluster.scheduler_address)
    third = _summary(out)
    assert list(third["status"][:3]) == ["skipped", "ok", "ok"]
    assert third.loc["SYN0002", "note"] == "recomputed: input vcf changed (checksum)"
    assert third.loc["SYN0003", "note"] == "recomputed: filtered.parquet missing"
    assert (out / "patients" / "SYN0003" / "filtered.parquet").is_file()
    # the predictor was loaded at most once in each worker process over all three runs
    loads: dict[str, int] = {}
    for table in (first, again, third):
        for pid, seconds in zip(table["worker_pid"], table["predictor_load_s"], strict=True):
            if pid and float(seconds or 0) > 0:
                loads[pid] = loads.get(pid, 0) + 1
    assert loads and set(loads.values()) == {1}
    assert len(loads) <= 2


def test_design_runs_per_patient(cluster, tmp_path):
    cohort = make_synthetic_cohort(tmp_path / "in", 1, records=(4, 6))
    out = tmp_path / "out"
    assert _cohort(cohort.manifest, out, cluster.scheduler_address, "--design",
                   "--no-mrna") == 0  # fmt: skip
    folder = out / "patients" / "SYN0001"
    assert (folder / "vaccine" / "design.json").is_file()
    assert (folder / "report.html").is_file()
    assert _summary(out).loc["SYN0001", "design"].startswith("vaccine:")
    _cohort(cohort.manifest, out, cluster.scheduler_address, "--design", "--no-mrna")
    assert _summary(out).loc["SYN0001", "status"] == "skipped"
