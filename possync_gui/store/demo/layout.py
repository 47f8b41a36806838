"""What the demo seeder writes where: each table's column order, and the demo POS's settings.

Rows are plain tuples in these column orders (see ``bulk.py`` for why); the dict's order is
the order tables are flushed in, parents before children.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from possync_gui.domain.enums import ConflictStrategy
from possync_gui.store import models as m


def table(model: type[m.Base]) -> Table:
    """The model's Core table (declarative models always have one)."""
    return cast(Table, model.__table__)


MOVEMENT_COLUMNS = (
    "id", "product_id", "warehouse_id", "delta", "reason", "reference", "actor", "note", "at"
)  # fmt: skip

#: The seed's POSSyncSettings for the demo integration.
DEMO_SYNC_SETTINGS = {
    "syncInventory": True,
    "syncSales": True,
    "syncCustomers": False,
    "syncProducts": True,
    "autoCreatePurchaseOrders": False,
    "stockAlertThreshold": 0.2,
    "reorderPointMultiplier": 1.5,
    "conflictResolution": str(ConflictStrategy.MANUAL_REVIEW),
}

#: Id tag -> (table, columns in the order rows are given), parents before children.
TABLES: dict[str, tuple[Table, tuple[str, ...]]] = {
    "warehouse": (table(m.Warehouse), ("id", "code", "name", "created_at")),
    "supplier": (
        table(m.Supplier),
        ("id", "code", "name", "email", "phone", "currency", "created_at"),
    ),
    "product": (
        table(m.Product),
        (
            "id",
            "sku",
            "name",
            "barcode",
            "gtin",
            "unit",
            "is_serialized",
            "minimum_stock",
            "reorder_point",
            "reorder_quantity",
            "max_stock",
            "review_policy",
            "unit_cost",
            "created_at",
            "updated_at",
        ),
    ),  # fmt: skip
    "supplier_product": (
        table(m.SupplierProduct),
        (
            "id",
            "supplier_id",
            "product_id",
            "supplier_sku",
            "unit_cost",
            "lead_time_days",
            "min_order_qty",
            "pack_size",
            "is_preferred",
        ),
    ),  # fmt: skip
    "stock": (
        table(m.StockLevel),
        ("id", "product_id", "warehouse_id", "on_hand", "version", "updated_at"),
    ),
    "movement": (table(m.StockMovement), MOVEMENT_COLUMNS),
    "sales": (table(m.SalesDaily), ("product_id", "warehouse_id", "day", "quantity")),
    "delivery": (
        table(m.Delivery),
        (
            "id",
            "external_id",
            "supplier_id",
            "warehouse_id",
            "purchase_order_id",
            "received_by",
            "received_at",
            "created_at",
        ),
    ),  # fmt: skip
    "delivery_item": (
        table(m.DeliveryItem),
        (
            "id",
            "delivery_id",
            "product_id",
            "product_code",
            "quantity_received",
            "unit_cost",
            "lot",
            "expiry",
            "status",
            "error",
        ),
    ),  # fmt: skip
    "pos_mapping": (
        table(m.POSMapping),
        (
            "id",
            "integration_id",
            "product_id",
            "warehouse_id",
            "external_item_id",
            "external_location_id",
            "last_synced_quantity",
            "last_synced_at",
        ),
    ),  # fmt: skip
}
