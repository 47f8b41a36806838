"""The demo POS: a simulated store that keeps selling from the demo shop's shelves.

Each ``tick`` plays the store forward from where the last one stopped (the integration's
``sync_cursor``) to now, at most a day at a time, and books what it sold into the ledger
and ``sales_daily``. One transaction per tick: the sales and the moved cursor land together
or not at all, so a crash or a second desktop never books the same minutes twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Subquery, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from possync_gui.domain.enums import IntegrationStatus, IntegrationType, MovementReason
from possync_gui.domain.records import MovementRequest
from possync_gui.pos.demo import DemoItem, DemoSale, DemoStoreSimulator
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_movements
from possync_gui.store.types import utcnow

log = logging.getLogger("possync.pos")

ACTOR = "Demo POS"
REFERENCE = "pos-demo"
#: A first tick (no cursor yet) looks back this far.
FIRST_TICK_WINDOW = timedelta(minutes=1)
#: After a long pause (the app was closed) only the last day is played, not the whole gap.
MAX_CATCH_UP = timedelta(hours=24)
#: Days of ``sales_daily`` averaged into each item's daily sales rate.
RATE_WINDOW_DAYS = 28


@dataclass(frozen=True, slots=True)
class DemoTickResult:
    """What one tick sold: ``sales`` till receipts of ``units_sold`` units in total."""

    product_ids: frozenset[uuid.UUID]
    units_sold: int
    sales: int
    simulated_from: datetime
    simulated_to: datetime


@dataclass(frozen=True, slots=True)
class _Integration:
    id: uuid.UUID
    cursor: str | None


@dataclass(frozen=True, slots=True)
class _Mapped:
    """Where an external item lives in the store."""

    mapping_id: uuid.UUID
    product_id: uuid.UUID
    warehouse_id: uuid.UUID


class DemoPOSService:
    """Runs the simulated store of the active demo integration, one tick at a time."""

    def __init__(self, db: Database, *, seed: int = 42) -> None:
        self._db = db
        self._simulator = DemoStoreSimulator(seed)

    async def tick(self, now: datetime | None = None) -> DemoTickResult:
        """Sell what the store sold since the last tick; an empty result when there is no
        active demo integration or no time has passed."""
        now = (now or utcnow()).astimezone(UTC)

        def work() -> DemoTickResult:
            with self._db.session() as session:
                return self._tick(session, now)

        return await asyncio.to_thread(work)

    def _tick(self, session: Session, now: datetime) -> DemoTickResult:
        integration = _active_demo(session)
        if integration is None:
            return _nothing(now, now)
        start = max(
            _parse_cursor(integration.cursor) or now - FIRST_TICK_WINDOW, now - MAX_CATCH_UP
        )
        if start >= now or not _claim_window(session, integration, now):
            return _nothing(now, now)
        items, warehouses = _items(session, integration.id, now.date())
        sales = self._simulator.sales_between(items, start, now)
        if sales:
            _book(session, sales, warehouses, now)
        units = sum(s.quantity for s in sales)
        if units:
            log.info("Demo POS sold %d units in %d sales", units, len(sales))
        return DemoTickResult(
            product_ids=frozenset(s.product_id for s in sales),
            units_sold=units,
            sales=len(sales),
            simulated_from=start,
            simulated_to=now,
        )


def _nothing(start: datetime, end: datetime) -> DemoTickResult:
    return DemoTickResult(frozenset(), 0, 0, start, end)


def _active_demo(session: Session) -> _Integration | None:
    row = session.execute(
        select(m.POSIntegration.id, m.POSIntegration.sync_cursor)
        .where(
            m.POSIntegration.type == str(IntegrationType.DEMO),
            m.POSIntegration.status == str(IntegrationStatus.ACTIVE),
        )
        .order_by(m.POSIntegration.created_at, m.POSIntegration.id)
        .limit(1)
    ).first()
    return None if row is None else _Integration(row[0], row[1])


def _parse_cursor(cursor: str | None) -> datetime | None:
    if not cursor:
        return None
    try:
        parsed = datetime.fromisoformat(cursor)
    except ValueError:
        log.warning("Demo POS cursor %r is not a time; starting afresh", cursor)
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _claim_window(session: Session, integration: _Integration, now: datetime) -> bool:
    """Move the cursor to ``now`` if nobody moved it since we read it (compare-and-set).

    Done first, so the row stays locked for the rest of the tick on PostgreSQL and a
    second desktop ticking at the same moment sells nothing instead of selling twice.
    """
    current = m.POSIntegration.sync_cursor
    same = current.is_(None) if integration.cursor is None else current == integration.cursor
    result = session.execute(
        update(m.POSIntegration)
        .where(m.POSIntegration.id == integration.id, same)
        .values(sync_cursor=now.isoformat(), last_sync_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def _units_sold(today: date) -> Subquery:
    """Units sold per product and warehouse over the full days of the rate window."""
    return (
        select(
            m.SalesDaily.product_id,
            m.SalesDaily.warehouse_id,
            func.sum(m.SalesDaily.quantity).label("units"),
        )
        .where(
            m.SalesDaily.day >= today - timedelta(days=RATE_WINDOW_DAYS),
            m.SalesDaily.day < today,
        )
        .group_by(m.SalesDaily.product_id, m.SalesDaily.warehouse_id)
        .subquery()
    )


def _items(
    session: Session, integration_id: uuid.UUID, today: date
) -> tuple[list[DemoItem], dict[str, _Mapped]]:
    """The mapped items with their shelf stock and average daily sales (over the full
    days before today), and where each external item lives."""
    rates = _units_sold(today)
    mapping = m.POSMapping
    rows = session.execute(
        select(
            mapping.id,
            mapping.external_item_id,
            mapping.product_id,
            mapping.warehouse_id,
            func.coalesce(m.StockLevel.on_hand, 0),
            func.coalesce(rates.c.units, 0),
        )
        .outerjoin(
            m.StockLevel,
            and_(
                m.StockLevel.product_id == mapping.product_id,
                m.StockLevel.warehouse_id == mapping.warehouse_id,
            ),
        )
        .outerjoin(
            rates,
            and_(
                rates.c.product_id == mapping.product_id,
                rates.c.warehouse_id == mapping.warehouse_id,
            ),
        )
        .where(mapping.integration_id == integration_id)
        .order_by(mapping.external_item_id)
    ).all()
    items = [
        DemoItem(external, product_id, int(units) / RATE_WINDOW_DAYS, max(int(on_hand), 0))
        for _, external, product_id, _, on_hand, units in rows
    ]
    where = {external: _Mapped(mid, pid, wid) for mid, external, pid, wid, _, _ in rows}
    return items, where


def _book(
    session: Session, sales: Sequence[DemoSale], where: dict[str, _Mapped], now: datetime
) -> None:
    """Write the sales to the ledger, ``sales_daily`` and the mappings' agreed quantity."""
    applied = apply_movements(
        session,
        [
            MovementRequest(
                product_id=sale.product_id,
                warehouse_id=where[sale.external_id].warehouse_id,
                delta=-sale.quantity,
                reason=MovementReason.SALE,
                actor=ACTOR,
                reference=REFERENCE,
                at=sale.at,
            )
            for sale in sales
        ],
        allow_negative=False,
    )
    per_day: dict[tuple[uuid.UUID, uuid.UUID, date], int] = defaultdict(int)
    for sale in sales:
        per_day[(sale.product_id, where[sale.external_id].warehouse_id, sale.at.date())] += (
            sale.quantity
        )
    _add_daily_sales(session, per_day)
    # The POS booked these sales and so did the store: both agree on the new figure, which
    # is the base the next three-way sync compares against. Later movements win.
    on_hand = {(a.product_id, a.warehouse_id): a.on_hand for a in applied}
    sold = {where[sale.external_id] for sale in sales}
    session.execute(
        update(m.POSMapping),
        [
            {
                "id": item.mapping_id,
                "last_synced_quantity": on_hand[(item.product_id, item.warehouse_id)],
                "last_synced_at": now,
            }
            for item in sold
        ],
    )


def _add_daily_sales(
    session: Session, per_day: dict[tuple[uuid.UUID, uuid.UUID, date], int]
) -> None:
    """Add to each day's total, creating the row on the day's first sale."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(m.SalesDaily)
    stmt = stmt.on_conflict_do_update(
        index_elements=["product_id", "warehouse_id", "day"],
        set_={"quantity": m.SalesDaily.quantity + stmt.excluded.quantity},
    )
    session.execute(
        stmt,
        [
            {"product_id": p, "warehouse_id": w, "day": d, "quantity": q}
            for (p, w, d), q in per_day.items()
        ],
    )
