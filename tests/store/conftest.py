"""Registry fixtures parametrized over SQLite (WAL file) and PostgreSQL.

PostgreSQL runs when ``VAXMIX_TEST_POSTGRES_URL`` points at a server (``.ci/run`` starts one);
each test gets a fresh database created on that server and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from store_helpers import build_run_folder, load_registry, serve_in_thread

from vaxmix.store.db import Registry, open_registry

POSTGRES_URL = os.environ.get("VAXMIX_TEST_POSTGRES_URL")
#: Registry back-ends every parametrized fixture runs on; PostgreSQL only where a server is set.
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(POSTGRES_URL is None, reason="VAXMIX_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2-cffi's CHEAPEST profile (meant for tests) instead of ~0.2 s per hash here.

    ``test_store_registry.py::test_production_hasher_parameters`` checks the real settings.
    """
    from argon2 import PasswordHasher, profiles

    from vaxmix.store import users

    monkeypatch.setattr(users, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def hcc1395_run(tmp_path: Path) -> Path:
    return build_run_folder(tmp_path / "HCC1395_run")


def _pg_admin():
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _pg_drop(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')


def _pg_database(prefix: str, options: str = "") -> Iterator[str]:
    """Create a uniquely named PostgreSQL database, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{options}')
    yield _pg_url(name)
    _pg_drop(admin, name)
    admin.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated database that each PostgreSQL test copies (CREATE DATABASE ... TEMPLATE)."""
    name = f"vaxmix_tmpl_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    open_registry(_pg_url(name)).close()
    yield name
    _pg_drop(admin, name)
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite'}"
        return
    template = request.getfixturevalue("pg_template")
    yield from _pg_database("vaxmix_test", f' TEMPLATE "{template}"')


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no migration applied), for the migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    yield from _pg_database("vaxmix_empty")


@pytest.fixture
def registry(db_url: str) -> Iterator[Registry]:
    reg = open_registry(db_url)
    yield reg
    reg.close()


@pytest.fixture
def loaded(registry: Registry, hcc1395_run: Path) -> Registry:
    """A registry with the HCC1395 run imported and three users (admin, reviewer, viewer)."""
    return load_registry(registry, hcc1395_run)


@pytest.fixture
def real_loaded(registry: Registry, designed_run: Path) -> Registry:
    """A registry with the real ``vaxmix demo --core-only`` + ``vaxmix design`` run imported
    (tests/conftest.py ``designed_run``) and the three users; for tests that need *a* valid run.
    Importing only reads the folder, so the shared session folder is used as is."""
    return load_registry(registry, designed_run)


@pytest.fixture
def live_server(loaded: Registry) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a thread; stopped at the end of the test."""
    from vaxmix.store.app import create_app

    with serve_in_thread(create_app(loaded)) as url:
        yield url


@pytest.fixture
def shot_dir(request: pytest.FixtureRequest) -> Path:
    """Where browser tests write screenshots: ``$VAXMIX_TEST_OUTPUT/store`` or, by default,
    ``out/test-output/store`` of the checkout (``/out/`` is git-ignored)."""
    root = os.environ.get("VAXMIX_TEST_OUTPUT") or Path(__file__).parents[2] / "out" / "test-output"
    folder = Path(root) / "store"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
