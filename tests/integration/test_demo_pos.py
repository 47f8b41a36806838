"""The Demo POS on SQLite and PostgreSQL: a POS like the others.

A tick sells from the till's own shelf and leaves the store alone; a sync then pulls those
sales into the store (``sync_pull`` movements, ``sales_daily``) and pushes the store's
deliveries back to the shelf, through the same adapter protocol as Square or Shopify.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select, update

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.events import AlertsChanged, Change, StockChanged
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.pos.base import POSAdapter, POSAdjustment, POSSet
from possync_gui.services.demo_pos import (
    DemoPOSAdapter,
    DemoPOSService,
    DemoTickResult,
    adapter_factory,
)
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.integrations import find_integration, make_adapter
from possync_gui.services.sync_manager import SyncManager
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.demo import seed_demo
from possync_gui.store.ledger import apply_movements, ledger_mismatches
from possync_gui.store.locks import SyncLockManager

SEEDED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # a Saturday morning
TICKED = SEEDED + timedelta(hours=8)

Levels = dict[uuid.UUID, int]


def _tick(db: Database, now: datetime = TICKED) -> DemoTickResult:
    return asyncio.run(DemoPOSService(db).tick(now))


def _sync(
    db: Database, at: datetime = TICKED, sync_type: str = "incremental"
) -> InventorySyncResult:
    manager = SyncManager(db, adapter_factory(db, make_adapter), clock=lambda: at)
    return asyncio.run(manager.sync(_demo_id(db), sync_type))


def _demo_id(db: Database) -> uuid.UUID:
    return find_integration(db, "pos-demo").id


def _store(db: Database) -> Levels:
    """Store-front stock of the products the Demo POS sells."""
    with db.session() as s:
        rows = s.execute(
            select(m.StockLevel.product_id, m.StockLevel.on_hand).join(
                m.POSMapping,
                (m.POSMapping.product_id == m.StockLevel.product_id)
                & (m.POSMapping.warehouse_id == m.StockLevel.warehouse_id),
            )
        ).all()
    return {p: q for p, q in rows}


def _shelf(db: Database) -> Levels:
    """The demo till's own shelf, by the product each item is mapped to."""
    with db.session() as s:
        rows = s.execute(
            select(m.POSMapping.product_id, m.DemoPOSStock.quantity).join(
                m.POSMapping,
                (m.POSMapping.external_item_id == m.DemoPOSStock.external_item_id)
                & (m.POSMapping.external_location_id == m.DemoPOSStock.location_id),
            )
        ).all()
    return {p: q for p, q in rows}


def _bases(db: Database) -> Levels:
    with db.session() as s:
        rows = s.execute(select(m.POSMapping.product_id, m.POSMapping.last_synced_quantity)).all()
    return {p: q for p, q in rows if q is not None}


def _count(db: Database, model: type[m.Base]) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _pulls(db: Database) -> list[m.StockMovement]:
    with db.session() as s:
        query = select(m.StockMovement).where(m.StockMovement.reason == "sync_pull")
        return list(s.execute(query).scalars())


def _sales_on(db: Database, day: date) -> Levels:
    with db.session() as s:
        rows = s.execute(
            select(m.SalesDaily.product_id, m.SalesDaily.quantity).where(m.SalesDaily.day == day)
        ).all()
    return {p: q for p, q in rows}


def _deliver(db: Database, product_id: uuid.UUID, quantity: int) -> None:
    """Goods received at the store front, booked to the store's ledger as receiving does."""
    with db.session() as s:
        warehouse_id = s.execute(
            select(m.Warehouse.id).where(m.Warehouse.code == "store-front")
        ).scalar_one()
        request = MovementRequest(
            product_id, warehouse_id, quantity, MovementReason.DELIVERY, "receiver", "DEL-1"
        )
        apply_movements(s, [request])


def _changed(before: Levels, after: Levels) -> Levels:
    return {p: after[p] - before[p] for p in before if after[p] != before[p]}


def test_the_seeded_shelf_matches_the_store_so_the_first_sync_changes_nothing(
    db: Database,
) -> None:
    seed_demo(db, products=60, history_days=30, now=SEEDED)
    assert _shelf(db) == _store(db) == _bases(db)
    assert len(_shelf(db)) == 60
    movements = _count(db, m.StockMovement)

    result = _sync(db, SEEDED + timedelta(minutes=1), "full")

    assert result.status is SyncStatus.SUCCESS, result.errors
    assert (result.summary["pulled"], result.summary["pushed"], result.summary["conflicts"]) == (
        0,
        0,
        0,
    )
    assert _count(db, m.StockMovement) == movements
    assert _shelf(db) == _store(db) == _bases(db)


def test_a_tick_lowers_the_demo_shelf_not_the_store(db: Database) -> None:
    seed_demo(db, products=80, history_days=30, now=SEEDED)
    store, shelf = _store(db), _shelf(db)
    movements = _count(db, m.StockMovement)

    result = _tick(db)

    assert result.units_sold > 0 and result.sales > 0
    assert (result.simulated_from, result.simulated_to) == (SEEDED, TICKED)
    after = _shelf(db)
    sold = _changed(shelf, after)
    assert set(sold) == result.product_ids
    assert all(d < 0 for d in sold.values())
    assert -sum(sold.values()) == result.units_sold
    assert all(q >= 0 for q in after.values())
    assert _store(db) == store
    assert _count(db, m.StockMovement) == movements
    assert _sales_on(db, TICKED.date()) == {}


def test_a_sync_pulls_exactly_the_sales_into_the_store_and_sales_daily(db: Database) -> None:
    seed_demo(db, products=80, history_days=30, now=SEEDED)
    store, shelf = _store(db), _shelf(db)
    result = _tick(db)
    sold = _changed(shelf, _shelf(db))

    synced = _sync(db)

    assert synced.status is SyncStatus.SUCCESS, synced.errors
    assert synced.summary["pulled"] == len(sold) and synced.summary["conflicts"] == 0
    assert _changed(store, _store(db)) == sold
    pulls = _pulls(db)
    assert {p.product_id: p.delta for p in pulls} == sold
    assert all(p.reference == str(synced.id) for p in pulls)
    assert _shelf(db) == _store(db) == _bases(db)
    # The till's sales of the day reach the store's history, which feeds the daily averages.
    assert _sales_on(db, TICKED.date()) == {p: -d for p, d in sold.items()}
    assert sum(_sales_on(db, TICKED.date()).values()) == result.units_sold
    with db.session() as s:
        assert ledger_mismatches(s) == []

    again = _sync(db, TICKED + timedelta(minutes=10))
    assert (again.summary["pulled"], again.summary["pushed"]) == (0, 0)
    assert len(_pulls(db)) == len(pulls)


def test_a_store_delivery_is_pushed_to_the_demo_shelf(db: Database) -> None:
    seed_demo(db, products=80, history_days=30, now=SEEDED)
    shelf = _shelf(db)
    product_id = min(shelf)
    _deliver(db, product_id, 12)
    assert _shelf(db) == shelf  # nothing reaches the till before a sync

    synced = _sync(db)

    assert synced.status is SyncStatus.SUCCESS, synced.errors
    assert synced.summary["pushed"] == 1
    assert _changed(shelf, _shelf(db)) == {product_id: 12}
    assert _shelf(db) == _store(db) == _bases(db)
    assert _count(db, m.PendingPush) == 0


def test_sales_and_a_delivery_meanwhile_both_land_on_both_sides(db: Database) -> None:
    seed_demo(db, products=80, history_days=30, now=SEEDED)
    shelf = _shelf(db)
    result = _tick(db)
    product_id = min(result.product_ids)
    sold = _changed(shelf, _shelf(db))[product_id]
    store = _store(db)[product_id]
    _deliver(db, product_id, 5)

    synced = _sync(db)

    assert synced.summary["conflicts"] == 0, synced.summary
    assert _shelf(db)[product_id] == _store(db)[product_id] == store + sold + 5
    assert _shelf(db) == _store(db) == _bases(db)
    with db.session() as s:
        assert ledger_mismatches(s) == []


def test_resending_an_idempotency_key_applies_once(db: Database) -> None:
    seed_demo(db, products=20, history_days=30, now=SEEDED)
    info = find_integration(db, "pos-demo")
    record = IntegrationRecord(info.id, info.name, info.type, info.configuration)
    adapter = DemoPOSAdapter(db, record)
    assert isinstance(adapter, POSAdapter)
    with db.session() as s:
        item, location, quantity = s.execute(
            select(
                m.DemoPOSStock.external_item_id, m.DemoPOSStock.location_id, m.DemoPOSStock.quantity
            )
            .order_by(m.DemoPOSStock.external_item_id)
            .limit(1)
        ).one()
    push = POSAdjustment(item, location, 7, "delivery-42", TICKED)

    first = asyncio.run(adapter.push_adjustments([push]))
    second = asyncio.run(adapter.push_adjustments([push]))

    assert [(o.ok, o.quantity) for o in first] == [(True, quantity + 7)]
    assert [(o.ok, o.quantity) for o in second] == [(True, quantity + 7)]
    # A set whose expectation is stale is refused and says what the shelf holds.
    stale = asyncio.run(
        adapter.set_quantities([POSSet(item, location, 3, quantity, "set-1", TICKED)])
    )
    assert [(o.ok, o.stale, o.quantity) for o in stale] == [(False, True, quantity + 7)]
    done = asyncio.run(
        adapter.set_quantities([POSSet(item, location, 3, quantity + 7, "set-2", TICKED)])
    )
    assert [(o.ok, o.quantity) for o in done] == [(True, 3)]
    unknown = asyncio.run(
        adapter.push_adjustments([POSAdjustment("nope", location, 1, "k", TICKED)])
    )
    assert not unknown[0].ok and "no item nope" in (unknown[0].error or "")
    with db.session() as s:
        row = s.get(m.DemoPOSStock, (_demo_id(db), item, location))
        assert row is not None
        assert row.quantity == 3
        assert row.applied_keys == ["delivery-42", "set-2"]


def test_run_demo_pos_ticks_then_syncs_and_reports_the_store_changes(db: Database) -> None:
    seeded = datetime.now(UTC) - timedelta(hours=12)
    seed_demo(db, products=80, history_days=30, now=seeded)
    facade = InventorySyncService(db)
    events: list[Change] = []
    facade.subscribe(events.append)
    store = _store(db)

    result = asyncio.run(facade.run_demo_pos())

    assert result.units_sold > 0
    changed = _changed(store, _store(db))
    assert result.product_ids == set(changed)
    assert -sum(changed.values()) == result.units_sold
    # the store's stock moved, and the alert maths judged what moved
    stock = [e for e in events if isinstance(e, StockChanged)]
    assert stock == [StockChanged(result.product_ids)]
    assert all(isinstance(e, (StockChanged, AlertsChanged)) for e in events)
    assert _shelf(db) == _store(db) == _bases(db)
    log = asyncio.run(facade.sync_log("pos-demo"))
    assert [(e.sync_type, e.status) for e in log] == [("incremental", "success")]


def test_run_demo_pos_while_the_demo_is_syncing_only_sells(db: Database) -> None:
    seeded = datetime.now(UTC) - timedelta(hours=12)
    seed_demo(db, products=40, history_days=30, now=seeded)
    facade = InventorySyncService(db)
    store, shelf = _store(db), _shelf(db)

    with SyncLockManager(db).hold(_demo_id(db)):
        result = asyncio.run(facade.run_demo_pos())

    assert result.units_sold > 0 and result.product_ids == frozenset()
    assert _store(db) == store and _shelf(db) != shelf
    # The next sync (the scheduler's, or the next tick's) brings the sales in.
    asyncio.run(facade.run_demo_pos())
    assert _shelf(db) == _store(db)


def test_syncing_all_integrations_includes_the_demo(db: Database) -> None:
    seed_demo(db, products=20, history_days=30, now=SEEDED)
    facade = InventorySyncService(db)
    results = asyncio.run(facade.sync_inventory_levels())
    assert [(r.integration_id, r.status) for r in results] == [(_demo_id(db), SyncStatus.SUCCESS)]


def test_a_demo_store_without_a_shelf_gets_one_at_the_agreed_quantities(db: Database) -> None:
    """A demo seeded before the till kept its own shelf: the first sync stocks it from the
    mappings' agreed quantities and pushes only what the store did since."""
    seed_demo(db, products=30, history_days=30, now=SEEDED)
    with db.session() as s:
        s.execute(delete(m.DemoPOSStock))
        s.execute(delete(m.DemoPOSTill))
        product_id = s.execute(select(m.POSMapping.product_id).limit(1)).scalar_one()
        s.execute(
            update(m.POSMapping)
            .where(m.POSMapping.product_id == product_id)
            .values(last_synced_quantity=m.POSMapping.last_synced_quantity - 2)
        )
    bases = _bases(db)

    synced = _sync(db, sync_type="full")

    assert synced.status is SyncStatus.SUCCESS, synced.errors
    assert synced.summary["pushed"] == 1 and synced.summary["pulled"] == 0
    assert _shelf(db) == _store(db) == _bases(db)
    assert _store(db)[product_id] == bases[product_id] + 2
    first = _tick(db)  # no clock yet: the till starts a minute ago
    assert first.simulated_from == TICKED - timedelta(minutes=1)


def test_a_second_tick_at_the_same_moment_sells_nothing_more(db: Database) -> None:
    seed_demo(db, products=80, history_days=30, now=SEEDED)
    assert _tick(db).units_sold > 0
    shelf = _shelf(db)

    again = _tick(db)

    assert (again.units_sold, again.sales, again.product_ids) == (0, 0, frozenset())
    assert _shelf(db) == shelf


def test_a_long_pause_catches_up_one_day_only(db: Database) -> None:
    seed_demo(db, products=40, history_days=30, now=SEEDED)
    now = SEEDED + timedelta(days=5)
    result = _tick(db, now)
    assert result.simulated_from == now - timedelta(hours=24)
    with db.session() as s:
        days = set(s.execute(select(m.DemoPOSSale.day)).scalars())
    assert days and days <= {(now - timedelta(days=1)).date(), now.date()}


def test_the_till_forgets_sales_older_than_five_weeks(db: Database) -> None:
    seed_demo(db, products=40, history_days=30, now=SEEDED)
    assert _tick(db).units_sold > 0
    later = TICKED + timedelta(days=40)
    _tick(db, later)
    with db.session() as s:
        days = set(s.execute(select(m.DemoPOSSale.day)).scalars())
    assert all(day >= (later - timedelta(days=35)).date() for day in days)


def test_no_active_demo_integration_sells_nothing(db: Database) -> None:
    assert _tick(db).units_sold == 0  # an empty store
    seed_demo(db, products=40, history_days=30, now=SEEDED)
    with db.session() as s:
        s.execute(update(m.POSIntegration).values(status="inactive"))
    shelf = _shelf(db)
    result = _tick(db)
    assert (result.units_sold, result.product_ids, result.integration_id) == (0, frozenset(), None)
    assert _shelf(db) == shelf
