"""The Receiving tab's dialogs: an unplanned delivery's supplier and warehouse, a line's
quantity (or its serials), the under-receipt question, and the result of a post.

Each opens with ``open()`` and reports through ``finished``; the tab gives the scan field
its focus back whatever the answer.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.receiving import MAX_LINE_QUANTITY, DeliveryResult, ItemStatus
from possync_gui.domain.records import Warehouse
from possync_gui.domain.scan_board import BoardLine
from possync_gui.domain.suppliers import SupplierRecord
from possync_gui.ui.receiving.lists import items_model


class UnplannedDialog(QDialog):
    """A delivery without a purchase order: who sent it (optional) and where it goes."""

    def __init__(
        self, suppliers: list[SupplierRecord], warehouses: list[Warehouse], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unplanned delivery")
        self.supplier = QComboBox()
        self.supplier.addItem("(no supplier)", None)
        for s in suppliers:
            self.supplier.addItem(f"{s.code} — {s.name}", s.code)
        self.warehouse = QComboBox()
        for w in warehouses:
            self.warehouse.addItem(f"{w.code} — {w.name}", w.code)
        note = QLabel(
            "Goods that came without a purchase order. Nothing is expected, so the board "
            "counts what you scan; posting adds it to the warehouse's stock."
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Supplier:", self.supplier)
        form.addRow("&Warehouse:", self.warehouse)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start receiving")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(warehouses))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(440, self.sizeHint().height())

    def choice(self) -> tuple[str | None, str]:
        return self.supplier.currentData(), str(self.warehouse.currentData())


class LineDialog(QDialog):
    """Change a line: its count, or (serialized) which serials stay on the board."""

    def __init__(self, line: BoardLine, parent: Any = None) -> None:
        super().__init__(parent)
        self.line = line
        product = line.product
        self.setWindowTitle(f"Edit {product.sku}")
        title = QLabel(f"<b>{product.sku}</b> — {product.name}")
        title.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        self.quantity: QSpinBox | None = None
        self.serials: QListWidget | None = None
        if product.is_serialized:
            layout.addWidget(QLabel("Select the serials to take off the board (Del):"))
            self.serials = QListWidget()
            self.serials.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
            for serial in line.serials:
                flag = line.flagged.get(serial)
                self.serials.addItem(f"{serial} — {flag}" if flag else serial)
            layout.addWidget(self.serials, 1)
            QShortcut(QKeySequence.StandardKey.Delete, self.serials, self.accept)
        else:
            form = QFormLayout()
            self.quantity = QSpinBox()
            self.quantity.setRange(0, MAX_LINE_QUANTITY)
            self.quantity.setGroupSeparatorShown(True)
            self.quantity.setValue(line.scanned)
            self.quantity.selectAll()
            expected = f"{line.expected:,} expected" if line.planned else "not on the order"
            form.addRow(f"&Received ({expected}):", self.quantity)
            layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Remove selected" if product.is_serialized else "Set quantity")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(420, 360 if product.is_serialized else self.sizeHint().height())

    def removed_serials(self) -> list[str]:
        if self.serials is None:
            return []
        serials = list(self.line.serials)
        return [serials[self.serials.row(item)] for item in self.serials.selectedItems()]


class ShortChoice(IntEnum):
    CANCEL = 0
    LEAVE_OPEN = 1
    CLOSE_SHORT = 2


class ShortDialog(QDialog):
    """Posting less than the order still expects: keep it open, or close it short?"""

    def __init__(self, order_number: str, missing: int, lines: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{order_number} is not complete")
        self.choice = ShortChoice.CANCEL
        text = QLabel(
            f"{missing:,} unit{'s' if missing != 1 else ''} on {lines:,} "
            f"line{'s' if lines != 1 else ''} of {order_number} did not come with this "
            "delivery.<br><br><b>Leave the order partly received</b> if the rest is still "
            "coming, or <b>close it short</b> if it is not (what is missing is recorded as "
            "short-shipped)."
        )
        text.setWordWrap(True)
        self.leave = QPushButton("&Leave partly received")
        self.close_short = QPushButton("&Close short")
        cancel = QPushButton("Cancel")
        self.leave.setDefault(True)
        buttons = QDialogButtonBox()
        buttons.addButton(self.leave, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.close_short, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.leave.clicked.connect(lambda: self._chosen(ShortChoice.LEAVE_OPEN))
        self.close_short.clicked.connect(lambda: self._chosen(ShortChoice.CLOSE_SHORT))
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(480, self.sizeHint().height())

    def _chosen(self, choice: ShortChoice) -> None:
        self.choice = choice
        self.accept()


def result_summary(result: DeliveryResult) -> str:
    if result.already_posted:
        head = f"{result.delivery_id} was posted before: nothing changed this time"
    else:
        head = f"Posted {result.delivery_id}: {result.units:,} units"
    parts = [head, f"{result.accepted} items accepted, {result.rejected} rejected"]
    if result.needs_confirmation:
        parts[-1] += f", {result.needs_confirmation} waiting for your confirmation"
    if result.purchase_order_number:
        status = (result.purchase_order_status or "").replace("_", " ")
        parts.append(f"{result.purchase_order_number} is now {status}" if status else "")
    if result.short_shipped:
        short = sum(s.short for s in result.short_shipped)
        parts.append(f"{short:,} units recorded as short-shipped")
    if result.alerts_resolved:
        parts.append(f"{result.alerts_resolved} stock alerts resolved")
    return " · ".join(p for p in parts if p)


class ResultDialog(QDialog):
    """What posting did, item by item; over-receipts waiting for a yes can be confirmed.
    Signal: ``confirm_requested()``."""

    confirm_requested = Signal()

    def __init__(self, result: DeliveryResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delivery posted")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.items = items_model(self)
        self.table = QTableView()
        self.table.setModel(self.items)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.confirm = QPushButton("C&onfirm over-receipt")
        self.confirm.setToolTip("Receive the items that are over the order beyond the tolerance")
        self.confirm.clicked.connect(self._on_confirm)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QDialogButtonBox()
        buttons.addButton(self.confirm, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 460)
        close.setFocus()
        self.set_result(result)  # focuses the confirmation when one is asked for

    def set_result(self, result: DeliveryResult) -> None:
        self.shown = result
        self.summary.setText(result_summary(result))
        self.items.set_rows(list(result.items))
        self.table.resizeColumnsToContents()
        waiting = result.needs_confirmation > 0
        self.confirm.setVisible(waiting)
        self.confirm.setEnabled(waiting)
        if waiting:
            over = sum(
                i.over_received for i in result.items if i.status == ItemStatus.NEEDS_CONFIRMATION
            )
            self.confirm.setText(f"C&onfirm over-receipt ({over:,} units)")
            self.confirm.setDefault(True)
            self.confirm.setFocus()

    def _on_confirm(self) -> None:
        self.confirm.setEnabled(False)  # one confirmation; the answer replaces the result
        self.confirm_requested.emit()
