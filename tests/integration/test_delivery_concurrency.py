"""Two desktops posting at once (DESIGN.md §7): the same delivery posted by two threads at
the same moment counts once (the unique delivery id decides; the loser reports it as already
posted), and two different deliveries against one order both count on its lines."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from possync_gui.domain.receiving import DeliveryResult
from possync_gui.store import models as m
from possync_gui.store.database import Database
from tests.integration.delivery_world import World, build_world, seed_delivery


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


def _at_once(*calls: Callable[[], DeliveryResult]) -> list[Any]:
    """Run the calls in threads released together; their results (or exceptions)."""
    start = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = calls[i]()
        except Exception as err:  # reported to the test, which fails on it
            out[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def _big(world: World, delivery_id: str, qty: int = 1) -> dict[str, Any]:
    """Many small items, so the posting transaction takes a while and the posts overlap."""
    items = [{"productCode": "WIDGET-001", "quantityReceived": qty} for _ in range(300)]
    return seed_delivery(world, delivery_id, purchaseOrderId=None, items=items)


@pytest.mark.parametrize("round_", range(3))
def test_the_same_delivery_posted_twice_at_once_counts_once(world: World, round_: int) -> None:
    data = _big(world, f"RACE-{round_}")
    post = world.facade.deliveries.post
    results = _at_once(lambda: post(data), lambda: post(data))
    assert all(isinstance(r, DeliveryResult) for r in results), results
    assert sorted(r.already_posted for r in results) == [False, True]
    assert results[0].items == results[1].items
    assert world.on_hand("WIDGET-001") == 300
    assert len(world.movements(f"RACE-{round_}")) == 300
    assert world.count(m.Delivery) == 1 and world.ledger_ok()


def test_two_deliveries_against_one_order_both_count(world: World) -> None:
    post = world.facade.deliveries.post
    first = seed_delivery(world, "A", items=[{"productCode": "WIDGET-001", "quantityReceived": 50}])
    second = seed_delivery(
        world, "B", items=[{"productCode": "WIDGET-001", "quantityReceived": 50}]
    )
    results = _at_once(lambda: post(first), lambda: post(second))
    assert all(isinstance(r, DeliveryResult) and r.ok for r in results), results
    assert world.order() == (
        "partially_received",
        {"WIDGET-001": (100, 100, 0), "SCAN-1": (3, 0, 0)},
    )
    assert world.on_hand("WIDGET-001") == 100 and world.ledger_ok()
