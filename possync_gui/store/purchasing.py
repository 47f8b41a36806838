"""Reads and writes of purchase orders, their lines and the alerts they came from."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from possync_gui.domain.enums import AlertStatus, PurchaseOrderStatus
from possync_gui.domain.errors import NotFoundError
from possync_gui.domain.purchasing import (
    OPEN_PO_STATES,
    PurchaseOrderLineRecord,
    PurchaseOrderQuery,
    PurchaseOrderRecord,
)
from possync_gui.store import models as m

_NUMBER = re.compile(r"^PO-(\d{4})-(\d+)$")


def lock_alerts(session: Session, ids: Sequence[uuid.UUID]) -> list[m.StockAlert]:
    if not ids:
        return []
    stmt = select(m.StockAlert).where(m.StockAlert.id.in_(list(ids))).with_for_update()
    return list(session.execute(stmt).scalars())


def on_hand_and_order(
    session: Session, keys: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[int, int]]:
    """(on hand, on order) now, per (product, warehouse)."""
    wanted = set(keys)
    if not wanted:
        return {}
    products = list({pid for pid, _ in wanted})
    out: dict[tuple[uuid.UUID, uuid.UUID], tuple[int, int]] = {k: (0, 0) for k in wanted}
    for start in range(0, len(products), 500):
        chunk = products[start : start + 500]
        for pid, wid, qty in session.execute(
            select(m.StockLevel.product_id, m.StockLevel.warehouse_id, m.StockLevel.on_hand).where(
                m.StockLevel.product_id.in_(chunk)
            )
        ):
            if (pid, wid) in out:
                out[(pid, wid)] = (int(qty), out[(pid, wid)][1])
        line, po = m.PurchaseOrderLine, m.PurchaseOrder
        for pid, wid, qty in session.execute(
            select(
                line.product_id,
                po.warehouse_id,
                func.sum(line.quantity - line.received_quantity),
            )
            .join(po, po.id == line.purchase_order_id)
            .where(line.product_id.in_(chunk), po.status.in_([s.value for s in OPEN_PO_STATES]))
            .group_by(line.product_id, po.warehouse_id)
        ):
            if (pid, wid) in out:
                out[(pid, wid)] = (out[(pid, wid)][0], max(0, int(qty or 0)))
    return out


def preferred_mappings(
    session: Session, product_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, m.SupplierProduct]:
    ids = list(set(product_ids))
    out: dict[uuid.UUID, m.SupplierProduct] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(m.SupplierProduct)
            .where(
                m.SupplierProduct.product_id.in_(ids[start : start + 500]),
                m.SupplierProduct.is_preferred.is_(True),
            )
            .order_by(m.SupplierProduct.id.desc())
        ).scalars()
        for sp in rows:
            out[sp.product_id] = sp  # the lowest id wins, as in the alert run
    return out


def next_order_numbers(session: Session, year: int, count: int) -> list[str]:
    """``count`` unused order numbers for ``year`` (PO-2026-000123), in order."""
    prefix = f"PO-{year}-"
    numbers = session.execute(
        select(m.PurchaseOrder.order_number).where(m.PurchaseOrder.order_number.like(prefix + "%"))
    ).scalars()
    last = 0
    for number in numbers:
        match = _NUMBER.match(number)
        if match:
            last = max(last, int(match.group(2)))
    return [f"{prefix}{last + i:06d}" for i in range(1, count + 1)]


def add_order(session: Session, order: m.PurchaseOrder, lines: list[m.PurchaseOrderLine]) -> None:
    session.add(order)
    session.flush()
    for line in lines:
        line.purchase_order_id = order.id
    session.add_all(lines)


def link_alerts(session: Session, alert_ids: Sequence[uuid.UUID], order_id: uuid.UUID) -> None:
    if alert_ids:
        session.execute(
            update(m.StockAlert)
            .where(m.StockAlert.id.in_(list(alert_ids)))
            .values(status=AlertStatus.ORDERED.value, purchase_order_id=order_id)
            # the session's alerts are not used after this; matching them in Python is O(n²)
            .execution_options(synchronize_session=False)
        )


def release_alerts(session: Session, order_id: uuid.UUID, now: datetime) -> int:
    """Alerts ordered on ``order_id`` become active again (the order will not come)."""
    result = session.execute(
        update(m.StockAlert)
        .where(
            m.StockAlert.purchase_order_id == order_id,
            m.StockAlert.status == AlertStatus.ORDERED.value,
        )
        .values(status=AlertStatus.ACTIVE.value, purchase_order_id=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def find_order(session: Session, ref: str | uuid.UUID, *, lock: bool = False) -> m.PurchaseOrder:
    text = str(ref).strip()
    stmt = select(m.PurchaseOrder)
    try:
        stmt = stmt.where(
            or_(m.PurchaseOrder.id == uuid.UUID(text), m.PurchaseOrder.order_number == text)
        )
    except ValueError:
        stmt = stmt.where(func.upper(m.PurchaseOrder.order_number) == text.upper())
    if lock:
        stmt = stmt.with_for_update()
    order = session.execute(stmt).scalars().first()
    if order is None:
        raise NotFoundError(f"No purchase order {text!r}")
    return order


def _base_query() -> Any:
    po = m.PurchaseOrder
    return (
        select(po, m.Supplier, m.Warehouse)
        .join(m.Supplier, m.Supplier.id == po.supplier_id)
        .join(m.Warehouse, m.Warehouse.id == po.warehouse_id)
    )


def order_record(
    session: Session,
    po: m.PurchaseOrder,
    supplier: m.Supplier,
    warehouse: m.Warehouse,
    threshold: Decimal,
    *,
    with_lines: bool,
    totals: tuple[int, int] | None = None,
) -> PurchaseOrderRecord:
    lines: tuple[PurchaseOrderLineRecord, ...] = ()
    if with_lines:
        lines = tuple(order_lines(session, po.id, po.supplier_id))
    return PurchaseOrderRecord(
        id=po.id,
        order_number=po.order_number,
        supplier_id=supplier.id,
        supplier_code=supplier.code,
        supplier_name=supplier.name,
        supplier_email=supplier.email,
        currency=supplier.currency,
        warehouse_id=warehouse.id,
        warehouse_code=warehouse.code,
        warehouse_name=warehouse.name,
        status=PurchaseOrderStatus(po.status),
        total_amount=po.total_amount,
        trigger_type=po.trigger_type,
        automation_reason=po.automation_reason,
        created_by=po.created_by,
        created_at=po.created_at,
        updated_at=po.updated_at,
        approved_by=po.approved_by,
        approved_at=po.approved_at,
        rejected_reason=po.rejected_reason,
        sent_at=po.sent_at,
        needs_second_approver=po.total_amount > threshold,
        stock_alert_ids=tuple(uuid.UUID(str(a)) for a in (po.stock_alert_ids or [])),
        lines=lines,
        ordered_units=totals[0] if totals else sum(line.quantity for line in lines),
        received_units=totals[1] if totals else sum(line.received_quantity for line in lines),
    )


def order_lines(
    session: Session, order_id: uuid.UUID, supplier_id: uuid.UUID
) -> list[PurchaseOrderLineRecord]:
    line = m.PurchaseOrderLine
    rows = session.execute(
        select(line, m.Product.sku, m.Product.name, m.SupplierProduct.supplier_sku)
        .join(m.Product, m.Product.id == line.product_id)
        .outerjoin(
            m.SupplierProduct,
            and_(
                m.SupplierProduct.product_id == line.product_id,
                m.SupplierProduct.supplier_id == supplier_id,
            ),
        )
        .where(line.purchase_order_id == order_id)
        .order_by(m.Product.sku)
    )
    return [
        PurchaseOrderLineRecord(
            id=ln.id,
            product_id=ln.product_id,
            product_code=sku,
            product_name=name,
            supplier_sku=supplier_sku,
            quantity=ln.quantity,
            unit_cost=ln.unit_cost,
            received_quantity=ln.received_quantity,
        )
        for ln, sku, name, supplier_sku in rows
    ]


def list_orders(
    session: Session, query: PurchaseOrderQuery, threshold: Decimal
) -> list[PurchaseOrderRecord]:
    po = m.PurchaseOrder
    line = m.PurchaseOrderLine
    units = (
        select(
            line.purchase_order_id,
            func.sum(line.quantity).label("ordered"),
            func.sum(line.received_quantity).label("received"),
        )
        .group_by(line.purchase_order_id)
        .subquery()
    )
    stmt = (
        select(po, m.Supplier, m.Warehouse, units.c.ordered, units.c.received)
        .join(m.Supplier, m.Supplier.id == po.supplier_id)
        .join(m.Warehouse, m.Warehouse.id == po.warehouse_id)
        .outerjoin(units, units.c.purchase_order_id == po.id)
    )
    if query.statuses:
        stmt = stmt.where(po.status.in_([str(s) for s in query.statuses]))
    if query.supplier_id is not None:
        stmt = stmt.where(po.supplier_id == query.supplier_id)
    if query.warehouse_id is not None:
        stmt = stmt.where(po.warehouse_id == query.warehouse_id)
    text = query.search.strip().lower()
    if text:
        like = f"%{text}%"
        stmt = stmt.where(
            or_(
                func.lower(po.order_number).like(like),
                func.lower(m.Supplier.code).like(like),
                func.lower(m.Supplier.name).like(like),
            )
        )
    stmt = stmt.order_by(po.created_at.desc(), po.order_number.desc())
    if query.limit:
        stmt = stmt.limit(query.limit)
    return [
        order_record(
            session,
            o,
            s,
            w,
            threshold,
            with_lines=False,
            totals=(int(ordered or 0), int(received or 0)),
        )
        for o, s, w, ordered, received in session.execute(stmt)
    ]


def get_order(session: Session, ref: str | uuid.UUID, threshold: Decimal) -> PurchaseOrderRecord:
    order = find_order(session, ref)
    supplier = session.get(m.Supplier, order.supplier_id)
    warehouse = session.get(m.Warehouse, order.warehouse_id)
    assert supplier is not None and warehouse is not None  # foreign keys
    return order_record(session, order, supplier, warehouse, threshold, with_lines=True)


def supplier_and_warehouse_names(
    session: Session, supplier_ids: Iterable[uuid.UUID], warehouse_ids: Iterable[uuid.UUID]
) -> tuple[dict[uuid.UUID, m.Supplier], dict[uuid.UUID, m.Warehouse]]:
    sups = list(set(supplier_ids))
    whs = list(set(warehouse_ids))
    suppliers = {
        s.id: s
        for s in session.execute(select(m.Supplier).where(m.Supplier.id.in_(sups))).scalars()
    }
    warehouses = {
        w.id: w
        for w in session.execute(select(m.Warehouse).where(m.Warehouse.id.in_(whs))).scalars()
    }
    return suppliers, warehouses
