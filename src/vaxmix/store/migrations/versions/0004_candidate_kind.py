"""Gene-fusion candidates: a ``kind`` column on ``candidate`` ("snv/indel" or "fusion",
existing rows "snv/indel").

``vaxmix run --fusions`` writes pVACfuse's tables into ``fusions/MHC_Class_I|II/`` (docs/
fusions.md); ``registry import`` makes one review candidate per fusion row, of kind "fusion".
The unique key becomes (run_id, mhc_class, kind, index_key): a fusion Index
(``count.GENE1--GENE2.TX1--TX2.inframe|frameshift.position``) and a pVACseq Index are different
namespaces, each numbered from 1, so they are kept apart by kind rather than trusted never to
meet.

SQLite cannot drop a constraint, so the table is rebuilt with Alembic's batch mode from 0003's
definition (as 0002 did; ``vaxmix.store.db.upgrade`` turns foreign-key enforcement off around
the migration and runs ``PRAGMA foreign_key_check`` before committing). PostgreSQL alters the
table in place.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_KEY = "uq_candidate_run_class_index"
NEW_KEY = "uq_candidate_run_class_kind_index"
CHECK = "ck_candidate_kind"
_FLOATS = ("ic50_mt", "ic50_wt", "percentile_mt", "rna_expr", "rna_vaf", "dna_vaf", "allele_expr")


def _candidate_0003(key: bool) -> sa.Table:
    """Table ``candidate`` as migrations 0001-0003 left it (batch source), with or without
    0002's unique key."""
    table = sa.Table(
        "candidate",
        sa.MetaData(),
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
        *[sa.Column(name, sa.Float, nullable=True) for name in _FLOATS],
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("mhc_class", sa.String(4), nullable=False, server_default="I"),
        sa.CheckConstraint("mhc_class IN ('I', 'II')", name="ck_candidate_mhc_class"),
        sa.Index("ix_candidate_variant", "variant_id"),
    )
    if key:
        table.append_constraint(
            sa.UniqueConstraint("run_id", "mhc_class", "index_key", name=OLD_KEY)
        )
    return table


def _candidate_0004_without_key() -> sa.Table:
    table = _candidate_0003(key=False)
    table.append_column(
        sa.Column("kind", sa.String(16), nullable=False, server_default="snv/indel")
    )
    table.append_constraint(sa.CheckConstraint("kind IN ('snv/indel', 'fusion')", name=CHECK))
    return table


def upgrade() -> None:
    kind = sa.Column("kind", sa.String(16), nullable=False, server_default="snv/indel")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "candidate", copy_from=_candidate_0003(key=False), recreate="always"
        ) as batch:
            batch.add_column(kind)
            batch.create_unique_constraint(NEW_KEY, ["run_id", "mhc_class", "kind", "index_key"])
            batch.create_check_constraint(CHECK, "kind IN ('snv/indel', 'fusion')")
        return
    op.add_column("candidate", kind)
    op.drop_constraint(OLD_KEY, "candidate", type_="unique")
    op.create_unique_constraint(NEW_KEY, "candidate", ["run_id", "mhc_class", "kind", "index_key"])
    op.create_check_constraint(CHECK, "candidate", "kind IN ('snv/indel', 'fusion')")


def downgrade() -> None:
    """Back to 0003: refused while fusion candidates exist (0003 cannot tell them apart)."""
    bind = op.get_bind()
    n_fusion = bind.execute(sa.text("SELECT count(*) FROM candidate WHERE kind = 'fusion'"))
    if n_fusion.scalar():
        raise RuntimeError("the registry holds fusion candidates: cannot downgrade to 0003")
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table(
            "candidate", copy_from=_candidate_0004_without_key(), recreate="always"
        ) as batch:
            batch.drop_constraint(CHECK, type_="check")
            batch.drop_column("kind")
            batch.create_unique_constraint(OLD_KEY, ["run_id", "mhc_class", "index_key"])
        return
    op.drop_constraint(CHECK, "candidate", type_="check")
    op.drop_constraint(NEW_KEY, "candidate", type_="unique")
    op.drop_column("candidate", "kind")
    op.create_unique_constraint(OLD_KEY, "candidate", ["run_id", "mhc_class", "index_key"])
