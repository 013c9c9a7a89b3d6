"""Migration 0002 (class II candidates) upgrades a 0001 registry holding data and keeps it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from vaxmix.store.db import downgrade, open_registry, upgrade

NOW = "2026-11-23T12:00:00+00:00"
CANDIDATE_0001 = {
    "run_id": 1, "gene": "MSH6", "aa_change": "E1120V", "transcript": "ENST1",
    "best_peptide": "SEKFVIHNL", "allele": "HLA-B*45:01", "ic50_mt": 12.5, "ic50_wt": None,
    "percentile_mt": 0.1, "rna_expr": 30.0, "rna_vaf": 0.4, "dna_vaf": 0.3,
    "allele_expr": 12.0, "tier": "Pass",
}  # fmt: skip


def _insert(conn: sa.Connection, table: str, **values: object) -> int:
    """Insert one row (ids left to the database, so its sequences stay right); returns its id."""
    columns = [sa.column(k) for k in ("id", *values)]
    statement = sa.table(table, *columns).insert().values(**values).returning(sa.column("id"))
    return conn.execute(statement).scalar_one()


def _fill_0001(url: str) -> None:
    """A 0001 registry with a patient, a run, two candidates, a decision and a design."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        from vaxmix.store.db import _configure_sqlite

        _configure_sqlite(engine)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        patient = _insert(conn, "patient", external_id="P1", created_at=NOW)
        run = _insert(
            conn, "run", uid="u1", patient_id=patient, path="/r", status="completed",
            parameters="{}", versions="{}", inputs="[]", models="{}", timings="{}", counts="{}",
            imported_at=NOW, imported_by="test",
        )  # fmt: skip
        ids = [
            _insert(
                conn,
                "candidate",
                **{**CANDIDATE_0001, "run_id": run},
                rank=rank,
                variant_id=f"chr1-{rank}",
                index_key=index_key,
            )
            for rank, index_key in enumerate(
                ("1.MSH6.ENST1.missense.1120E/V", "2.TP53.ENST2.missense.1R/H"), start=1
            )
        ]
        _insert(
            conn, "review_decision", candidate_id=ids[1], decision="Accept", comment="kept",
            username="rita", created_at=NOW,
        )  # fmt: skip
        _insert(
            conn, "design", run_id=run, version=1, status="approved", note="n",
            content='{"candidates": ["2.TP53.ENST2.missense.1R/H"]}', created_by="rita",
            created_at=NOW,
        )  # fmt: skip
    engine.dispose()


def _rows(conn: sa.Connection, table: str) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def test_0002_upgrades_a_0001_registry_with_data(empty_db_url: str) -> None:
    _fill_0001(empty_db_url)
    engine = create_engine(empty_db_url)
    with engine.connect() as conn:
        before = {t: _rows(conn, t) for t in ("candidate", "review_decision", "design", "run")}
    engine.dispose()

    registry = open_registry(empty_db_url)  # upgrade head
    try:
        with registry.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0004"
            after = {t: _rows(conn, t) for t in before}
        # Every row kept; existing candidates are class I.
        assert [r.pop("mhc_class") for r in after["candidate"]] == ["I", "I"]
        assert [r.pop("kind") for r in after["candidate"]] == ["snv/indel"] * 2  # 0004
        assert after == before
        inspector = inspect(registry.engine)
        uniques = [u["column_names"] for u in inspector.get_unique_constraints("candidate")]
        assert uniques == [["run_id", "mhc_class", "kind", "index_key"]]
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("candidate")}
        assert indexes["ix_candidate_variant"] == ["variant_id"]
        fks = inspector.get_foreign_keys("review_decision")
        assert [(f["referred_table"], f["constrained_columns"]) for f in fks] == [
            ("candidate", ["candidate_id"])
        ]

        insert = text(
            "INSERT INTO candidate (run_id, mhc_class, rank, variant_id, index_key, gene,"
            " aa_change, transcript, best_peptide, allele, tier) VALUES (:run, :cls, 1, 'chr1-1',"
            " '1.MSH6.ENST1.missense.1120E/V', 'MSH6', 'E1120V', 'ENST1', 'P', 'A', 'Pass')"
        )
        # The same Index as class II is a new candidate ...
        with registry.engine.begin() as conn:
            conn.execute(insert, {"run": 1, "cls": "II"})
        # ... but not twice in one class, not an unknown class, not for a missing run.
        for params in ({"run": 1, "cls": "II"}, {"run": 1, "cls": "I"}, {"run": 1, "cls": "III"}):
            with pytest.raises(IntegrityError), registry.engine.begin() as conn:
                conn.execute(insert, params)
        with pytest.raises(IntegrityError), registry.write() as session:
            session.execute(insert, {"run": 99, "cls": "II"})  # foreign keys enforced again
        # 0001's triggers survive: decisions stay append-only, the approved design frozen.
        for statement in (
            "UPDATE review_decision SET decision = 'Reject'",
            "DELETE FROM review_decision",
            "UPDATE design SET note = 'changed'",
        ):
            with pytest.raises(DBAPIError), registry.engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        registry.close()
    # Opening again is a no-op (already at head).
    open_registry(empty_db_url).close()


def test_0002_downgrades_to_0001_and_back(empty_db_url: str, hcc1395_run) -> None:
    """Downgrade keeps class I rows and their decisions; it is refused while class II exists."""
    from store_helpers import add_class2_table

    from vaxmix.store.service import import_run, record_decision

    registry = open_registry(empty_db_url)
    try:
        import_run(registry, hcc1395_run, actor="test")
        record_decision(registry, 1, "Accept", "before downgrade", "rita")
        downgrade(registry.engine, "0001")
        inspector = inspect(registry.engine)
        uniques = [u["column_names"] for u in inspector.get_unique_constraints("candidate")]
        assert uniques == [["run_id", "index_key"]]
        assert "mhc_class" not in {c["name"] for c in inspector.get_columns("candidate")}
        upgrade(registry.engine)
        with registry.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM candidate")) == 23
            assert conn.scalar(text("SELECT candidate_id FROM review_decision")) == 1
        add_class2_table(hcc1395_run)
        import_run(registry, hcc1395_run, actor="test")  # back-fills class II
        with pytest.raises(RuntimeError, match="class II candidates"):
            downgrade(registry.engine, "0001")
        with registry.engine.connect() as conn:  # the whole downgrade was rolled back
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0004"
    finally:
        registry.close()


def test_0003_adds_server_side_sessions_and_downgrades(empty_db_url: str) -> None:
    """0003 adds ``app_session`` (token hash unique, user foreign key); downgrade drops it."""
    registry = open_registry(empty_db_url)
    try:
        inspector = inspect(registry.engine)
        columns = {c["name"] for c in inspector.get_columns("app_session")}
        assert columns == {
            "id", "user_id", "token_hash", "created_at", "revoked_at", "revoked_by",
            "revoked_reason",
        }  # fmt: skip
        fks = inspector.get_foreign_keys("app_session")
        assert [(f["referred_table"], f["constrained_columns"]) for f in fks] == [
            ("app_user", ["user_id"])
        ]
        downgrade(registry.engine, "0002")
        assert "app_session" not in inspect(registry.engine).get_table_names()
        upgrade(registry.engine)
        assert "app_session" in inspect(registry.engine).get_table_names()
    finally:
        registry.close()
