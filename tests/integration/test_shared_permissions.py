"""The PostgreSQL permissions the README's "Shared mode" section lists are enough (issue 7
§4): an owner role migrates; a desktop role with CONNECT, USAGE on the schema, SELECT /
INSERT / UPDATE / DELETE on the tables and USAGE on the sequences opens the database,
adjusts stock, judges alerts (a temporary work table), takes a sync lock (an advisory lock)
and hears another desktop's changes (LISTEN) — and nothing more is granted."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.events import Change, StockChanged
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import open_database
from possync_gui.store.locks import SyncLockManager
from tests.conftest import PG_URL
from tests.fakes.sync_world import Spec, Store, seed
from tests.integration.test_shared_feed import _until

pytestmark = pytest.mark.postgres


def _admin(*sql: str, database: str | None = None) -> None:
    assert PG_URL is not None
    url = make_url(PG_URL)
    if database:
        url = url.set(database=database)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in sql:
                conn.execute(text(statement))
    finally:
        admin.dispose()


@pytest.fixture
def roles() -> Iterator[tuple[str, str]]:
    """(owner URL, desktop URL) of a fresh database owned by a role of its own."""
    if not PG_URL:
        pytest.skip("no PostgreSQL server for this run (scripts/test.sh starts one)")
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    owner, desk, name = f"own_{tag}", f"desk_{tag}", f"perm_{tag}"
    _admin(
        f"CREATE ROLE {owner} LOGIN",
        f"CREATE ROLE {desk} LOGIN",
        f"CREATE DATABASE {name} OWNER {owner}",
        f"REVOKE ALL ON DATABASE {name} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {name} TO {desk}",
    )
    base = make_url(PG_URL).set(database=name)
    # PostgreSQL 15+: only the database owner may create in schema public; hand it over.
    _admin(f"ALTER SCHEMA public OWNER TO {owner}", database=name)
    owner_url = base.set(username=owner).render_as_string(hide_password=False)
    desk_url = base.set(username=desk).render_as_string(hide_password=False)
    try:
        yield owner_url, desk_url
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE {desk}")
        _admin(f"DROP ROLE {owner}")


def _grant(owner_url: str, desk: str) -> None:
    """The README's grants, run by the owner."""
    engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in (
                f"GRANT USAGE ON SCHEMA public TO {desk}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {desk}",
                f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {desk}",
            ):
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_the_desktop_role_of_the_readme_is_enough(roles: tuple[str, str]) -> None:
    owner_url, desk_url = roles
    owner_db = open_database(owner_url)  # migrates, as `possync db upgrade` does
    Store(owner_db, [Spec("A-1", 10)])
    _grant(owner_url, make_url(desk_url).username or "")
    desk_db = open_database(desk_url)  # the schema is current: nothing to migrate
    desk = InventorySyncService(desk_db)
    owner = InventorySyncService(owner_db)
    seen: list[Change] = []
    desk.subscribe(seen.append)
    square = seed(
        "square",
        "http://127.0.0.1:9",
        {"credentials": {"accessToken": "EAAA-perm"}, "locationMap": {"L1": "MAIN"}},
        key="perm-square",
    )

    async def scenario() -> None:
        desk.start_change_feed()
        try:
            result = await desk.adjust_stock("A-1", "MAIN", 2, MovementReason.FOUND, "desk")
            assert result.on_hand == 12
            await desk.run_stock_check()
            integration = await desk.add_integration_from_json(square)
            locks = SyncLockManager(desk_db)
            with locks.hold(integration.id, auto_heartbeat=False):
                pass
            await asyncio.sleep(1.0)
            await owner.adjust_stock("A-1", "MAIN", 1, MovementReason.FOUND, "owner")
            await _until(lambda: StockChanged() in seen, "the owner's change")
        finally:
            await desk.stop_change_feed()

    try:
        asyncio.run(scenario())
    finally:
        desk_db.dispose()
        owner_db.dispose()
