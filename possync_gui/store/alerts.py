"""Set-based reads and batched writes for the Stock Alert Generator.

``candidate_rows`` is one query over every stock level that returns only the levels that
may need an alert (a generous SQL pre-filter) and the levels that already have an open
alert; the exact verdict is the domain's (``domain/reorder.py``), taken in Python on that
much smaller set. Writes go in batches, one transaction each.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import String, Text, TypeDecorator

from possync_gui.domain.enums import AlertStatus, UrgencyLevel
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.purchasing import OPEN_ALERT_STATES, OPEN_PO_STATES, AlertQuery, AlertRecord
from possync_gui.store import models as m
from possync_gui.store.types import utcnow

_OPEN_ALERTS = [s.value for s in OPEN_ALERT_STATES]
_OPEN_POS = [s.value for s in OPEN_PO_STATES]


def sales_since(window_days: int, today: date) -> date:
    return date.fromordinal(today.toordinal() - window_days + 1)


def _on_order() -> Any:
    line, po = m.PurchaseOrderLine, m.PurchaseOrder
    return (
        select(
            line.product_id,
            po.warehouse_id,
            func.sum(line.quantity - line.received_quantity).label("qty"),
        )
        .join(po, po.id == line.purchase_order_id)
        .where(po.status.in_(_OPEN_POS))
        .group_by(line.product_id, po.warehouse_id)
        .subquery("onord")
    )


def count_levels(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(m.StockLevel)).scalar_one())


def warehouse_codes(session: Session) -> dict[uuid.UUID, str]:
    return {wid: code for wid, code in session.execute(select(m.Warehouse.id, m.Warehouse.code))}


def supplier_names(session: Session) -> dict[uuid.UUID, tuple[str, str]]:
    rows = session.execute(select(m.Supplier.id, m.Supplier.code, m.Supplier.name))
    return {sid: (code, name) for sid, code, name in rows}


def insert_alerts(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(m.StockAlert.__table__), rows)  # type: ignore[arg-type]


def update_alerts(session: Session, rows: list[dict[str, Any]]) -> None:
    """``rows``: dicts with ``b_id`` and the columns to set (every row the same keys)."""
    if not rows:
        return
    keys = [k for k in rows[0] if k != "b_id"]
    stmt = (
        update(m.StockAlert.__table__)  # type: ignore[arg-type]
        .where(m.StockAlert.__table__.c.id == bindparam("b_id"))
        .values({k: bindparam(k) for k in keys})
    )
    session.connection().execute(stmt, rows)


# -- reads for the tab and the CLI -------------------------------------------------------
class RawJSON(TypeDecorator[Any]):
    """A JSON column read as it comes from the driver (text on SQLite): the record parses
    it when its explanation is asked for."""

    impl = Text
    cache_ok = True


class RawId(TypeDecorator[Any]):
    """An id column read as the driver gives it (hex text on SQLite): few warehouses and
    suppliers recur across many alerts, so ``_uuid`` turns each into a UUID once."""

    impl = String
    cache_ok = True


@functools.lru_cache(maxsize=4096)
def _uuid(raw: Any) -> uuid.UUID | None:
    if raw is None or isinstance(raw, uuid.UUID):
        return raw
    return uuid.UUID(hex=str(raw))


def _id(raw: Any) -> uuid.UUID:
    """An id as read (a UUID on PostgreSQL, hex text on SQLite)."""
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(hex=raw)


_T = m.StockAlert.__table__.c
_RECORD_COLUMNS = (
    _T.id,
    _T.product_id,
    _T.product_code,
    _T.product_name,
    type_coerce(_T.warehouse_id, RawId()),
    _T.current_stock,
    _T.minimum_stock,
    _T.reorder_point,
    _T.reorder_quantity,
    _T.on_order,
    _T.urgency_level,
    _T.status,
    type_coerce(_T.preferred_supplier_id, RawId()),
    _T.created_at,
    _T.updated_at,
    type_coerce(_T.details, RawJSON()),
    _T.dismissed_reason,
    _T.snoozed_until,
    _T.resolved_at,
    _T.purchase_order_id,
)


def record_query() -> Any:
    """The columns of an :class:`AlertRecord` (plain columns, no ORM objects: the alert
    run reads back hundreds of thousands of them)."""
    a = m.StockAlert
    return (
        select(
            *_RECORD_COLUMNS,
            m.Warehouse.code,
            m.Supplier.code,
            m.Supplier.name,
            m.PurchaseOrder.order_number,
        )
        .join(m.Warehouse, m.Warehouse.id == a.warehouse_id)
        .outerjoin(m.Supplier, m.Supplier.id == a.preferred_supplier_id)
        .outerjoin(m.PurchaseOrder, m.PurchaseOrder.id == a.purchase_order_id)
    )


_URGENCIES = {u.value: u for u in UrgencyLevel}
_STATUSES = {s.value: s for s in AlertStatus}


def to_record(row: Any) -> AlertRecord:
    (
        alert_id,
        product_id,
        code,
        name,
        warehouse_id,
        stock,
        minimum,
        rp,
        qty,
        on_order,
        urgency,
        status,
        supplier_id,
        created,
        updated,
        details,
        dismissed,
        snoozed,
        resolved,
        po_id,
        wh,
        sup_code,
        sup_name,
        po,
    ) = row
    return AlertRecord(
        id=alert_id,
        product_id=product_id,
        product_code=code,
        product_name=name,
        warehouse_id=_uuid(warehouse_id) or warehouse_id,
        warehouse_code=wh,
        current_stock=stock,
        minimum_stock=minimum,
        reorder_point=rp,
        reorder_quantity=qty,
        on_order=on_order,
        urgency_level=_URGENCIES[urgency],
        status=_STATUSES[status],
        preferred_supplier_id=_uuid(supplier_id),
        supplier_code=sup_code,
        supplier_name=sup_name,
        created_at=created,
        updated_at=updated,
        stored_inputs=details or {},
        dismissed_reason=dismissed,
        snoozed_until=snoozed,
        resolved_at=resolved,
        purchase_order_id=po_id,
        purchase_order_number=po,
    )


def new_record(
    row: Any,
    now: datetime,
    warehouse_codes: dict[uuid.UUID, str],
    suppliers: dict[uuid.UUID, tuple[str, str]],
) -> AlertRecord:
    """An alert created at ``now`` from the columns the whole-store run wrote it with (id,
    product, SKU, name, warehouse, stock, minimum, reorder point, quantity, on order,
    urgency, status, supplier, details): nothing of it needs reading back."""
    (alert_id, product_id, code, name, wh, stock, minimum, rp, qty, on_order, urgency, status,
     supplier, details) = row  # fmt: skip
    warehouse_id = _uuid(wh) or _id(wh)  # few warehouses: cached
    supplier_id = _uuid(supplier)
    sup_code, sup_name = (None, None) if supplier_id is None else suppliers[supplier_id]
    return AlertRecord(
        id=_id(alert_id),
        product_id=_id(product_id),
        product_code=code,
        product_name=name,
        warehouse_id=warehouse_id,
        warehouse_code=warehouse_codes[warehouse_id],
        current_stock=stock,
        minimum_stock=minimum,
        reorder_point=rp,
        reorder_quantity=qty,
        on_order=on_order,
        urgency_level=_URGENCIES[urgency],
        status=_STATUSES[status],
        preferred_supplier_id=supplier_id,
        supplier_code=sup_code,
        supplier_name=sup_name,
        created_at=now,
        updated_at=now,
        stored_inputs=details or {},
    )


_URGENCY_RANK = case(
    (m.StockAlert.urgency_level == "critical", 0),
    (m.StockAlert.urgency_level == "high", 1),
    (m.StockAlert.urgency_level == "medium", 2),
    else_=3,
)


def list_alerts(session: Session, query: AlertQuery) -> list[AlertRecord]:
    a = m.StockAlert
    stmt = record_query()
    if query.statuses:
        stmt = stmt.where(a.status.in_([str(s) for s in query.statuses]))
    if query.urgency is not None:
        stmt = stmt.where(a.urgency_level == str(query.urgency))
    if query.warehouse_id is not None:
        stmt = stmt.where(a.warehouse_id == query.warehouse_id)
    if query.supplier_id is not None:
        stmt = stmt.where(a.preferred_supplier_id == query.supplier_id)
    if query.product_id is not None:
        stmt = stmt.where(a.product_id == query.product_id)
    text = query.search.strip()
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(
            or_(func.lower(a.product_code).like(like), func.lower(a.product_name).like(like))
        )
    stmt = stmt.order_by(_URGENCY_RANK, a.product_code, a.id)
    if query.limit:
        stmt = stmt.limit(query.limit)
    return [to_record(row) for row in session.execute(stmt)]


def get_alerts(session: Session, ids: Iterable[uuid.UUID]) -> list[AlertRecord]:
    wanted = list(ids)
    if not wanted:
        return []
    rows = session.execute(record_query().where(m.StockAlert.id.in_(wanted)))
    return [to_record(row) for row in rows]


def alert_counts(session: Session) -> dict[UrgencyLevel, int]:
    rows = session.execute(
        select(m.StockAlert.urgency_level, func.count())
        .where(m.StockAlert.status == AlertStatus.ACTIVE.value)
        .group_by(m.StockAlert.urgency_level)
    )
    counts = dict.fromkeys(UrgencyLevel, 0)
    for urgency, n in rows:
        counts[UrgencyLevel(urgency)] = int(n)
    return counts


def load_alert(session: Session, alert_id: uuid.UUID) -> m.StockAlert:
    alert = session.get(m.StockAlert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFoundError(f"No stock alert {alert_id}")
    return alert


def set_alert_state(
    session: Session,
    alert_id: uuid.UUID,
    *,
    allowed: Sequence[AlertStatus],
    status: AlertStatus,
    reason: str | None = None,
    snoozed_until: datetime | None = None,
) -> None:
    alert = load_alert(session, alert_id)
    if alert.status not in [s.value for s in allowed]:
        raise ValidationError(
            f"The alert for {alert.product_code} is {alert.status.replace('_', ' ')}; "
            f"it cannot become {status.value}."
        )
    alert.status = status.value
    alert.dismissed_reason = reason if status == AlertStatus.DISMISSED else None
    alert.snoozed_until = snoozed_until if status == AlertStatus.SNOOZED else None
    alert.updated_at = utcnow()


# -- the targeted path: levels fresh, demand terms from the caller's cache ----------------
@dataclass(slots=True)
class LevelRow:
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    sku: str
    name: str
    on_hand: int
    minimum_stock: int
    manual_reorder_point: int | None
    reorder_quantity: int | None
    max_stock: int | None
    on_order: int
    alert_id: uuid.UUID | None
    alert_status: str | None
    alert_urgency: str | None
    snoozed_until: datetime | None
    alert_created_at: datetime | None
    #: What the open alert says now: (on hand, reorder point, suggested qty, on order, supplier)
    alert_stock: int | None = None
    alert_reorder_point: int | None = None
    alert_quantity: int | None = None
    alert_on_order: int | None = None
    alert_supplier: uuid.UUID | None = None

    @property
    def alert_signature(self) -> tuple[Any, ...]:
        return (
            self.alert_urgency,
            self.alert_stock,
            self.alert_reorder_point,
            self.alert_quantity,
            self.alert_on_order,
            self.alert_supplier,
        )


def level_rows(
    session: Session,
    *,
    product_ids: Sequence[uuid.UUID] | None = None,
    warehouse_id: uuid.UUID | None = None,
    changed_since: datetime | None = None,
) -> list[LevelRow]:
    """Stock levels of the targets with their product's settings, stock on order and open
    alert (no demand terms: the generator keeps those cached)."""
    sl, p, alert = m.StockLevel, m.Product, m.StockAlert
    onord = _on_order()
    open_alert = (
        select(
            alert.id,
            alert.product_id,
            alert.warehouse_id,
            alert.status,
            alert.urgency_level,
            alert.snoozed_until,
            alert.created_at,
            alert.current_stock,
            alert.reorder_point,
            alert.reorder_quantity,
            alert.on_order,
            alert.preferred_supplier_id,
        )
        .where(alert.status.in_(_OPEN_ALERTS))
        .subquery("oa")
    )
    query = (
        select(
            sl.product_id,
            sl.warehouse_id,
            p.sku,
            p.name,
            sl.on_hand,
            p.minimum_stock,
            p.reorder_point,
            p.reorder_quantity,
            p.max_stock,
            func.coalesce(onord.c.qty, 0),
            open_alert.c.id,
            open_alert.c.status,
            open_alert.c.urgency_level,
            open_alert.c.snoozed_until,
            open_alert.c.created_at,
            open_alert.c.current_stock,
            open_alert.c.reorder_point,
            open_alert.c.reorder_quantity,
            open_alert.c.on_order,
            open_alert.c.preferred_supplier_id,
        )
        .join(p, p.id == sl.product_id)
        .outerjoin(
            onord,
            and_(onord.c.product_id == sl.product_id, onord.c.warehouse_id == sl.warehouse_id),
        )
        .outerjoin(
            open_alert,
            and_(
                open_alert.c.product_id == sl.product_id,
                open_alert.c.warehouse_id == sl.warehouse_id,
            ),
        )
    )
    if product_ids is not None:
        query = query.where(sl.product_id.in_(list(product_ids)))
    if warehouse_id is not None:
        query = query.where(sl.warehouse_id == warehouse_id)
    if changed_since is not None:
        query = query.where(sl.updated_at >= changed_since)
    return [LevelRow(*row) for row in session.execute(query)]


def units_sold(
    session: Session, product_ids: Sequence[uuid.UUID], since: date
) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """Units sold since ``since`` per (product, warehouse) for the given products."""
    sd = m.SalesDaily
    out: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    ids = list(product_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(sd.product_id, sd.warehouse_id, func.sum(sd.quantity))
            .where(sd.product_id.in_(ids[start : start + 500]), sd.day >= since)
            .group_by(sd.product_id, sd.warehouse_id)
        )
        for pid, wid, qty in rows:
            out[(pid, wid)] = int(qty or 0)
    return out


SupplierTerms = tuple[uuid.UUID, int, int, int]  # supplier, lead time, pack size, MOQ


def preferred_terms(
    session: Session, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SupplierTerms]:
    sp = m.SupplierProduct
    out: dict[uuid.UUID, SupplierTerms] = {}
    ids = list(product_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(sp.product_id, sp.supplier_id, sp.lead_time_days, sp.pack_size, sp.min_order_qty)
            .where(sp.product_id.in_(ids[start : start + 500]), sp.is_preferred.is_(True))
            .order_by(sp.id.desc())  # the lowest id wins, as in the full run
        )
        for pid, sid, lead, pack, moq in rows:
            out[pid] = (sid, int(lead), int(pack), int(moq))
    return out


def integration_settings(session: Session) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(configuration, sync settings) of every active integration."""
    rows = session.execute(
        select(m.POSIntegration.configuration, m.POSIntegration.sync_settings).where(
            m.POSIntegration.status == "active"
        )
    )
    return [(dict(c or {}), dict(s or {})) for c, s in rows]


def app_setting(session: Session, key: str) -> dict[str, Any]:
    row = session.get(m.AppSetting, key)
    return dict(row.value) if row is not None else {}
