"""Immutable row snapshots the store hands upward; models and the CLI show these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from possync_gui.domain.enums import MovementReason, StockStatus


@dataclass(frozen=True, slots=True)
class Warehouse:
    id: uuid.UUID
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class StockRow:
    """One product in one warehouse, as the Inventory tab lists it."""

    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    sku: str
    name: str
    barcode: str | None
    warehouse_code: str
    on_hand: int
    minimum_stock: int
    reorder_point: int | None
    is_serialized: bool
    updated_at: datetime

    @property
    def status(self) -> StockStatus:
        return stock_status(self.on_hand, self.minimum_stock, self.reorder_point)


def stock_status(on_hand: int, minimum_stock: int, reorder_point: int | None) -> StockStatus:
    """Out at zero or below; low at or below the reorder point (or minimum when none is set)."""
    if on_hand <= 0:
        return StockStatus.OUT
    threshold = reorder_point if reorder_point is not None else minimum_stock
    if on_hand <= threshold:
        return StockStatus.LOW
    return StockStatus.OK


@dataclass(frozen=True, slots=True)
class Product:
    id: uuid.UUID
    sku: str
    name: str
    barcode: str | None
    unit: str
    is_serialized: bool
    minimum_stock: int
    reorder_point: int | None
    reorder_quantity: int | None
    max_stock: int | None
    review_policy: str
    unit_cost: Decimal | None
    preferred_supplier_code: str | None = None


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    warehouse_id: uuid.UUID
    warehouse_code: str
    warehouse_name: str
    on_hand: int
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Movement:
    id: uuid.UUID
    product_id: uuid.UUID
    warehouse_code: str
    delta: int
    reason: MovementReason
    reference: str | None
    actor: str
    at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class ProductDetail:
    """Everything the Inventory tab's detail panel shows for one product."""

    product: Product
    stock: tuple[WarehouseStock, ...]
    movements: tuple[Movement, ...]
    #: (time, total on hand across the shown warehouses) after each movement, oldest first.
    history: tuple[tuple[datetime, int], ...]


@dataclass(frozen=True, slots=True)
class InventoryQuery:
    """Search, filters and sort for the Inventory list; hashable so pages can be cached."""

    text: str = ""
    warehouse_id: uuid.UUID | None = None
    status: StockStatus | None = None
    sort_column: str = "sku"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class MovementRequest:
    """A stock change to write to the ledger."""

    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    delta: int
    reason: MovementReason
    actor: str
    reference: str | None = None
    note: str | None = None
    at: datetime | None = None
