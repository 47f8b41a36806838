"""A posted delivery reaches the POS: it moves the store's stock level (and its
``updated_at``), so the next incremental sync pushes the delta as one adjustment."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from possync_gui.domain.receiving import DeliveryInput, DeliveryLineInput
from possync_gui.domain.sync import SyncStatus
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from tests.fakes.sync_world import WAREHOUSE, Spec, SquareSide, Store, add_integration, sync

KEY = "square-dock"


@pytest.fixture
def square() -> Iterator[SquareSide]:
    side = SquareSide()
    yield side
    side.fake.stop()


def test_a_delivery_is_pushed_once_by_the_next_incremental_sync(
    db: Database, square: SquareSide
) -> None:
    store = Store(db, [Spec("A", 10), Spec("B", 7)])
    square.add("A", 10, sku="A")
    square.add("B", 7, sku="B")
    facade = InventorySyncService(db)
    add_integration(facade, square.integration(KEY))
    assert sync(facade, KEY).status is SyncStatus.SUCCESS  # maps A and B, base 10 / 7

    result = asyncio.run(
        facade.update_inventory_from_delivery(
            DeliveryInput(
                delivery_id="DEL-PUSH-1",
                warehouse_ref=WAREHOUSE,
                received_by="dock",
                received_at=datetime.now(UTC),
                items=(DeliveryLineInput("A", 5),),
            )
        )
    )
    assert result.ok and store.on_hand("A") == 15

    pushed = sync(facade, KEY, "incremental")
    assert pushed.status is SyncStatus.SUCCESS, pushed.errors
    assert square.qty("A") == 15 and square.qty("B") == 7
    square.assert_adjusted("A", +5, before=10)
    assert store.base("A") == 15

    again = sync(facade, KEY, "incremental")  # nothing new: nothing pushed twice
    assert again.status is SyncStatus.SUCCESS
    square.assert_adjusted("A", +5, before=10)
    assert square.qty("A") == 15
    store.assert_ledger()
