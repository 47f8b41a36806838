"""The manual stock adjustment dialog (damage, found stock, recount differences)."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from possync_gui.domain.enums import MANUAL_REASONS, MovementReason
from possync_gui.domain.records import StockRow, Warehouse

REASON_LABELS = {
    MovementReason.ADJUSTMENT: "Adjustment",
    MovementReason.DAMAGE: "Damaged / written off",
    MovementReason.FOUND: "Found stock",
    MovementReason.COUNT: "Recount difference",
}


class AdjustDialog(QDialog):
    """Asks for warehouse, change, reason and note; the caller reads ``values()``."""

    def __init__(self, row: StockRow, warehouses: list[Warehouse], parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Adjust stock — {row.sku}")
        self.sku = row.sku
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{row.name}</b>"))
        self.warehouse = QComboBox()
        for wh in warehouses:
            # Qt cannot compare Python UUID objects in findData(); keep their text.
            self.warehouse.addItem(f"{wh.code} — {wh.name}", str(wh.id))
        self.warehouse.setCurrentIndex(max(0, self.warehouse.findData(str(row.warehouse_id))))
        self.delta = QSpinBox()
        self.delta.setRange(-1_000_000, 1_000_000)
        self.delta.setValue(0)
        self.delta.setToolTip("Units to add (positive) or remove (negative)")
        self.reason = QComboBox()
        for reason in MANUAL_REASONS:
            self.reason.addItem(REASON_LABELS[reason], reason)
        self.note = QLineEdit()
        self.note.setPlaceholderText("What happened (optional)")
        form.addRow("Warehouse:", self.warehouse)
        form.addRow("Change:", self.delta)
        form.addRow("Reason:", self.reason)
        form.addRow("Note:", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.delta.setFocus()
        self.delta.selectAll()

    def values(self) -> tuple[str, uuid.UUID, int, MovementReason, str]:
        return (
            self.sku,
            uuid.UUID(self.warehouse.currentData()),
            self.delta.value(),
            self.reason.currentData(),
            self.note.text().strip(),
        )
