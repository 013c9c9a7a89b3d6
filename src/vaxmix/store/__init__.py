"""vaxmix.store: the run registry (SQLAlchemy + Alembic) and the review web app (FastAPI).

Public API: :func:`open_registry` and the operations in :mod:`vaxmix.store.service`;
:func:`vaxmix.store.app.create_app` builds the web app.
"""

from vaxmix.store.db import Registry, open_registry

__all__ = ["Registry", "open_registry"]
