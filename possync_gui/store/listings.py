"""Read-only lists for the tabs whose components have not landed yet (newest first)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from possync_gui.domain.errors import ValidationError
from possync_gui.domain.records import ListRow
from possync_gui.store import models as m

LIMIT = 1000


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def _alerts(s: Session) -> tuple[tuple[str, ...], list[ListRow]]:
    rows = s.execute(
        select(m.StockAlert, m.Warehouse.code)
        .join(m.Warehouse, m.Warehouse.id == m.StockAlert.warehouse_id)
        .order_by(m.StockAlert.updated_at.desc())
        .limit(LIMIT)
    ).all()
    headers = (
        "SKU",
        "Product",
        "Warehouse",
        "On hand",
        "Reorder point",
        "Urgency",
        "Status",
        "Updated",
    )
    return headers, [
        ListRow(
            a.id,
            (
                a.product_code,
                a.product_name,
                wh,
                str(a.current_stock),
                str(a.reorder_point),
                a.urgency_level,
                a.status,
                _when(a.updated_at),
            ),
        )
        for a, wh in rows
    ]


def _purchase_orders(s: Session) -> tuple[tuple[str, ...], list[ListRow]]:
    rows = s.execute(
        select(m.PurchaseOrder, m.Supplier.name, m.Warehouse.code)
        .join(m.Supplier, m.Supplier.id == m.PurchaseOrder.supplier_id)
        .join(m.Warehouse, m.Warehouse.id == m.PurchaseOrder.warehouse_id)
        .order_by(m.PurchaseOrder.created_at.desc())
        .limit(LIMIT)
    ).all()
    headers = ("Order", "Supplier", "Warehouse", "Total", "Status", "Created by", "Created")
    return headers, [
        ListRow(
            po.id,
            (
                po.order_number,
                sup,
                wh,
                f"{po.total_amount:,.2f}",
                po.status,
                po.created_by,
                _when(po.created_at),
            ),
        )
        for po, sup, wh in rows
    ]


def _receiving(s: Session) -> tuple[tuple[str, ...], list[ListRow]]:
    items = (
        select(
            m.DeliveryItem.delivery_id,
            func.count().label("n"),
            func.sum(m.DeliveryItem.quantity_received).label("units"),
        )
        .group_by(m.DeliveryItem.delivery_id)
        .subquery()
    )
    rows = s.execute(
        select(m.Delivery, m.Warehouse.code, m.Supplier.name, items.c.n, items.c.units)
        .join(m.Warehouse, m.Warehouse.id == m.Delivery.warehouse_id)
        .outerjoin(m.Supplier, m.Supplier.id == m.Delivery.supplier_id)
        .outerjoin(items, items.c.delivery_id == m.Delivery.id)
        .order_by(m.Delivery.received_at.desc())
        .limit(LIMIT)
    ).all()
    headers = ("Delivery", "Supplier", "Warehouse", "Lines", "Units", "Received by", "Received")
    return headers, [
        ListRow(
            d.id,
            (
                d.external_id,
                sup or "",
                wh,
                str(n or 0),
                str(units or 0),
                d.received_by,
                _when(d.received_at),
            ),
        )
        for d, wh, sup, n, units in rows
    ]


def _conflicts(s: Session) -> tuple[tuple[str, ...], list[ListRow]]:
    rows = s.execute(
        select(m.SyncConflict, m.Product.sku, m.Product.name)
        .join(m.Product, m.Product.id == m.SyncConflict.product_id)
        .order_by(m.SyncConflict.detected_at.desc())
        .limit(LIMIT)
    ).all()
    headers = ("SKU", "Product", "POS", "Warehouse", "Base", "Status", "Detected")
    return headers, [
        ListRow(
            c.id,
            (
                sku,
                name,
                str(c.pos_value),
                str(c.system_value),
                "" if c.base_value is None else str(c.base_value),
                c.status,
                _when(c.detected_at),
            ),
        )
        for c, sku, name in rows
    ]


def _integrations(s: Session) -> tuple[tuple[str, ...], list[ListRow]]:
    rows = s.execute(select(m.POSIntegration).order_by(m.POSIntegration.name)).scalars().all()
    headers = ("Name", "Type", "Status", "Frequency", "Conflicts", "Last sync")
    return headers, [
        ListRow(
            i.id,
            (
                i.name,
                i.type,
                i.status,
                i.sync_frequency.replace("_", " "),
                str(i.sync_settings.get("conflictResolution", "")).replace("_", " "),
                _when(i.last_sync_at) or "never",
            ),
        )
        for i in rows
    ]


KINDS: dict[str, Callable[[Session], tuple[tuple[str, ...], list[ListRow]]]] = {
    "alerts": _alerts,
    "purchase_orders": _purchase_orders,
    "receiving": _receiving,
    "conflicts": _conflicts,
    "integrations": _integrations,
}


def list_rows(session: Session, kind: str) -> tuple[tuple[str, ...], list[ListRow]]:
    try:
        query = KINDS[kind]
    except KeyError:
        raise ValidationError(f"Unknown list {kind!r}") from None
    return query(session)


def last_sync_at(session: Session) -> datetime | None:
    value: Any = session.execute(select(func.max(m.POSIntegration.last_sync_at))).scalar()
    return value
