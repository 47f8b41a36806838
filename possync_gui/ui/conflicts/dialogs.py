"""The Conflicts tab's dialogs: Set count… (a value and a required reason), the confirmation
of a bulk accept, and what an action on several conflicts did, one line each. All open
window-modally with ``open()`` and report through ``finished`` (no ``exec()`` inside the
event loop); Esc cancels each.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.conflicts import ConflictRecord, ResolutionOutcome
from possync_gui.ui.conflicts.model import signed
from possync_gui.ui.conflicts.presenter import OUTCOME_WORDS, ResolutionReport, summary

#: The largest count a person can type (the store holds ints; no shelf holds more).
MAX_COUNT = 10_000_000
#: Background of a result line by outcome: green when applied, amber when it needs a look.
OUTCOME_COLOURS = {
    ResolutionOutcome.RESOLVED: "#e3f1e5",
    ResolutionOutcome.MANUAL_REVIEW: "#fff4d6",
    ResolutionOutcome.STALE: "#fff4d6",
    ResolutionOutcome.ALREADY_RESOLVED: "#eeeeee",
    ResolutionOutcome.FAILED: "#fde2e1",
    ResolutionOutcome.NOT_FOUND: "#fde2e1",
}


def _ok_cancel(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class SetCountDialog(QDialog):
    """The counted quantity (the warehouse's, to start with) and why; OK waits for a reason.
    Both sides get this value: the warehouse by a movement, the POS by an adjustment."""

    def __init__(self, record: ConflictRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Set count — {record.sku}")
        self.record = record
        base = "none yet" if record.base_value is None else f"{record.base_value:,}"
        prompt = QLabel(
            f"<b>{record.sku}</b> — {record.product_name} at {record.warehouse_code} "
            f"({record.integration_name})<br>POS {record.pos_value:,} · warehouse "
            f"{record.system_value:,} · base {base}<br><br>Both the warehouse and the POS will "
            "hold the value you set."
        )
        prompt.setWordWrap(True)
        self.value = QSpinBox()
        self.value.setRange(0, MAX_COUNT)
        self.value.setGroupSeparatorShown(True)
        self.value.setValue(record.system_value)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. Shelf counted by Sam (required)")
        self.effect = QLabel()
        self.effect.setStyleSheet("color: #555;")
        form = QFormLayout()
        form.addRow("&Counted quantity:", self.value)
        form.addRow("&Reason:", self.reason)
        form.addRow("", self.effect)
        self.buttons = _ok_cancel(self, "Set count")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(lambda _t: self._update())
        self.value.valueChanged.connect(lambda _v: self._update())
        self._update()
        self.resize(460, self.sizeHint().height())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Typing replaces the proposed value at once; Tab goes on to the reason.
        self.value.setFocus(Qt.FocusReason.OtherFocusReason)
        self.value.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the count goes on to the reason while there is none (OK waits for it).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.text():
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().keyPressEvent(event)

    def _update(self) -> None:
        ok = bool(self.text())
        self.ok_button.setEnabled(ok)
        self.ok_button.setToolTip("" if ok else "A reason is required")
        n = self.value.value()
        self.effect.setText(
            f"Warehouse {signed(n - self.record.system_value)}, "
            f"POS {signed(n - self.record.pos_value)}"
        )

    def text(self) -> str:
        return self.reason.text().strip()

    def count(self) -> int:
        return self.value.value()

    def accept(self) -> None:
        if self.text():  # Enter must not bypass the required reason
            super().accept()
        else:
            self.reason.setFocus()


class ConfirmDialog(QDialog):
    """Asks before one keystroke settles several conflicts; names how many and what it does."""

    def __init__(self, action: str, effect: str, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{action} for {count} conflicts")
        label = QLabel(
            f"<b>{action} for {count} conflicts?</b><br>{effect}<br><br>Each is checked "
            "against the numbers shown first: one that changed meanwhile is left for you to "
            "review again."
        )
        label.setWordWrap(True)
        self.buttons = _ok_cancel(self, f"{action} ({count})")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())


class ResultDialog(QDialog):
    """Each conflict an action was asked for, with its outcome and message."""

    def __init__(self, report: ResolutionReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{report.action}: results")
        self.summary = QLabel(summary(report))
        self.summary.setStyleSheet("font-weight: 600;")
        self.summary.setWordWrap(True)
        details = report.result.details
        self.table = QTableWidget(len(details), 4)
        self.table.setHorizontalHeaderLabels(["Conflict", "Outcome", "Value", "Message"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for i, d in enumerate(details):
            cells = (
                report.label(d),
                OUTCOME_WORDS.get(d.outcome, str(d.outcome)),
                "" if d.value is None else f"{d.value:,}",
                d.message,
            )
            colour = QColor(OUTCOME_COLOURS.get(d.outcome, "#ffffff"))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setBackground(colour)
                item.setToolTip(d.message)
                if column == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, column, item)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(780, min(560, 150 + 48 * len(details)))

    def lines(self) -> list[str]:
        """Each row as 'label | outcome | value | message' (for tests and copying)."""
        return [
            " | ".join(_text(self.table.item(r, c)) for c in range(self.table.columnCount()))
            for r in range(self.table.rowCount())
        ]


def _text(item: QTableWidgetItem | None) -> str:
    return "" if item is None else item.text()
