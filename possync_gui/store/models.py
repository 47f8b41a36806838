"""The data model of DESIGN.md §3 as SQLAlchemy 2 typed ORM classes.

Relationships are ``lazy="raise"``: queries say what they load. Ids are UUIDs, money is
``Money`` (Decimal), timestamps ``UTCDateTime`` (aware UTC), quantities integers.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from possync_gui.store.types import Money, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        Decimal: Money(),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = _uuid_pk()
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    barcode: Mapped[str | None] = mapped_column(String(64))
    #: ``barcode`` normalised to GTIN-14 so UPC-A, EAN-13 and GTIN-14 scans all match.
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    unit: Mapped[str] = mapped_column(String(20), default="each")
    is_serialized: Mapped[bool] = mapped_column(Boolean, default=False)
    minimum_stock: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int | None] = mapped_column(Integer)
    reorder_quantity: Mapped[int | None] = mapped_column(Integer)
    max_stock: Mapped[int | None] = mapped_column(Integer)
    review_policy: Mapped[str] = mapped_column(String(20), default="auto")
    unit_cost: Mapped[Decimal | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    stock_levels: Mapped[list[StockLevel]] = relationship(back_populates="product", lazy="raise")


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StockLevel(Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id"),
        Index("ix_stock_levels_warehouse_on_hand", "warehouse_id", "on_hand"),
        Index("ix_stock_levels_on_hand", "on_hand"),
        Index("ix_stock_levels_updated_at", "updated_at"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    #: Bumped by every change; writers compare it for optimistic locking.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="stock_levels", lazy="raise")


class StockMovement(Base):
    """The append-only ledger: ``on_hand`` is always the sum of a level's movements."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_product_at", "product_id", "warehouse_id", "at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str | None] = mapped_column(String(100))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SalesDaily(Base):
    __tablename__ = "sales_daily"

    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[uuid.UUID] = _uuid_pk()
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(50))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupplierProduct(Base):
    """The supplier product mapping: what a supplier sells us, at what cost and terms."""

    __tablename__ = "supplier_products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "product_id"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
        CheckConstraint("min_order_qty >= 0", name="moq_not_negative"),
        Index("ix_supplier_products_product", "product_id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    supplier_sku: Mapped[str | None] = mapped_column(String(100))
    unit_cost: Mapped[Decimal]
    lead_time_days: Mapped[int] = mapped_column(Integer, default=7)
    min_order_qty: Mapped[int] = mapped_column(Integer, default=1)
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    is_preferred: Mapped[bool] = mapped_column(Boolean, default=False)


class POSIntegration(Base):
    __tablename__ = "pos_integrations"

    id: Mapped[uuid.UUID] = _uuid_pk()
    #: The seed's string id (``pos-square-main``); files and the CLI may use it.
    external_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(20))
    #: The seed's POSSystemConfig without credentials (those live in keyring).
    configuration: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active")
    sync_frequency: Mapped[str] = mapped_column(String(20), default="hourly")
    sync_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sync_cursor: Mapped[str | None] = mapped_column(Text)
    last_sync_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class POSMapping(Base):
    __tablename__ = "pos_mappings"
    __table_args__ = (
        UniqueConstraint("integration_id", "external_item_id", "external_location_id"),
        Index("ix_pos_mappings_product", "product_id", "warehouse_id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    external_item_id: Mapped[str] = mapped_column(String(255))
    external_location_id: Mapped[str] = mapped_column(String(255))
    #: The quantity both sides agreed on at the last sync: the base of the three-way compare.
    last_synced_quantity: Mapped[int | None] = mapped_column(Integer)
    last_synced_at: Mapped[datetime | None]


class StockAlert(Base):
    __tablename__ = "stock_alerts"
    __table_args__ = (
        Index("ix_stock_alerts_product_wh_status", "product_id", "warehouse_id", "status"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    product_name: Mapped[str] = mapped_column(String(255))
    product_code: Mapped[str] = mapped_column(String(100))
    current_stock: Mapped[int] = mapped_column(Integer)
    minimum_stock: Mapped[int] = mapped_column(Integer)
    reorder_point: Mapped[int] = mapped_column(Integer)
    reorder_quantity: Mapped[int] = mapped_column(Integer)
    on_order: Mapped[int] = mapped_column(Integer, default=0)
    preferred_supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("suppliers.id"))
    urgency_level: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    #: The terms the suggestion was computed from, for the Alerts tab's explanation.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    snoozed_until: Mapped[datetime | None]
    purchase_order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("auto_purchase_orders.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None]


class PurchaseOrder(Base):
    __tablename__ = "auto_purchase_orders"

    id: Mapped[uuid.UUID] = _uuid_pk()
    order_number: Mapped[str] = mapped_column(String(50), unique=True)
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    total_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    automation_reason: Mapped[str | None] = mapped_column(Text)
    trigger_type: Mapped[str] = mapped_column(String(50), default="manual")
    stock_alert_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    #: Set when a delivery closed the order short: what did not come never will.
    closed_short_at: Mapped[datetime | None]
    closed_short_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (UniqueConstraint("purchase_order_id", "product_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    purchase_order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auto_purchase_orders.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal]
    received_quantity: Mapped[int] = mapped_column(Integer, default=0)
    #: Units the order was closed without (``quantity - received_quantity`` at closing).
    short_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_received_at", "received_at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("suppliers.id"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    purchase_order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("auto_purchase_orders.id")
    )
    received_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    close_short: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryItem(Base):
    """One item of a delivery as posted: accepted, rejected (``error`` says why) or waiting
    for an over-receipt confirmation (``serial_numbers`` keeps its serials until then)."""

    __tablename__ = "delivery_items"
    __table_args__ = (Index("ix_delivery_items_delivery_line", "delivery_id", "line_index"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    product_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("products.id"))
    product_code: Mapped[str | None] = mapped_column(String(100))
    quantity_received: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal | None]
    lot: Mapped[str | None] = mapped_column(String(100))
    expiry: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    #: The item's place in the delivery, from 1.
    line_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    purchase_order_line_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("purchase_order_lines.id", ondelete="SET NULL")
    )
    #: Units beyond the ordered quantity this item brought (recorded when posted).
    over_received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    over_receipt_confirmed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    serial_numbers: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))


class SerialNumber(Base):
    __tablename__ = "serial_numbers"
    __table_args__ = (UniqueConstraint("product_id", "serial"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    serial: Mapped[str] = mapped_column(String(100), index=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"))
    delivery_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("deliveries.id"))
    status: Mapped[str] = mapped_column(String(20), default="in_stock")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncConflict(Base):
    __tablename__ = "sync_conflicts"
    __table_args__ = (Index("ix_sync_conflicts_status", "status", "detected_at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    integration_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="SET NULL")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("warehouses.id"))
    pos_value: Mapped[int] = mapped_column(Integer)
    system_value: Mapped[int] = mapped_column(Integer)
    base_value: Mapped[int | None] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="open")
    strategy: Mapped[str | None] = mapped_column(String(20))
    resolved_value: Mapped[int | None] = mapped_column(Integer)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    #: Who is applying a resolution now (owner of the claim) and since when: a second
    #: desktop resolving the same conflict sees the claim and applies nothing; a claim
    #: older than the resolver's timeout belongs to a process that died and is taken over.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]
    #: When ``base_value`` was agreed (the mapping's last sync at detection): the evidence
    #: of a conflict is what moved on each side since then.
    base_at: Mapped[datetime | None]
    #: The POS's count could not be read on a re-check: ``pos_value`` is the last one known.
    pos_unverified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SyncConflictEvent(Base):
    """The history of a conflict: detected, updated, re-opened, stale, resolved, closed by a
    sync — each with the numbers of that moment and who did it (append-only)."""

    __tablename__ = "sync_conflict_events"
    __table_args__ = (Index("ix_sync_conflict_events_conflict_at", "conflict_id", "at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    conflict_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sync_conflicts.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    pos_value: Mapped[int | None] = mapped_column(Integer)
    system_value: Mapped[int | None] = mapped_column(Integer)
    base_value: Mapped[int | None] = mapped_column(Integer)
    strategy: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class IntegrationSyncLog(Base):
    __tablename__ = "integration_sync_log"
    __table_args__ = (Index("ix_integration_sync_log_started", "integration_id", "started_at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    integration_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="SET NULL")
    )
    integration_type: Mapped[str] = mapped_column(String(50))
    sync_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    records_processed: Mapped[int] = mapped_column(Integer, default=0)
    errors_count: Mapped[int] = mapped_column(Integer, default=0)
    error_details: Mapped[list[Any]] = mapped_column(default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class IntegrationHealthCheck(Base):
    __tablename__ = "integration_health_checks"
    __table_args__ = (Index("ix_integration_health_checks_at", "integration_id", "at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20))
    response_time_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class SyncLock(Base):
    """One row per integration being synced: owner and heartbeat, so a dead owner's lock expires."""

    __tablename__ = "sync_locks"

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppSetting(Base):
    """Settings shared by every desktop on one database (e.g. the PO approval threshold)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PendingPush(Base):
    """A push to a POS that was decided and committed but not yet confirmed.

    Written in the same transaction as the batch that decided it; deleted when the POS
    accepts or refuses it. A sync that finds one left over (the process died mid-push, or the
    POS stopped answering) sends it again first, under the same idempotency key, so the POS
    applies it once (DESIGN.md §4)."""

    __tablename__ = "pos_pending_pushes"
    __table_args__ = (Index("ix_pos_pending_pushes_integration", "integration_id", "created_at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="CASCADE")
    )
    mapping_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pos_mappings.id", ondelete="CASCADE"))
    external_item_id: Mapped[str] = mapped_column(String(255))
    external_location_id: Mapped[str] = mapped_column(String(255))
    delta: Mapped[int] = mapped_column(Integer)
    #: The quantity both sides agree on once the POS applied ``delta``.
    new_base: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    occurred_at: Mapped[datetime]
    reference: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoPOSStock(Base):
    """The Demo POS's own shelf: what the simulated till believes it has (its 'POS side').

    The demo adapter reads and adjusts these rows as a real POS's API would; the Sync
    Manager brings them in step with the store like any other integration."""

    __tablename__ = "demo_pos_stock"

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="CASCADE"), primary_key=True
    )
    external_item_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The idempotency keys of recently applied adjustments (the newest last).
    applied_keys: Mapped[list[Any]] = mapped_column(default=list)


class DemoPOSTill(Base):
    """The Demo POS's clock: how far its simulated store has been played.

    Each tick plays ``[simulated_until, now)`` and moves this forward with a
    compare-and-set, so two desktops ticking at once never sell the same minutes twice. It
    is the till's own: the Sync Manager moves the integration's ``sync_cursor``."""

    __tablename__ = "demo_pos_tills"

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="CASCADE"), primary_key=True
    )
    simulated_until: Mapped[datetime]


class DemoPOSSale(Base):
    """Units the Demo POS's till sold, per (UTC) day, item and location: what its adapter
    reports as sales. The till keeps the last few weeks only (``store/demo_till.py``)."""

    __tablename__ = "demo_pos_sales"

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pos_integrations.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    external_item_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
