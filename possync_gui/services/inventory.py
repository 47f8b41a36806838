"""Inventory: the stock list, product detail, manual adjustments, warehouses and the catalog.

Every method runs its database work in a worker thread with its own session, so the
caller's event loop (the GUI's) never waits on a query.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from possync_gui.domain.enums import MANUAL_REASONS, MovementReason
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.records import (
    InventoryQuery,
    MovementRequest,
    Product,
    ProductDetail,
    StockRow,
    Warehouse,
)
from possync_gui.store import catalog
from possync_gui.store import inventory as q
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_movements

T = TypeVar("T")

#: The largest single manual adjustment accepted; anything bigger is almost surely a typo.
MAX_ADJUSTMENT = 1_000_000


@dataclass(frozen=True, slots=True)
class AdjustmentResult:
    product: Product
    warehouse: Warehouse
    delta: int
    on_hand: int


class InventoryService:
    """Stock reads and manual changes over one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _run(self, work: Callable[[Session], T]) -> T:
        def in_thread() -> T:
            with self._db.session() as session:
                return work(session)

        return await asyncio.to_thread(in_thread)

    async def count_stock(self, query: InventoryQuery) -> int:
        return await self._run(lambda s: q.count_stock(s, query))

    async def stock_page(
        self, query: InventoryQuery, offset: int, limit: int, total: int | None = None
    ) -> list[StockRow]:
        return await self._run(lambda s: q.stock_page(s, query, offset, limit, total))

    async def list_warehouses(self) -> list[Warehouse]:
        return await self._run(q.list_warehouses)

    async def add_warehouse(self, code: str, name: str) -> Warehouse:
        return await self._run(lambda s: q.add_warehouse(s, code, name))

    async def find_product(self, code: str) -> Product | None:
        return await self._run(lambda s: q.find_product(s, code))

    async def product_detail(self, product_id: uuid.UUID) -> ProductDetail:
        return await self._run(lambda s: q.product_detail(s, product_id))

    async def adjust_stock(
        self,
        product_ref: str,
        warehouse_ref: str | uuid.UUID,
        delta: int,
        reason: MovementReason | str,
        actor: str,
        note: str | None = None,
    ) -> AdjustmentResult:
        """A manual adjustment (damage, found stock, recount difference) written to the ledger."""
        try:
            reason = MovementReason(reason)
        except ValueError:
            allowed = ", ".join(r.value for r in MANUAL_REASONS)
            raise ValidationError(f"Unknown reason {reason!r}; use one of: {allowed}.") from None
        if reason not in MANUAL_REASONS:
            allowed = ", ".join(r.value for r in MANUAL_REASONS)
            raise ValidationError(
                f"{reason.value!r} is not a manual reason; use one of: {allowed}."
            )
        if delta == 0:
            raise ValidationError("An adjustment of 0 changes nothing.")
        if abs(delta) > MAX_ADJUSTMENT:
            raise ValidationError(f"An adjustment of {delta} is too large to be right.")

        def work(session: Session) -> AdjustmentResult:
            product = q.find_product(session, product_ref)
            if product is None:
                raise NotFoundError(f"No product with SKU or barcode {product_ref!r}.")
            warehouse = q.get_warehouse(session, warehouse_ref)
            request = MovementRequest(
                product.id, warehouse.id, delta, reason, actor=actor, note=note
            )
            applied = apply_movements(session, [request], allow_negative=False)
            return AdjustmentResult(product, warehouse, delta, applied[0].on_hand)

        return await self._run(work)

    async def import_catalog(
        self, path: Path, actor: str, progress: Callable[[int, int], None] | None = None
    ) -> catalog.ImportReport:
        return await asyncio.to_thread(catalog.import_csv, self._db, path, actor, progress)

    async def export_catalog(self, path: Path) -> int:
        return await self._run(lambda s: catalog.export_csv(s, path))

    async def count_products(self, search: str = "") -> int:
        return await self._run(lambda s: catalog.count_products(s, search))

    async def list_products(self, search: str = "", limit: int | None = None) -> list[Product]:
        """Products by SKU whose SKU, barcode or name matches ``search``."""
        return await self._run(lambda s: catalog.list_products(s, search, limit))
