"""Three desktops writing to one stock level at once (issue 7 §1): manual adjustments from
one, deliveries from a second and a sync pulling the POS's sales from a third, each with its
own engine on the same database, released together. Every posting counts: each level ends
at exactly its opening stock plus every change, and the ledger still adds up."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.sync import SyncStatus
from possync_gui.services.facade import InventorySyncService
from possync_gui.store import models as m
from possync_gui.store.database import Database, open_database
from possync_gui.store.ledger import ledger_mismatches
from tests.fakes.sync_world import Spec, SquareSide, Store, add_integration, sync

KEY = "shared-square"
PRODUCTS = 120
OPENING = 100
SOLD = 3  # by the POS, per product, pulled by the sync
ADJUSTMENTS = 30  # +1 each, alternating between the first two products
DELIVERIES = 6  # +2 of every product each
SKUS = [f"P{i:03d}" for i in range(PRODUCTS)]


@pytest.fixture
def desks(db_url: str) -> Iterator[list[Database]]:
    """Three desktops' engines on one database (the first one migrates it)."""
    opened = [open_database(db_url) for _ in range(3)]
    yield opened
    for database in opened:
        database.dispose()


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = calls[i]()
        except Exception as err:  # handed to the test, which fails on it
            out[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return out


def _delivery(n: int) -> dict[str, Any]:
    return {
        "deliveryId": f"SHARED-{n}",
        "supplierId": "ACME",
        "warehouseId": "MAIN",
        "receivedBy": "dock",
        "items": [{"productCode": sku, "quantityReceived": 2, "unitCost": "1.00"} for sku in SKUS],
    }


def test_adjustments_deliveries_and_a_sync_pull_at_once_lose_no_update(
    desks: list[Database],
) -> None:
    clerk_db, dock_db, sync_db = desks
    store = Store(sync_db, [Spec(sku, OPENING) for sku in SKUS])
    with sync_db.session() as s:
        s.add(m.Supplier(id=uuid.uuid4(), code="ACME", name="Acme"))
    side = SquareSide()
    try:
        for sku in SKUS:
            side.add(sku, OPENING, sku=sku)
        syncer = InventorySyncService(sync_db)
        add_integration(syncer, side.integration(KEY))
        assert sync(syncer, KEY).status is SyncStatus.SUCCESS  # maps every item
        for sku in SKUS:
            side.set(sku, OPENING - SOLD)
        clerk = InventorySyncService(clerk_db)
        dock = InventorySyncService(dock_db)

        def adjust() -> int:
            for i in range(ADJUSTMENTS):
                asyncio.run(
                    clerk.inventory.adjust_stock(
                        SKUS[i % 2], "MAIN", 1, MovementReason.FOUND, "clerk-desk"
                    )
                )
            return ADJUSTMENTS

        def receive() -> int:
            for n in range(DELIVERIES):
                assert dock.deliveries.post(_delivery(n)).ok
            return DELIVERIES

        results = _at_once(adjust, receive, lambda: sync(syncer, KEY))
    finally:
        side.fake.stop()
    assert results[:2] == [ADJUSTMENTS, DELIVERIES], results
    assert results[2].status is SyncStatus.SUCCESS, results[2]
    expected = {sku: OPENING - SOLD + 2 * DELIVERIES for sku in SKUS}
    expected[SKUS[0]] += ADJUSTMENTS // 2
    expected[SKUS[1]] += ADJUSTMENTS - ADJUSTMENTS // 2
    assert store.on_hands() == expected
    with sync_db.session() as s:
        assert ledger_mismatches(s) == []
        versions = s.scalar(select(func.sum(m.StockLevel.version)))
        moves = s.scalar(select(func.count()).select_from(m.StockMovement))
    assert versions == moves  # one version per movement: no write skipped the counter
