"""Random malformed deliveries never corrupt the ledger (issue 5 §5).

Items with any kind of quantity, cost, serials, lot, expiry and product reference, against
the order or without one, posted twice: the only exception is :class:`ValidationError` for
a delivery refused as a whole; accepted items move their product's stock by exactly their
quantity, nothing else moves; on hand is the sum of movements everywhere; the second post
changes nothing."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from possync_gui.domain.errors import ValidationError
from possync_gui.domain.receiving import DeliveryItemResult, DeliveryResult, ItemStatus
from possync_gui.store import models as m
from possync_gui.store.database import Database
from tests.integration.delivery_world import World, build_world

SKUS = ["WIDGET-001", "SCAN-1", "LOOSE-1"]

_quantity = st.one_of(
    st.integers(-3, 12),
    st.integers(-(2**40), 2**40),
    st.sampled_from(["7", "2.5", "ten", "", "1e3", "NaN"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
)
_cost = st.one_of(
    st.none(),
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["15.99", "-1", "1.234", "free", "", "99999999999"]),
    st.integers(-5, 10**12),
)
_serials = st.one_of(
    st.none(),
    st.lists(st.sampled_from(["S1", "S2", "S3", "", " ", "x" * 120]), max_size=4),
    st.lists(st.text(max_size=6), max_size=3),
    st.text(max_size=10),
    st.integers(),
)


@st.composite
def _items(draw: st.DrawFn, products: dict[str, uuid.UUID]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    ref = draw(st.sampled_from(["sku", "id", "unknown", "both-mismatch", "none", "junk"]))
    if ref == "sku":
        item["productCode"] = draw(st.sampled_from(SKUS))
    elif ref == "id":
        item["productId"] = str(products[draw(st.sampled_from(SKUS))])
    elif ref == "unknown":
        item["productCode"] = draw(st.text(max_size=8))
    elif ref == "both-mismatch":
        item["productId"] = str(products["WIDGET-001"])
        item["productCode"] = "LOOSE-1"
    elif ref == "junk":
        item["productCode"] = draw(st.sampled_from([[], {}, 12, True]))
    for key, strategy in (
        ("quantityReceived", _quantity),
        ("unitCost", _cost),
        ("serialNumbers", _serials),
        ("lot", st.one_of(st.none(), st.text(max_size=120))),
        ("expiry", st.one_of(st.none(), st.sampled_from(["2027-01-31", "soon", "2027-13-40"]))),
    ):
        if draw(st.booleans()):
            value = draw(strategy)
            item[key] = str(value) if isinstance(value, Decimal) and draw(st.booleans()) else value
    return item


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    yield build_world(db)


def _totals(world: World) -> Counter[uuid.UUID]:
    with world.db.session() as s:
        rows = s.execute(
            select(m.StockLevel.product_id, func.sum(m.StockLevel.on_hand)).group_by(
                m.StockLevel.product_id
            )
        )
        return Counter({pid: int(total) for pid, total in rows})


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_malformed_deliveries_never_corrupt_the_ledger(world: World, data: st.DataObject) -> None:
    items = data.draw(st.lists(_items(world.products), min_size=0, max_size=8))
    delivery: dict[str, Any] = {
        "deliveryId": f"FUZZ-{uuid.uuid4().hex[:12]}",
        "supplierId": data.draw(st.sampled_from(["supplier-abc", "supplier-abc", "nobody"])),
        "warehouseId": data.draw(st.sampled_from(["main-warehouse"] * 4 + ["nowhere"])),
        "receivedBy": "fuzz",
        "receivedAt": datetime.now(UTC).isoformat(),
        "items": data.draw(st.sampled_from([items] * 9 + ["not a list"])),
    }
    if data.draw(st.booleans()):
        delivery["purchaseOrderId"] = world.order_number
    delivery["confirmOverReceipt"] = data.draw(st.booleans())
    before = _totals(world)
    try:
        result = world.post(delivery)
    except ValidationError:
        assert _totals(world) == before and world.ledger_ok()
        return
    _check(world, result, before)
    posted = _totals(world)
    again = world.post(delivery)
    assert again.already_posted
    assert [_key(i) for i in again.items] == [_key(i) for i in result.items]
    assert _totals(world) == posted and world.ledger_ok()


def _key(item: DeliveryItemResult) -> tuple[object, ...]:
    """What a repeat must report as the first post did (the values a rejected item gave
    may be cut to what the columns hold)."""
    return (item.index, item.product_id, item.status, item.error)


def _check(world: World, result: DeliveryResult, before: Counter[uuid.UUID]) -> None:
    moved: Counter[uuid.UUID] = Counter()
    for item in result.items:
        if item.status == ItemStatus.ACCEPTED:
            assert item.product_id is not None and 0 < item.quantity <= 1_000_000
            moved[item.product_id] += item.quantity
        else:
            assert item.error, item
    after = _totals(world)
    for pid in set(after) | set(before):
        assert after[pid] - before[pid] == moved[pid], (pid, after[pid], before[pid])
    assert len(world.movements(result.delivery_id)) == result.accepted
    assert world.ledger_ok()
