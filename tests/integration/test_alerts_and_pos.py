"""Stock alerts and purchase orders end to end on each backend: the alert run, its
lifecycle, alerts → purchase orders, the approval rules, the exports and the caches."""

from __future__ import annotations

import asyncio
import csv
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import func, select

from possync_gui.domain.enums import AlertStatus, PurchaseOrderStatus, UrgencyLevel
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.purchasing import AlertQuery, PurchaseOrderQuery
from possync_gui.services.alert_generator import AlertGenerator
from possync_gui.services.facade import InventorySyncService
from possync_gui.store import models as m
from possync_gui.store.database import Database

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Shop:
    db: Database
    facade: InventorySyncService
    clock: list[datetime]
    warehouse: uuid.UUID
    products: dict[str, uuid.UUID]
    suppliers: dict[str, uuid.UUID]

    def run(self, coro: Any) -> Any:
        return asyncio.run(coro)

    def alerts(self) -> dict[str, Any]:
        return {a.product_code: a for a in self.run(self.facade.list_alerts())}


def _add_product(
    s: Any,
    sku: str,
    wh: uuid.UUID,
    *,
    on_hand: int,
    per_day: int,
    minimum: int = 2,
    manual_rp: int | None = None,
    max_stock: int | None = 100,
) -> uuid.UUID:
    pid = uuid.uuid4()
    s.add(
        m.Product(
            id=pid,
            sku=sku,
            name=f"Product {sku}",
            minimum_stock=minimum,
            reorder_point=manual_rp,
            max_stock=max_stock,
            unit_cost=Decimal("5.00"),
        )
    )
    s.flush()
    s.add(m.StockLevel(product_id=pid, warehouse_id=wh, on_hand=on_hand))
    if on_hand:
        s.add(
            m.StockMovement(
                product_id=pid, warehouse_id=wh, delta=on_hand, reason="count", actor="test"
            )
        )
    for back in range(28):
        if per_day:
            day = date.fromordinal(NOW.date().toordinal() - back)
            s.add(m.SalesDaily(product_id=pid, warehouse_id=wh, day=day, quantity=per_day))
    return pid


def _map(
    s: Any,
    supplier: uuid.UUID,
    product: uuid.UUID,
    *,
    cost: str = "2.50",
    lead: int = 7,
    pack: int = 1,
    moq: int = 1,
    preferred: bool = True,
) -> None:
    s.add(
        m.SupplierProduct(
            supplier_id=supplier,
            product_id=product,
            supplier_sku=f"S-{str(product)[:6]}",
            unit_cost=Decimal(cost),
            lead_time_days=lead,
            pack_size=pack,
            min_order_qty=moq,
            is_preferred=preferred,
        )
    )


@pytest.fixture
def shop(db: Database) -> Shop:
    clock = [NOW]
    with db.session() as s:
        wh = m.Warehouse(id=uuid.uuid4(), code="main", name="Main Warehouse")
        acme = m.Supplier(id=uuid.uuid4(), code="acme", name="ACME Supply", email="o@acme.test")
        bolt = m.Supplier(id=uuid.uuid4(), code="bolt", name="Bolt & Nut Co")
        s.add_all([wh, acme, bolt])
        s.flush()
        products = {
            # 2/day, lead 7, ×1.5 → rp = 21 + 2 = 23
            "OUT": _add_product(s, "OUT", wh.id, on_hand=0, per_day=2),  # critical
            "LOWISH": _add_product(s, "LOWISH", wh.id, on_hand=20, per_day=2),  # medium
            "FINE": _add_product(s, "FINE", wh.id, on_hand=90, per_day=2),  # no alert
            "NOSUP": _add_product(s, "NOSUP", wh.id, on_hand=1, per_day=2),  # high, no supplier
            "NEW": _add_product(s, "NEW", wh.id, on_hand=40, per_day=0),  # no history: error
            "MANUAL": _add_product(s, "MANUAL", wh.id, on_hand=9, per_day=0, manual_rp=10),
        }
        _map(s, acme.id, products["OUT"], cost="2.50", pack=12, moq=24)
        _map(s, acme.id, products["LOWISH"], cost="4.00")
        _map(s, bolt.id, products["LOWISH"], cost="3.00", preferred=False)
        _map(s, bolt.id, products["MANUAL"], cost="1.25", pack=10)
        _map(s, acme.id, products["FINE"])
    facade = InventorySyncService(
        db,
        alerts=AlertGenerator(db, clock=lambda: clock[0]),
        approval_threshold=Decimal("200.00"),
    )
    return Shop(db, facade, clock, wh.id, products, {"acme": acme.id, "bolt": bolt.id})


def test_the_alert_run_flags_what_runs_out_and_explains_why(shop: Shop) -> None:
    report = shop.run(shop.facade.run_stock_check())
    alerts = {a.product_code: a for a in report.alerts}
    assert set(alerts) == {"OUT", "LOWISH", "NOSUP", "MANUAL"}
    assert alerts["OUT"].urgency_level == UrgencyLevel.CRITICAL
    assert alerts["NOSUP"].urgency_level == UrgencyLevel.HIGH
    assert alerts["LOWISH"].urgency_level == UrgencyLevel.MEDIUM  # 10 days of cover > 7 lead
    assert alerts["MANUAL"].urgency_level == UrgencyLevel.MEDIUM
    assert report.new_critical == 1
    out = alerts["OUT"].details
    assert out["average_daily_sales"] == "2.0000"
    assert (out["lead_time_days"], out["reorder_point"], out["pack_size"]) == (7, 23, 12)
    assert out["suggested_quantity"] == 108  # up to max 100 → 9 packs of 12
    assert "pack" in out["rounding"]
    assert alerts["NOSUP"].details["lead_time_assumed"] is True
    assert alerts["MANUAL"].details["reorder_point_source"] == "manual"
    # the product with no sales and no manual point is reported, not silently zero
    assert [(e.product_code, "average daily sales" in e.message) for e in report.errors] == [
        ("NEW", True)
    ]


def test_runs_update_one_alert_never_duplicate_it(shop: Shop) -> None:
    first = shop.run(shop.facade.run_stock_check())
    second = shop.run(shop.facade.run_stock_check())
    assert (first.created, second.created) == (4, 0)
    shop.run(shop.facade.adjust_stock("LOWISH", "main", -15, "damage", "ann"))
    third = shop.run(shop.facade.run_stock_check())
    assert third.created == 0
    with shop.db.session() as s:
        counts = s.execute(
            select(m.StockAlert.product_id, func.count()).group_by(m.StockAlert.product_id)
        ).all()
    assert all(n == 1 for _, n in counts) and len(counts) == 4
    assert shop.alerts()["LOWISH"].current_stock == 5  # the adjustment re-judged it at once


def test_a_run_returns_its_alerts_as_the_store_holds_them(shop: Shop) -> None:
    """What a whole-store run returns (built as it writes) is what the store then reads
    back, field by field, for the alerts it created and for those it changed."""

    def stored() -> dict[uuid.UUID, Any]:
        return {a.id: a for a in shop.run(shop.facade.list_alerts())}

    created = shop.run(shop.facade.run_stock_check()).alerts
    assert len(created) == 4
    held = stored()
    for record in created:
        assert record == held[record.id]
        assert record.inputs == held[record.id].inputs
    suppliers = {r.supplier_code for r in created}
    assert None in suppliers and "acme" in suppliers
    shop.run(shop.facade.adjust_stock("LOWISH", "main", -3, "damage", "ann"))
    shop.clock[0] += timedelta(hours=1)
    with shop.db.session() as s:  # the adjustment re-judged it; make the full run do it
        s.execute(m.StockAlert.__table__.update().values(current_stock=99))
        s.commit()
    changed = shop.run(shop.facade.run_stock_check()).alerts
    held = stored()
    assert {r.id for r in changed} == set(held)
    for record in changed:
        assert record == held[record.id]


def test_an_alert_resolves_itself_when_stock_comes_back(shop: Shop) -> None:
    shop.run(shop.facade.run_stock_check())
    shop.run(shop.facade.adjust_stock("LOWISH", "main", 60, "count", "ann"))
    assert "LOWISH" not in shop.alerts()
    resolved = shop.run(shop.facade.list_alerts(AlertQuery(statuses=(AlertStatus.RESOLVED,))))
    assert [a.product_code for a in resolved] == ["LOWISH"]
    assert resolved[0].resolved_at is not None
    # falling again raises a new alert
    shop.run(shop.facade.adjust_stock("LOWISH", "main", -75, "damage", "ann"))
    assert shop.alerts()["LOWISH"].status == AlertStatus.ACTIVE


def test_dismiss_needs_a_reason_and_snooze_comes_back_after_its_date(shop: Shop) -> None:
    shop.run(shop.facade.run_stock_check())
    alerts = shop.alerts()
    with pytest.raises(ValidationError, match="reason"):
        shop.run(shop.facade.dismiss_alert(alerts["MANUAL"].id, "  ", "ann"))
    dismissed = shop.run(shop.facade.dismiss_alert(alerts["MANUAL"].id, "discontinued", "ann"))
    assert dismissed.status == AlertStatus.DISMISSED and "discontinued" in str(
        dismissed.dismissed_reason
    )
    with pytest.raises(ValidationError, match="future"):
        shop.run(shop.facade.snooze_alert(alerts["LOWISH"].id, NOW - timedelta(hours=1), "ann"))
    shop.run(shop.facade.snooze_alert(alerts["LOWISH"].id, NOW + timedelta(days=2), "ann"))
    counts = shop.run(shop.facade.alert_counts())
    assert counts[UrgencyLevel.HIGH] == 1  # NOSUP only: LOWISH snoozed, MANUAL dismissed
    shop.run(shop.facade.run_stock_check())
    alerts = shop.alerts()
    assert alerts["MANUAL"].status == AlertStatus.DISMISSED  # a new run does not undo it
    assert alerts["LOWISH"].status == AlertStatus.SNOOZED
    shop.clock[0] = NOW + timedelta(days=3)
    shop.run(shop.facade.run_stock_check())
    assert shop.alerts()["LOWISH"].status == AlertStatus.ACTIVE


def _create(shop: Shop, codes: list[str], actor: str = "ann") -> Any:
    alerts = shop.alerts()
    return shop.run(shop.facade.create_purchase_orders([alerts[c].id for c in codes], actor))


def test_alerts_become_one_order_per_preferred_supplier(shop: Shop) -> None:
    shop.run(shop.facade.run_stock_check())
    report = _create(shop, ["OUT", "LOWISH", "NOSUP", "MANUAL"])
    by_supplier = {o.supplier_code: o for o in report.orders}
    assert set(by_supplier) == {"acme", "bolt"}
    acme = by_supplier["acme"]
    lines = {ln.product_code: ln for ln in acme.lines}
    assert set(lines) == {"OUT", "LOWISH"}
    assert lines["OUT"].quantity == 108 and lines["OUT"].unit_cost == Decimal("2.50")
    assert lines["LOWISH"].unit_cost == Decimal("4.00")  # the preferred supplier's price
    assert acme.total_amount == sum(ln.line_total for ln in acme.lines)
    assert isinstance(acme.total_amount, Decimal)
    assert by_supplier["bolt"].lines[0].quantity % 10 == 0  # whole packs of 10
    numbers = sorted(o.order_number for o in report.orders)
    assert numbers == ["PO-2026-000001", "PO-2026-000002"]
    # NOSUP has no preferred supplier: reported per item, the rest went ahead
    assert [p.product_code for p in report.problems] == ["NOSUP"]
    assert "No preferred supplier found for product NOSUP" in report.problems[0].message
    assert shop.alerts()["OUT"].status == AlertStatus.ORDERED
    # a second call: new numbers, never reused
    shop.run(shop.facade.adjust_stock("FINE", "main", -85, "damage", "ann"))
    again = _create(shop, ["FINE"])
    assert [o.order_number for o in again.orders] == ["PO-2026-000003"]


def test_stock_on_order_is_never_ordered_twice(shop: Shop) -> None:
    shop.run(shop.facade.run_stock_check())
    first = _create(shop, ["LOWISH"])
    ordered = first.orders[0].lines[0].quantity
    assert ordered == 80  # up to max stock 100 from 20 on hand
    # the next runs see the order: the alert stays "ordered", nothing new to order
    shop.run(shop.facade.run_stock_check())
    alert = shop.alerts()["LOWISH"]
    assert (alert.status, alert.on_order) == (AlertStatus.ORDERED, 80)
    again = shop.run(shop.facade.create_purchase_orders([alert.id], "ann"))
    assert again.orders == [] and "already on an open purchase order" in again.problems[0].message
    # even an alert made active again orders only what the open order does not bring
    with shop.db.session() as s:
        s.get(m.StockAlert, alert.id).status = "active"  # type: ignore[union-attr]
    third = shop.run(shop.facade.create_purchase_orders([alert.id], "ann"))
    assert third.orders == [] and "Nothing to order" in third.problems[0].message
    # cancelling the order releases its alert, which can be ordered again
    with shop.db.session() as s:
        s.get(m.StockAlert, alert.id).status = "ordered"  # type: ignore[union-attr]
    shop.run(shop.facade.cancel_purchase_order(first.orders[0].order_number, "ann"))
    assert shop.alerts()["LOWISH"].status == AlertStatus.ACTIVE
    assert _create(shop, ["LOWISH"]).orders[0].lines[0].quantity == 80


def test_the_approval_rules(shop: Shop) -> None:
    shop.run(shop.facade.run_stock_check())
    report = _create(shop, ["OUT", "LOWISH", "MANUAL"], actor="ann")
    big = next(o for o in report.orders if o.supplier_code == "acme")  # 108×2.50 + 80×4
    small = next(o for o in report.orders if o.supplier_code == "bolt")
    assert big.total_amount > Decimal("200") >= small.total_amount
    assert (big.status, big.needs_second_approver) == (PurchaseOrderStatus.PENDING_APPROVAL, True)
    assert small.status == PurchaseOrderStatus.DRAFT
    with pytest.raises(ValidationError, match="someone other than its creator"):
        shop.run(shop.facade.approve_purchase_order(big.order_number, "ANN "))
    with pytest.raises(ValidationError, match="cannot be sent"):
        shop.run(shop.facade.send_purchase_order(big.order_number, "bob"))
    approved = shop.run(shop.facade.approve_purchase_order(big.order_number, "bob"))
    assert (approved.status, approved.approved_by) == (PurchaseOrderStatus.APPROVED, "bob")
    sent = shop.run(shop.facade.send_purchase_order(big.id, "bob"))
    assert sent.status == PurchaseOrderStatus.SENT and sent.sent_at is not None
    # below the threshold the creator may approve
    assert shop.run(shop.facade.approve_purchase_order(small.order_number, "ann")).status == (
        PurchaseOrderStatus.APPROVED
    )
    with pytest.raises(ValidationError, match="cannot be rejected"):
        shop.run(shop.facade.reject_purchase_order(small.order_number, "bob", "too late"))


def test_reject_needs_a_reason_and_releases_the_alerts(shop: Shop) -> None:
    shop.run(shop.facade.run_stock_check())
    order = _create(shop, ["OUT"]).orders[0]
    with pytest.raises(ValidationError, match="reason"):
        shop.run(shop.facade.reject_purchase_order(order.order_number, "bob", ""))
    rejected = shop.run(shop.facade.reject_purchase_order(order.order_number, "bob", "too dear"))
    assert rejected.status == PurchaseOrderStatus.REJECTED
    assert "too dear" in str(rejected.rejected_reason)
    assert shop.alerts()["OUT"].status == AlertStatus.ACTIVE
    listed = shop.run(
        shop.facade.list_purchase_orders(
            PurchaseOrderQuery(statuses=(PurchaseOrderStatus.REJECTED,))
        )
    )
    assert [o.order_number for o in listed] == [order.order_number]


def test_export_pdf_and_csv_name_the_supplier_and_the_order(shop: Shop, tmp_path: Path) -> None:
    shop.run(shop.facade.run_stock_check())
    order = _create(shop, ["OUT", "LOWISH"]).orders[0]
    pdf = shop.run(shop.facade.export_purchase_order(order.order_number, tmp_path / "po.pdf"))
    text = "".join(page.extract_text() for page in pypdf.PdfReader(str(pdf)).pages)
    assert order.order_number in text and "ACME Supply" in text
    assert f"{order.total_amount:,.2f}" in text and "OUT" in text
    out = shop.run(
        shop.facade.export_purchase_order(order.order_number, tmp_path / "po.csv", "csv")
    )
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["sku"]: int(r["quantity"]) for r in rows} == {"OUT": 108, "LOWISH": 80}
    assert {r["order_number"] for r in rows} == {order.order_number}
    assert sum(Decimal(r["line_total"]) for r in rows) == order.total_amount
    with pytest.raises(ValidationError, match="pdf or csv"):
        shop.run(shop.facade.export_purchase_order(order.order_number, tmp_path / "x", "xlsx"))


def test_targeted_alerts_use_caches_that_an_edit_drops(shop: Shop) -> None:
    facade = shop.facade
    generator = facade.alerts
    first = shop.run(facade.generate_stock_alerts(product_id="LOWISH"))
    assert first[0].details["lead_time_days"] == 7
    misses = generator.cache_misses
    shop.run(facade.generate_stock_alerts(product_id="LOWISH"))
    assert generator.cache_misses == misses and generator.cache_hits >= 1
    # the supplier's lead time changes: an edit drops the cached terms
    with shop.db.session() as s:
        mapping = s.execute(
            select(m.SupplierProduct).where(
                m.SupplierProduct.product_id == shop.products["LOWISH"],
                m.SupplierProduct.is_preferred.is_(True),
            )
        ).scalar_one()
        mapping.lead_time_days = 14
    stale = shop.run(facade.generate_stock_alerts(product_id="LOWISH"))
    assert stale[0].details["lead_time_days"] == 7  # not told yet: the cache answers
    facade._emit(_catalog_changed())
    fresh = shop.run(facade.generate_stock_alerts(product_id="LOWISH"))
    assert fresh[0].details["lead_time_days"] == 14
    assert fresh[0].urgency_level == UrgencyLevel.CRITICAL or fresh[0].reorder_point == 44
    # urgency and warehouse filters of the seed's generateStockAlerts
    assert shop.run(facade.generate_stock_alerts(urgency_level="low", warehouse_id="main")) == []


def _catalog_changed() -> Any:
    from possync_gui.domain.events import CatalogChanged

    return CatalogChanged()


def test_cancelling_a_run_keeps_the_written_batches(shop: Shop) -> None:
    # more products than one batch; cancel after the first batch is reported
    with shop.db.session() as s:
        for i in range(250):
            _add_product(s, f"BULK-{i:03d}", shop.warehouse, on_hand=0, per_day=0, minimum=1)

    async def run() -> int:
        seen: list[int] = []
        task: asyncio.Task[Any] | None = None
        loop = asyncio.get_running_loop()

        cancelled = threading.Event()

        def progress(done: int, _total: int) -> None:  # called from the worker thread
            seen.append(done)
            if task is not None and len(seen) == 1:
                # Cancel, and go on only once the loop has handled the cancellation (the
                # callbacks run in order: the task's wake-up is queued before the flag).
                loop.call_soon_threadsafe(task.cancel)
                loop.call_soon_threadsafe(lambda: loop.call_soon(cancelled.set))
                cancelled.wait(30)

        task = asyncio.ensure_future(shop.facade.run_stock_check(progress))
        with pytest.raises(asyncio.CancelledError):
            await task
        return seen[0]

    first_batch = shop.run(run())
    with shop.db.session() as s:
        stored = s.execute(select(func.count()).select_from(m.StockAlert)).scalar_one()
    assert 0 < stored < 254  # what was committed stays; the rest was not written
    assert first_batch > 0


@pytest.mark.parametrize("auto", [True, False])
def test_a_sync_judges_what_it_moved_and_orders_when_the_integration_says_so(
    db: Database, auto: bool
) -> None:
    from possync_gui.services.demo_pos import DemoPOSService
    from possync_gui.store.demo import seed_demo

    seeded = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    seed_demo(db, products=120, now=seeded)
    facade = InventorySyncService(db)
    with db.session() as s:  # the Demo POS cannot be edited in the app; its settings can
        demo = s.execute(
            select(m.POSIntegration).where(m.POSIntegration.external_key == "pos-demo")
        ).scalar_one()
        demo.sync_settings = {**demo.sync_settings, "autoCreatePurchaseOrders": auto}
    tick = asyncio.run(DemoPOSService(db).tick(seeded + timedelta(hours=30)))
    assert tick.units_sold > 0
    [result] = asyncio.run(facade.sync_inventory_levels("pos-demo", "incremental"))
    assert result.products_updated > 0
    with db.session() as s:
        alerts = s.execute(select(func.count()).select_from(m.StockAlert)).scalar_one()
        orders = s.execute(select(m.PurchaseOrder)).scalars().all()
    # only the levels the sync moved were judged, and the result counts the new alerts
    assert result.stock_alerts_generated == alerts > 0
    assert result.purchase_orders_created == len(orders)
    if auto:
        assert orders and all(o.trigger_type == "automatic" for o in orders)
        assert all(o.created_by == "auto (Demo POS)" for o in orders)
    else:
        assert orders == []
