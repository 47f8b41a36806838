"""One seeding run: the demo shop's rows, drawn and written a chunk of products at a time.

Chunks keep memory flat for a million stock levels, and give ``cancel`` and ``progress`` a
chance between them. Within a run, rows are drawn in a fixed order from one
``random.Random``, so a seed always gives the same shop.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from possync_gui.domain.demand import WEEKLY_PATTERN
from possync_gui.domain.enums import (
    IntegrationStatus,
    IntegrationType,
    MovementReason,
    ReviewPolicy,
    SyncFrequency,
)
from possync_gui.domain.errors import PossyncError
from possync_gui.store import demo_till
from possync_gui.store import models as m
from possync_gui.store.demo.bulk import BulkWriter, IdMaker
from possync_gui.store.demo.catalog import CatalogMaker, ProductSpec
from possync_gui.store.demo.history import LevelHistory, pick_end_level, simulate
from possync_gui.store.demo.layout import DEMO_SYNC_SETTINGS, TABLES, table
from possync_gui.store.demo.words import SUPPLIERS

#: Ids are ints inside a run; the bulk writer turns them into what the column stores.
Id = int

#: Products with a full daily history; later ones only get an opening balance.
FULL_HISTORY_PRODUCTS = 2000
CHUNK_PRODUCTS = 5000
#: How much of a product's sales rate each warehouse sees: main, store front, the rest.
WAREHOUSE_SHARES = (1.0, 0.7)
OTHER_SHARE = 0.5
ACTOR = "demo"
OPENING_REF = "demo-opening"
POS_KEY = "pos-demo"
POS_LOCATION = "demo-loc-1"
SALE_TIME = time(19, 0)  # the day's takings are booked at closing
DELIVERY_TIME = time(9, 0)

PHASE_SETUP = "Creating warehouses and suppliers"
PHASE_PRODUCTS = "Creating products and stock"
PHASE_DELIVERIES = "Booking deliveries"
PHASE_POS = "Connecting the demo POS"

# Plain strings: the writer memoises by value, and the driver wants str.
_OPENING = str(MovementReason.OPENING)
_SALE = str(MovementReason.SALE)
_DELIVERY = str(MovementReason.DELIVERY)


def warehouse_defs(count: int) -> list[tuple[str, str]]:
    """(code, name) of the demo's warehouses: the seed's two, then numbered ones."""
    named = [("main-warehouse", "Main Warehouse"), ("store-front", "Store Front")]
    return (named + [(f"wh-{n:02d}", f"Warehouse {n}") for n in range(3, count + 1)])[:count]


def check_cancel(cancel: Callable[[], bool]) -> None:
    """Raise when the caller asked to stop; the seeding transaction then rolls back."""
    if cancel():
        raise PossyncError("Seeding cancelled")


@dataclass(frozen=True, slots=True)
class _DeliveryLine:
    day: int
    warehouse: int
    supplier: int  # index into SUPPLIERS, -1 when bought without one
    product_id: Id
    sku: str
    quantity: int
    unit_cost: Decimal


class SeedRun:
    """Draws and writes one demo shop through a :class:`BulkWriter` on ``session``."""

    def __init__(
        self,
        session: Session,
        *,
        rng: random.Random,
        now: datetime,
        history_days: int,
        progress: Callable[[str, int, int], None],
        cancel: Callable[[], bool],
    ) -> None:
        self._session = session
        self._rng = rng
        self._now = now
        self._progress = progress
        self._cancel = cancel
        ids = IdMaker(now, rng.getrandbits(22))
        tags = (*TABLES, "integration")
        self._new_id = {tag: ids.maker(n) for n, tag in enumerate(tags, start=1)}
        self._set_timeline(now.date(), history_days)
        self.writer = BulkWriter(session)
        self._tables = {tag: self.writer.table(t, cols) for tag, (t, cols) in TABLES.items()}
        self._warehouse_ids: list[Id] = []
        self._supplier_ids: list[Id] = []
        self._pos_warehouse = 0
        self._mapped: list[tuple[Id, str, int]] = []
        self._delivery_lines: list[_DeliveryLine] = []

    def _set_timeline(self, today: date, history_days: int) -> None:
        first = today - timedelta(days=history_days)
        self._days = [first + timedelta(days=n) for n in range(history_days)]
        self._factors = [WEEKLY_PATTERN[d.weekday()] for d in self._days]
        self._opened_at = datetime.combine(first, time(), UTC)
        self._sale_at = [datetime.combine(d, SALE_TIME, UTC) for d in self._days]
        self._delivery_at = [datetime.combine(d, DELIVERY_TIME, UTC) for d in self._days]
        self._sale_refs = [f"demo-sales-{d.isoformat()}" for d in self._days]

    def seed(self, products: int, warehouses: int, with_history: int) -> dict[str, int]:
        """Write the whole shop; returns rows written per table."""
        check_cancel(self._cancel)
        self._progress(PHASE_SETUP, 0, 1)
        self._write_warehouses(warehouses)
        self._write_suppliers()
        self.writer.flush()
        maker = CatalogMaker(self._rng)
        for start in range(0, products, CHUNK_PRODUCTS):
            check_cancel(self._cancel)
            end = min(start + CHUNK_PRODUCTS, products)
            for index in range(start, end):
                has_history = index < with_history
                spec = maker.make(index, has_history=has_history)
                self._write_product(spec, has_history=has_history)
            self.writer.flush()
            self._progress(PHASE_PRODUCTS, end, products)
        check_cancel(self._cancel)
        self._progress(PHASE_DELIVERIES, 0, 1)
        self._write_deliveries()
        check_cancel(self._cancel)
        self._progress(PHASE_POS, 0, 1)
        integration_id = self._write_pos()
        self.writer.flush()
        self._open_till(integration_id)
        counts = dict.fromkeys((t.name for t, _ in TABLES.values()), 0)
        counts.update({name: rows for name, (rows, _) in self.writer.stats().items()})
        counts["pos_integrations"] = 1
        return counts

    def _write_warehouses(self, count: int) -> None:
        for code, name in warehouse_defs(count):
            wid = self._new_id["warehouse"]()
            self._warehouse_ids.append(wid)
            self._tables["warehouse"].add((wid, code, name, self._opened_at))
        self._pos_warehouse = 1 if count > 1 else 0

    def _write_suppliers(self) -> None:
        for sup in SUPPLIERS:
            sid = self._new_id["supplier"]()
            self._supplier_ids.append(sid)
            row = (sid, sup.code, sup.name, sup.email, sup.phone, "USD", self._opened_at)
            self._tables["supplier"].add(row)

    def _write_product(self, spec: ProductSpec, *, has_history: bool) -> None:
        pid = self._new_id["product"]()
        review = ReviewPolicy.MANUAL if spec.high_value else ReviewPolicy.AUTO
        # The barcode is a valid EAN-13 (make_ean13), so its GTIN-14 is just a leading zero:
        # normalize_gtin would check the digit again, 500,000 times over for a large store.
        self._tables["product"].add(
            (
                pid, spec.sku, spec.name, spec.barcode, "0" + spec.barcode, "each",
                spec.serialized, spec.minimum_stock, spec.reorder_point, spec.reorder_quantity,
                spec.max_stock, str(review), spec.unit_cost, self._opened_at, self._opened_at,
            )
        )  # fmt: skip
        for offer in spec.offers:
            self._tables["supplier_product"].add(
                (
                    self._new_id["supplier_product"](), self._supplier_ids[offer.supplier], pid,
                    offer.supplier_sku, offer.unit_cost, offer.lead_time_days,
                    offer.min_order_qty, offer.pack_size, offer.preferred,
                )
            )  # fmt: skip
        for wh_no, wid in enumerate(self._warehouse_ids):
            end = pick_end_level(self._rng, spec)
            if has_history and self._days:
                share = WAREHOUSE_SHARES[wh_no] if wh_no < len(WAREHOUSE_SHARES) else OTHER_SHARE
                hist = simulate(self._rng, spec, share=share, end=end, day_factors=self._factors)
                self._write_history(spec, pid, wh_no, hist)
            else:
                self._write_level(pid, wid, end, version=int(end != 0), at=self._opened_at)
                self._opening(pid, wid, end)
            if has_history and wh_no == self._pos_warehouse:
                self._mapped.append((pid, spec.sku, end))

    def _opening(self, pid: Id, wid: Id, quantity: int) -> None:
        # A zero opening writes nothing, as the ledger skips zero deltas.
        if quantity:
            self._movement(pid, wid, quantity, _OPENING, OPENING_REF, self._opened_at)

    def _movement(self, pid: Id, wid: Id, delta: int, reason: str, ref: str, at: datetime) -> None:
        row = (self._new_id["movement"](), pid, wid, delta, reason, ref, ACTOR, None, at)
        self._tables["movement"].add(row)

    def _write_level(self, pid: Id, wid: Id, on_hand: int, *, version: int, at: datetime) -> None:
        self._tables["stock"].add((self._new_id["stock"](), pid, wid, on_hand, version, at))

    def _write_history(self, spec: ProductSpec, pid: Id, wh_no: int, hist: LevelHistory) -> None:
        wid = self._warehouse_ids[wh_no]
        self._opening(pid, wid, hist.opening)
        changes = int(hist.opening != 0) + len(hist.deliveries)
        last_at = self._opened_at
        sales = self._tables["sales"].add
        for day, sold in enumerate(hist.sales):
            if sold:
                at = self._sale_at[day]
                self._movement(pid, wid, -sold, _SALE, self._sale_refs[day], at)
                sales((pid, wid, self._days[day], sold))
                changes += 1
                last_at = at
        preferred = spec.offers[0] if spec.offers else None
        for day, quantity in hist.deliveries:
            line = _DeliveryLine(
                day=day,
                warehouse=wh_no,
                supplier=preferred.supplier if preferred else -1,
                product_id=pid,
                sku=spec.sku,
                quantity=quantity,
                unit_cost=preferred.unit_cost if preferred else spec.unit_cost,
            )
            self._delivery_lines.append(line)
            last_at = max(last_at, self._delivery_at[day])
        self._write_level(pid, wid, hist.on_hand, version=changes, at=last_at)

    def _write_deliveries(self) -> None:
        """One delivery per supplier, warehouse and day, numbered in date order."""
        groups: dict[tuple[int, int, int], list[_DeliveryLine]] = {}
        for line in self._delivery_lines:
            groups.setdefault((line.day, line.warehouse, line.supplier), []).append(line)
        for number, key in enumerate(sorted(groups), start=1):
            day, wh_no, supplier = key
            reference = f"DEL-DEMO-{number:04d}"
            did = self._new_id["delivery"]()
            wid = self._warehouse_ids[wh_no]
            at = self._delivery_at[day]
            supplier_id = self._supplier_ids[supplier] if supplier >= 0 else None
            self._tables["delivery"].add((did, reference, supplier_id, wid, None, ACTOR, at, at))
            for line in groups[key]:
                self._tables["delivery_item"].add(
                    (
                        self._new_id["delivery_item"](), did, line.product_id, line.sku,
                        line.quantity, line.unit_cost, None, None, "accepted", None,
                    )
                )  # fmt: skip
                self._movement(line.product_id, wid, line.quantity, _DELIVERY, reference, at)
        self._delivery_lines.clear()
        self.writer.flush()

    def _write_pos(self) -> uuid.UUID:
        """The "Demo POS" integration, mapped to the products with a history at its store."""
        integration_id = self._new_id["integration"]()
        wid = self._warehouse_ids[self._pos_warehouse]
        code = warehouse_defs(len(self._warehouse_ids))[self._pos_warehouse][0]
        self._session.execute(
            insert(table(m.POSIntegration)),
            [
                {
                    "id": uuid.UUID(int=integration_id),
                    "external_key": POS_KEY,
                    "name": "Demo POS",
                    "type": str(IntegrationType.DEMO),
                    "configuration": {
                        "baseUrl": "demo://store",
                        "locationMap": {POS_LOCATION: code},
                    },
                    "status": str(IntegrationStatus.ACTIVE),
                    "sync_frequency": str(SyncFrequency.REAL_TIME),
                    "sync_settings": dict(DEMO_SYNC_SETTINGS),
                    "sync_cursor": self._now.isoformat(),
                    "last_sync_at": self._now,
                    "created_at": self._now,
                }
            ],
        )
        for pid, sku, on_hand in self._mapped:
            self._tables["pos_mapping"].add(
                (
                    self._new_id["pos_mapping"](), integration_id, pid, wid, f"demo-item-{sku}",
                    POS_LOCATION, on_hand, self._now,
                )
            )  # fmt: skip
        return uuid.UUID(int=integration_id)

    def _open_till(self, integration_id: uuid.UUID) -> None:
        """The Demo POS's shelf starts with what the store holds of each mapped item (the
        mappings' agreed quantity, one ``INSERT … SELECT``) and its clock at ``now``, so the
        first sync changes nothing."""
        demo_till.stock_shelves(self._session, integration_id, self._now)
        demo_till.set_clock(self._session, integration_id, self._now)
