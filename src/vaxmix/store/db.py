"""Open a registry: engine, SQLite settings, migrations on open, and sessions.

A registry is a SQLite file by default (WAL journal, foreign keys on, a 30 s busy timeout) or
any SQLAlchemy URL, for example ``postgresql+psycopg://user@host/db`` for a team.

Writes on SQLite start with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the database
lock instead of failing when a read transaction tries to upgrade to a write (SQLite's
``SQLITE_BUSY_SNAPSHOT`` in WAL mode); on PostgreSQL the code takes row locks or an advisory
lock where an order matters (design versions, the audit chain).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from vaxmix.common.errors import InputError

__all__ = [
    "DEFAULT_REGISTRY",
    "Registry",
    "open_registry",
    "registry_exists",
    "registry_url",
    "sqlite_path",
]

DEFAULT_REGISTRY = "vaxmix-registry.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass
class Registry:
    """An open registry: the engine and session factories for reads and writes."""

    engine: Engine
    read_sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (rolled back at the end)."""
        with self.read_sessions() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.write_sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def registry_url(value: str | os.PathLike[str] | None) -> str:
    """Turn a path or URL (or ``$VAXMIX_REGISTRY``, or the default file) into a URL."""
    text = str(value) if value else os.environ.get("VAXMIX_REGISTRY", DEFAULT_REGISTRY)
    if "://" in text:
        try:
            make_url(text)
        except ArgumentError as exc:
            raise InputError(f"not a database URL: {exc}", field="--db") from exc
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("vaxmix_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (by default the newest migration, ``upgrade head``)."""
    _migrate(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (Alembic ``downgrade``; for administrators)."""
    _migrate(engine, "downgrade", revision)


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    location = resources.files("vaxmix.store").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # A table rebuild (migration 0002) drops a table that other rows point at: SQLite's
            # procedure turns foreign keys off outside the transaction and checks them before
            # committing (https://www.sqlite.org/lang_altertable.html#otheralter).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise InputError(
                            f"registry migration would break {len(broken)} foreign keys "
                            f"(first: {tuple(broken[0])}); nothing was changed",
                            field="--db",
                        )
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def open_registry(url: str | os.PathLike[str] | None = None, migrate: bool = True) -> Registry:
    """Open (and by default create or upgrade) the registry at ``url``.

    Raises
    ------
    InputError
        When the URL is malformed or its driver is not installed.
    """
    resolved = registry_url(url)
    kwargs: dict = {}
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
        if parsed.database not in (None, "", ":memory:"):
            kwargs["pool_size"] = 20
            kwargs["max_overflow"] = 10
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 20
        kwargs["max_overflow"] = 10
    try:
        engine = create_engine(resolved, **kwargs)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise InputError(f"cannot open registry: {exc}", field="--db") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    if migrate:
        upgrade(engine)
    writer = engine.execution_options(vaxmix_write=True)
    return Registry(
        engine=engine,
        read_sessions=sessionmaker(engine, expire_on_commit=False),
        write_sessions=sessionmaker(writer, expire_on_commit=False),
    )


def sqlite_path(url: str | os.PathLike[str] | None) -> Path | None:
    """The file of a SQLite registry (``None`` for an in-memory or a server registry)."""
    parsed = make_url(registry_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def registry_exists(url: str | os.PathLike[str] | None) -> bool:
    """Whether a registry was made at ``url`` (a non-empty SQLite file, or a server database
    holding the schema), without creating anything."""
    path = sqlite_path(url)
    if path is not None:
        return path.is_file() and path.stat().st_size > 0
    from sqlalchemy import inspect

    try:
        engine = create_engine(registry_url(url))
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise InputError(f"cannot open registry: {exc}", field="--db") from exc
    try:
        with engine.connect() as connection:
            return inspect(connection).has_table("alembic_version")
    finally:
        engine.dispose()
