"""A small store to receive into, for the delivery tests: a warehouse, two suppliers, a
plain and a serialized product, and a sent purchase order for both."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

from possync_gui.domain.enums import PurchaseOrderStatus
from possync_gui.domain.receiving import DeliveryResult
from possync_gui.services.facade import InventorySyncService
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.store.ledger import ledger_mismatches


@dataclass
class World:
    db: Database
    facade: InventorySyncService
    warehouse: uuid.UUID
    other_warehouse: uuid.UUID
    products: dict[str, uuid.UUID]
    order_number: str
    order_id: uuid.UUID

    def post(self, delivery: Any) -> DeliveryResult:
        return asyncio.run(self.facade.update_inventory_from_delivery(delivery))

    def on_hand(self, sku: str, warehouse: uuid.UUID | None = None) -> int:
        with self.db.session() as s:
            value = s.execute(
                select(m.StockLevel.on_hand).where(
                    m.StockLevel.product_id == self.products[sku],
                    m.StockLevel.warehouse_id == (warehouse or self.warehouse),
                )
            ).scalar_one_or_none()
        return int(value or 0)

    def movements(self, reference: str) -> list[tuple[str, int, str]]:
        """(sku, delta, actor) of the delivery's ledger rows."""
        with self.db.session() as s:
            rows = s.execute(
                select(m.Product.sku, m.StockMovement.delta, m.StockMovement.actor)
                .join(m.Product, m.Product.id == m.StockMovement.product_id)
                .where(m.StockMovement.reference == reference, m.StockMovement.reason == "delivery")
                .order_by(m.Product.sku, m.StockMovement.delta)
            )
            return [(r[0], r[1], r[2]) for r in rows]

    def order(self) -> tuple[str, dict[str, tuple[int, int, int]]]:
        """The order's status and, per SKU, (ordered, received, short)."""
        with self.db.session() as s:
            po = s.get(m.PurchaseOrder, self.order_id)
            assert po is not None
            lines = s.execute(
                select(
                    m.Product.sku,
                    m.PurchaseOrderLine.quantity,
                    m.PurchaseOrderLine.received_quantity,
                    m.PurchaseOrderLine.short_quantity,
                )
                .join(m.Product, m.Product.id == m.PurchaseOrderLine.product_id)
                .where(m.PurchaseOrderLine.purchase_order_id == self.order_id)
            )
            return po.status, {r[0]: (r[1], r[2], r[3]) for r in lines}

    def count(self, model: Any) -> int:
        with self.db.session() as s:
            return int(s.execute(select(func.count()).select_from(model)).scalar_one())

    def ledger_ok(self) -> bool:
        with self.db.session() as s:
            return ledger_mismatches(s) == []


def seed_delivery(world: World, delivery_id: str = "DEL-001", **over: Any) -> dict[str, Any]:
    """The seed's deliveryData, adapted to this store's SKUs."""
    data: dict[str, Any] = {
        "deliveryId": delivery_id,
        "supplierId": "supplier-abc",
        "items": [
            {
                "productId": "product-001",
                "productCode": "WIDGET-001",
                "quantityReceived": 40,
                "unitCost": 15.99,
            },
            {
                "productCode": "SCAN-1",
                "quantityReceived": 2,
                "unitCost": "120.00",
                "serialNumbers": ["SN-1", "SN-2"],
            },
        ],
        "receivedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "receivedBy": "warehouse-manager",
        "warehouseId": "main-warehouse",
        "purchaseOrderId": world.order_number,
    }
    data.update(over)
    return data


def build_world(db: Database, *, status: PurchaseOrderStatus = PurchaseOrderStatus.SENT) -> World:
    with db.session() as s:
        wh = m.Warehouse(id=uuid.uuid4(), code="main-warehouse", name="Main")
        other = m.Warehouse(id=uuid.uuid4(), code="north", name="North")
        abc = m.Supplier(id=uuid.uuid4(), code="supplier-abc", name="ABC Supply")
        xyz = m.Supplier(id=uuid.uuid4(), code="supplier-xyz", name="XYZ Trading")
        s.add_all([wh, other, abc, xyz])
        s.flush()
        products = {}
        for sku, serialized, barcode in (
            ("WIDGET-001", False, "4006381333931"),
            ("SCAN-1", True, None),
            ("LOOSE-1", False, None),
        ):
            p = m.Product(
                id=uuid.uuid4(),
                sku=sku,
                name=f"Product {sku}",
                barcode=barcode,
                gtin=("0" + barcode) if barcode else None,
                is_serialized=serialized,
                minimum_stock=5,
                reorder_point=20,
                unit_cost=Decimal("10.00"),
            )
            s.add(p)
            products[sku] = p.id
        s.flush()
        po = m.PurchaseOrder(
            id=uuid.uuid4(),
            order_number="PO-2026-000001",
            supplier_id=abc.id,
            warehouse_id=wh.id,
            status=status.value,
            created_by="buyer",
            total_amount=Decimal("1960.00"),
        )
        s.add(po)
        s.flush()
        s.add_all(
            [
                m.PurchaseOrderLine(
                    purchase_order_id=po.id,
                    product_id=products["WIDGET-001"],
                    quantity=100,
                    unit_cost=Decimal("15.99"),
                ),
                m.PurchaseOrderLine(
                    purchase_order_id=po.id,
                    product_id=products["SCAN-1"],
                    quantity=3,
                    unit_cost=Decimal("120.00"),
                ),
            ]
        )
    facade = InventorySyncService(db, approval_threshold=Decimal("1000"))
    return World(db, facade, wh.id, other.id, products, po.order_number, po.id)


def posting_in_progress(db: Database) -> bool:
    """Whether another connection is inside a delivery's posting transaction right now.
    SQLite: a ``BEGIN IMMEDIATE`` of ours is refused. PostgreSQL: another session of this
    database holds a row lock on ``deliveries`` (the posting inserts its delivery first)."""
    if db.backend == "sqlite":
        path = db.engine.url.database
        assert path
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    with db.engine.connect() as conn:
        held = conn.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'deliveries' AND l.mode = 'RowExclusiveLock' "
                "AND l.pid <> pg_backend_pid() AND l.database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ).scalar_one()
    return bool(held)
