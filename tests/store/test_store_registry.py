"""Registry: import, decisions, versioned designs, append-only tables, hash-chained audit log."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from store_helpers import aggregated_rows

from vaxmix.cli import main
from vaxmix.common.errors import InputError
from vaxmix.store.audit import verify_chain
from vaxmix.store.db import Registry, open_registry
from vaxmix.store.models import AuditEntry, Candidate, Design, HlaType, Run
from vaxmix.store.service import (
    RegistryError,
    approve_design,
    authenticate,
    current_decisions,
    edit_design,
    export_run,
    import_run,
    record_decision,
)


def test_import_records_run_candidates_hla_and_design(
    registry: Registry, designed_run: Path
) -> None:
    """A real run folder: every stored value is the one its run.json and tables hold."""
    run_id, created = import_run(registry, designed_run, actor="test")
    assert created
    assert import_run(registry, designed_run, actor="test") == (run_id, False)
    record = json.loads((designed_run / "run.json").read_text())
    rows = {c: aggregated_rows(designed_run, c) for c in ("I", "II")}
    assert rows["I"] and rows["II"]  # the demo run has both classes
    with registry.read() as session:
        run = session.get(Run, run_id)
        assert run.patient.external_id == record["sample"]  # no --patient: the sample name
        assert run.sample.name == record["sample"]
        assert {s.name for s in run.patient.samples} == {record["sample"], record["normal_sample"]}
        inputs = {i["role"]: i["sha256"] for i in run.inputs}
        assert inputs["vcf"] == record["inputs"]["vcf"]["sha256"]
        assert run.parameters == record["parameters"]
        types = {h.allele: h.mhc_class for h in session.scalars(select(HlaType))}
        assert types == {
            **{a: "I" for a in record["alleles"]},
            **{a: "II" for a in record["class2_alleles"]},
        }
        for mhc_class in ("I", "II"):
            stored = [c for c in run.candidates if c.mhc_class == mhc_class]
            assert [c.index_key for c in stored] == [r["Index"] for r in rows[mhc_class]]
            first, row = stored[0], rows[mhc_class][0]
            assert (first.gene, first.best_peptide, first.allele, first.tier) == (
                row["Gene"], row["Best Peptide"], row["Allele"], row["Tier"]
            )  # fmt: skip
            assert first.ic50_mt == pytest.approx(float(row["IC50 MT"]))
        (design,) = run.designs
        assert design.version == 1 and design.status == "draft"
        with open(designed_run / "vaccine" / "selection.tsv", newline="") as handle:
            selected = [r["variant_index"] for r in csv.DictReader(handle, delimiter="\t")]
        assert design.content["candidates"] == selected
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["run.import", "design.create"]


def test_decision_history_and_current_decision(real_loaded: Registry) -> None:
    first = record_decision(real_loaded, 1, "Accept", "strong binder", "rita")
    second = record_decision(real_loaded, 1, "Reject", "WT binds too", "admin")
    record_decision(real_loaded, 2, "Pending", "", "rita")
    with real_loaded.read() as session:
        current = current_decisions(session, [1, 2, 3])
        assert current[1].id == second and current[1].decision == "Reject"
        assert current[2].decision == "Pending" and 3 not in current
    assert second > first
    with pytest.raises(InputError):
        record_decision(real_loaded, 1, "Maybe", "", "rita")
    with pytest.raises(RegistryError):
        record_decision(real_loaded, 99999, "Accept", "", "rita")


def test_approved_design_is_frozen_and_edit_makes_a_new_version(
    real_loaded: Registry, designed_run: Path
) -> None:
    a, b = (row["Index"] for row in aggregated_rows(designed_run)[:2])  # two class I variants
    edit_id = edit_design(real_loaded, 1, [a], "draft edit", "rita")
    assert edit_id == 1  # a draft is edited in place
    approve_design(real_loaded, 1, "rita")
    with pytest.raises(RegistryError, match="already approved"):
        approve_design(real_loaded, 1, "admin")
    new_id = edit_design(real_loaded, 1, [a, b], "after sign-off", "admin")
    assert new_id != 1
    with real_loaded.read() as session:
        old, new = session.get(Design, 1), session.get(Design, new_id)
        assert (old.status, old.version, old.content["candidates"]) == ("approved", 1, [a])
        assert (new.status, new.version, new.parent_id) == ("draft", 2, 1)
        assert new.content["candidates"] == [a, b]
        assert new.content["construct"] == old.content["construct"]
    # The database itself refuses to change an approved design (trigger), whatever the client.
    with pytest.raises(DBAPIError, match="frozen"), real_loaded.write() as session:
        session.execute(text("UPDATE design SET note = :n WHERE id = :i"), {"n": "x", "i": 1})


def test_append_only_tables_refuse_update_and_delete(real_loaded: Registry) -> None:
    record_decision(real_loaded, 1, "Accept", "ok", "rita")
    for table in ("audit_log", "review_decision"):
        _refuses_change(real_loaded, table)


def _refuses_change(loaded: Registry, table: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), loaded.write() as session:
        session.execute(text(f"UPDATE {table} SET id = id"))
    with pytest.raises(DBAPIError, match="append-only"), loaded.write() as session:
        session.execute(text(f"DELETE FROM {table}"))


def test_audit_chain_detects_tampering(real_loaded: Registry) -> None:
    record_decision(real_loaded, 1, "Accept", "ok", "rita")
    record_decision(real_loaded, 2, "Reject", "no", "rita")
    with real_loaded.read() as session:
        report = verify_chain(session)
        assert report.ok and report.records == 7  # import, design, 3 users, 2 reviews
        target = session.scalars(
            select(AuditEntry.id).where(AuditEntry.action == "candidate.review")
        ).first()
    # Bypass the trigger as a database owner could, and change one comment.
    with real_loaded.write() as session:
        if real_loaded.dialect == "sqlite":
            session.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        session.execute(
            text("UPDATE audit_log SET details = :d WHERE id = :i"),
            {"d": json.dumps({"decision": "Reject"}), "i": target},
        )
    with real_loaded.read() as session:
        report = verify_chain(session)
    assert not report.ok and report.first_bad_id == target


def test_passwords_are_argon2_hashed(real_loaded: Registry) -> None:
    with real_loaded.read() as session:
        user = authenticate(session, "rita", "reviewer-pass-1")
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert "reviewer-pass-1" not in user.password_hash
        assert authenticate(session, "rita", "wrong-password") is None
        assert authenticate(session, "nobody", "reviewer-pass-1") is None


def test_production_hasher_parameters() -> None:
    """The shipped hasher: argon2id with RFC 9106's low-memory profile (t=3, 64 MiB, p=4)."""
    from argon2 import PasswordHasher, profiles

    from vaxmix.store import service

    assert service.HASHER_PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    encoded = PasswordHasher.from_parameters(service.HASHER_PARAMETERS).hash("correct horse")
    assert encoded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_export_has_history_designs_and_audit(real_loaded: Registry, designed_run: Path) -> None:
    record_decision(real_loaded, 3, "Accept", "first", "rita")
    record_decision(real_loaded, 3, "Reject", "second", "admin")
    with real_loaded.read() as session:
        data = export_run(session, 1)
    assert data["schema"] == "vaxmix.registry_export/1"
    assert [(d["decision"], d["username"]) for d in data["decisions"]] == [
        ("Accept", "rita"),
        ("Reject", "admin"),
    ]
    n_rows = len(aggregated_rows(designed_run)) + len(aggregated_rows(designed_run, "II"))
    assert len(data["candidates"]) == n_rows and len(data["designs"]) == 1
    assert [a["action"] for a in data["audit"]] == [
        "run.import",
        "design.create",
        "candidate.review",
        "candidate.review",
    ]


def test_schema_is_created_by_alembic(registry: Registry) -> None:
    with registry.read() as session:
        assert session.scalar(text("SELECT version_num FROM alembic_version")) == "0004"
        assert session.scalar(select(func.count()).select_from(Candidate)) == 0
    if registry.dialect == "sqlite":
        with registry.read() as session:
            assert session.scalar(text("PRAGMA journal_mode")) == "wal"


def test_registry_cli_round_trip(tmp_path: Path, designed_run: Path, capsys, monkeypatch) -> None:
    db = str(tmp_path / "cli.sqlite")
    assert main(["registry", "init", "--db", db]) == 0
    assert main(["registry", "import", str(designed_run), "--db", db, "--patient", "P-001"]) == 0
    assert "run 1 imported" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("s3cret-pass\n"))
    assert (
        main(["registry", "add-user", "ann", "--role", "reviewer", "--password-stdin", "--db", db])
        == 0
    )
    assert main(["registry", "list", "runs", "--db", db]) == 0
    listing = capsys.readouterr().out
    n_rows = len(aggregated_rows(designed_run)) + len(aggregated_rows(designed_run, "II"))
    assert "P-001" in listing and f"\t{n_rows}\t" in listing
    out = tmp_path / "export.json"
    assert main(["registry", "export", "1", "--db", db, "-o", str(out)]) == 0
    assert json.loads(out.read_text())["patient"]["external_id"] == "P-001"
    evaluated = tmp_path / "evaluated.tsv"
    assert (
        main(
            [
                "registry",
                "export",
                "1",
                "--db",
                db,
                "-o",
                str(out),
                "--evaluated-tsv",
                str(evaluated),
            ]
        )
        == 0
    )
    assert evaluated.read_text().splitlines()[0].endswith("\tEvaluation")
    assert main(["registry", "audit", "--db", db]) == 0
    assert main(["registry", "export", "7", "--db", db]) == 2
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert main(["registry", "add-user", "bob", "--password-stdin", "--db", db]) == 2
    assert main(["registry", "list", "--db", "notadriver://x"]) == 2


def test_open_registry_twice_keeps_data(tmp_path: Path, designed_run: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    first = open_registry(url)
    import_run(first, designed_run, actor="t")
    first.close()
    second = open_registry(url)
    with second.read() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 1
    second.close()


def test_import_reads_the_run_json_of_vaxmix_run(registry: Registry, hcc1395_run: Path) -> None:
    # Hand-made folder on purpose: its run.json is rewritten to the older ``inputs``/
    # ``prediction`` spelling and selection.tsv to the old ``variant_index`` header, checking
    # values (timings, 5 selected variants) that fixture fixes.
    run_json = json.loads((hcc1395_run / "run.json").read_text())
    run_json["inputs"]["vcf"] = {"path": "/d/p.vcf.gz", "sha256": "cd" * 32}
    models = ["vaxmix-mhc1-baseline 0.1.1"]
    run_json["prediction"] = {"models": models, "class1_models": models, "class2_models": [],
                              "note": "predictions"}  # fmt: skip
    (hcc1395_run / "run.json").write_text(json.dumps(run_json))
    selection = hcc1395_run / "vaccine" / "selection.tsv"
    selection.write_text(selection.read_text().replace("\tIndex\t", "\tvariant_index\t", 1))
    run_id, _ = import_run(registry, hcc1395_run, actor="test")
    with registry.read() as session:
        run = session.get(Run, run_id)
        assert run.patient.external_id == "HCC1395_TUMOR_DNA"  # no patient: the sample name
        assert run.inputs == [{"role": "vcf", "path": "/d/p.vcf.gz", "sha256": "cd" * 32}]
        assert run.timings["predict_s"] == 240.3
        assert run.models == {"models": models, "class1_models": models, "class2_models": [],
                              "note": "predictions"}  # fmt: skip
        assert len(run.designs[0].content["candidates"]) == 5


def test_evaluated_aggregated_table_for_pvacview(
    real_loaded: Registry, designed_run: Path, tmp_path
) -> None:
    from vaxmix.store.service import write_evaluated_aggregated

    # candidate ids 1..n are the class I rows in table order (imported first)
    record_decision(real_loaded, 1, "Reject", "", "rita")
    record_decision(real_loaded, 1, "Accept", "", "rita")  # the newest decision counts
    record_decision(real_loaded, 3, "Reject", "", "rita")
    out = tmp_path / "evaluated.tsv"
    with real_loaded.read() as session:
        assert write_evaluated_aggregated(session, 1, out) == 2
    original = aggregated_rows(designed_run)
    with open(out, newline="") as handle:
        written = list(csv.DictReader(handle, delimiter="\t"))
    expected = ["Accept", "Pending", "Reject"] + ["Pending"] * (len(original) - 3)
    assert [r["Evaluation"] for r in written] == expected
    # Every other cell is unchanged.
    for before, after in zip(original, written, strict=True):
        assert {k: v for k, v in before.items() if k != "Evaluation"} == {
            k: v for k, v in after.items() if k != "Evaluation"
        }


def test_import_records_class2_molecules_of_a_class2_run(
    registry: Registry, hcc1395_run: Path
) -> None:
    """A run with class II (``class2_alleles`` in run.json) registers its molecules as class II;
    without MHC_Class_II/ tables it has class I candidates only."""
    # Hand-made folder on purpose: a class I-only folder whose run.json lists class II molecules
    # (the real demo run has MHC_Class_II/ tables, so it cannot show "no class II candidates").
    run_json_path = hcc1395_run / "run.json"
    run_json = json.loads(run_json_path.read_text())
    run_json["class2_alleles"] = ["HLA-DRB1*04:05", "HLA-DQA1*01:02-DQB1*06:02"]
    run_json_path.write_text(json.dumps(run_json))
    run_id, _ = import_run(registry, hcc1395_run, actor="test")
    with registry.read() as session:
        types = {h.allele: h.mhc_class for h in session.scalars(select(HlaType))}
        assert types == {
            "HLA-A*29:02": "I", "HLA-B*45:01": "I", "HLA-B*82:02": "I",
            "HLA-DRB1*04:05": "II", "HLA-DQA1*01:02-DQB1*06:02": "II",
        }  # fmt: skip
        run = session.get(Run, run_id)
        assert [c.index_key for c in run.candidates] == [
            r["Index"] for r in aggregated_rows(hcc1395_run)
        ]
