"""Many desktops on one database (issue 7): what one desktop or a headless ``possync``
process commits reaches the others' change listeners, a desktop does not hear its own
writes back, each desktop's operator is the actor of its ledger rows, and a database that
goes away is reported, retried with backoff and reported back.

Deadlines below are generous upper bounds for a loaded machine, never a timing claim."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from possync_gui.domain.connection import ConnectionState, ConnectionStatus
from possync_gui.domain.enums import MovementReason
from possync_gui.domain.errors import DatabaseConnectionLostError
from possync_gui.domain.events import CatalogChanged, Change, StockChanged
from possync_gui.domain.records import ProductDetail
from possync_gui.services.change_feed import ChangeFeed, backoff, changes_for
from possync_gui.services.facade import InventorySyncService
from possync_gui.store import models as m
from possync_gui.store.change_feed import ALL
from possync_gui.store.database import Database, open_database
from tests.conftest import PG_URL
from tests.fakes.sync_world import Spec, Store, run_cli

T = TypeVar("T")
DEADLINE_S = 30.0


@pytest.fixture
def desks(db_url: str) -> Iterator[tuple[Database, Database]]:
    """Two desktops' engines on one database, with a product A-1 (10 in MAIN)."""
    first, second = open_database(db_url), open_database(db_url)
    Store(first, [Spec("A-1", 10)])
    yield first, second
    first.dispose()
    second.dispose()


async def _until(check: Callable[[], T], what: str) -> T:
    deadline = time.monotonic() + DEADLINE_S
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {DEADLINE_S:.0f} s: {what}")
        await asyncio.sleep(0.05)
    return found


def _run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def test_table_names_map_to_the_change_events_the_tabs_know() -> None:
    assert changes_for({"stock_movements", "stock_levels"}) == [StockChanged()]
    assert changes_for({"suppliers", "sync_locks"}) == [CatalogChanged()]
    assert len(changes_for({ALL})) == 7
    assert [backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_another_desktops_adjustment_reaches_this_desktop_and_both_operators_are_recorded(
    desks: tuple[Database, Database],
) -> None:
    mine, theirs = desks
    here, there = InventorySyncService(mine), InventorySyncService(theirs)
    seen: list[Change] = []
    statuses: list[ConnectionStatus] = []
    here.subscribe(seen.append)
    here.subscribe_connection(statuses.append)

    async def scenario() -> ProductDetail:
        here.start_change_feed()
        try:
            await _until(lambda: statuses, "the feed connected")
            await there.adjust_stock("A-1", "MAIN", 4, MovementReason.FOUND, "Ben")
            await _until(lambda: StockChanged() in seen, "StockChanged from the other desktop")
            result = await here.adjust_stock("A-1", "MAIN", -1, MovementReason.DAMAGE, "Ann")
            assert result.on_hand == 13  # the other desktop's 4 counted
            return await here.product_detail(result.product.id)
        finally:
            await here.stop_change_feed()

    detail = _run(scenario())
    assert statuses[0].state is ConnectionState.CONNECTED
    # Each desktop's operator is who the ledger says moved the stock, on either desktop.
    assert [(mv.actor, mv.delta) for mv in detail.movements][:2] == [("Ann", -1), ("Ben", 4)]


def test_a_desktop_does_not_hear_its_own_writes(desks: tuple[Database, Database]) -> None:
    mine, theirs = desks
    batches: list[frozenset[str]] = []
    feed = ChangeFeed(mine, on_changes=batches.append, on_status=lambda _s: None)
    here = InventorySyncService(mine)
    there = InventorySyncService(theirs)

    async def scenario() -> None:
        feed.start(asyncio.get_running_loop())
        try:
            await asyncio.sleep(1.5)  # the feed is listening (PostgreSQL forgets earlier ones)
            await here.adjust_stock("A-1", "MAIN", -2, MovementReason.DAMAGE, "ann")
            # Long enough for the feed to have looked (it polls every second) before the
            # other desktop writes: an own write heard would be a batch of its own.
            await asyncio.sleep(2.5)
            await there.add_warehouse("NORTH", "North store")
            await _until(lambda: batches, "the other desktop's warehouse")
            await asyncio.sleep(1.5)  # anything else the feed would still deliver
        finally:
            await feed.stop()

    _run(scenario())
    expected = {"warehouses"} if mine.backend == "postgresql" else {ALL}
    assert batches == [frozenset(expected)]


@pytest.mark.slow  # a child process starting and migrating: ~10 s on a loaded box
def test_a_headless_cli_process_change_is_seen_and_each_desk_writes_its_operator(
    desks: tuple[Database, Database],
) -> None:
    mine, theirs = desks
    here = InventorySyncService(mine)
    seen: list[Change] = []
    here.subscribe(seen.append)

    async def scenario() -> None:
        here.start_change_feed()
        try:
            await asyncio.sleep(1.0)
            code, out, err = await asyncio.to_thread(
                run_cli, theirs, "--operator", "Night shift", "stock", "adjust", "A-1",
                "--warehouse", "MAIN", "--delta", "5", "--reason", "found",
            )  # fmt: skip
            assert code == 0, err
            await _until(lambda: StockChanged() in seen, "the CLI's adjustment")
            await here.adjust_stock("A-1", "MAIN", -1, MovementReason.DAMAGE, "Day shift")
        finally:
            await here.stop_change_feed()

    _run(scenario())
    with mine.session() as s:
        actors = s.execute(
            select(m.StockMovement.actor, m.StockMovement.delta)
            .where(m.StockMovement.reason.in_(["found", "damage"]))
            .order_by(m.StockMovement.at)
        ).all()
    assert [tuple(a) for a in actors] == [("Night shift", 5), ("Day shift", -1)]


# -- the connection lost and back (PostgreSQL: a server can go away) --------------------------


def _admin(sql: str) -> None:
    assert PG_URL is not None
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


def _outage(url: str, on: bool) -> None:
    """The database stops taking connections and drops the ones it has (as a server going
    down does), or takes them again."""
    name = make_url(url).database
    _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if on else "true"}')
    if on:
        _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_lost_connection_is_reported_retried_and_reported_back(db_url: str) -> None:
    db = open_database(db_url)
    Store(db, [Spec("A-1", 10)])
    facade = InventorySyncService(db)
    statuses: list[ConnectionStatus] = []
    seen: list[Change] = []
    facade.subscribe_connection(statuses.append)
    facade.subscribe(seen.append)
    errors: list[Exception] = []

    def states() -> list[ConnectionState]:
        return [s.state for s in statuses]

    async def scenario() -> None:
        facade.start_change_feed()
        try:
            await _until(lambda: ConnectionState.CONNECTED in states(), "connected")
            await asyncio.to_thread(_outage, db_url, True)
            try:
                await _until(lambda: ConnectionState.LOST in states(), "the loss reported")
                try:
                    await facade.adjust_stock("A-1", "MAIN", 1, MovementReason.FOUND, "ann")
                except DatabaseConnectionLostError as err:
                    errors.append(err)
                try:  # the whole-store check, which works on a connection of its own
                    await facade.run_stock_check()
                except DatabaseConnectionLostError as err:
                    errors.append(err)
                await _until(lambda: states().count(ConnectionState.LOST) >= 2, "a second try")
            finally:
                await asyncio.to_thread(_outage, db_url, False)
            await _until(lambda: ConnectionState.RECONNECTED in states(), "reconnected")
            await _until(lambda: StockChanged() in seen, "everything reloaded after it")
            result = await facade.adjust_stock("A-1", "MAIN", 1, MovementReason.FOUND, "ann")
            assert result.on_hand == 11
        finally:
            await facade.stop_change_feed()
            db.dispose()

    _run(scenario())
    lost = [s for s in statuses if s.state is ConnectionState.LOST]
    assert [s.retry_in for s in lost[:2]] == [1.0, 2.0]  # backing off
    assert [s.attempt for s in lost[:2]] == [1, 2]
    assert len(errors) == 2
    for err in errors:
        assert "connection to the database is lost" in str(err)
        assert "Traceback" not in str(err) and "postgres@" not in str(err)
