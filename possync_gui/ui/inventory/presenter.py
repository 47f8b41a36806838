"""The Inventory tab's async work: counting, paging, scanning, detail, adjustments, CSV."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from possync_gui.domain.enums import MovementReason, StockStatus
from possync_gui.domain.events import Change
from possync_gui.domain.records import InventoryQuery, ProductDetail, Warehouse
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.inventory.model import PAGE_SIZE, SORT_KEYS, Column, StockTableModel
from possync_gui.ui.receiving.serial_lookup import describe, serial_of


class InventoryPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``message(str)``,
    ``warehouses_changed(list)``, ``total_changed(int)``, ``detail_changed(object)``,
    ``select_row_requested(int)`` (after a scan), ``adjusted(str)``."""

    busy_changed = Signal(bool)
    error = Signal(str)
    message = Signal(str)
    warehouses_changed = Signal(list)
    total_changed = Signal(int)
    detail_changed = Signal(object)
    select_row_requested = Signal(int)
    serial_found = Signal(str)

    def __init__(self, facade: InventorySyncService, operator: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.operator = operator
        self.model = StockTableModel(self)
        self.query = InventoryQuery()
        self.warehouses: list[Warehouse] = []
        self.total = 0
        self._visible = False
        self._stale = True
        self._detail_id: uuid.UUID | None = None
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self.model.page_needed.connect(self._on_page_needed)
        self.model.sort_requested.connect(self._on_sort_requested)

    # -- visibility and change events (STYLE habit 6) ---------------------------------------
    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        if visible and self._stale:
            self.tasks.run("refresh", self.refresh())

    def on_change(self, _change: Change) -> None:
        self._stale = True
        if self._visible:
            self.tasks.run("reload", self.reload())

    # -- queries ---------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self._requery(replace(self.query, text=text.strip()))

    def set_warehouse(self, warehouse_id: uuid.UUID | None) -> None:
        self._requery(replace(self.query, warehouse_id=warehouse_id))

    def set_status(self, status: StockStatus | str | None) -> None:
        # Qt hands enum values back from combo boxes as plain strings.
        self._requery(replace(self.query, status=StockStatus(status) if status else None))

    def _on_sort_requested(self, column: int, descending: bool) -> None:
        key = SORT_KEYS[Column(column)]
        self._requery(replace(self.query, sort_column=key, descending=descending))

    def _requery(self, query: InventoryQuery) -> None:
        if query == self.query and not self._stale:
            return
        self.query = query
        self.tasks.run("refresh", self.refresh())

    async def refresh(self) -> None:
        """Count the list and show its first page; warehouses are reloaded too."""
        query = self.query
        self._stale = False
        self.warehouses = await self._facade.list_warehouses()
        self.warehouses_changed.emit(self.warehouses)
        total = await self._facade.count_stock(query)
        first = await self._facade.stock_page(query, 0, PAGE_SIZE, total)
        self.total = total
        self.model.reset(total, first)
        self.total_changed.emit(total)

    async def reload(self) -> None:
        """After a change elsewhere: re-read what is on screen, keeping scroll and selection."""
        query = self.query
        self._stale = False
        total = await self._facade.count_stock(query)
        if total != self.total:
            await self.refresh()
            return
        generation = self.model.generation
        for page in self.model.cached_pages():
            rows = await self._facade.stock_page(query, page * PAGE_SIZE, PAGE_SIZE, total)
            self.model.put_page(generation, page, rows)
        if self._detail_id is not None:
            await self.load_detail(self._detail_id)

    def _on_page_needed(self, generation: int, page: int) -> None:
        self.tasks.run(f"page-{generation}-{page}", self._load_page(generation, page))

    async def _load_page(self, generation: int, page: int) -> None:
        try:
            rows = await self._facade.stock_page(
                self.query, page * PAGE_SIZE, PAGE_SIZE, self.total
            )
        except BaseException:
            self.model.page_failed(generation, page)
            raise
        self.model.put_page(generation, page, rows)

    # -- scanning --------------------------------------------------------------------------
    async def scan(self, code: str) -> bool:
        """A barcode or SKU entered in the search box: filter to it and select its first row."""
        code = code.strip()
        if not code:
            return False
        product = await self._facade.find_product(code)
        if product is None:
            self.query = replace(self.query, text=code)
            await self.refresh()
            if self.total == 0:
                if await self._serial_lookup(code):
                    return True
                self.message.emit(f"No product with barcode, SKU or serial number {code}")
                return False
            self.select_row_requested.emit(0)
            return True
        self.query = replace(self.query, text=product.sku, status=None)
        await self.refresh()
        if self.total == 0:
            self.message.emit(f"{product.sku} has no stock in the chosen warehouse")
            return False
        self.select_row_requested.emit(0)
        self.message.emit(f"Found {product.sku} — {product.name}")
        return True

    async def _serial_lookup(self, code: str) -> bool:
        """Nothing else matched: perhaps a serial number; show its product and where it came
        from (issue 5 §3)."""
        serial = serial_of(code)
        found = await self._facade.find_serial(serial)
        if not found:
            return False
        self.query = replace(self.query, text=found[0].sku, status=None)
        await self.refresh()
        if self.total:
            self.select_row_requested.emit(0)
        text = describe(found, serial)
        self.serial_found.emit(text)
        self.message.emit(text)
        return True

    # -- detail, adjustments, files ----------------------------------------------------------
    def show_detail(self, product_id: uuid.UUID | None) -> None:
        self._detail_id = product_id
        if product_id is None:
            self.detail_changed.emit(None)
            return
        self.tasks.run("detail", self.load_detail(product_id))

    async def load_detail(self, product_id: uuid.UUID) -> ProductDetail:
        detail = await self._facade.product_detail(product_id)
        if self._detail_id == product_id:
            self.detail_changed.emit(detail)
        return detail

    async def adjust(
        self, sku: str, warehouse_id: uuid.UUID, delta: int, reason: MovementReason | str, note: str
    ) -> None:
        reason = MovementReason(reason)
        result = await self._facade.adjust_stock(
            sku, warehouse_id, delta, reason, self.operator, note or None
        )
        self.message.emit(
            f"{result.product.sku} at {result.warehouse.code}: {delta:+d} ({reason.value}), "
            f"now {result.on_hand} on hand"
        )

    async def import_catalog(self, path: Path) -> None:
        report = await self._facade.import_catalog(path, self.operator)
        text = (
            f"Imported {path.name}: {report.created} new, {report.updated} updated, "
            f"{report.stock_changes} stock changes"
        )
        if report.rejected:
            first_line, first_reason = report.rejected[0]
            text += f"; {len(report.rejected)} lines rejected (line {first_line}: {first_reason})"
        self.message.emit(text)
        await self.refresh()

    async def export_catalog(self, path: Path) -> None:
        count = await self._facade.export_catalog(path)
        self.message.emit(f"Exported {count} rows to {path}")
