"""Suppliers and the supplier product mappings a buyer keeps: who sells what, at what cost
and terms, and which supplier is preferred for each product (one per product).

Every method runs its database work in a worker thread with its own session (one
transaction each), so the caller's event loop never waits on a query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from possync_gui.domain.errors import NotFoundError
from possync_gui.domain.suppliers import (
    DEFAULT_LEAD_TIME_DAYS,
    MappingImportReport,
    MappingTerms,
    SupplierFields,
    SupplierProductRecord,
    SupplierRecord,
    UnassignedProduct,
    check_supplier,
    check_terms,
    parse_amount,
)
from possync_gui.services.threads import in_thread
from possync_gui.store import supplier_csv
from possync_gui.store import suppliers as q
from possync_gui.store.database import Database
from possync_gui.store.inventory import find_product

T = TypeVar("T")

#: How many products without a preferred supplier a listing shows unless told otherwise.
UNASSIGNED_LIMIT = 200


class SupplierService:
    """Suppliers, their product mappings, and the mapping CSV over one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _run(self, work: Callable[[Session], T]) -> T:
        def unit_of_work() -> T:
            with self._db.session() as session:
                return work(session)

        return await in_thread(unit_of_work)

    # -- suppliers -------------------------------------------------------------------------
    async def list_suppliers(self, search: str = "") -> list[SupplierRecord]:
        """Suppliers by code (code, name or email containing ``search``), each with how many
        products it is mapped to and for how many it is the preferred supplier."""
        return await self._run(lambda s: q.list_suppliers(s, search))

    async def get_supplier(self, ref: str | uuid.UUID) -> SupplierRecord:
        """One supplier by UUID or code."""
        return await self._run(lambda s: q.supplier_record(s, q.get_supplier(s, ref).id))

    async def add_supplier(
        self,
        code: str,
        name: str,
        email: str | None = None,
        phone: str | None = None,
        currency: str = "USD",
    ) -> SupplierRecord:
        fields = check_supplier(SupplierFields(code, name, email, phone, currency))
        return await self._run(lambda s: q.add_supplier(s, fields))

    async def update_supplier(
        self,
        ref: str | uuid.UUID,
        code: str,
        name: str,
        email: str | None = None,
        phone: str | None = None,
        currency: str = "USD",
    ) -> SupplierRecord:
        """Change a supplier (UUID or code); its mappings stay."""
        fields = check_supplier(SupplierFields(code, name, email, phone, currency))
        return await self._run(lambda s: q.update_supplier(s, ref, fields))

    async def remove_supplier(self, ref: str | uuid.UUID) -> SupplierRecord:
        """Delete a supplier and its mappings; refused while purchase orders or deliveries
        name it. Returns the supplier as it was (with the counts of what went with it)."""
        return await self._run(lambda s: q.remove_supplier(s, ref))

    # -- mappings --------------------------------------------------------------------------
    async def list_mappings(
        self,
        supplier: str | uuid.UUID | None = None,
        product: str | uuid.UUID | None = None,
    ) -> list[SupplierProductRecord]:
        """The mappings of a supplier (UUID or code), of a product (UUID, SKU or barcode;
        preferred first), of both, or all."""

        def work(s: Session) -> list[SupplierProductRecord]:
            supplier_id = None if supplier is None else q.get_supplier(s, supplier).id
            product_id = None
            if product is not None:
                found = find_product(s, str(product))
                if found is None:
                    raise NotFoundError(f"No product with SKU or barcode {str(product)!r}.")
                product_id = found.id
            return q.list_mappings(s, supplier_id, product_id)

        return await self._run(work)

    async def upsert_mapping(
        self,
        supplier: str | uuid.UUID,
        product: str | uuid.UUID,
        *,
        unit_cost: Decimal | str,
        supplier_sku: str | None = None,
        lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
        pack_size: int = 1,
        min_order_qty: int = 1,
        preferred: bool = False,
    ) -> SupplierProductRecord:
        """Add or change what ``supplier`` (UUID or code) charges for ``product`` (UUID, SKU
        or barcode). ``preferred=True`` makes it the product's only preferred supplier."""
        terms = check_terms(
            MappingTerms(
                unit_cost=parse_amount(unit_cost),
                supplier_sku=supplier_sku,
                lead_time_days=lead_time_days,
                pack_size=pack_size,
                min_order_qty=min_order_qty,
                is_preferred=preferred,
            )
        )
        record, _created = await self._run(lambda s: q.save_mapping(s, supplier, product, terms))
        return record

    async def remove_mapping(self, mapping_id: uuid.UUID) -> SupplierProductRecord:
        """Delete one mapping; returns it as it was."""
        return await self._run(lambda s: q.remove_mapping(s, mapping_id))

    # -- products without a preferred supplier ---------------------------------------------
    async def products_without_preferred_supplier(
        self, search: str = "", limit: int | None = UNASSIGNED_LIMIT
    ) -> list[UnassignedProduct]:
        """Products by SKU (SKU, barcode or name matching ``search``) no supplier is
        preferred for: the ones a purchase order run reports as "No preferred supplier found
        for product …". ``limit`` None lists them all."""
        return await self._run(lambda s: q.unassigned_products(s, search, limit))

    async def count_products_without_preferred_supplier(self, search: str = "") -> int:
        return await self._run(lambda s: q.count_unassigned(s, search))

    # -- the mapping CSV -------------------------------------------------------------------
    async def import_mappings(self, path: Path) -> MappingImportReport:
        """Import a mapping CSV: each bad row is reported with its row number and reason, the
        good rows are saved in one transaction."""
        return await self._run(lambda s: supplier_csv.import_mappings(s, path))

    async def export_mappings(self, path: Path, supplier: str | uuid.UUID | None = None) -> int:
        """Write the mappings (of one supplier, or all) in the import's columns; returns the
        rows written."""

        def work(s: Session) -> int:
            supplier_id = None if supplier is None else q.get_supplier(s, supplier).id
            return supplier_csv.export_mappings(s, path, supplier_id)

        return await self._run(work)
