"""Reading the catalog back: the CSV export and the product list.

The export writes the columns :func:`.importer.import_csv` reads, one line per product and
stock row, so export then import changes nothing.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.records import Product
from possync_gui.store import models as m
from possync_gui.store.catalog.reading import COLUMNS
from possync_gui.store.inventory import product_record


def _preferred_codes() -> Any:
    """product_id → the code of its preferred supplier (one, should several be marked)."""
    return (
        select(m.SupplierProduct.product_id, func.min(m.Supplier.code).label("code"))
        .join(m.Supplier, m.Supplier.id == m.SupplierProduct.supplier_id)
        .where(m.SupplierProduct.is_preferred)
        .group_by(m.SupplierProduct.product_id)
        .subquery()
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def export_csv(session: Session, path: Path) -> int:
    """Write the catalog, one line per product and stock row; returns the lines written.

    A product without stock rows gets one line with an empty warehouse. The file reads back
    with :func:`import_csv` unchanged.
    """
    pref = _preferred_codes()
    stmt = (
        select(
            m.Product.sku,
            m.Product.name,
            m.Product.barcode,
            m.Product.unit_cost,
            m.Warehouse.code,
            m.StockLevel.on_hand,
            m.Product.minimum_stock,
            m.Product.reorder_point,
            m.Product.reorder_quantity,
            pref.c.code,
        )
        .outerjoin(m.StockLevel, m.StockLevel.product_id == m.Product.id)
        .outerjoin(m.Warehouse, m.Warehouse.id == m.StockLevel.warehouse_id)
        .outerjoin(pref, pref.c.product_id == m.Product.id)
        .order_by(m.Product.sku, m.Warehouse.code)
    )
    written = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for row in session.execute(stmt.execution_options(yield_per=1000)):
                writer.writerow([_cell(v) for v in row])
                written += 1
    except OSError as err:
        raise ValidationError(f"Cannot write {path}: {err.strerror}.") from None
    return written


# -- the product list --------------------------------------------------------------------
def _search(text: str) -> ColumnElement[bool] | None:
    text = text.strip()
    if not text:
        return None
    gtin = normalize_gtin(text)
    if gtin is not None:
        return or_(m.Product.gtin == gtin, m.Product.sku == text)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        m.Product.sku.ilike(f"{escaped}%", escape="\\"),
        m.Product.name.ilike(f"%{escaped}%", escape="\\"),
        m.Product.barcode.like(f"{escaped}%", escape="\\"),
    )


def count_products(session: Session, search: str = "") -> int:
    """How many products match ``search`` (SKU or barcode prefix, name part, GTIN)."""
    stmt = select(func.count()).select_from(m.Product)
    cond = _search(search)
    if cond is not None:
        stmt = stmt.where(cond)
    return int(session.execute(stmt).scalar_one())


def list_products(
    session: Session, search: str = "", limit: int | None = None, offset: int = 0
) -> list[Product]:
    """Products matching ``search`` by SKU, with their preferred supplier's code."""
    pref = _preferred_codes()
    stmt = (
        select(m.Product, pref.c.code)
        .outerjoin(pref, pref.c.product_id == m.Product.id)
        .order_by(m.Product.sku)
        .offset(offset)
        .limit(limit)
    )
    cond = _search(search)
    if cond is not None:
        stmt = stmt.where(cond)
    return [product_record(p, code) for p, code in session.execute(stmt)]
