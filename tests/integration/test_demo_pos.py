"""The demo POS on SQLite and PostgreSQL: a tick sells from the shelves and books it all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from possync_gui.services.demo_pos import DemoPOSService, DemoTickResult
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.demo import seed_demo
from possync_gui.store.ledger import ledger_mismatches

SEEDED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # a Saturday morning


def _tick(db: Database, now: datetime) -> DemoTickResult:
    return asyncio.run(DemoPOSService(db).tick(now))


def _store_front_stock(db: Database) -> dict[object, int]:
    with db.session() as s:
        rows = s.execute(
            select(m.StockLevel.product_id, m.StockLevel.on_hand)
            .join(m.Warehouse, m.Warehouse.id == m.StockLevel.warehouse_id)
            .where(m.Warehouse.code == "store-front")
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def _count(db: Database, model: type[m.Base]) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_tick_sells_from_the_store_front_and_books_it(db: Database) -> None:
    seed_demo(db, products=80, history_days=30, now=SEEDED)
    before = _store_front_stock(db)
    now = SEEDED + timedelta(hours=8)

    result = _tick(db, now)

    assert result.units_sold > 0 and result.sales > 0
    assert (result.simulated_from, result.simulated_to) == (SEEDED, now)
    after = _store_front_stock(db)
    assert sum(before.values()) - sum(after.values()) == result.units_sold
    assert {p for p in before if after[p] != before[p]} == result.product_ids
    assert all(after[p] < before[p] for p in result.product_ids)
    assert all(on_hand >= 0 for on_hand in after.values())
    with db.session() as s:
        assert ledger_mismatches(s) == []
        sales = (
            s.execute(select(m.StockMovement).where(m.StockMovement.actor == "Demo POS"))
            .scalars()
            .all()
        )
        today = s.execute(
            select(func.sum(m.SalesDaily.quantity)).where(m.SalesDaily.day == now.date())
        ).scalar_one()
        pos = s.execute(select(m.POSIntegration)).scalar_one()
        mapped = dict(
            s.execute(select(m.POSMapping.product_id, m.POSMapping.last_synced_quantity)).all()
        )
    assert len(sales) == result.sales
    assert all(mv.reason == "sale" and mv.reference == "pos-demo" for mv in sales)
    assert all(SEEDED <= mv.at < now for mv in sales)
    assert -sum(mv.delta for mv in sales) == result.units_sold == today
    assert pos.sync_cursor == now.isoformat()
    assert pos.last_sync_at == now
    assert all(mapped[p] == after[p] for p in result.product_ids)


def test_a_second_tick_at_the_same_moment_sells_nothing_more(db: Database) -> None:
    seed_demo(db, products=80, history_days=30, now=SEEDED)
    now = SEEDED + timedelta(hours=8)
    assert _tick(db, now).units_sold > 0
    stock = _store_front_stock(db)
    movements = _count(db, m.StockMovement)

    again = _tick(db, now)

    assert (again.units_sold, again.sales, again.product_ids) == (0, 0, frozenset())
    assert _store_front_stock(db) == stock
    assert _count(db, m.StockMovement) == movements


def test_a_long_pause_catches_up_one_day_only(db: Database) -> None:
    seed_demo(db, products=40, history_days=30, now=SEEDED)
    now = SEEDED + timedelta(days=5)
    result = _tick(db, now)
    assert result.simulated_from == now - timedelta(hours=24)
    with db.session() as s:
        days = set(
            s.execute(
                select(m.SalesDaily.day)
                .join(m.StockMovement, m.StockMovement.product_id == m.SalesDaily.product_id)
                .where(m.StockMovement.actor == "Demo POS", m.SalesDaily.day > SEEDED.date())
            ).scalars()
        )
        assert ledger_mismatches(s) == []
    assert days <= {(now - timedelta(days=1)).date(), now.date()}


def test_no_active_demo_integration_sells_nothing(db: Database) -> None:
    now = SEEDED + timedelta(hours=8)
    assert _tick(db, now).units_sold == 0  # an empty store
    seed_demo(db, products=40, history_days=30, now=SEEDED)
    with db.session() as s:
        s.execute(update(m.POSIntegration).values(status="inactive"))
    movements = _count(db, m.StockMovement)
    result = _tick(db, now)
    assert (result.units_sold, result.product_ids) == (0, frozenset())
    assert _count(db, m.StockMovement) == movements
