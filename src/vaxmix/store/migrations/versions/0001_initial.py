"""Initial registry schema: patients, samples, HLA types, runs, candidates, decisions, designs,
users, settings and the append-only audit log (with triggers enforcing append-only tables and
frozen approved designs).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_APPEND_ONLY = ("audit_log", "review_decision")


def _sqlite_triggers() -> list[str]:
    statements = []
    for table in _APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    for event in ("UPDATE", "DELETE"):
        statements.append(
            f"CREATE TRIGGER design_frozen_{event.lower()} BEFORE {event} ON design "
            "WHEN OLD.status = 'approved' "
            "BEGIN SELECT RAISE(ABORT, 'an approved design is frozen'); END"
        )
    return statements


def _postgres_triggers() -> list[str]:
    statements = [
        "CREATE FUNCTION vaxmix_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
        "CREATE FUNCTION vaxmix_design_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF OLD.status = 'approved' THEN "
        "RAISE EXCEPTION 'an approved design is frozen'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
    ]
    for table in _APPEND_ONLY:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vaxmix_refuse_change()"
        )
    statements.append(
        "CREATE TRIGGER design_frozen BEFORE UPDATE OR DELETE ON design "
        "FOR EACH ROW EXECUTE FUNCTION vaxmix_design_frozen()"
    )
    return statements


def upgrade() -> None:
    op.create_table(
        "setting",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'reviewer', 'admin')", name="ck_user_role"),
    )
    op.create_table(
        "patient",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.String(128), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "sample",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.UniqueConstraint("patient_id", "name"),
    )
    op.create_table(
        "hla_type",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("allele", sa.String(64), nullable=False),
        sa.Column("mhc_class", sa.String(4), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.UniqueConstraint("patient_id", "allele"),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(64), nullable=False, unique=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("sample_id", sa.Integer, sa.ForeignKey("sample.id"), nullable=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("versions", sa.JSON, nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("models", sa.JSON, nullable=False),
        sa.Column("timings", sa.JSON, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("started_at", sa.String(40), nullable=True),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("variant_id", sa.String(255), nullable=False),
        sa.Column("index_key", sa.String(255), nullable=False),
        sa.Column("gene", sa.String(64), nullable=False),
        sa.Column("aa_change", sa.String(64), nullable=False),
        sa.Column("transcript", sa.String(64), nullable=False),
        sa.Column("best_peptide", sa.String(64), nullable=False),
        sa.Column("allele", sa.String(64), nullable=False),
        *[
            sa.Column(name, sa.Float, nullable=True)
            for name in (
                "ic50_mt",
                "ic50_wt",
                "percentile_mt",
                "rna_expr",
                "rna_vaf",
                "dna_vaf",
                "allele_expr",
            )
        ],
        sa.Column("tier", sa.String(32), nullable=False),
        sa.UniqueConstraint("run_id", "index_key"),
    )
    op.create_index("ix_candidate_variant", "candidate", ["variant_id"])
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("candidate_id", sa.Integer, sa.ForeignKey("candidate.id"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("decision IN ('Accept', 'Reject', 'Pending')", name="ck_decision_value"),
    )
    op.create_index("ix_decision_candidate", "review_decision", ["candidate_id", "id"])
    op.create_table(
        "design",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("design.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approved_at", sa.String(40), nullable=True),
        sa.UniqueConstraint("run_id", "version"),
        sa.CheckConstraint("status IN ('draft', 'approved')", name="ck_design_status"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _sqlite_triggers()
    elif dialect == "postgresql":
        statements = _postgres_triggers()
    else:
        statements = []
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS vaxmix_refuse_change() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS vaxmix_design_frozen() CASCADE")
    for table in (
        "audit_log",
        "design",
        "review_decision",
        "candidate",
        "run",
        "hla_type",
        "sample",
        "patient",
        "app_user",
        "setting",
    ):
        op.drop_table(table)
