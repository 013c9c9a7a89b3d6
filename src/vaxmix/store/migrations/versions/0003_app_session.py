"""Server-side sessions: one ``app_session`` row per sign-in, so that a session can be revoked
(sign-out, password change, an administrator) before its cookie expires.

The cookie holds a random session token; the table keeps only its sha256, the user, when it was
made and when and why it was revoked. Sessions made before this migration (cookies without a
token) are no longer accepted: users sign in again once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.Column("revoked_by", sa.String(64), nullable=True),
        sa.Column("revoked_reason", sa.String(64), nullable=True),
    )
    op.create_index("ix_app_session_user", "app_session", ["user_id", "revoked_at"])


def downgrade() -> None:
    op.drop_index("ix_app_session_user", table_name="app_session")
    op.drop_table("app_session")
