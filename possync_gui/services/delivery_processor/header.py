"""A delivery's header: where it goes, checked before anything is written.

A delivery is refused as a whole (:class:`ValidationError`, nothing posted) for an unknown
warehouse, supplier or purchase order, an order that cannot receive (only approved, sent or
partially received ones can), or an order for another warehouse or supplier.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from possync_gui.domain.enums import PurchaseOrderStatus
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.receiving import REF_LENGTH, DeliveryInput
from possync_gui.store import models as m
from possync_gui.store.inventory import get_warehouse
from possync_gui.store.purchasing import find_order
from possync_gui.store.receiving.posting import Header
from possync_gui.store.suppliers import get_supplier

#: Orders that can still receive goods.
RECEIVABLE_STATES = (
    PurchaseOrderStatus.APPROVED,
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)
#: A receipt time further ahead than this is a clock or typing mistake.
FUTURE_SLACK = timedelta(minutes=10)
#: The advisory lock namespace of receiving ("RCV" in ASCII).
_LOCK_NS = 0x524356


def check_header(d: DeliveryInput, now: datetime) -> None:
    """The delivery's own fields (the UI builds DeliveryInput itself, unchecked)."""
    if not d.delivery_id.strip():
        raise ValidationError("The delivery needs a delivery id.")
    for label, value in (("delivery id", d.delivery_id), ("received by", d.received_by)):
        if len(value) > REF_LENGTH:
            raise ValidationError(f"The {label} is longer than {REF_LENGTH} characters.")
    if not d.received_by.strip():
        raise ValidationError("The delivery needs the name of who received it.")
    if d.received_at.tzinfo is None:
        raise ValidationError("The receipt time needs a time zone.")
    if d.received_at > now + FUTURE_SLACK:
        raise ValidationError(
            f"The receipt time {d.received_at.isoformat()} is in the future; check the clock."
        )
    if not d.items:
        raise ValidationError("The delivery has no items.")


def resolve_header(session: Session, d: DeliveryInput) -> Header:
    """Warehouse, supplier and order by UUID or code, checked against each other."""
    warehouse = get_warehouse(session, d.warehouse_ref)
    supplier = get_supplier(session, d.supplier_ref) if d.supplier_ref else None
    order: m.PurchaseOrder | None = None
    if d.purchase_order_ref:
        order = find_order(session, d.purchase_order_ref)
        check_order(session, order, warehouse.id, warehouse.code, supplier)
        if supplier is None:
            supplier = session.get(m.Supplier, order.supplier_id)
    return Header(
        warehouse_id=warehouse.id,
        warehouse_code=warehouse.code,
        supplier_id=supplier.id if supplier else None,
        supplier_code=supplier.code if supplier else None,
        order_id=order.id if order else None,
        order_number=order.order_number if order else None,
    )


def serialize_warehouse(session: Session, warehouse_id: uuid.UUID) -> None:
    """PostgreSQL: deliveries into one warehouse post one after the other (a transaction
    advisory lock, in the two-key space the sync lock's one-key locks do not share), so two
    of them never deadlock on the levels they both raise. SQLite has one writer anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(warehouse_id.bytes[:4], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _LOCK_NS, "key": key})


def check_order(
    session: Session,
    order: m.PurchaseOrder,
    warehouse_id: uuid.UUID,
    warehouse_code: str,
    supplier: m.Supplier | None,
) -> None:
    """Refuse an order that cannot receive, or is for another warehouse or supplier."""
    if PurchaseOrderStatus(order.status) not in RECEIVABLE_STATES:
        raise ValidationError(not_receivable(order))
    if order.warehouse_id != warehouse_id:
        other = session.get(m.Warehouse, order.warehouse_id)
        raise ValidationError(
            f"Purchase order {order.order_number} is for warehouse "
            f"{other.code if other else '?'}, not {warehouse_code}; nothing was posted."
        )
    if supplier is not None and order.supplier_id != supplier.id:
        other_s = session.get(m.Supplier, order.supplier_id)
        raise ValidationError(
            f"Purchase order {order.order_number} is from supplier "
            f"{other_s.code if other_s else '?'}, not {supplier.code}; nothing was posted."
        )


def not_receivable(order: m.PurchaseOrder, *, posting: bool = True) -> str:
    status = order.status.replace("_", " ")
    return (
        f"Purchase order {order.order_number} is {status}: only approved, sent or partially "
        "received orders can be received" + ("; nothing was posted." if posting else ".")
    )
