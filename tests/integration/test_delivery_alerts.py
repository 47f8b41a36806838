"""A delivery settles the stock alerts it answers: an alert whose product is back above its
reorder point resolves, and an ``ordered`` alert whose purchase order is now received."""

from __future__ import annotations

import asyncio

from possync_gui.domain.enums import AlertStatus, MovementReason
from possync_gui.domain.purchasing import AlertQuery
from possync_gui.domain.records import MovementRequest
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_deltas
from possync_gui.store.purchasing import link_alerts
from tests.integration.delivery_world import World, build_world, seed_delivery


def _alerts(world: World) -> dict[str, tuple[AlertStatus, int]]:
    """The open alert of each product, else its resolved one."""
    every = (AlertStatus.RESOLVED, AlertStatus.ACTIVE, AlertStatus.ORDERED)
    alerts = sorted(
        asyncio.run(world.facade.list_alerts(AlertQuery(statuses=every))),
        key=lambda a: a.status != AlertStatus.RESOLVED,  # open ones last: they win
    )
    return {a.product_code: (a.status, a.current_stock) for a in alerts}


def test_replenished_products_alerts_resolve(db: Database) -> None:
    world = build_world(db)
    with db.session() as s:  # low stock: 3 and 2 against a reorder point of 20, minimum 5
        apply_deltas(
            s,
            [
                MovementRequest(
                    world.products[sku], world.warehouse, qty, MovementReason.COUNT, "t"
                )
                for sku, qty in (("WIDGET-001", 3), ("LOOSE-1", 2))
            ],
        )
    raised = asyncio.run(world.facade.generate_stock_alerts())
    assert {a.product_code for a in raised} >= {"WIDGET-001", "LOOSE-1"}
    widget = next(a for a in raised if a.product_code == "WIDGET-001")
    with db.session() as s:  # the buyer ordered WIDGET-001 on the seeded order
        link_alerts(s, [widget.id], world.order_id)
    assert _alerts(world)["WIDGET-001"][0] == AlertStatus.ORDERED

    unplanned = world.post(
        seed_delivery(
            world,
            "LOOSE-DEL",
            purchaseOrderId=None,
            items=[{"productCode": "LOOSE-1", "quantityReceived": 50}],
        )
    )
    assert unplanned.ok and unplanned.alerts_resolved == 1
    assert _alerts(world)["LOOSE-1"] == (AlertStatus.RESOLVED, 52)

    partial = world.post(
        seed_delivery(world, "W1", items=[{"productCode": "WIDGET-001", "quantityReceived": 10}])
    )
    assert partial.alerts_resolved == 0  # 13 on hand, still low: the ordered alert waits
    assert _alerts(world)["WIDGET-001"] == (AlertStatus.ORDERED, 13)

    # the supplier sends 2 more and no others: the order closes short and is received
    done = world.post(
        seed_delivery(
            world,
            "W2",
            closeShort=True,
            items=[{"productCode": "WIDGET-001", "quantityReceived": 2}],
        )
    )
    assert done.purchase_order_status == "received" and done.alerts_resolved == 1
    with db.session() as s:
        old = s.get(m.StockAlert, widget.id)
        assert old is not None and old.status == AlertStatus.RESOLVED.value
        assert old.resolved_at is not None
    # still short of the reorder point and nothing on order now: a fresh active alert
    assert _alerts(world)["WIDGET-001"] == (AlertStatus.ACTIVE, 15)
    assert world.on_hand("WIDGET-001") == 15 and world.ledger_ok()
