"""The Suppliers dialog's async work: suppliers, one supplier's mappings, products without a
preferred supplier, saving and removing, the mapping CSV."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from possync_gui.domain.errors import PossyncError
from possync_gui.domain.events import Change
from possync_gui.domain.suppliers import SupplierFields, SupplierRecord
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.suppliers.model import MappingsModel, SuppliersModel, UnassignedModel

#: How many products without a preferred supplier the list shows (a search narrows it).
UNASSIGNED_SHOWN = 500


@dataclass(frozen=True, slots=True)
class MappingDraft:
    """A mapping as the form holds it: the cost still text, checked by the service."""

    supplier_id: uuid.UUID
    product: str
    unit_cost: str
    supplier_sku: str | None
    lead_time_days: int
    pack_size: int
    min_order_qty: int
    preferred: bool


class SuppliersPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``message(str)``,
    ``suppliers_loaded(int)`` (how many are listed), ``mappings_loaded(object)`` (the supplier
    id, None when none is selected), ``unassigned_loaded(int, int)`` (shown, total),
    ``supplier_saved(object)`` / ``supplier_save_failed(str)``, ``mapping_saved(object)`` /
    ``mapping_save_failed(str)`` (for the open form), ``product_found(str, object)`` (what
    was typed, the product or None), ``imported(object)`` (the report) and
    ``exported(str, int)`` (the path, the rows written)."""

    busy_changed = Signal(bool)
    error = Signal(str)
    message = Signal(str)
    suppliers_loaded = Signal(int)
    mappings_loaded = Signal(object)
    unassigned_loaded = Signal(int, int)
    supplier_saved = Signal(object)
    supplier_save_failed = Signal(str)
    mapping_saved = Signal(object)
    mapping_save_failed = Signal(str)
    product_found = Signal(str, object)
    imported = Signal(object)
    exported = Signal(str, int)

    def __init__(self, facade: InventorySyncService, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.suppliers_model = SuppliersModel(self)
        self.mappings_model = MappingsModel(self)
        self.unassigned_model = UnassignedModel(self)
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self.search = ""
        self.product_search = ""
        self.selected: uuid.UUID | None = None
        self._mappings_of: uuid.UUID | None = None  # whose mappings the model holds
        self.showing_unassigned = False
        self.unassigned_total = 0

    def shutdown(self) -> None:
        self.tasks.cancel_all()

    def on_change(self, _change: Change) -> None:
        """Suppliers or products changed elsewhere (another window, a sync): reload."""
        self.tasks.run("refresh", self.refresh())

    def suppliers(self) -> list[SupplierRecord]:
        return self.suppliers_model.rows()

    # -- reading ---------------------------------------------------------------------------
    async def refresh(self) -> None:
        """The suppliers (by the search), the selected one's mappings, and the products
        without a preferred supplier."""
        await self.load_suppliers()
        await self.load_mappings(self.selected)
        await self.load_unassigned()

    async def load_suppliers(self) -> None:
        found = await self._facade.list_suppliers(self.search)
        self.suppliers_model.set_rows(found)
        self.suppliers_loaded.emit(len(found))  # the dialog selects the supplier again

    def set_search(self, text: str) -> None:
        self.search = text
        self.tasks.run("suppliers", self.load_suppliers())

    def select(self, supplier_id: uuid.UUID | None) -> None:
        """The supplier the user is on: its mappings are loaded unless they are shown."""
        self.selected = supplier_id
        if supplier_id != self._mappings_of:
            self.tasks.run("mappings", self.load_mappings(supplier_id))

    async def load_mappings(self, supplier_id: uuid.UUID | None) -> None:
        self.selected = supplier_id
        rows = [] if supplier_id is None else await self._facade.list_supplier_mappings(supplier_id)
        if supplier_id == self.selected:
            self._mappings_of = supplier_id
            self.mappings_model.set_rows(rows)
            self.mappings_loaded.emit(supplier_id)

    def set_product_search(self, text: str) -> None:
        self.product_search = text
        self.tasks.run("unassigned", self.load_unassigned())

    async def load_unassigned(self) -> None:
        search = self.product_search
        total = await self._facade.count_products_without_preferred_supplier(search)
        rows = await self._facade.products_without_preferred_supplier(search, UNASSIGNED_SHOWN)
        self.unassigned_total = total
        self.unassigned_model.set_rows(rows)
        self.unassigned_loaded.emit(len(rows), total)

    async def find_product(self, text: str) -> None:
        """Look up what was typed or scanned (SKU, barcode; a SKU in the wrong case too);
        the answer goes to the form."""
        code = text.strip()
        product = await self._facade.find_product(code) if code else None
        if product is None and code:
            same = [
                p
                for p in await self._facade.list_products(code, 10)
                if p.sku.lower() == code.lower()
            ]
            product = same[0] if len(same) == 1 else None
        self.product_found.emit(text, product)

    # -- suppliers -------------------------------------------------------------------------
    async def save_supplier(self, supplier_id: uuid.UUID | None, fields: SupplierFields) -> None:
        """Add (``supplier_id`` None) or change a supplier; what is refused goes to
        ``supplier_save_failed`` so the open form shows it with everything typed kept."""
        args = (fields.code, fields.name, fields.email, fields.phone, fields.currency)
        try:
            if supplier_id is None:
                saved = await self._facade.add_supplier(*args)
            else:
                saved = await self._facade.update_supplier(supplier_id, *args)
        except PossyncError as err:
            self.supplier_save_failed.emit(str(err))
            return
        self.selected = saved.id
        self.supplier_saved.emit(saved)
        verb = "Added" if supplier_id is None else "Saved"
        self.message.emit(f"{verb} supplier {saved.code} ({saved.name})")
        await self.load_suppliers()

    async def remove_supplier(self, supplier_id: uuid.UUID) -> None:
        removed = await self._facade.remove_supplier(supplier_id)
        if self.selected == supplier_id:
            self.selected = None
        noun = "mapping" if removed.product_count == 1 else "mappings"
        self.message.emit(
            f"Removed supplier {removed.code} and its {removed.product_count} product {noun}"
        )
        await self.refresh()

    # -- mappings --------------------------------------------------------------------------
    async def save_mapping(self, draft: MappingDraft) -> None:
        """Add or change a mapping; refused input goes to ``mapping_save_failed``."""
        try:
            saved = await self._facade.upsert_supplier_mapping(
                draft.supplier_id,
                draft.product,
                unit_cost=draft.unit_cost,
                supplier_sku=draft.supplier_sku,
                lead_time_days=draft.lead_time_days,
                pack_size=draft.pack_size,
                min_order_qty=draft.min_order_qty,
                preferred=draft.preferred,
            )
        except PossyncError as err:
            self.mapping_save_failed.emit(str(err))
            return
        self.mapping_saved.emit(saved)
        extra = " (preferred)" if saved.is_preferred else ""
        self.message.emit(f"Saved {saved.supplier_code} → {saved.sku}{extra}")
        await self.refresh()

    async def remove_mapping(self, mapping_id: uuid.UUID) -> None:
        removed = await self._facade.remove_supplier_mapping(mapping_id)
        self.message.emit(f"Removed {removed.supplier_code} → {removed.sku}")
        await self.refresh()

    # -- the CSV ---------------------------------------------------------------------------
    async def import_csv(self, path: Path) -> None:
        report = await self._facade.import_supplier_mappings(path)
        self.imported.emit(report)
        self.message.emit(
            f"Imported {path.name}: {report.added} added, {report.updated} updated, "
            f"{len(report.rejected)} rejected"
        )
        await self.refresh()

    async def export_csv(self, path: Path) -> None:
        written = await self._facade.export_supplier_mappings(path)
        self.exported.emit(str(path), written)
        self.message.emit(f"Wrote {written:,} supplier mappings to {path}")
