"""Posting deliveries end to end on each backend: per-item rejections while the rest posts,
idempotency, partial receipts and PO status, over-receipt confirmation, close-short,
serials, whole-delivery refusals and the read functions the Receiving tab uses."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from possync_gui.domain.enums import PurchaseOrderStatus
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.receiving import DeliveryInput, DeliveryLineInput, ItemStatus
from possync_gui.services.delivery_processor import DeliveryProcessor
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.settings import Settings, load_settings
from possync_gui.store import models as m
from possync_gui.store.database import Database
from tests.integration.delivery_world import World, build_world, seed_delivery


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def _item(code: str, qty: object, **extra: object) -> dict[str, object]:
    return {"productCode": code, "quantityReceived": qty, **extra}


def test_the_seeds_delivery_posts_to_ledger_po_and_serials(world: World) -> None:
    result = world.post(seed_delivery(world))
    assert result.ok and not result.already_posted
    assert [(i.sku, i.status) for i in result.items] == [
        ("WIDGET-001", ItemStatus.ACCEPTED),
        ("SCAN-1", ItemStatus.ACCEPTED),
    ]
    assert world.on_hand("WIDGET-001") == 40 and world.on_hand("SCAN-1") == 2
    assert world.movements("DEL-001") == [
        ("SCAN-1", 2, "warehouse-manager"),
        ("WIDGET-001", 40, "warehouse-manager"),
    ]
    status, lines = world.order()
    assert status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert lines == {"WIDGET-001": (100, 40, 0), "SCAN-1": (3, 2, 0)}
    assert result.purchase_order_status == "partially_received"
    where = asyncio.run(world.facade.find_serial("SN-2"))
    assert [(s.sku, s.warehouse_code, s.delivery_id, s.purchase_order_number) for s in where] == [
        ("SCAN-1", "main-warehouse", "DEL-001", world.order_number)
    ]
    assert world.ledger_ok()


def test_each_bad_item_is_rejected_with_its_reason_and_the_rest_posts(world: World) -> None:
    items = [
        _item("WIDGET-001", 10),
        _item("NO-SUCH-SKU", 5),
        _item("WIDGET-001", 0),
        _item("WIDGET-001", -3),
        _item("WIDGET-001", 2_000_000),
        _item("WIDGET-001", "ten"),
        _item("WIDGET-001", 1, unitCost="-1.00"),
        _item("WIDGET-001", 1, unitCost="1.234"),
        _item("WIDGET-001", 1, unitCost="cheap"),
        _item("SCAN-1", 2, serialNumbers=["A-1"]),
        _item("WIDGET-001", 1, serialNumbers=["X-1"]),
        _item("LOOSE-1", 4),  # not on the order
        _item("WIDGET-001", 5, unitCost="15.99", lot="L42", expiry="2027-06-30"),
    ]
    result = world.post(seed_delivery(world, items=items))
    reasons = {i.index: (i.status, i.error) for i in result.items}
    assert [i for i, (s, _) in reasons.items() if s == ItemStatus.ACCEPTED] == [1, 13]
    expected = {
        2: "unknown product 'NO-SUCH-SKU'",
        3: "quantity 0 is not a positive",
        4: "quantity -3 is not a positive",
        5: "more than 1,000,000 units",
        6: "'ten' is not a whole number",
        7: "not an amount of 0 or more",
        8: "more than 2 decimal places",
        9: "'cheap' is not an amount",
        10: "1 serial number(s) for 2 unit(s)",
        11: "WIDGET-001 is not a serialized product",
        12: f"LOOSE-1 is not on purchase order {world.order_number}",
    }
    for index, text in expected.items():
        status, error = reasons[index]
        assert status == ItemStatus.REJECTED and error is not None and text in error, index
    assert result.accepted == 2 and result.rejected == 11 and not result.ok
    assert world.on_hand("WIDGET-001") == 15 and world.on_hand("SCAN-1") == 0
    assert world.on_hand("LOOSE-1") == 0
    with world.db.session() as s:
        lot = s.execute(
            select(m.DeliveryItem.lot, m.DeliveryItem.expiry, m.DeliveryItem.unit_cost).where(
                m.DeliveryItem.line_index == 13
            )
        ).one()
    assert tuple(lot) == ("L42", date(2027, 6, 30), Decimal("15.99"))
    assert world.ledger_ok()


def test_the_same_delivery_twice_counts_once(world: World) -> None:
    first = world.post(seed_delivery(world))
    again = world.post(seed_delivery(world))
    assert again.already_posted and again.items == first.items
    assert again.posted_at == first.posted_at
    assert world.on_hand("WIDGET-001") == 40
    assert len(world.movements("DEL-001")) == 2
    assert world.count(m.SerialNumber) == 2 and world.count(m.Delivery) == 1
    assert world.order()[1]["WIDGET-001"] == (100, 40, 0)


def test_partial_receipts_then_received(world: World) -> None:
    world.post(seed_delivery(world, "D1", items=[_item("WIDGET-001", 60)]))
    assert world.order()[0] == PurchaseOrderStatus.PARTIALLY_RECEIVED
    plan = asyncio.run(world.facade.receiving_plan(world.order_number))
    assert {ln.sku: ln.expected for ln in plan.lines} == {"WIDGET-001": 40, "SCAN-1": 3}
    result = world.post(
        seed_delivery(
            world,
            "D2",
            items=[_item("WIDGET-001", 40), _item("SCAN-1", 3, serialNumbers=["a", "b", "c"])],
        )
    )
    assert result.ok and result.purchase_order_status == "received"
    assert world.order() == (
        "received",
        {"WIDGET-001": (100, 100, 0), "SCAN-1": (3, 3, 0)},
    )
    with pytest.raises(ValidationError, match="is received: only approved"):
        asyncio.run(world.facade.receiving_plan(world.order_number))
    assert world.order_number not in {
        o.order_number for o in asyncio.run(world.facade.receivable_purchase_orders())
    }
    with pytest.raises(ValidationError, match="nothing was posted"):
        world.post(seed_delivery(world, "D3", items=[_item("WIDGET-001", 1)]))


def test_over_receipt_waits_for_confirmation_then_posts_and_is_recorded(world: World) -> None:
    within = world.post(seed_delivery(world, "D1", items=[_item("WIDGET-001", 110)]))
    assert within.ok and within.items[0].over_received == 10  # 10 %: no question asked
    data = seed_delivery(
        world, "D2", items=[_item("WIDGET-001", 5), _item("SCAN-1", 1, serialNumbers=["Q1"])]
    )
    held = world.post(data)
    assert [i.status for i in held.items] == [ItemStatus.NEEDS_CONFIRMATION, ItemStatus.ACCEPTED]
    assert "115 received in total against 100 ordered" in (held.items[0].error or "")
    assert world.on_hand("WIDGET-001") == 110 and world.on_hand("SCAN-1") == 1
    # the same delivery again without confirming: nothing changes, it still waits
    still = world.post(data)
    assert still.already_posted and still.needs_confirmation == 1
    confirmed = world.post({**data, "confirmOverReceipt": True})
    assert not confirmed.already_posted and confirmed.ok
    assert confirmed.items[0].over_received == 5
    assert world.on_hand("WIDGET-001") == 115 and world.on_hand("SCAN-1") == 1
    assert world.order()[1]["WIDGET-001"] == (100, 115, 0)
    with world.db.session() as s:
        over = s.execute(
            select(m.DeliveryItem.over_received, m.DeliveryItem.over_receipt_confirmed)
            .join(m.Delivery, m.Delivery.id == m.DeliveryItem.delivery_id)
            .where(m.Delivery.external_id == "D2", m.DeliveryItem.line_index == 1)
        ).one()
    assert tuple(over) == (5, True)
    assert world.post({**data, "confirmOverReceipt": True}).already_posted
    assert world.on_hand("WIDGET-001") == 115 and world.ledger_ok()
    [record] = asyncio.run(world.facade.list_deliveries("D2"))
    assert (record.items_accepted, record.items_waiting, record.units) == (2, 0, 6)


def test_close_short_records_what_did_not_come(world: World) -> None:
    result = world.post(
        seed_delivery(world, "SHORT", items=[_item("WIDGET-001", 70)], closeShort=True)
    )
    assert result.purchase_order_status == "received"
    assert {(s.sku, s.short) for s in result.short_shipped} == {("WIDGET-001", 30), ("SCAN-1", 3)}
    assert world.order()[1] == {"WIDGET-001": (100, 70, 30), "SCAN-1": (3, 0, 3)}
    with world.db.session() as s:
        po = s.get(m.PurchaseOrder, world.order_id)
        assert po is not None and po.closed_short_by == "warehouse-manager"


def test_duplicate_serials_are_rejected_while_the_rest_posts(world: World) -> None:
    world.post(seed_delivery(world))  # SN-1, SN-2
    result = world.post(
        seed_delivery(
            world,
            "D2",
            items=[
                _item("SCAN-1", 1, serialNumbers=["SN-1"]),  # in the store already
                _item("SCAN-1", 2, serialNumbers=["N-7", "N-7"]),  # twice in one item
                _item("SCAN-1", 1, serialNumbers=["N-8"]),
                _item("SCAN-1", 1, serialNumbers=["N-8"]),  # twice in this delivery
                _item("WIDGET-001", 3),
            ],
        )
    )
    status = [(i.status, i.error) for i in result.items]
    assert "SN-1 of SCAN-1 was already received (delivery DEL-001)" in (status[0][1] or "")
    assert "N-7 appears twice" in (status[1][1] or "")
    assert status[2][0] == ItemStatus.ACCEPTED
    assert "N-8 appears twice" in (status[3][1] or "")
    assert status[4][0] == ItemStatus.ACCEPTED
    assert world.on_hand("SCAN-1") == 3 and world.on_hand("WIDGET-001") == 43
    assert world.count(m.SerialNumber) == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"warehouseId": "nowhere"}, "No warehouse 'nowhere'"),
        ({"supplierId": "nobody"}, "No supplier 'nobody'"),
        ({"purchaseOrderId": "PO-1999-000009"}, "No purchase order 'PO-1999-000009'"),
        ({"warehouseId": "north"}, "is for warehouse main-warehouse, not north"),
        ({"supplierId": "supplier-xyz"}, "is from supplier supplier-abc, not supplier-xyz"),
        ({"receivedAt": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"receivedAt": "yesterday"}, "not an ISO 8601 time"),
        ({"items": []}, "has no items"),
        ({"deliveryId": ""}, "needs 'deliveryId'"),
    ],
)
def test_a_refused_delivery_posts_nothing(
    world: World, change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        world.post(seed_delivery(world, **change))  # type: ignore[arg-type]
    assert world.count(m.Delivery) == 0 and world.count(m.StockMovement) == 0


def test_an_order_that_cannot_receive_is_refused(db: Database) -> None:
    world = build_world(db, status=PurchaseOrderStatus.DRAFT)
    with pytest.raises(ValidationError, match="is draft: only approved, sent or partially"):
        world.post(seed_delivery(world))
    assert world.count(m.Delivery) == 0


def test_an_unplanned_delivery_takes_any_product_by_sku_barcode_or_id(world: World) -> None:
    delivery = DeliveryInput(
        delivery_id="UNPLANNED-1",
        warehouse_ref="north",
        received_by="dock",
        received_at=datetime.now(UTC),
        supplier_ref="supplier-xyz",
        items=(
            DeliveryLineInput("LOOSE-1", 4),
            DeliveryLineInput("4006381333931", 2),  # EAN-13 of WIDGET-001
            DeliveryLineInput(str(world.products["SCAN-1"]), 1, serial_numbers=("Z-1",)),
        ),
    )
    result = world.post(delivery)
    assert result.ok and result.purchase_order_number is None
    north = world.other_warehouse
    assert [world.on_hand(s, north) for s in ("LOOSE-1", "WIDGET-001", "SCAN-1")] == [4, 2, 1]
    found = asyncio.run(world.facade.lookup_product_for_scan("04006381333931"))
    assert found is not None and found.sku == "WIDGET-001"
    record, items = asyncio.run(world.facade.delivery_detail("UNPLANNED-1"))
    assert record.supplier_code == "supplier-xyz" and len(items) == 3
    assert [d.delivery_id for d in asyncio.run(world.facade.list_deliveries("xyz"))] == [
        "UNPLANNED-1"
    ]
    with pytest.raises(NotFoundError):
        asyncio.run(world.facade.delivery_detail("NOPE"))


def test_a_huge_or_odd_cost_is_rejected_not_a_crash(world: World) -> None:
    items = [
        _item("WIDGET-001", 1, unitCost=1e26),
        _item("WIDGET-001", 1, unitCost="NaN"),
        _item("WIDGET-001", 1, unitCost="Infinity"),
        _item("WIDGET-001", 2, unitCost="0.10"),
    ]
    result = world.post(seed_delivery(world, "ODD", items=items))
    assert [i.status for i in result.items] == [ItemStatus.REJECTED] * 3 + [ItemStatus.ACCEPTED]
    assert "too large" in (result.items[0].error or "")
    assert world.on_hand("WIDGET-001") == 2


def test_close_short_waits_for_the_over_receipt_confirmation(world: World) -> None:
    data = seed_delivery(
        world,
        "SHORT-OVER",
        closeShort=True,
        items=[_item("WIDGET-001", 150), _item("SCAN-1", 1, serialNumbers=["K1"])],
    )
    first = world.post(data)
    assert first.needs_confirmation == 1 and first.purchase_order_status == "partially_received"
    done = world.post({**data, "confirmOverReceipt": True})
    assert done.ok and done.purchase_order_status == "received"
    assert {(s.sku, s.short) for s in done.short_shipped} == {("SCAN-1", 2)}
    assert world.order()[1] == {"WIDGET-001": (100, 150, 0), "SCAN-1": (3, 1, 2)}


def test_serial_lookup_finds_every_product_with_that_serial(world: World) -> None:
    world.post(seed_delivery(world, "D1", items=[_item("SCAN-1", 1, serialNumbers=["SAME"])]))
    with world.db.session() as s:
        s.execute(update(m.Product).where(m.Product.sku == "LOOSE-1").values(is_serialized=True))
    world.post(
        seed_delivery(
            world, "D2", purchaseOrderId=None, items=[_item("LOOSE-1", 1, serialNumbers=["SAME"])]
        )
    )
    found = asyncio.run(world.facade.find_serial(" SAME "))
    assert [(f.sku, f.delivery_id, f.purchase_order_number) for f in found] == [
        ("LOOSE-1", "D2", None),
        ("SCAN-1", "D1", world.order_number),
    ]
    assert asyncio.run(world.facade.find_serial("OTHER")) == []
    assert [d.delivery_id for d in asyncio.run(world.facade.list_deliveries("po-2026"))] == ["D1"]


def test_the_tolerance_is_a_setting(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"over_receipt_tolerance": "0"}', encoding="utf-8")
    tolerance = load_settings(path).over_receipt_tolerance
    assert tolerance == 0 and Settings().over_receipt_tolerance == Decimal("0.10")
    problems: list[str] = []
    path.write_text('{"over_receipt_tolerance": "lots"}', encoding="utf-8")
    assert load_settings(path, on_problem=problems.append).over_receipt_tolerance == Decimal("0.10")
    assert problems and "over_receipt_tolerance" in problems[0]
    world = build_world(db)
    strict = InventorySyncService(db, deliveries=DeliveryProcessor(db, tolerance=tolerance))
    data = seed_delivery(world, items=[_item("WIDGET-001", 101)])
    result = asyncio.run(strict.update_inventory_from_delivery(data))
    assert result.items[0].status == ItemStatus.NEEDS_CONFIRMATION
    assert "more than the 0 % tolerance" in (result.items[0].error or "")
