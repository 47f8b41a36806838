"""A store to receive into for the Receiving tab's tests: a warehouse, a supplier, products
with every kind of barcode the dock sees (EAN-13, UPC-A, a case EAN, a serialized phone with
a GS1 DataMatrix, one not on the order), and a purchase order sent to the supplier.

The store rows are written directly (no facade call creates a purchase order with chosen
lines); everything the tests then check goes through the facade, as the UI does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from possync_gui.domain.barcodes import make_ean13
from possync_gui.store import models as m
from possync_gui.store.database import Database

WIDGET = "4006381333931"  # EAN-13
UPC = "036000291452"  # UPC-A (stored as it is; its EAN-13 is 0036000291452)
CASE = make_ean13("501234567890")
PHONE = make_ean13("761234567890")
EXTRA = make_ean13("222222222222")  # a product the order does not have
UNKNOWN = make_ean13("999999999999")  # no product has it
ORDER = "PO-2026-000042"
#: sku → (barcode, ordered, serialized)
PRODUCTS = {
    "WIDGET": (WIDGET, 60, False),
    "UPC-ITEM": (UPC, 40, False),
    "CASE-ITEM": (CASE, 100, False),
    "PHONE": (PHONE, 30, True),
    "EXTRA": (EXTRA, 0, False),
}


@dataclass
class ReceivingWorld:
    db: Database
    products: dict[str, uuid.UUID]
    warehouse: str = "MAIN"
    order_number: str = ORDER

    def serials(self, sku: str) -> set[str]:
        with self.db.session() as s:
            rows = s.execute(
                select(m.SerialNumber.serial).where(m.SerialNumber.product_id == self.products[sku])
            )
            return {r[0] for r in rows}


def build_receiving_world(db: Database, *, stored_serials: tuple[str, ...] = ()) -> ReceivingWorld:
    """The store; ``stored_serials``: phones already in stock (a scan of one is a duplicate)."""
    with db.session() as s:
        wh = m.Warehouse(id=uuid.uuid4(), code="MAIN", name="Main warehouse")
        other = m.Warehouse(id=uuid.uuid4(), code="NORTH", name="North store")
        supplier = m.Supplier(id=uuid.uuid4(), code="ACME", name="Acme Wholesale")
        s.add_all([wh, other, supplier])
        s.flush()
        ids: dict[str, uuid.UUID] = {}
        for sku, (barcode, _ordered, serialized) in PRODUCTS.items():
            product = m.Product(
                id=uuid.uuid4(),
                sku=sku,
                name=f"{sku.title().replace('-', ' ')} product",
                barcode=barcode,
                gtin=barcode.zfill(14),
                is_serialized=serialized,
                minimum_stock=5,
                reorder_point=20,
                unit_cost=Decimal("4.50"),
            )
            s.add(product)
            ids[sku] = product.id
        s.flush()
        order = m.PurchaseOrder(
            id=uuid.uuid4(),
            order_number=ORDER,
            supplier_id=supplier.id,
            warehouse_id=wh.id,
            status="sent",
            created_by="buyer",
            total_amount=Decimal("1035.00"),
        )
        s.add(order)
        s.flush()
        for sku, (_barcode, ordered, _serialized) in PRODUCTS.items():
            if ordered:
                s.add(
                    m.PurchaseOrderLine(
                        purchase_order_id=order.id,
                        product_id=ids[sku],
                        quantity=ordered,
                        unit_cost=Decimal("4.50"),
                    )
                )
        for serial in stored_serials:
            s.add(
                m.SerialNumber(
                    id=uuid.uuid4(),
                    product_id=ids["PHONE"],
                    serial=serial,
                    warehouse_id=wh.id,
                    status="in_stock",
                )
            )
    return ReceivingWorld(db, ids)
