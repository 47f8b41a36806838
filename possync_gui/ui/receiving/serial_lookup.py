"""Find serial (Ctrl+Shift+S anywhere in the window): scan or type a serial number and see
the product that carries it, where it is, and the delivery that brought it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
)

from possync_gui.domain.barcodes import parse_scan
from possync_gui.domain.receiving import SerialLocation
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.async_helpers import TaskRunner
from possync_gui.ui.receiving.lists import local
from possync_gui.ui.receiving.model import Col, RecordsModel, SortFilterProxy

SERIAL_COLUMNS: tuple[Col[SerialLocation], ...] = (
    Col("Serial", lambda s: s.serial),
    Col("SKU", lambda s: s.sku),
    Col("Product", lambda s: s.product_name),
    Col("Warehouse", lambda s: s.warehouse_code),
    Col("Status", lambda s: s.status.replace("_", " ")),
    Col("Delivery", lambda s: s.delivery_id or "—"),
    Col("Supplier", lambda s: s.supplier_code or "—"),
    Col(
        "Received",
        lambda s: local(s.received_at),
        lambda s: s.received_at.timestamp() if s.received_at else 0.0,
    ),
    Col("Order", lambda s: s.purchase_order_number or "—"),
)


def serial_of(text: str) -> str:
    """The serial in what was scanned: a GS1 label's AI 21, else the text itself."""
    scan = parse_scan(text)
    return scan.serial if scan.ok and scan.serial else text.strip()


def describe(found: list[SerialLocation], serial: str) -> str:
    """One line per product carrying ``serial``, for a status line."""
    if not found:
        return f"No product carries serial {serial}"
    parts = []
    for s in found:
        came = f"delivered in {s.delivery_id}" if s.delivery_id else "not from a delivery"
        if s.supplier_code:
            came += f" from {s.supplier_code}"
        if s.received_at:
            came += f" on {local(s.received_at)}"
        if s.purchase_order_number:
            came += f" ({s.purchase_order_number})"
        parts.append(
            f"Serial {s.serial}: {s.sku} — {s.product_name}, {s.status.replace('_', ' ')} "
            f"at {s.warehouse_code}, {came}"
        )
    return "; ".join(parts)


class SerialLookupDialog(QDialog):
    """Non-modal; the field keeps focus so one scan after another can be looked up."""

    def __init__(self, facade: InventorySyncService, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.setWindowTitle("Find serial number")
        self.field = QLineEdit()
        self.field.setPlaceholderText("Scan or type a serial number, then Enter")
        self.field.setClearButtonEnabled(True)
        self.model: RecordsModel[SerialLocation] = RecordsModel(SERIAL_COLUMNS, self)
        self.proxy = SortFilterProxy(self.model, self)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.status = QLabel("Where is a serial number, and which delivery brought it?")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # Enter is the scanner's end of a serial: it looks up, it never closes the dialog
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.tasks = TaskRunner(self.status.setText)
        self.field.returnPressed.connect(self._on_entered)
        self.resize(980, 360)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)
        self.field.selectAll()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)

    def _on_entered(self) -> None:
        text = self.field.text()
        if text.strip():
            self.tasks.run("find", self.lookup(text))
        self.field.selectAll()  # the next scan replaces this one

    async def lookup(self, text: str) -> list[SerialLocation]:
        serial = serial_of(text)
        self.status.setText(f"Looking for {serial}…")
        found = await self._facade.find_serial(serial)
        self.model.set_rows(found)
        self.table.resizeColumnsToContents()
        self.status.setText(describe(found, serial))
        return found
