"""The Demo POS: a simulated store that sells from its own shelf, synced like any other POS.

Two halves, both over the till's own tables (``store/demo_till.py``):

- :class:`DemoPOSService` plays the store: each ``tick`` draws the sales made since the last
  one (from the till's clock to now, at most a day) and takes them off the demo shelf,
  recording them per day, item and location. It never touches the store's stock: that is
  the Sync Manager's job.
- :class:`DemoPOSAdapter` is the till's "API" behind the :class:`~possync_gui.pos.base.
  POSAdapter` protocol, so a sync pulls the till's sales into the store as ``sync_pull``
  movements (and its sales into ``sales_daily``) and pushes the store's deliveries and
  counts back to the shelf as idempotent adjustments.

:func:`adapter_factory` gives the Sync Manager the demo adapter for demo integrations and
the given factory (``integrations.make_adapter``) for the rest.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from possync_gui.domain.enums import IntegrationStatus, IntegrationType
from possync_gui.domain.errors import NotFoundError
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.base import (
    Page,
    POSAdapter,
    POSAdjustment,
    POSCount,
    POSItem,
    POSLocation,
    POSSale,
    POSSet,
    PushOutcome,
)
from possync_gui.pos.demo import DemoItem, DemoSale, DemoStoreSimulator
from possync_gui.store import demo_till as till
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.types import utcnow

log = logging.getLogger("possync.pos")

T = TypeVar("T")
AdapterFactory = Callable[[IntegrationRecord], POSAdapter]

#: A first tick (the till has no clock yet) looks back this far.
FIRST_TICK_WINDOW = timedelta(minutes=1)
#: After a long pause (the app was closed) only the last day is played, not the whole gap.
MAX_CATCH_UP = timedelta(hours=24)
#: Days of the store's ``sales_daily`` averaged into each item's daily sales rate.
RATE_WINDOW_DAYS = 28


@dataclass(frozen=True, slots=True)
class DemoTickResult:
    """What one tick sold: ``sales`` till receipts of ``units_sold`` units in total.

    ``product_ids``: from :meth:`DemoPOSService.tick`, the products whose demo shelf sold;
    from the facade's ``run_demo_pos``, the products whose store stock the sync that
    followed the tick changed. ``integration_id`` is the demo integration that ticked (None
    when there is no active one)."""

    product_ids: frozenset[uuid.UUID]
    units_sold: int
    sales: int
    simulated_from: datetime
    simulated_to: datetime
    integration_id: uuid.UUID | None = None


class DemoPOSService:
    """Runs the simulated store of the active demo integration, one tick at a time."""

    def __init__(self, db: Database, *, seed: int = 42) -> None:
        self._db = db
        self._simulator = DemoStoreSimulator(seed)

    async def tick(self, now: datetime | None = None) -> DemoTickResult:
        """Sell from the demo shelf what the store sold since the last tick; an empty result
        when there is no active demo integration or no time has passed."""
        now = (now or utcnow()).astimezone(UTC)

        def work() -> DemoTickResult:
            with self._db.session() as session:
                return self._tick(session, now)

        return await asyncio.to_thread(work)

    def _tick(self, session: Session, now: datetime) -> DemoTickResult:
        integration_id = _active_demo(session)
        if integration_id is None:
            return DemoTickResult(frozenset(), 0, 0, now, now)
        start = till.claim_window(session, integration_id, now, FIRST_TICK_WINDOW, MAX_CATCH_UP)
        if start is None:
            return DemoTickResult(frozenset(), 0, 0, now, now, integration_id)
        till.stock_shelves(session, integration_id, now)
        shelf = till.shelf_for_sale(session, integration_id, now.date(), RATE_WINDOW_DAYS)
        # One draw per location: the simulator knows items by their external id only.
        by_location: dict[str, list[DemoItem]] = defaultdict(list)
        for row in shelf:
            rate = row.units_sold / RATE_WINDOW_DAYS
            item = DemoItem(row.external_item_id, row.product_id, rate, max(row.quantity, 0))
            by_location[row.location_id].append(item)
        sold: dict[tuple[str, str], int] = defaultdict(int)
        per_day: dict[tuple[date, str, str], int] = defaultdict(int)
        sales: list[DemoSale] = []
        for location, items in by_location.items():
            for sale in self._simulator.sales_between(items, start, now):
                sales.append(sale)
                sold[(sale.external_id, location)] += sale.quantity
                per_day[(sale.at.date(), sale.external_id, location)] += sale.quantity
        till.book_sales(session, integration_id, sold, per_day, now)
        units = sum(sold.values())
        if units:
            log.info("Demo POS sold %d units in %d sales", units, len(sales))
        return DemoTickResult(
            product_ids=frozenset(s.product_id for s in sales),
            units_sold=units,
            sales=len(sales),
            simulated_from=start,
            simulated_to=now,
            integration_id=integration_id,
        )

    async def store_changes(
        self, integration_id: uuid.UUID, sync_id: uuid.UUID, since: datetime
    ) -> frozenset[uuid.UUID]:
        """The products mapped to ``integration_id`` whose store stock the sync ``sync_id``
        (started at ``since``) moved."""

        def work() -> frozenset[uuid.UUID]:
            mapping, movement = m.POSMapping, m.StockMovement
            with self._db.session() as session:
                return frozenset(
                    session.execute(
                        select(movement.product_id)
                        .join(
                            mapping,
                            and_(
                                mapping.product_id == movement.product_id,
                                mapping.warehouse_id == movement.warehouse_id,
                            ),
                        )
                        .where(
                            mapping.integration_id == integration_id,
                            movement.at >= since,
                            movement.reference == str(sync_id),
                        )
                        .distinct()
                    ).scalars()
                )

        return await asyncio.to_thread(work)


def _active_demo(session: Session) -> uuid.UUID | None:
    return session.execute(
        select(m.POSIntegration.id)
        .where(
            m.POSIntegration.type == str(IntegrationType.DEMO),
            m.POSIntegration.status == str(IntegrationStatus.ACTIVE),
        )
        .order_by(m.POSIntegration.created_at, m.POSIntegration.id)
        .limit(1)
    ).scalar_one_or_none()


class DemoPOSAdapter:
    """The Demo POS's till behind the adapter protocol; its "API" is the till's tables.

    Items and locations are the demo integration's mappings (the till sells the store's
    products under ``demo-item-<sku>`` at the locations of its ``locationMap``); counts are
    its shelf; sales its per-day record. Reading counts first puts any mapped item missing
    from the shelf on it, at the mapping's agreed quantity. Pushes are idempotent per key.
    """

    type = str(IntegrationType.DEMO)

    def __init__(
        self, db: Database, record: IntegrationRecord, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._db = db
        self._record = record
        self._clock = clock

    async def _in_session(self, fn: Callable[[Session], T]) -> T:
        def work() -> T:
            with self._db.session() as session:
                return fn(session)

        return await asyncio.to_thread(work)

    async def ping(self) -> None:
        def check(session: Session) -> None:
            if session.get(m.POSIntegration, self._record.id) is None:
                raise NotFoundError(f"The Demo POS {self._record.name!r} no longer exists.")

        await self._in_session(check)

    async def list_locations(self) -> list[POSLocation]:
        mapped = await self._in_session(lambda s: till.locations(s, self._record.id))
        location_map: dict[str, str] = self._record.configuration.get("locationMap") or {}
        ids = sorted(set(mapped) | set(location_map))
        return [POSLocation(i, f"Demo store ({location_map.get(i, 'not mapped')})") for i in ids]

    async def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        after: str | None = None
        while True:
            rows = await self._in_session(
                partial(till.items_page, integration_id=self._record.id, since=since, after=after)
            )
            if not rows:
                return
            after = rows[-1][0]
            items = [
                POSItem(i, sku, barcode, name, updated_at=at) for i, sku, barcode, name, at in rows
            ]
            yield Page(items, cursor=after)

    async def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        now = self._clock()
        await self._in_session(lambda s: till.stock_shelves(s, self._record.id, now))
        after: tuple[str, str] | None = None
        while True:
            rows = await self._in_session(
                partial(till.counts_page, integration_id=self._record.id, since=since, after=after)
            )
            if not rows:
                return
            after = (rows[-1][0], rows[-1][1])
            yield Page([POSCount(i, loc, q, at) for i, loc, q, at in rows], cursor="|".join(after))

    async def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        if until <= since:
            return
        first = since.astimezone(UTC).date()
        last = (until - timedelta.resolution).astimezone(UTC).date()  # ``until`` is excluded
        after: tuple[date, str, str] | None = None
        while True:
            rows = await self._in_session(
                partial(
                    till.sales_page,
                    integration_id=self._record.id,
                    first_day=first,
                    last_day=last,
                    after=after,
                )
            )
            if not rows:
                return
            after = rows[-1][:3]
            yield Page([POSSale(i, loc, day, q) for day, i, loc, q in rows], cursor=str(after))

    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        wanted = [
            till.ShelfChange(c.external_item_id, c.location_id, c.idempotency_key, delta=c.delta)
            for c in changes
        ]
        return await self._apply(wanted)

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        wanted = [
            till.ShelfChange(
                s.external_item_id,
                s.location_id,
                s.idempotency_key,
                quantity=s.quantity,
                expected=s.expected,
            )
            for s in sets
        ]
        return await self._apply(wanted)

    async def _apply(self, changes: list[till.ShelfChange]) -> list[PushOutcome]:
        if not changes:
            return []
        now = self._clock()
        outcomes = await self._in_session(
            lambda s: till.apply_changes(s, self._record.id, changes, now)
        )
        return [
            PushOutcome(c.external_item_id, c.location_id, o.ok, o.quantity, o.error, o.stale)
            for c, o in zip(changes, outcomes, strict=True)
        ]

    async def aclose(self) -> None:
        """Nothing to close: the till shares the store's database."""


def adapter_factory(db: Database, others: AdapterFactory) -> AdapterFactory:
    """The Sync Manager's adapter factory: the demo till for demo integrations (it needs the
    database), ``others`` (``integrations.make_adapter``) for every other POS."""

    def make(record: IntegrationRecord) -> POSAdapter:
        if record.type == IntegrationType.DEMO:
            return DemoPOSAdapter(db, record)
        return others(record)

    return make
