"""Reads of deliveries, serials and receiving plans, returning domain records."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from possync_gui.domain.errors import NotFoundError
from possync_gui.domain.receiving import (
    DeliveryItemResult,
    DeliveryRecord,
    DeliveryResult,
    ItemStatus,
    ReceivingLine,
    ReceivingPlan,
    SerialLocation,
    ShortShipment,
)
from possync_gui.store import models as m
from possync_gui.store.receiving.posting import Header

_ACCEPTED = ItemStatus.ACCEPTED.value
_REJECTED = ItemStatus.REJECTED.value
_WAITING = ItemStatus.NEEDS_CONFIRMATION.value


def waiting_items(session: Session, delivery_row_id: uuid.UUID) -> list[m.DeliveryItem]:
    """The delivery's items waiting for an over-receipt confirmation, in delivery order."""
    return list(
        session.execute(
            select(m.DeliveryItem)
            .where(m.DeliveryItem.delivery_id == delivery_row_id, m.DeliveryItem.status == _WAITING)
            .order_by(m.DeliveryItem.line_index)
        ).scalars()
    )


def stored_header(session: Session, delivery: m.Delivery) -> Header:
    """The :class:`Header` a stored delivery was posted with."""
    wh = session.get(m.Warehouse, delivery.warehouse_id)
    sup = session.get(m.Supplier, delivery.supplier_id) if delivery.supplier_id else None
    po = (
        session.get(m.PurchaseOrder, delivery.purchase_order_id)
        if delivery.purchase_order_id
        else None
    )
    assert wh is not None  # a foreign key
    return Header(
        warehouse_id=wh.id,
        warehouse_code=wh.code,
        supplier_id=sup.id if sup else None,
        supplier_code=sup.code if sup else None,
        order_id=po.id if po else None,
        order_number=po.order_number if po else None,
    )


def item_results(session: Session, delivery_row_id: uuid.UUID) -> list[DeliveryItemResult]:
    item = m.DeliveryItem
    rows = session.execute(
        select(item, m.Product.sku, m.Product.name)
        .outerjoin(m.Product, m.Product.id == item.product_id)
        .where(item.delivery_id == delivery_row_id)
        .order_by(item.line_index)
        # a confirmation updated these rows with Core: reload what the session holds
        .execution_options(populate_existing=True)
    )
    return [
        DeliveryItemResult(
            index=it.line_index,
            product_ref=it.product_code or "",
            product_id=it.product_id,
            sku=sku,
            name=name,
            quantity=it.quantity_received,
            status=ItemStatus(it.status),
            error=it.error,
            over_received=it.over_received,
            serial_numbers=tuple(it.serial_numbers or ()),
            lot=it.lot,
            expiry=it.expiry,
            unit_cost=it.unit_cost,
        )
        for it, sku, name in rows
    ]


def short_shipments(session: Session, order_id: uuid.UUID) -> list[ShortShipment]:
    line = m.PurchaseOrderLine
    rows = session.execute(
        select(line.product_id, m.Product.sku, line.quantity, line.received_quantity)
        .join(m.Product, m.Product.id == line.product_id)
        .where(line.purchase_order_id == order_id, line.short_quantity > 0)
        .order_by(m.Product.sku)
    )
    return [ShortShipment(*r) for r in rows]


def stored_result(
    session: Session, delivery_row_id: uuid.UUID, *, already_posted: bool
) -> DeliveryResult:
    """A delivery's result as it was posted (item by item)."""
    d = session.get(m.Delivery, delivery_row_id)
    if d is None:
        raise NotFoundError("That delivery no longer exists.")
    po = session.get(m.PurchaseOrder, d.purchase_order_id) if d.purchase_order_id else None
    wh = session.get(m.Warehouse, d.warehouse_id)
    sup = session.get(m.Supplier, d.supplier_id) if d.supplier_id else None
    return DeliveryResult(
        delivery_id=d.external_id,
        already_posted=already_posted,
        items=tuple(item_results(session, d.id)),
        purchase_order_number=po.order_number if po else None,
        purchase_order_status=po.status if po else None,
        alerts_resolved=0,
        posted_at=d.created_at,
        warehouse_code=wh.code if wh else None,
        supplier_code=sup.code if sup else None,
        short_shipped=tuple(short_shipments(session, po.id)) if po and d.close_short else (),
    )


def receiving_plan(session: Session, order: m.PurchaseOrder) -> ReceivingPlan:
    line = m.PurchaseOrderLine
    p = m.Product
    rows = session.execute(
        select(
            p.id,
            p.sku,
            p.name,
            p.barcode,
            p.gtin,
            p.is_serialized,
            line.quantity,
            line.received_quantity,
            line.unit_cost,
        )
        .join(p, p.id == line.product_id)
        .where(line.purchase_order_id == order.id)
        .order_by(p.sku)
    )
    supplier = session.get(m.Supplier, order.supplier_id)
    warehouse = session.get(m.Warehouse, order.warehouse_id)
    assert supplier is not None and warehouse is not None  # foreign keys
    return ReceivingPlan(
        purchase_order_id=order.id,
        order_number=order.order_number,
        supplier_code=supplier.code,
        supplier_name=supplier.name,
        warehouse_code=warehouse.code,
        status=order.status,
        lines=tuple(ReceivingLine(*r) for r in rows),
    )


def find_serial(session: Session, serial: str) -> list[SerialLocation]:
    """Every product carrying ``serial`` (exact; serials are unique per product only)."""
    sn = m.SerialNumber
    rows = session.execute(
        select(
            sn.serial,
            sn.product_id,
            m.Product.sku,
            m.Product.name,
            m.Warehouse.code,
            sn.status,
            m.Delivery.external_id,
            m.Supplier.code,
            m.Delivery.received_at,
            m.PurchaseOrder.order_number,
        )
        .join(m.Product, m.Product.id == sn.product_id)
        .join(m.Warehouse, m.Warehouse.id == sn.warehouse_id)
        .outerjoin(m.Delivery, m.Delivery.id == sn.delivery_id)
        .outerjoin(m.Supplier, m.Supplier.id == m.Delivery.supplier_id)
        .outerjoin(m.PurchaseOrder, m.PurchaseOrder.id == m.Delivery.purchase_order_id)
        .where(sn.serial == serial.strip())
        .order_by(m.Product.sku)
    )
    return [SerialLocation(*r) for r in rows]  # type: ignore[call-arg]


def _counts() -> Any:
    item = m.DeliveryItem
    accepted = item.status == _ACCEPTED
    return (
        select(
            item.delivery_id,
            func.sum(case((accepted, 1), else_=0)).label("accepted"),
            func.sum(case((item.status == _REJECTED, 1), else_=0)).label("rejected"),
            func.sum(case((item.status == _WAITING, 1), else_=0)).label("waiting"),
            func.sum(case((accepted, item.quantity_received), else_=0)).label("units"),
        )
        .group_by(item.delivery_id)
        .subquery()
    )


def list_deliveries(
    session: Session,
    search: str = "",
    limit: int = 500,
    *,
    delivery_row_id: uuid.UUID | None = None,
) -> list[DeliveryRecord]:
    """Deliveries newest first, searchable by delivery id, supplier code or name, PO number."""
    d = m.Delivery
    counts = _counts()
    stmt = (
        select(
            d.id,
            d.external_id,
            m.Supplier.code,
            m.Warehouse.code,
            m.PurchaseOrder.order_number,
            d.received_by,
            d.received_at,
            func.coalesce(counts.c.accepted, 0),
            func.coalesce(counts.c.rejected, 0),
            func.coalesce(counts.c.units, 0),
            func.coalesce(counts.c.waiting, 0),
            d.created_at,
        )
        .join(m.Warehouse, m.Warehouse.id == d.warehouse_id)
        .outerjoin(m.Supplier, m.Supplier.id == d.supplier_id)
        .outerjoin(m.PurchaseOrder, m.PurchaseOrder.id == d.purchase_order_id)
        .outerjoin(counts, counts.c.delivery_id == d.id)
        .order_by(d.received_at.desc(), d.external_id)
    )
    if delivery_row_id is not None:
        stmt = stmt.where(d.id == delivery_row_id)
    text = search.strip().lower()
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                func.lower(d.external_id).like(like),
                func.lower(m.Supplier.code).like(like),
                func.lower(m.Supplier.name).like(like),
                func.lower(m.PurchaseOrder.order_number).like(like),
                func.lower(d.received_by).like(like),
            )
        )
    if limit:
        stmt = stmt.limit(limit)
    return [
        DeliveryRecord(
            id=r[0],
            delivery_id=r[1],
            supplier_code=r[2],
            warehouse_code=r[3],
            purchase_order_number=r[4],
            received_by=r[5],
            received_at=r[6],
            items_accepted=int(r[7]),
            items_rejected=int(r[8]),
            units=int(r[9]),
            items_waiting=int(r[10]),
            posted_at=r[11],
        )
        for r in session.execute(stmt)
    ]


def delivery_row(session: Session, ref: str | uuid.UUID) -> uuid.UUID:
    """A delivery's row id by its external id (or row UUID)."""
    text = str(ref).strip()
    cond = m.Delivery.external_id == text
    with contextlib.suppress(ValueError):
        cond = or_(cond, m.Delivery.id == uuid.UUID(text))
    found = session.execute(select(m.Delivery.id).where(cond).limit(1)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"No delivery {text!r}.")
    return found
