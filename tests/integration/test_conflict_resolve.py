"""The Conflict Resolver end to end against the fake POS servers (issue 6 §1, §4): real
conflicts made by a sync (a recount on the POS against damage in the warehouse), settled by
each strategy through the facade; both sides end at the chosen value, the ledger holds the
``conflict_resolution`` movement, the base moves, and the next sync has nothing to do."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from possync_gui.domain.conflicts import ConflictQuery, ConflictRecord, ResolutionOutcome
from possync_gui.domain.enums import MovementReason
from possync_gui.domain.events import ConflictsChanged
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import SyncStatus
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.demo import seed_demo
from possync_gui.store.ledger import apply_movements
from possync_gui.store.models import DemoPOSStock, POSMapping
from tests.fakes.sync_world import (
    SIDES,
    CustomSide,
    POSSide,
    Spec,
    SquareSide,
    Store,
    add_integration,
    sync,
)

KEY = "pos-conflicts"
ALL_SIDES = {**SIDES, "square": SquareSide}


@pytest.fixture(params=sorted(ALL_SIDES))
def side(request: pytest.FixtureRequest) -> Iterator[POSSide]:
    made = ALL_SIDES[request.param]()
    yield made
    made.fake.stop()


def conflicted(
    db: Database, side: POSSide, skus: str = "E", *, manual: str = ""
) -> tuple[Store, InventorySyncService]:
    """Store and POS at 10 of each SKU, mapped; then for each a recount on the POS to 2
    against damage of 5 in the warehouse — a merge below zero, so a sync (manual review)
    leaves one open conflict per SKU: POS 2, warehouse 5, base 10."""
    store = Store(
        db, [Spec(s, 10, review_policy="manual" if s in manual else "auto") for s in skus]
    )
    for sku in skus:
        side.add(sku, 10, sku=sku)
    facade = InventorySyncService(db)
    add_integration(facade, side.integration(KEY))
    assert sync(facade, KEY).status is SyncStatus.SUCCESS
    for sku in skus:
        side.set(sku, 2)
        store.move(sku, -5, MovementReason.DAMAGE)
    result = sync(facade, KEY)
    assert result.summary["conflicts_open"] == len(skus), result
    return store, facade


def open_conflicts(facade: InventorySyncService) -> list[ConflictRecord]:
    return asyncio.run(facade.list_conflicts(ConflictQuery()))


@pytest.mark.parametrize(
    ("strategy", "value", "reason", "expected"),
    [
        ("pos_wins", None, None, 2),
        ("supplier_wins", None, None, 5),
        ("set", 4, "recounted the shelf", 4),
    ],
)
def test_each_strategy_settles_both_sides(
    db: Database,
    side: POSSide,
    strategy: str,
    value: int | None,
    reason: str | None,
    expected: int,
) -> None:
    store, facade = conflicted(db, side)
    (conflict,) = open_conflicts(facade)
    assert (conflict.pos_value, conflict.system_value, conflict.base_value) == (2, 5, 10)

    result = asyncio.run(
        facade.resolve_sync_conflicts(
            [conflict.id], strategy, actor="ana", value=value, reason=reason
        )
    )

    assert (result.resolved, result.manual_review_required) == (1, 0), result.details
    (detail,) = result.details
    assert (detail.outcome, detail.value, detail.sku) == (ResolutionOutcome.RESOLVED, expected, "E")
    assert store.on_hand("E") == side.qty("E") == store.base("E") == expected
    if expected != 5:
        assert store.movements("E")[-1] == (expected - 5, "conflict_resolution")
    else:
        assert "conflict_resolution" not in [r for _d, r in store.movements("E")]
    row = store.conflict("E")
    assert (row.status, row.strategy, row.resolved_value, row.resolved_by) == (
        "resolved",
        strategy,
        expected,
        "ana",
    )
    store.assert_ledger()
    again = sync(facade, KEY)
    assert again.status is SyncStatus.SUCCESS
    assert (again.summary["pulled"], again.summary["pushed"], again.summary["conflicts"]) == (
        0,
        0,
        0,
    )
    assert store.on_hand("E") == side.qty("E") == expected
    assert open_conflicts(facade) == []


def test_a_sale_made_meanwhile_survives_a_resolution(db: Database) -> None:
    """A POS without compare-and-set gets the resolution as a delta, so a sale made after the
    sync read it is kept: the next sync pulls it into the store."""
    side = CustomSide()
    try:
        store, facade = conflicted(db, side)
        (conflict,) = open_conflicts(facade)
        side.set("E", 1)  # sold one after the conflict was read (POS 2 → 1)

        result = asyncio.run(
            facade.resolve_sync_conflicts([conflict], "supplier_wins", actor="ana")
        )

        assert [d.outcome for d in result.details] == [ResolutionOutcome.RESOLVED]
        assert (store.on_hand("E"), side.qty("E"), store.base("E")) == (5, 4, 5)
        side.assert_adjusted("E", +3, before=1)
        assert sync(facade, KEY).summary["pulled"] == 1
        assert (store.on_hand("E"), side.qty("E"), store.base("E")) == (4, 4, 4)
        store.assert_ledger()
    finally:
        side.fake.stop()


def test_the_demo_pos_settles_too(db: Database) -> None:
    seed_demo(db, products=30, warehouses=1, history_days=7)
    facade = InventorySyncService(db)
    changes: list[object] = []
    facade.subscribe(changes.append)
    asyncio.run(facade.sync_inventory_levels("pos-demo"))
    with db.session() as s:
        mapping = s.scalars(
            select(POSMapping).where(POSMapping.last_synced_quantity >= 2).limit(1)
        ).one()
        base = mapping.last_synced_quantity
        assert base is not None
        # A recount at the till to 0 against one damaged in the warehouse: below zero.
        s.execute(
            update(DemoPOSStock)
            .where(DemoPOSStock.external_item_id == mapping.external_item_id)
            .values(quantity=0)
        )
        apply_movements(
            s,
            [MovementRequest(mapping.product_id, mapping.warehouse_id, -1,
                             MovementReason.DAMAGE, "clerk")],
        )  # fmt: skip
    changes.clear()
    asyncio.run(facade.sync_inventory_levels("pos-demo"))
    assert ConflictsChanged() in changes  # the tab reloads after a sync that found one
    (conflict,) = open_conflicts(facade)
    assert (conflict.pos_value, conflict.system_value, conflict.base_value) == (0, base - 1, base)

    result = asyncio.run(facade.resolve_sync_conflicts([conflict], "supplier_wins", actor="ana"))

    assert [d.outcome for d in result.details] == [ResolutionOutcome.RESOLVED]
    with db.session() as s:
        shelf = s.scalar(
            select(DemoPOSStock.quantity).where(
                DemoPOSStock.external_item_id == mapping.external_item_id
            )
        )
        moved = s.scalar(select(POSMapping.last_synced_quantity).where(POSMapping.id == mapping.id))
    assert shelf == moved == base - 1
