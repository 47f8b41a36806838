"""Set-based reads for the Inventory list and detail panel, returning domain records.

The list is windowed: ``count_stock`` sizes it and ``stock_page`` reads one window. A page
past the middle is read from the other end in reverse order, so the deepest page of a
million rows costs half a scan, not a whole one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import MovementReason, StockStatus
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.records import (
    InventoryQuery,
    Movement,
    ProductDetail,
    StockRow,
    Warehouse,
    WarehouseStock,
)
from possync_gui.domain.records import Product as ProductRecord
from possync_gui.store import models as m

_threshold = func.coalesce(m.Product.reorder_point, m.Product.minimum_stock)
_status_rank = case(
    (m.StockLevel.on_hand <= 0, 0),
    (m.StockLevel.on_hand <= _threshold, 1),
    else_=2,
)

SORT_COLUMNS: dict[str, Any] = {
    "sku": m.Product.sku,
    "name": m.Product.name,
    "barcode": m.Product.barcode,
    "warehouse": m.Warehouse.code,
    "on_hand": m.StockLevel.on_hand,
    "minimum_stock": m.Product.minimum_stock,
    "reorder_point": m.Product.reorder_point,
    "status": _status_rank,
    "updated_at": m.StockLevel.updated_at,
}


def _filters(query: InventoryQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if query.warehouse_id is not None:
        conds.append(m.StockLevel.warehouse_id == query.warehouse_id)
    if query.status is StockStatus.OUT:
        conds.append(m.StockLevel.on_hand <= 0)
    elif query.status is StockStatus.LOW:
        conds.append((m.StockLevel.on_hand > 0) & (m.StockLevel.on_hand <= _threshold))
    elif query.status is StockStatus.OK:
        conds.append(m.StockLevel.on_hand > _threshold)
    text = query.text.strip()
    if text:
        gtin = normalize_gtin(text)
        if gtin is not None:
            conds.append(or_(m.Product.gtin == gtin, m.Product.sku == text))
        else:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(
                or_(
                    m.Product.sku.ilike(f"{escaped}%", escape="\\"),
                    m.Product.name.ilike(f"%{escaped}%", escape="\\"),
                    m.Product.barcode.like(f"{escaped}%", escape="\\"),
                )
            )
    return conds


def _needs_product_join(query: InventoryQuery) -> bool:
    return bool(query.text.strip()) or query.status is not None


def count_stock(session: Session, query: InventoryQuery) -> int:
    stmt: Select[Any] = select(func.count()).select_from(m.StockLevel)
    if _needs_product_join(query):
        stmt = stmt.join(m.Product, m.Product.id == m.StockLevel.product_id)
    for cond in _filters(query):
        stmt = stmt.where(cond)
    return int(session.execute(stmt).scalar_one())


def stock_page(
    session: Session, query: InventoryQuery, offset: int, limit: int, total: int | None = None
) -> list[StockRow]:
    """Rows ``offset .. offset+limit`` of the list in the query's order."""
    if query.sort_column not in SORT_COLUMNS:
        raise ValidationError(f"Cannot sort by {query.sort_column!r}")
    if total is None:
        total = count_stock(session, query)
    offset = max(0, min(offset, total))
    limit = max(0, min(limit, total - offset))
    if limit == 0:
        return []
    # Past the middle, read from the far end: the database skips fewer rows.
    reverse = offset > total // 2
    descending = query.descending != reverse
    key = SORT_COLUMNS[query.sort_column]
    order = [key.desc() if descending else key.asc()]
    # (sku, warehouse) is unique, so it completes any order; and for the default SKU sort the
    # database walks the products' SKU index and each product's levels in index order,
    # reading 200 rows instead of sorting a million.
    tie_keys = (
        [m.StockLevel.warehouse_id]
        if key is m.Product.sku
        else [m.Product.sku, m.StockLevel.warehouse_id]
    )
    tie = [k.desc() if descending else k.asc() for k in tie_keys]
    start = total - offset - limit if reverse else offset
    stmt = (
        select(
            m.StockLevel.product_id,
            m.StockLevel.warehouse_id,
            m.Product.sku,
            m.Product.name,
            m.Product.barcode,
            m.Warehouse.code,
            m.StockLevel.on_hand,
            m.Product.minimum_stock,
            m.Product.reorder_point,
            m.Product.is_serialized,
            m.StockLevel.updated_at,
        )
        .select_from(m.StockLevel)
        .join(m.Product, _product_join(session, query.sort_column))
        .join(m.Warehouse, m.Warehouse.id == m.StockLevel.warehouse_id)
        .order_by(*order, *tie)
        .offset(start)
        .limit(limit)
    )
    for cond in _filters(query):
        stmt = stmt.where(cond)
    rows = [StockRow(*r) for r in session.execute(stmt)]
    if reverse:
        rows.reverse()
    return rows


PRODUCT_SORTS = frozenset({"sku", "name", "barcode", "minimum_stock", "reorder_point"})


def _product_join(session: Session, sort_column: str) -> ColumnElement[bool]:
    """The products-to-levels join condition, steering SQLite's planner when sorting by a
    product column.

    Without statistics SQLite scans all stock levels and sorts them (550 ms for a million
    rows); the unary ``+`` keeps it from looking products up by id, so it walks the
    products' sort index instead and reads only the rows of the page (1 ms). PostgreSQL
    plans this well by itself (and has no unary plus for UUIDs).
    """
    if sort_column in PRODUCT_SORTS and session.get_bind().dialect.name == "sqlite":
        return literal_column("+products.id") == m.StockLevel.product_id
    return m.Product.id == m.StockLevel.product_id


def list_warehouses(session: Session) -> list[Warehouse]:
    rows = session.execute(
        select(m.Warehouse.id, m.Warehouse.code, m.Warehouse.name).order_by(m.Warehouse.code)
    )
    return [Warehouse(*r) for r in rows]


def get_warehouse(session: Session, ref: str | uuid.UUID) -> Warehouse:
    """A warehouse by UUID or code."""
    stmt = select(m.Warehouse.id, m.Warehouse.code, m.Warehouse.name)
    as_uuid = _as_uuid(ref)
    stmt = stmt.where(m.Warehouse.id == as_uuid if as_uuid else m.Warehouse.code == str(ref))
    row = session.execute(stmt).first()
    if row is None:
        raise NotFoundError(f"No warehouse {ref!r}. Known warehouses: {_known_codes(session)}.")
    return Warehouse(*row)


def add_warehouse(session: Session, code: str, name: str) -> Warehouse:
    code = code.strip()
    if not code:
        raise ValidationError("A warehouse needs a code.")
    exists = session.execute(select(m.Warehouse.id).where(m.Warehouse.code == code)).first()
    if exists:
        raise ValidationError(f"A warehouse with code {code!r} already exists.")
    wh = m.Warehouse(id=uuid.uuid4(), code=code, name=name.strip() or code)
    session.add(wh)
    session.flush()
    return Warehouse(wh.id, wh.code, wh.name)


def _known_codes(session: Session) -> str:
    codes = session.execute(select(m.Warehouse.code).order_by(m.Warehouse.code)).scalars().all()
    return ", ".join(codes) or "none yet"


def _as_uuid(ref: str | uuid.UUID) -> uuid.UUID | None:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


def find_product(session: Session, code: str) -> ProductRecord | None:
    """A product by UUID, GTIN (any length), SKU or raw barcode text; None when unknown."""
    code = code.strip()
    if not code:
        return None
    conds: list[ColumnElement[bool]] = [m.Product.sku == code, m.Product.barcode == code]
    gtin = normalize_gtin(code)
    if gtin is not None:
        conds.append(m.Product.gtin == gtin)
    as_uuid = _as_uuid(code)
    if as_uuid is not None:
        conds.append(m.Product.id == as_uuid)
    row = session.execute(select(m.Product).where(or_(*conds)).limit(1)).scalar_one_or_none()
    return None if row is None else product_record(row)


def product_record(p: m.Product, preferred_supplier_code: str | None = None) -> ProductRecord:
    return ProductRecord(
        id=p.id,
        sku=p.sku,
        name=p.name,
        barcode=p.barcode,
        unit=p.unit,
        is_serialized=p.is_serialized,
        minimum_stock=p.minimum_stock,
        reorder_point=p.reorder_point,
        reorder_quantity=p.reorder_quantity,
        max_stock=p.max_stock,
        review_policy=p.review_policy,
        unit_cost=p.unit_cost,
        preferred_supplier_code=preferred_supplier_code,
    )


def product_detail(
    session: Session, product_id: uuid.UUID, *, movement_limit: int = 200
) -> ProductDetail:
    product = session.get(m.Product, product_id)
    if product is None:
        raise NotFoundError("That product no longer exists.")
    stock = tuple(
        WarehouseStock(*r)
        for r in session.execute(
            select(
                m.Warehouse.id,
                m.Warehouse.code,
                m.Warehouse.name,
                func.coalesce(m.StockLevel.on_hand, 0),
                m.StockLevel.updated_at,
            )
            .outerjoin(
                m.StockLevel,
                (m.StockLevel.warehouse_id == m.Warehouse.id)
                & (m.StockLevel.product_id == product_id),
            )
            .order_by(m.Warehouse.code)
        )
    )
    movements = tuple(
        Movement(r[0], r[1], r[2], r[3], MovementReason(r[4]), r[5], r[6], r[7], r[8])
        for r in session.execute(
            select(
                m.StockMovement.id,
                m.StockMovement.product_id,
                m.Warehouse.code,
                m.StockMovement.delta,
                m.StockMovement.reason,
                m.StockMovement.reference,
                m.StockMovement.actor,
                m.StockMovement.at,
                m.StockMovement.note,
            )
            .join(m.Warehouse, m.Warehouse.id == m.StockMovement.warehouse_id)
            .where(m.StockMovement.product_id == product_id)
            .order_by(m.StockMovement.at.desc(), m.StockMovement.id.desc())
            .limit(movement_limit)
        )
    )
    supplier = session.execute(
        select(m.Supplier.code)
        .join(m.SupplierProduct, m.SupplierProduct.supplier_id == m.Supplier.id)
        .where(m.SupplierProduct.product_id == product_id, m.SupplierProduct.is_preferred)
        .limit(1)
    ).scalar_one_or_none()
    total = sum(s.on_hand for s in stock)
    return ProductDetail(
        product=product_record(product, supplier),
        stock=stock,
        movements=movements,
        history=_history(total, movements),
    )


def _history(current_total: int, newest_first: Sequence[Movement]) -> tuple[Any, ...]:
    """Walk back from today's total through the movements: on hand after each one."""
    points = []
    level = current_total
    for mv in newest_first:
        points.append((mv.at, level))
        level -= mv.delta
    points.reverse()
    return tuple(points)
