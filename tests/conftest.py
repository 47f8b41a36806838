"""Shared fixtures: a migrated store on SQLite and, when the test command started one, on
PostgreSQL (``POSSYNC_TEST_PG_URL``). Each test gets an empty database of its own."""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from possync_gui.store.database import Database, open_database

PG_URL = os.environ.get("POSSYNC_TEST_PG_URL")
_counter = itertools.count()

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test touches the real user data folder, keyring or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("POSSYNC_DB_URL", raising=False)
    monkeypatch.delenv("POS_SYNC_DEBUG", raising=False)


@pytest.fixture(autouse=True)
def _no_qt_loop_outside_ui_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """The UI tests' qasync loop is created ``already_running`` (tests/ui/conftest.py) and
    stays asyncio's running loop for the rest of the session; a test outside tests/ui that
    runs after them drives its own loop (``asyncio.run``), so it runs with none set."""
    running = None
    if "ui" not in request.node.path.parts:
        running = asyncio.events._get_running_loop()
    if running is not None:
        asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        if running is not None:
            asyncio.events._set_running_loop(running)


def _fresh_pg_database() -> str:
    assert PG_URL is not None
    name = f"t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    assert PG_URL is not None
    name = make_url(url).database
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL on each backend (PostgreSQL skipped when none was started)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'possync.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL server for this run (scripts/test.sh starts one)")
    url = _fresh_pg_database()
    yield url
    _drop_pg_database(url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """An empty PostgreSQL database URL, for tests of what only PostgreSQL has."""
    if not PG_URL:
        pytest.skip("no PostgreSQL server for this run (scripts/test.sh starts one)")
    url = _fresh_pg_database()
    yield url
    _drop_pg_database(url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated, empty store on each backend."""
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'possync.sqlite3'}"


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    """A migrated, empty SQLite store (for tests that need one backend only)."""
    database = open_database(sqlite_url)
    yield database
    database.dispose()
