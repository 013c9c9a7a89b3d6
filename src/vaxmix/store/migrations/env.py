"""Alembic environment of the vaxmix registry.

vaxmix runs the migrations programmatically (``vaxmix.store.db.upgrade``) and hands over an open
connection in ``config.attributes["connection"]``; running ``alembic`` by hand also works with
``-x url=...``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from vaxmix.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, or on ``-x url=`` when run by hand."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
