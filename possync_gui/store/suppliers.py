"""Suppliers and supplier product mappings: reads and writes returning domain records.

One preferred supplier per product: making a mapping preferred clears the flag on the
product's other mappings in the same transaction (the statement touches every other mapping
of the product, so on PostgreSQL two desktops choosing different suppliers at once leave
the later choice, not two preferred ones).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, case, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.suppliers import (
    MappingTerms,
    SupplierFields,
    SupplierProductRecord,
    SupplierRecord,
    UnassignedProduct,
    check_supplier,
    check_terms,
)
from possync_gui.store import models as m
from possync_gui.store.inventory import find_product

sp = m.SupplierProduct


def _as_uuid(ref: str | uuid.UUID) -> uuid.UUID | None:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref.strip())
    except ValueError:
        return None


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- suppliers -------------------------------------------------------------------------------
def _counts() -> Any:
    return (
        select(
            sp.supplier_id,
            func.count().label("products"),
            func.sum(case((sp.is_preferred, 1), else_=0)).label("preferred"),
        )
        .group_by(sp.supplier_id)
        .subquery()
    )


def list_suppliers(session: Session, search: str = "") -> list[SupplierRecord]:
    """Suppliers by code whose code, name or email contains ``search``, with their counts."""
    counts = _counts()
    stmt = (
        select(
            m.Supplier.id,
            m.Supplier.code,
            m.Supplier.name,
            m.Supplier.email,
            m.Supplier.phone,
            m.Supplier.currency,
            func.coalesce(counts.c.products, 0),
            func.coalesce(counts.c.preferred, 0),
        )
        .outerjoin(counts, counts.c.supplier_id == m.Supplier.id)
        .order_by(m.Supplier.code)
    )
    text = search.strip()
    if text:
        pattern = f"%{_like(text)}%"
        stmt = stmt.where(
            or_(
                m.Supplier.code.ilike(pattern, escape="\\"),
                m.Supplier.name.ilike(pattern, escape="\\"),
                m.Supplier.email.ilike(pattern, escape="\\"),
            )
        )
    return [
        SupplierRecord(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7]))
        for r in session.execute(stmt)
    ]


def find_supplier(session: Session, ref: str | uuid.UUID) -> m.Supplier | None:
    """A supplier by UUID or code."""
    as_uuid = _as_uuid(ref)
    cond = m.Supplier.id == as_uuid if as_uuid else m.Supplier.code == str(ref).strip()
    return session.execute(select(m.Supplier).where(cond)).scalar_one_or_none()


def get_supplier(session: Session, ref: str | uuid.UUID) -> m.Supplier:
    supplier = find_supplier(session, ref)
    if supplier is None:
        codes = session.execute(select(m.Supplier.code).order_by(m.Supplier.code)).scalars()
        known = list(codes)
        shown = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
        raise NotFoundError(f"No supplier {str(ref)!r}. Known suppliers: {shown or 'none yet'}.")
    return supplier


def supplier_record(session: Session, supplier_id: uuid.UUID) -> SupplierRecord:
    supplier = session.get(m.Supplier, supplier_id)
    if supplier is None:
        raise NotFoundError("That supplier no longer exists.")
    products, preferred = session.execute(
        select(func.count(), func.coalesce(func.sum(case((sp.is_preferred, 1), else_=0)), 0))
        .select_from(sp)
        .where(sp.supplier_id == supplier_id)
    ).one()
    return SupplierRecord(
        supplier.id,
        supplier.code,
        supplier.name,
        supplier.email,
        supplier.phone,
        supplier.currency,
        int(products),
        int(preferred),
    )


def _check_code_free(session: Session, code: str, other_than: uuid.UUID | None = None) -> None:
    stmt = select(m.Supplier.code).where(func.lower(m.Supplier.code) == code.lower())
    if other_than is not None:
        stmt = stmt.where(m.Supplier.id != other_than)
    taken = session.execute(stmt.limit(1)).scalar_one_or_none()
    if taken is not None:
        raise ValidationError(f"A supplier with code {taken!r} already exists; codes are unique.")


def _flush(session: Session, code: str) -> None:
    try:
        session.flush()
    except IntegrityError:  # another desktop took the code between the check and now
        raise ValidationError(
            f"A supplier with code {code!r} already exists; codes are unique."
        ) from None


def add_supplier(session: Session, fields: SupplierFields) -> SupplierRecord:
    fields = check_supplier(fields)
    _check_code_free(session, fields.code)
    supplier = m.Supplier(
        id=uuid.uuid4(),
        code=fields.code,
        name=fields.name,
        email=fields.email,
        phone=fields.phone,
        currency=fields.currency,
    )
    session.add(supplier)
    _flush(session, fields.code)
    return SupplierRecord(
        supplier.id, fields.code, fields.name, fields.email, fields.phone, fields.currency
    )


def update_supplier(
    session: Session, ref: str | uuid.UUID, fields: SupplierFields
) -> SupplierRecord:
    fields = check_supplier(fields)
    supplier = get_supplier(session, ref)
    _check_code_free(session, fields.code, other_than=supplier.id)
    supplier.code = fields.code
    supplier.name = fields.name
    supplier.email = fields.email
    supplier.phone = fields.phone
    supplier.currency = fields.currency
    _flush(session, fields.code)
    return supplier_record(session, supplier.id)


def remove_supplier(session: Session, ref: str | uuid.UUID) -> SupplierRecord:
    """Delete a supplier with its mappings; refused while purchase orders or deliveries name
    it (they are the purchasing history)."""
    supplier = get_supplier(session, ref)
    record = supplier_record(session, supplier.id)
    orders = session.execute(
        select(func.count())
        .select_from(m.PurchaseOrder)
        .where(m.PurchaseOrder.supplier_id == supplier.id)
    ).scalar_one()
    if orders:
        noun = "purchase order" if orders == 1 else "purchase orders"
        raise ValidationError(
            f"Supplier {supplier.code} has {orders} {noun}, so it cannot be removed: the "
            "orders would lose their supplier. Keep it, or cancel and delete its orders first."
        )
    deliveries = session.execute(
        select(func.count()).select_from(m.Delivery).where(m.Delivery.supplier_id == supplier.id)
    ).scalar_one()
    if deliveries:
        noun = "delivery" if deliveries == 1 else "deliveries"
        raise ValidationError(
            f"Supplier {supplier.code} has {deliveries} {noun} on record, so it cannot be "
            "removed: the receiving history names it."
        )
    # An alert remembers the supplier it would order from; it is re-evaluated on the next run.
    session.execute(
        update(m.StockAlert)
        .where(m.StockAlert.preferred_supplier_id == supplier.id)
        .values(preferred_supplier_id=None)
    )
    session.execute(delete(sp).where(sp.supplier_id == supplier.id))
    session.execute(delete(m.Supplier).where(m.Supplier.id == supplier.id))
    return record


# -- mappings --------------------------------------------------------------------------------
def _mapping_select() -> Any:
    return (
        select(
            sp.id,
            sp.supplier_id,
            m.Supplier.code,
            m.Supplier.name,
            sp.product_id,
            m.Product.sku,
            m.Product.name,
            sp.supplier_sku,
            sp.unit_cost,
            sp.lead_time_days,
            sp.min_order_qty,
            sp.pack_size,
            sp.is_preferred,
            m.Supplier.currency,
        )
        .join(m.Supplier, m.Supplier.id == sp.supplier_id)
        .join(m.Product, m.Product.id == sp.product_id)
    )


def list_mappings(
    session: Session,
    supplier_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
) -> list[SupplierProductRecord]:
    """Mappings of one supplier (by SKU), of one product (preferred first), or all."""
    stmt = _mapping_select()
    if supplier_id is not None:
        stmt = stmt.where(sp.supplier_id == supplier_id)
    if product_id is not None:
        stmt = stmt.where(sp.product_id == product_id)
    if product_id is not None:
        stmt = stmt.order_by(sp.is_preferred.desc(), m.Supplier.code)
    else:
        stmt = stmt.order_by(m.Supplier.code, m.Product.sku)
    return [SupplierProductRecord(*r) for r in session.execute(stmt)]


def mapping_record(session: Session, mapping_id: uuid.UUID) -> SupplierProductRecord:
    row = session.execute(_mapping_select().where(sp.id == mapping_id)).first()
    if row is None:
        raise NotFoundError("That supplier mapping no longer exists.")
    return SupplierProductRecord(*row)


def make_preferred(session: Session, product_id: uuid.UUID, supplier_id: uuid.UUID) -> None:
    """``supplier_id`` becomes the product's only preferred supplier."""
    session.execute(
        update(sp)
        .where(sp.product_id == product_id, sp.supplier_id != supplier_id)
        .values(is_preferred=False)
    )
    session.execute(
        update(sp)
        .where(sp.product_id == product_id, sp.supplier_id == supplier_id)
        .values(is_preferred=True)
    )


def save_mapping(
    session: Session,
    supplier_ref: str | uuid.UUID,
    product_ref: str | uuid.UUID,
    terms: MappingTerms,
) -> tuple[SupplierProductRecord, bool]:
    """Add or change the mapping of a supplier (UUID or code) and a product (UUID, SKU or
    barcode); returns it and whether it is new."""
    terms = check_terms(terms)
    supplier = get_supplier(session, supplier_ref)
    product = find_product(session, str(product_ref))
    if product is None:
        raise NotFoundError(f"No product with SKU or barcode {str(product_ref)!r}.")
    mapping = session.execute(
        select(sp).where(sp.supplier_id == supplier.id, sp.product_id == product.id)
    ).scalar_one_or_none()
    created = mapping is None
    if mapping is None:
        mapping = sp(id=uuid.uuid4(), supplier_id=supplier.id, product_id=product.id)
        session.add(mapping)
    mapping.supplier_sku = terms.supplier_sku
    mapping.unit_cost = terms.unit_cost
    mapping.lead_time_days = terms.lead_time_days
    mapping.pack_size = terms.pack_size
    mapping.min_order_qty = terms.min_order_qty
    mapping.is_preferred = terms.is_preferred
    try:
        session.flush()
    except IntegrityError:  # another desktop added the same mapping meanwhile
        raise ValidationError(
            f"{supplier.code} was mapped to {product.sku} by someone else just now; "
            "reload and try again."
        ) from None
    if terms.is_preferred:
        make_preferred(session, product.id, supplier.id)
    return mapping_record(session, mapping.id), created


def remove_mapping(session: Session, mapping_id: uuid.UUID) -> SupplierProductRecord:
    record = mapping_record(session, mapping_id)
    session.execute(delete(sp).where(sp.id == mapping_id))
    return record


# -- products without a preferred supplier ---------------------------------------------------
def _unassigned_conditions(search: str) -> list[ColumnElement[bool]]:
    preferred = exists().where(sp.product_id == m.Product.id, sp.is_preferred)
    conds: list[ColumnElement[bool]] = [~preferred]
    text = search.strip()
    if text:
        gtin = normalize_gtin(text)
        if gtin is not None:
            conds.append(or_(m.Product.gtin == gtin, m.Product.sku == text))
        else:
            escaped = _like(text)
            conds.append(
                or_(
                    m.Product.sku.ilike(f"{escaped}%", escape="\\"),
                    m.Product.name.ilike(f"%{escaped}%", escape="\\"),
                    m.Product.barcode.like(f"{escaped}%", escape="\\"),
                )
            )
    return conds


def count_unassigned(session: Session, search: str = "") -> int:
    stmt = select(func.count()).select_from(m.Product).where(*_unassigned_conditions(search))
    return int(session.execute(stmt).scalar_one())


def unassigned_products(
    session: Session, search: str = "", limit: int | None = 200
) -> list[UnassignedProduct]:
    """Products by SKU that no supplier is preferred for (the purchase order run reports
    each as "No preferred supplier found for product …")."""
    offered = (
        select(func.count())
        .select_from(sp)
        .where(sp.product_id == m.Product.id)
        .correlate(m.Product)
        .scalar_subquery()
    )
    stmt = (
        select(m.Product.id, m.Product.sku, m.Product.name, m.Product.barcode, offered)
        .where(*_unassigned_conditions(search))
        .order_by(m.Product.sku)
        .limit(limit)
    )
    return [UnassignedProduct(r[0], r[1], r[2], r[3], int(r[4])) for r in session.execute(stmt)]
