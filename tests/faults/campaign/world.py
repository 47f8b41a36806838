"""The campaign's world: a store of N products and a custom stock source holding the same
items, mapped by a first sync, and a ledger of what the test itself did to either side.

The expected numbers come from the test, never from the code under test: every sale the
test makes on the POS and every delivery it posts in the store is counted here, so after the
faults one clean sync must make store, POS and base equal ``expected`` for every item, with
each sale pulled into the store once and each delivery pushed to the POS once.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult
from possync_gui.pos.base import POSAdapter
from possync_gui.pos.custom import CustomAdapter
from possync_gui.services.credentials import read_credentials
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.sync_manager import SyncManager
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.ledger import ledger_mismatches
from tests.fakes.sync_world import (
    CUSTOM_MAPPING,
    WAREHOUSE,
    CustomSide,
    Spec,
    Store,
    add_integration,
    sync_when_free,
)

KEY = "faults"
OPENING = 1000


async def _no_sleep(_seconds: float) -> None:
    return None


def adapter_factory(
    *, timeout: float = 5.0, attempts: int = 2
) -> Callable[[IntegrationRecord], POSAdapter]:
    """The custom adapter ``integrations.make_adapter`` builds, with its retries' waits
    skipped (the test's only change: tenacity's backoff and Retry-After sleeps) and, for
    the flaky POS, a client timeout the fake's stalls exceed."""

    def make(record: IntegrationRecord) -> POSAdapter:
        config = record.configuration
        credentials = read_credentials(record.id, config["credentialKeys"])
        return CustomAdapter(
            config["baseUrl"],
            credentials,
            mapping=config["mapping"],
            max_attempts=attempts,
            backoff_initial=0.01,
            sleep=_no_sleep,
            timeout=timeout,
        )

    return make


@dataclass
class Tally:
    """Units that crossed between the sides against what the test did."""

    lost_units: int = 0
    doubled_units: int = 0
    #: (sku, "pull"|"push") of every level short or over.
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)


@dataclass
class Convergence:
    status: str
    #: SKUs whose store, POS or base differ from the expected number after the clean sync.
    mismatched: list[str]
    pending: int
    conflicts: int

    @property
    def ok(self) -> bool:
        return self.status == "success" and not (self.mismatched or self.pending or self.conflicts)


@dataclass
class FaultWorld:
    db: Database
    store: Store
    side: CustomSide
    skus: list[str]
    page_size: int
    integration_id: Any
    expected: dict[str, int]
    sold: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)

    # -- what the test does ------------------------------------------------------------------
    def sell(self, rng: random.Random, share: float, most: int = 3) -> dict[str, int]:
        """Sales on the POS of a random ``share`` of the items (atomic on the fake)."""
        sales = {s: rng.randint(1, most) for s in self.skus if rng.random() < share}
        with self.side.fake._lock:
            for sku, units in sales.items():
                self.side.set(sku, self.side.qty(sku) - units)
        self.note_sold(sales)
        return sales

    def sell_one(self, sku: str, units: int = 1) -> None:
        with self.side.fake._lock:
            self.side.set(sku, self.side.qty(sku) - units)
        self.note_sold({sku: units})

    def note_sold(self, sales: dict[str, int]) -> None:
        for sku, units in sales.items():
            self.sold[sku] += units
            self.expected[sku] -= units

    def receive_direct(self, rng: random.Random, share: float, most: int = 5) -> dict[str, int]:
        """Deliveries booked straight into the store's ledger for a random ``share``."""
        deltas = {s: rng.randint(1, most) for s in self.skus if rng.random() < share}
        if deltas:
            self.store.move_many(deltas, MovementReason.DELIVERY)
        self.note_delivered(deltas)
        return deltas

    def note_delivered(self, units: dict[str, int]) -> None:
        for sku, n in units.items():
            self.delivered[sku] += n
            self.expected[sku] += n

    def delivery(
        self, rng: random.Random, delivery_id: str, lines: int, most: int = 4
    ) -> tuple[dict[str, Any], dict[str, int]]:
        """The seed's deliveryData of ``lines`` distinct random items, and its units."""
        units = {s: rng.randint(1, most) for s in rng.sample(self.skus, lines)}
        data = {
            "deliveryId": delivery_id,
            "warehouseId": WAREHOUSE,
            "receivedBy": "dock",
            "receivedAt": datetime.now(UTC).isoformat(),
            "items": [{"productCode": s, "quantityReceived": n} for s, n in units.items()],
        }
        return data, units

    # -- what the store holds --------------------------------------------------------------
    def integrity(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` ("ok"); PostgreSQL has none: "n/a"."""
        if self.db.backend != "sqlite":
            return "n/a"
        with self.db.engine.connect() as conn:
            rows = conn.execute(text("PRAGMA integrity_check")).scalars().all()
        return "; ".join(str(r) for r in rows)

    def ledger_bad(self) -> int:
        """Stock levels whose on hand is not the sum of their movements."""
        with self.db.session() as s:
            return len(ledger_mismatches(s))

    def delivery_state(self, delivery_id: str) -> tuple[int, int, int]:
        """(delivery rows, movements, units) of one delivery."""
        with self.db.session() as s:
            rows = s.execute(
                select(func.count()).where(m.Delivery.external_id == delivery_id)
            ).scalar_one()
            moves, units = s.execute(
                select(func.count(), func.coalesce(func.sum(m.StockMovement.delta), 0)).where(
                    m.StockMovement.reference == delivery_id,
                    m.StockMovement.reason == MovementReason.DELIVERY.value,
                )
            ).one()
        return int(rows), int(moves), int(units)

    def pulled(self) -> Counter[str]:
        """Units the syncs pulled into the store per SKU (sales are negative pulls)."""
        with self.db.session() as s:
            rows = s.execute(
                select(m.Product.sku, func.sum(m.StockMovement.delta))
                .join(m.Product, m.Product.id == m.StockMovement.product_id)
                .where(
                    m.StockMovement.reason.in_(
                        [MovementReason.SYNC_PULL.value, MovementReason.CONFLICT_RESOLUTION.value]
                    )
                )
                .group_by(m.Product.sku)
            ).all()
        return Counter({sku: -int(total) for sku, total in rows})

    def pushed(self) -> Counter[str]:
        """Units the POS applied per SKU: each idempotency key it applied, once."""
        sent = {key: (item, delta) for item, delta, key in self.side.adjustments()}
        with self.side.fake._lock:
            applied = list(self.side.fake.applied_keys)
        out: Counter[str] = Counter()
        for key in applied:
            item, delta = sent[key]
            out[item.removeprefix("C-")] += delta
        return out

    def tally(self) -> Tally:
        """Lost and doubled units: every sale must be pulled once, every delivery pushed once."""
        tally = Tally()
        pulled, pushed = self.pulled(), self.pushed()
        for sku in self.skus:
            for kind, done, wanted in (
                ("pull", pulled[sku], self.sold[sku]),
                ("push", pushed[sku], self.delivered[sku]),
            ):
                if done < wanted:
                    tally.lost_units += wanted - done
                    tally.lost.append(f"{sku} {kind}")
                elif done > wanted:
                    tally.doubled_units += done - wanted
                    tally.doubled.append(f"{sku} {kind}")
        return tally

    # -- syncing -----------------------------------------------------------------------------
    def facade(self, **adapter: Any) -> InventorySyncService:
        manager = SyncManager(self.db, adapter_factory(**adapter))
        return InventorySyncService(self.db, sync_manager=manager)

    def clean_sync(self, within: float = 60) -> InventorySyncResult:
        """One ordinary full sync, as soon as no other run (or a dead one's lock) holds it."""
        return sync_when_free(self.facade(), KEY, within)

    def converge(self) -> Convergence:
        """A clean sync, then store, POS and base against ``expected`` for every item."""
        result = self.clean_sync()
        on_hand, bases, pos = self.store.on_hands(), self.store.bases(), self.side.quantities()
        mismatched = [
            sku
            for sku in self.skus
            if not on_hand[sku] == bases[sku] == pos[sku] == self.expected[sku]
        ]
        return Convergence(
            str(result.status), mismatched, len(self.store.pending()), len(self.store.conflicts())
        )


def build(db: Database, items: int, page_size: int) -> FaultWorld:
    """``items`` products in the store and on the POS (``page_size`` per page), mapped."""
    skus = [f"F{i:04}" for i in range(items)]
    store = Store(db, [Spec(sku, OPENING) for sku in skus])
    side = CustomSide()
    for sku in skus:
        side.add(sku, OPENING, sku=sku)
    data = side.integration(KEY)
    mapping = {**CUSTOM_MAPPING, "pagination": {**CUSTOM_MAPPING["pagination"], "size": page_size}}
    data["configuration"]["mapping"] = mapping
    facade = InventorySyncService(db)
    add_integration(facade, data)
    with db.session() as s:
        integration_id = s.scalars(
            select(m.POSIntegration.id).where(m.POSIntegration.external_key == KEY)
        ).one()
    world = FaultWorld(
        db, store, side, skus, page_size, integration_id, dict.fromkeys(skus, OPENING)
    )
    first = world.clean_sync()
    assert first.summary["mappings_created"] == items, first.errors[:3]
    return world


def wait_lock_free(db: Database, within: float = 30) -> None:
    """PostgreSQL: until no session holds an advisory lock (a killed run's session ends when
    the server notices its client is gone). SQLite needs no wait: a lock row whose owner
    process has ended is taken over at once."""
    if db.backend == "sqlite":
        return
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            held = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).scalar_one()
        if not held:
            return
        time.sleep(0.02)
