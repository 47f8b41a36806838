"""The Sync Manager against a fake Square over loopback HTTP, on both store backends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import MovementReason
from possync_gui.domain.errors import POSSystemUnavailableError, SyncInProgressError
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.pos.base import POSAdapter
from possync_gui.pos.square import SquareAdapter
from possync_gui.services.sync_manager import SyncManager
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_movements, ledger_mismatches
from possync_gui.store.locks import SyncLockManager
from possync_gui.store.models import (
    IntegrationSyncLog,
    POSIntegration,
    POSMapping,
    Product,
    StockLevel,
    StockMovement,
    SyncConflict,
    Warehouse,
)
from tests.fakes.square import FakeSquare

TOKEN = "EAAAl-sync-test-token"
UPC = "036000291452"


async def _no_sleep(_seconds: float) -> None:
    return None


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    for i in range(1, 5):
        server.add_item(f"I{i}", f"Item {i}", [{"id": f"V{i}", "sku": f"SKU-{i}"}])
        server.set_count(f"V{i}", "L1", 10)
    # The fifth matches by barcode only.
    server.add_item("I5", "Item 5", [{"id": "V5", "sku": "POS-ONLY-5", "upc": UPC}])
    server.set_count("V5", "L1", 10)
    with server:
        yield server


class World:
    def __init__(self, db: Database, fake: FakeSquare) -> None:
        self.db = db
        self.fake = fake
        self.url = fake.url
        self.products: dict[str, uuid.UUID] = {}
        with db.session() as s:
            wh = Warehouse(id=uuid.uuid4(), code="MAIN", name="Main")
            s.add(wh)
            for i in range(1, 6):
                barcode = UPC if i == 5 else None
                p = Product(
                    id=uuid.uuid4(),
                    sku=f"SKU-{i}",
                    name=f"Product {i}",
                    barcode=barcode,
                    gtin=normalize_gtin(barcode) if barcode else None,
                )
                s.add(p)
                self.products[f"V{i}"] = p.id
            integ = POSIntegration(
                id=uuid.uuid4(),
                name="Square main",
                type="square",
                configuration={"locationMap": {"L1": "MAIN"}},
                sync_settings={"conflictResolution": "manual_review"},
            )
            s.add(integ)
            s.flush()
            self.warehouse_id = wh.id
            self.integration_id = integ.id
            apply_movements(
                s,
                [
                    MovementRequest(pid, wh.id, 10, MovementReason.OPENING, "test")
                    for pid in self.products.values()
                ],
            )

    def factory(self, record: IntegrationRecord) -> POSAdapter:
        assert record.id == self.integration_id
        return SquareAdapter(
            self.url,
            {"access_token": TOKEN},
            backoff_initial=0.01,
            max_attempts=2,
            sleep=_no_sleep,
            timeout=5.0,
        )

    def sync(self, manager: SyncManager | None = None) -> InventorySyncResult:
        manager = manager or SyncManager(self.db, self.factory)
        return asyncio.run(manager.sync(self.integration_id))

    def on_hand(self, item: str) -> int:
        with self.db.session() as s:
            value = s.scalar(
                select(StockLevel.on_hand).where(StockLevel.product_id == self.products[item])
            )
        return value or 0

    def move(self, item: str, delta: int, reason: MovementReason) -> None:
        with self.db.session() as s:
            apply_movements(
                s,
                [MovementRequest(self.products[item], self.warehouse_id, delta, reason, "test")],
            )

    def base(self, item: str) -> int | None:
        with self.db.session() as s:
            return s.scalar(
                select(POSMapping.last_synced_quantity).where(POSMapping.external_item_id == item)
            )

    def movements(self, item: str) -> list[tuple[int, str, str | None]]:
        with self.db.session() as s:
            rows = s.execute(
                select(StockMovement.delta, StockMovement.reason, StockMovement.reference)
                .where(StockMovement.product_id == self.products[item])
                .order_by(StockMovement.at)
            ).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def set_strategy(self, strategy: str) -> None:
        with self.db.session() as s:
            row = s.get(POSIntegration, self.integration_id)
            assert row is not None
            row.sync_settings = {"conflictResolution": strategy}

    def conflicts(self) -> list[SyncConflict]:
        with self.db.session() as s:
            rows = list(s.scalars(select(SyncConflict)))
            s.expunge_all()
        return rows

    def logs(self) -> list[IntegrationSyncLog]:
        with self.db.session() as s:
            rows = list(
                s.scalars(select(IntegrationSyncLog).order_by(IntegrationSyncLog.started_at))
            )
            s.expunge_all()
        return rows

    def assert_ledger(self) -> None:
        with self.db.session() as s:
            assert ledger_mismatches(s) == []


@pytest.fixture
def world(db: Database, fake: FakeSquare) -> World:
    return World(db, fake)


def _first(world: World) -> InventorySyncResult:
    result = world.sync()
    assert result.status is SyncStatus.SUCCESS, result.errors
    return result


def test_first_sync_with_equal_values_maps_and_changes_nothing(world: World) -> None:
    result = _first(world)
    assert result.products_processed == 5
    assert result.products_updated == 0
    assert result.summary["mappings_created"] == 5
    assert all(world.base(f"V{i}") == 10 for i in range(1, 6))
    assert all(world.on_hand(f"V{i}") == 10 for i in range(1, 6))
    assert world.movements("V5") == [(10, "opening", None)]  # matched by barcode
    assert world.fake.applied == []
    (log,) = world.logs()
    assert log.status == "success" and log.records_processed == 5 and log.errors_count == 0
    assert log.summary["pulled"] == 0 and log.summary["pushed"] == 0


def test_pos_sale_is_pulled(world: World) -> None:
    _first(world)
    world.fake.set_count("V1", "L1", 7)
    result = world.sync()
    assert result.status is SyncStatus.SUCCESS
    assert result.products_updated == 1
    assert world.on_hand("V1") == 7
    assert world.movements("V1")[-1] == (-3, "sync_pull", str(result.id))
    assert world.base("V1") == 7
    assert world.fake.applied == []
    world.assert_ledger()


def test_store_receipt_is_pushed_once(world: World) -> None:
    _first(world)
    world.move("V2", 10, MovementReason.DELIVERY)
    result = world.sync()
    assert result.status is SyncStatus.SUCCESS
    assert result.summary["pushed"] == 1
    assert world.fake.quantity("V2", "L1") == "20"
    assert world.base("V2") == 20
    applied = len(world.fake.applied)
    again = world.sync()
    assert again.products_updated == 0
    assert len(world.fake.applied) == applied
    assert world.on_hand("V2") == 20
    world.assert_ledger()


def test_both_moved_are_merged_on_both_sides(world: World) -> None:
    _first(world)
    world.fake.set_count("V3", "L1", 7)
    world.move("V3", 5, MovementReason.DELIVERY)
    result = world.sync()
    assert result.status is SyncStatus.SUCCESS
    assert world.on_hand("V3") == 12
    assert world.fake.quantity("V3", "L1") == "12"
    assert world.base("V3") == 12
    world.assert_ledger()


def test_recount_conflict_waits_then_pos_wins(world: World) -> None:
    _first(world)
    world.fake.set_count("V4", "L1", 2)  # a recount on the POS
    world.move("V4", -5, MovementReason.DAMAGE)  # the merge would be 10 - 8 - 5 < 0
    result = world.sync()
    assert result.summary["conflicts_open"] == 1
    (conflict,) = world.conflicts()
    assert conflict.status == "open"
    assert (conflict.pos_value, conflict.system_value, conflict.base_value) == (2, 5, 10)
    assert world.on_hand("V4") == 5 and world.fake.quantity("V4", "L1") == "2"
    assert world.base("V4") == 10
    world.sync()  # still waiting: no second conflict row
    assert len(world.conflicts()) == 1

    world.set_strategy("pos_wins")
    resolved = world.sync()
    assert resolved.summary["conflicts_open"] == 0
    (conflict,) = world.conflicts()
    assert conflict.status == "resolved"
    assert conflict.strategy == "pos_wins" and conflict.resolved_value == 2
    assert world.on_hand("V4") == 2
    assert world.movements("V4")[-1] == (-3, "conflict_resolution", str(resolved.id))
    assert world.base("V4") == 2
    assert world.fake.applied == []
    world.assert_ledger()


def test_waiting_conflict_closes_when_both_sides_are_fixed_to_one_figure(world: World) -> None:
    """While a conflict waits, its base is stale: moves made to settle it by hand on both
    sides must not be merged from that base (that would count them twice)."""
    _first(world)
    world.fake.set_count("V4", "L1", 2)
    world.move("V4", -5, MovementReason.DAMAGE)
    world.sync()
    assert [c.status for c in world.conflicts()] == ["open"]
    world.fake.set_count("V4", "L1", 6)  # a person recounts: 6 on the shelf...
    world.move("V4", 1, MovementReason.COUNT)  # ...and books the same figure in the store
    result = world.sync()
    assert result.status is SyncStatus.SUCCESS, result.errors
    (conflict,) = world.conflicts()
    assert conflict.status == "resolved" and conflict.resolved_value == 6
    assert world.on_hand("V4") == 6 and world.fake.quantity("V4", "L1") == "6"
    assert world.base("V4") == 6
    assert world.fake.applied == []
    world.assert_ledger()


def test_unmatched_item_and_unmapped_location_are_reported(world: World) -> None:
    world.fake.add_item("I9", "Mystery", [{"id": "V9", "sku": "NOPE"}])
    world.fake.set_count("V9", "L1", 4)
    world.fake.add_location("L2", "Airport")
    world.fake.set_count("V1", "L2", 3)
    result = world.sync()
    assert result.status is SyncStatus.PARTIAL
    assert "POS item V9 (SKU NOPE) matches no product" in result.errors
    assert any("L2" in e for e in result.errors)
    assert result.products_processed == 5
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Product)) == 5
        assert s.scalar(select(func.count()).select_from(POSMapping)) == 5
    (log,) = world.logs()
    assert log.status == "partial" and log.errors_count == 2


def test_second_concurrent_sync_is_refused(world: World) -> None:
    other = SyncLockManager(world.db)
    with other.hold(world.integration_id), pytest.raises(SyncInProgressError):
        world.sync()
    assert world.logs() == []
    _first(world)  # free again afterwards


def test_concurrent_syncs_one_wins(world: World) -> None:
    async def both() -> list[Any]:
        a = SyncManager(world.db, world.factory)
        b = SyncManager(world.db, world.factory)
        return await asyncio.gather(
            a.sync(world.integration_id), b.sync(world.integration_id), return_exceptions=True
        )

    results = asyncio.run(both())
    refused = [r for r in results if isinstance(r, SyncInProgressError)]
    done = [r for r in results if isinstance(r, InventorySyncResult)]
    assert len(refused) == 1 and len(done) == 1


def test_pos_unreachable_fails_and_logs(world: World) -> None:
    _first(world)
    world.move("V1", 4, MovementReason.DELIVERY)
    world.fake.stop()
    with pytest.raises(POSSystemUnavailableError):
        world.sync()
    logs = world.logs()
    assert [log.status for log in logs] == ["success", "failed"]
    assert logs[-1].errors_count == 1
    assert world.on_hand("V1") == 14
    assert world.base("V1") == 10
    world.assert_ledger()


def test_second_sync_in_the_same_process_is_refused(world: World) -> None:
    """The scheduler and "Sync now" share one manager: the second run is refused, and the
    first keeps its lock to the end."""
    manager = SyncManager(world.db, world.factory)

    async def both() -> list[InventorySyncResult | BaseException]:
        return await asyncio.gather(
            manager.sync(world.integration_id),
            manager.sync(world.integration_id),
            return_exceptions=True,
        )

    outcomes = asyncio.run(both())
    refused = [o for o in outcomes if isinstance(o, SyncInProgressError)]
    done = [o for o in outcomes if isinstance(o, InventorySyncResult)]
    assert len(refused) == 1 and len(done) == 1
    assert str(refused[0]) == "Sync already in progress for this integration"
    assert len(world.logs()) == 1
    assert world.sync().status is SyncStatus.SUCCESS  # the lock was let go


def test_sync_log_keeps_the_newest_runs(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("possync_gui.services.sync_manager.LOG_KEEP", 3)
    ids = [world.sync().id for _ in range(5)]
    assert [log.id for log in world.logs()] == ids[-3:]
