"""Class II candidates: a ``mhc_class`` column on ``candidate`` ("I" or "II", existing rows "I")
and the unique key widened from (run_id, index_key) to (run_id, mhc_class, index_key), because a
variant is a candidate in both the class I and the class II ``aggregated.tsv`` under the same
``Index``.

SQLite cannot drop the unnamed UNIQUE constraint of 0001, so the table is rebuilt with Alembic's
batch mode (copy into a new table, drop, rename: SQLite's documented procedure for other schema
changes, https://www.sqlite.org/lang_altertable.html#otheralter); ``vaxmix.store.db.upgrade``
turns foreign-key enforcement off around the migration (``review_decision`` rows point at
``candidate``) and runs ``PRAGMA foreign_key_check`` before committing. PostgreSQL alters the
table in place.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_KEY = "uq_candidate_run_class_index"
# PostgreSQL's default name for 0001's UNIQUE (run_id, index_key) of table candidate.
POSTGRES_OLD_KEY = "candidate_run_id_index_key_key"
_FLOATS = ("ic50_mt", "ic50_wt", "percentile_mt", "rna_expr", "rna_vaf", "dna_vaf", "allele_expr")


def _candidate_0001_without_key() -> sa.Table:
    """Table ``candidate`` as migration 0001 made it, minus its unique key (batch source)."""
    return sa.Table(
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
        sa.Index("ix_candidate_variant", "variant_id"),
    )


def _candidate_0002_with_old_key() -> sa.Table:
    """0002's columns with 0001's unnamed key (batch source of the downgrade)."""
    table = _candidate_0001_without_key()
    table.append_column(sa.Column("mhc_class", sa.String(4), nullable=False, server_default="I"))
    table.append_constraint(sa.UniqueConstraint("run_id", "index_key"))
    return table


def upgrade() -> None:
    mhc_class = sa.Column("mhc_class", sa.String(4), nullable=False, server_default="I")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "candidate", copy_from=_candidate_0001_without_key(), recreate="always"
        ) as batch:
            batch.add_column(mhc_class)
            batch.create_unique_constraint(NEW_KEY, ["run_id", "mhc_class", "index_key"])
            batch.create_check_constraint("ck_candidate_mhc_class", "mhc_class IN ('I', 'II')")
        return
    op.add_column("candidate", mhc_class)
    op.drop_constraint(POSTGRES_OLD_KEY, "candidate", type_="unique")
    op.create_unique_constraint(NEW_KEY, "candidate", ["run_id", "mhc_class", "index_key"])
    op.create_check_constraint("ck_candidate_mhc_class", "candidate", "mhc_class IN ('I', 'II')")


def downgrade() -> None:
    """Back to 0001: refused while class II candidates exist (they would collide on the key)."""
    bind = op.get_bind()
    n_class2 = bind.execute(sa.text("SELECT count(*) FROM candidate WHERE mhc_class = 'II'"))
    if n_class2.scalar():
        raise RuntimeError("the registry holds class II candidates: cannot downgrade to 0001")
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table(
            "candidate", copy_from=_candidate_0002_with_old_key(), recreate="always"
        ) as batch:
            batch.drop_column("mhc_class")
        return
    op.drop_constraint("ck_candidate_mhc_class", "candidate", type_="check")
    op.drop_constraint(NEW_KEY, "candidate", type_="unique")
    op.drop_column("candidate", "mhc_class")
    op.create_unique_constraint(POSTGRES_OLD_KEY, "candidate", ["run_id", "index_key"])
