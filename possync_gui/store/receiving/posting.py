"""The statements of posting one delivery (DESIGN.md §7), all in the caller's transaction.

Set-based: one query for every product the delivery names, one for the order's lines, one
per chunk of serials, and executemany writes — never a query per item, so a 5,000-line
delivery posts in a few statements.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Boolean, Date, Table, Text, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import AlertStatus, PurchaseOrderStatus
from possync_gui.store import models as m
from possync_gui.store.setwise import (
    Column,
    int_column,
    rows_source,
    set_based,
    string_column,
    text_column,
    uuid_column,
)
from possync_gui.store.types import Money

#: Parameters per IN list: well under SQLite's and PostgreSQL's limits.
CHUNK = 900


@dataclass(frozen=True, slots=True)
class ProductFacts:
    id: uuid.UUID
    sku: str
    name: str
    is_serialized: bool


@dataclass(frozen=True, slots=True)
class Header:
    """Where a delivery goes, resolved and checked."""

    warehouse_id: uuid.UUID
    warehouse_code: str
    supplier_id: uuid.UUID | None
    supplier_code: str | None
    order_id: uuid.UUID | None
    order_number: str | None


@dataclass(frozen=True, slots=True)
class LineFacts:
    """A purchase order line as it stands inside the posting transaction."""

    id: uuid.UUID
    product_id: uuid.UUID
    quantity: int
    received: int


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def products_by_refs(session: Session, refs: Iterable[str]) -> dict[str, ProductFacts]:
    """Each reference (UUID, SKU, barcode text or GTIN in any length) that names a product.

    First by id and SKU; what is left by raw barcode and normalised GTIN — the lookup
    ``store.inventory.find_product`` does for one code, done for all of them at once."""
    wanted = sorted({r.strip() for r in refs if r and r.strip()})
    found: dict[str, ProductFacts] = {}
    cols = (m.Product.id, m.Product.sku, m.Product.name, m.Product.is_serialized)
    ids = {u: r for r in wanted if (u := _as_uuid(r)) is not None}
    for chunk in _chunks(wanted):
        for row in session.execute(select(*cols).where(m.Product.sku.in_(chunk))):
            found[row.sku] = ProductFacts(*row)
    for chunk in _chunks(list(ids)):
        for row in session.execute(select(*cols).where(m.Product.id.in_(chunk))):
            found[ids[row.id]] = ProductFacts(*row)
    rest = [r for r in wanted if r not in found]
    gtins = {g: r for r in rest if (g := normalize_gtin(r)) is not None}
    for chunk in _chunks(rest):
        stmt = select(*cols, m.Product.barcode).where(m.Product.barcode.in_(chunk))
        for b_row in session.execute(stmt):
            found.setdefault(b_row.barcode, ProductFacts(*b_row[:4]))
    for chunk in _chunks(list(gtins)):
        stmt = select(*cols, m.Product.gtin).where(m.Product.gtin.in_(chunk))
        for g_row in session.execute(stmt):
            found.setdefault(gtins[g_row.gtin], ProductFacts(*g_row[:4]))
    return found


def lock_order(session: Session, order_id: uuid.UUID) -> m.PurchaseOrder:
    """The order, locked for the rest of the transaction (PostgreSQL ``FOR UPDATE``; SQLite
    holds one writer at a time), so two deliveries against it count on each other."""
    # NO KEY UPDATE: the delivery row inserted just before holds a KEY SHARE lock on the
    # order (its foreign key), which a plain FOR UPDATE of another delivery would wait on
    # while holding its own: a deadlock.
    stmt = (
        select(m.PurchaseOrder)
        .where(m.PurchaseOrder.id == order_id)
        .with_for_update(key_share=True)
    )
    return session.execute(stmt).scalar_one()


def order_lines(session: Session, order_id: uuid.UUID) -> dict[uuid.UUID, LineFacts]:
    """The order's lines by product."""
    line = m.PurchaseOrderLine
    rows = session.execute(
        select(line.id, line.product_id, line.quantity, line.received_quantity).where(
            line.purchase_order_id == order_id
        )
    )
    return {r.product_id: LineFacts(*r) for r in rows}


def existing_serials(
    session: Session, pairs: Iterable[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], str | None]:
    """Of these (product, serial) pairs, those already stored, with the external id of the
    delivery that brought each (None when it came another way)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    serials = sorted({s for _, s in wanted})
    out: dict[tuple[uuid.UUID, str], str | None] = {}
    sn = m.SerialNumber
    for chunk in _chunks(serials):
        stmt = (
            select(sn.product_id, sn.serial, m.Delivery.external_id)
            .outerjoin(m.Delivery, m.Delivery.id == sn.delivery_id)
            .where(sn.serial.in_(chunk))
        )
        for product_id, serial, external in session.execute(stmt):
            if (product_id, serial) in wanted:
                out[(product_id, serial)] = external
    return out


def insert_delivery(session: Session, values: dict[str, Any]) -> None:
    """The delivery row; a second one with the same external id raises ``IntegrityError``
    (the unique constraint is what makes posting idempotent across processes)."""
    session.execute(insert(cast(Table, m.Delivery.__table__)), [values])


def lock_delivery(session: Session, delivery_id: uuid.UUID) -> None:
    """Take the delivery's row lock (a no-op update) before confirming its waiting items."""
    session.execute(
        update(m.Delivery)
        .where(m.Delivery.id == delivery_id)
        .values(close_short=m.Delivery.close_short)
        .execution_options(synchronize_session=False)
    )


_ITEMS = (
    uuid_column("id"),
    uuid_column("delivery_id"),
    uuid_column("product_id"),
    string_column("product_code"),
    int_column("quantity_received"),
    Column("unit_cost", Money(), "numeric"),
    string_column("lot"),
    Column("expiry", Date(), "date"),
    string_column("status"),
    text_column("error"),
    int_column("line_index"),
    uuid_column("purchase_order_line_id"),
    int_column("over_received"),
    Column("over_receipt_confirmed", Boolean(), "boolean"),
    # JSON text: json_each hands it over as text on SQLite, PostgreSQL casts it to jsonb
    Column("serial_numbers", Text(), "jsonb"),
)


def insert_items(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """The delivery's items: one ``INSERT … SELECT`` over all of them (:mod:`..setwise`),
    executemany on an old SQLite."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if not set_based(dialect):
        session.execute(insert(cast(Table, m.DeliveryItem.__table__)), list(rows))
        return
    values = [
        tuple(json.dumps(r[c.name]) if c.name == "serial_numbers" else r[c.name] for c in _ITEMS)
        for r in rows
    ]
    names = ", ".join(c.name for c in _ITEMS)
    source, params = rows_source(dialect, _ITEMS, values, "items")
    session.execute(
        text(f"INSERT INTO delivery_items ({names}) SELECT {names} FROM {source}"), params
    )


def update_items(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Waiting items settled by a confirmation (``b_id`` names each)."""
    if not rows:
        return
    table = cast(Table, m.DeliveryItem.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({k: bindparam(k) for k in rows[0] if k != "b_id"}),
        list(rows),
    )


def insert_serials(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(cast(Table, m.SerialNumber.__table__)), list(rows))


def add_received(session: Session, per_line: dict[uuid.UUID, int]) -> None:
    """Add the received units to their order lines (relative, like the ledger): one
    ``UPDATE … FROM`` over all of them (:mod:`..setwise`), executemany on an old SQLite."""
    if not per_line:
        return
    rows = sorted(per_line.items())
    dialect = session.get_bind().dialect
    if set_based(dialect):
        source, params = rows_source(dialect, _RECEIVED, rows, "got")
        session.execute(
            text(
                "UPDATE purchase_order_lines "
                "SET received_quantity = purchase_order_lines.received_quantity + got.units "
                f"FROM {source} WHERE purchase_order_lines.id = got.id"
            ),
            params,
        )
        return
    table = cast(Table, m.PurchaseOrderLine.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(received_quantity=table.c.received_quantity + bindparam("b_units")),
        [{"b_id": k, "b_units": v} for k, v in rows],
    )


_RECEIVED = (uuid_column("id"), int_column("units"))


def settle_order(
    session: Session, order: m.PurchaseOrder, *, close_short: bool, actor: str, now: datetime
) -> PurchaseOrderStatus:
    """The order's status after a delivery: received when every line is complete (or the
    delivery closes it short, recording each line's missing units), partially received
    when anything has arrived; otherwise unchanged."""
    line = m.PurchaseOrderLine
    received, complete, lines = session.execute(
        select(
            func.coalesce(func.sum(line.received_quantity), 0),
            func.count().filter(line.received_quantity >= line.quantity),
            func.count(),
        ).where(line.purchase_order_id == order.id)
    ).one()
    status = PurchaseOrderStatus(order.status)
    if close_short:
        session.execute(
            update(line)
            .where(line.purchase_order_id == order.id, line.received_quantity < line.quantity)
            .values(short_quantity=line.quantity - line.received_quantity)
            .execution_options(synchronize_session=False)
        )
        order.closed_short_at = now
        order.closed_short_by = actor
        status = PurchaseOrderStatus.RECEIVED
    elif lines and complete == lines:
        status = PurchaseOrderStatus.RECEIVED
    elif int(received) > 0:
        status = PurchaseOrderStatus.PARTIALLY_RECEIVED
    if status.value != order.status:
        order.status = status.value
        order.updated_at = now
    return status


def resolve_ordered_alerts(session: Session, order_id: uuid.UUID, now: datetime) -> int:
    """Alerts waiting on an order that is now received are done: the goods came. (The
    re-judging after the post raises a fresh alert where stock is still short.)"""
    result = session.execute(
        update(m.StockAlert)
        .where(
            m.StockAlert.purchase_order_id == order_id,
            m.StockAlert.status == AlertStatus.ORDERED.value,
        )
        .values(status=AlertStatus.RESOLVED.value, resolved_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
