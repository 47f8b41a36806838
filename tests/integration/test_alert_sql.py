"""The whole-store alert run judges in SQL what ``domain/reorder.py`` judges in Python:
on random stores, on each backend, both give every stock level the same urgency, reorder
point and suggested quantity (and report the same products as not judgeable)."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from possync_gui.domain.errors import ReorderPointCalculationError
from possync_gui.domain.reorder import AlertParams, StockFacts, assess
from possync_gui.services.alert_generator import AlertGenerator
from possync_gui.store import models as m
from possync_gui.store.database import Database

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WINDOW = 28


def _seed_store(db: Database, rng: random.Random, products: int) -> None:
    with db.session() as s:
        whs = [m.Warehouse(id=uuid.uuid4(), code=f"w{i}", name=f"W{i}") for i in range(2)]
        sups = [m.Supplier(id=uuid.uuid4(), code=f"s{i}", name=f"S{i}") for i in range(3)]
        s.add_all([*whs, *sups])
        s.flush()
        # the second warehouse takes its terms from an integration, as a real store does
        s.add(
            m.POSIntegration(
                name="shop",
                type="custom",
                status="active",
                configuration={"locationMap": {"loc-1": "w1"}},
                sync_settings={"reorderPointMultiplier": 2.25, "stockAlertThreshold": 0.35},
            )
        )
        po = m.PurchaseOrder(
            id=uuid.uuid4(),
            order_number="PO-2026-000001",
            supplier_id=sups[0].id,
            warehouse_id=whs[0].id,
            status="sent",
            created_by="t",
        )
        s.add(po)
        s.flush()
        for i in range(products):
            pid = uuid.uuid4()
            s.add(
                m.Product(
                    id=pid,
                    sku=f"P-{i:04d}",
                    name=f"Product {i}",
                    minimum_stock=rng.choice([0, 0, 1, 2, 5, 10]),
                    reorder_point=rng.choice([None, None, None, rng.randint(0, 40)]),
                    reorder_quantity=rng.choice([None, 0, rng.randint(1, 60)]),
                    max_stock=rng.choice([None, 0, rng.randint(5, 200)]),
                )
            )
            s.flush()
            if rng.random() < 0.8:
                s.add(
                    m.SupplierProduct(
                        supplier_id=rng.choice(sups).id,
                        product_id=pid,
                        unit_cost=Decimal("1.00"),
                        lead_time_days=rng.randint(0, 30),
                        pack_size=rng.choice([1, 1, 6, 12, 24]),
                        min_order_qty=rng.choice([0, 1, 10, 48]),
                        is_preferred=True,
                    )
                )
            if rng.random() < 0.1:
                s.add(
                    m.PurchaseOrderLine(
                        purchase_order_id=po.id,
                        product_id=pid,
                        quantity=rng.randint(1, 50),
                        unit_cost=Decimal("1.00"),
                        received_quantity=0,
                    )
                )
            for wh in whs:
                s.add(
                    m.StockLevel(
                        product_id=pid,
                        warehouse_id=wh.id,
                        on_hand=rng.choice([-2, 0, 1, 3, rng.randint(0, 150)]),
                    )
                )
                if rng.random() < 0.7:
                    rate = rng.choice([1, 2, 5, 13])
                    for back in range(0, 40, rng.choice([1, 2, 3])):
                        day = date.fromordinal(NOW.date().toordinal() - back)
                        s.add(
                            m.SalesDaily(
                                product_id=pid,
                                warehouse_id=wh.id,
                                day=day,
                                quantity=rng.randint(0, rate),
                            )
                        )


def _python_verdicts(db: Database) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[object, ...]]:
    """Every level judged by the domain, with the same terms the service gives each warehouse."""
    since = date.fromordinal(NOW.date().toordinal() - WINDOW + 1)
    out: dict[tuple[uuid.UUID, uuid.UUID], tuple[object, ...]] = {}
    with db.session() as s:
        w1 = s.execute(select(m.Warehouse.id).where(m.Warehouse.code == "w1")).scalar_one()
        sold: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        for sd in s.execute(select(m.SalesDaily).where(m.SalesDaily.day >= since)).scalars():
            key = (sd.product_id, sd.warehouse_id)
            sold[key] = sold.get(key, 0) + sd.quantity
        terms = {sp.product_id: sp for sp in s.execute(select(m.SupplierProduct)).scalars()}
        ordered: dict[uuid.UUID, int] = {}
        for line in s.execute(select(m.PurchaseOrderLine)).scalars():
            ordered[line.product_id] = line.quantity - line.received_quantity
        wh0 = s.execute(select(m.Warehouse.id).where(m.Warehouse.code == "w0")).scalar_one()
        rows = s.execute(select(m.StockLevel, m.Product).join(m.Product)).all()
        for level, product in rows:
            sp = terms.get(product.id)
            facts = StockFacts(
                on_hand=level.on_hand,
                on_order=ordered.get(product.id, 0) if level.warehouse_id == wh0 else 0,
                minimum_stock=product.minimum_stock,
                units_sold=sold.get((product.id, level.warehouse_id), 0),
                manual_reorder_point=product.reorder_point,
                reorder_quantity=product.reorder_quantity,
                max_stock=product.max_stock,
                lead_time_days=sp.lead_time_days if sp else None,
                pack_size=sp.pack_size if sp else 1,
                min_order_qty=sp.min_order_qty if sp else 0,
            )
            params = (
                AlertParams(WINDOW, Decimal("2.25"), Decimal("0.35"))
                if level.warehouse_id == w1
                else AlertParams(WINDOW)
            )
            key = (product.id, level.warehouse_id)
            try:
                v = assess(facts, params)
            except ReorderPointCalculationError:
                out[key] = ("problem",)
                continue
            if v.urgency is not None:
                out[key] = (v.urgency.value, v.reorder_point, v.suggested_quantity)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_and_python_judge_every_level_alike(db: Database, seed: int) -> None:
    _seed_store(db, random.Random(seed), products=120)
    expected = _python_verdicts(db)
    report = asyncio.run(AlertGenerator(db, clock=lambda: NOW).monitor_inventory_levels())
    got: dict[tuple[uuid.UUID, uuid.UUID], tuple[object, ...]] = {
        (a.product_id, a.warehouse_id): (a.urgency_level.value, a.reorder_point, a.reorder_quantity)
        for a in report.alerts
    }
    for problem in report.errors:
        if "minimum stock only" not in problem.message:
            got[(problem.product_id, _wh(db, problem.warehouse_code))] = ("problem",)
    assert got == expected
    assert len([v for v in expected.values() if v[0] == "critical"]) > 0  # a real mix
    assert len({v[0] for v in expected.values()}) >= 4
    # and a second run over unchanged stock changes nothing
    again = asyncio.run(AlertGenerator(db, clock=lambda: NOW).monitor_inventory_levels())
    assert (again.created, again.updated, again.resolved) == (0, 0, 0)


def _wh(db: Database, code: str | None) -> uuid.UUID:
    with db.session() as s:
        return s.execute(select(m.Warehouse.id).where(m.Warehouse.code == code)).scalar_one()
