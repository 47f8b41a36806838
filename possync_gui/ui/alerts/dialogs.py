"""The Alerts tab's dialogs: dismiss (a reason is required), snooze (until a date), and what
"Create purchase orders" made and could not make. All open non-modally with ``open()`` and
report through ``finished``/signals (no ``exec()`` inside the event loop)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.purchasing import POCreationReport

#: Reasons offered in the dismiss dialog; the user may type any other.
COMMON_REASONS = (
    "Product discontinued",
    "Seasonal: no reorder until next season",
    "Stock counted: the level is correct",
    "Ordered outside possync",
)


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class DismissDialog(QDialog):
    """Asks why the selected alerts are not needed; OK stays disabled until a reason is given."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        noun = "alert" if count == 1 else f"{count} alerts"
        self.setWindowTitle(f"Dismiss {noun}")
        prompt = QLabel(
            f"Why is this {noun} not needed? The reason is kept with the alert (required)."
        )
        prompt.setWordWrap(True)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(["", *COMMON_REASONS])
        self.reason.setCurrentIndex(0)
        editor = self.reason.lineEdit()
        if editor is not None:
            editor.setPlaceholderText("Type or choose a reason")
        self.buttons = _buttons(self, "Dismiss")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.reason.currentTextChanged.connect(self._on_text_changed)
        self._on_text_changed(self.reason.currentText())
        self.resize(440, self.sizeHint().height())

    def _on_text_changed(self, text: str) -> None:
        ok = bool(text.strip())
        self.ok_button.setEnabled(ok)
        self.ok_button.setToolTip("" if ok else "A reason is required")

    def text(self) -> str:
        return self.reason.currentText().strip()

    def accept(self) -> None:
        if self.text():  # Enter in the box must not dismiss without a reason
            super().accept()


def start_of_day(day: QDate) -> datetime:
    """Local midnight at the start of ``day``, as aware UTC."""
    local = datetime.combine(date(day.year(), day.month(), day.day()), time(0, 0)).astimezone()
    return local.astimezone(UTC)


class SnoozeDialog(QDialog):
    """Until when to hide the selected alerts: a date, tomorrow by default."""

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        noun = "alert" if count == 1 else f"{count} alerts"
        self.setWindowTitle(f"Snooze {noun}")
        prompt = QLabel(
            f"Hide the {noun} until the start of this day; a stock check then shows it again "
            "if the stock is still low."
        )
        prompt.setWordWrap(True)
        tomorrow = QDate.currentDate().addDays(1)
        self.date = QDateEdit(tomorrow)
        self.date.setCalendarPopup(True)
        self.date.setMinimumDate(tomorrow)
        self.date.setMaximumDate(tomorrow.addDays(365))
        self.date.setDisplayFormat("yyyy-MM-dd (ddd)")
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.date)
        layout.addWidget(_buttons(self, "Snooze"))
        self.resize(420, self.sizeHint().height())

    def until(self) -> datetime:
        return start_of_day(self.date.date())


class CreationReportDialog(QDialog):
    """What "Create purchase orders" made, and each item it could not order with the reason.

    Signals: ``open_orders_requested(list)`` — the order numbers, to show them in their tab."""

    open_orders_requested = Signal(list)

    def __init__(self, report: POCreationReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Purchase orders created")
        self.report = report
        n = len(report.orders)
        self.summary = QLabel(_summary(report))
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: 600;")
        self.orders = QTableWidget(n, 5)
        self.orders.setHorizontalHeaderLabels(["Order", "Supplier", "Warehouse", "Status", "Total"])
        self.orders.verticalHeader().setVisible(False)
        self.orders.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.orders.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.orders.horizontalHeader().setStretchLastSection(True)
        for i, po in enumerate(report.orders):
            cells = (
                po.order_number,
                po.supplier_name,
                po.warehouse_code,
                po.status.value.replace("_", " ").capitalize(),
                f"{po.currency} {po.total_amount:,.2f}",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.orders.setItem(i, column, item)
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        for text in _problem_lines(report):
            self.problems.addItem(text)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        if n:
            layout.addWidget(self.orders, 2)
        else:
            self.orders.hide()
        if report.problems:
            layout.addWidget(QLabel(f"Could not be ordered ({self.problems.count()}):"))
            layout.addWidget(self.problems, 1)
        else:
            self.problems.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.show_button = QPushButton("Show in Purchase Orders")
        self.show_button.setEnabled(n > 0)
        buttons.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.clicked.connect(self._on_show_clicked)
        layout.addWidget(buttons)
        self.resize(760, 440 if report.problems and n else 320)

    def problem_texts(self) -> list[str]:
        return [self.problems.item(i).text() for i in range(self.problems.count())]

    def _on_show_clicked(self) -> None:
        self.open_orders_requested.emit([po.order_number for po in self.report.orders])
        self.accept()


def _problem_lines(report: POCreationReport) -> list[str]:
    """One line per problem; the same product refused in two warehouses without a warehouse
    named reads the same, so it is said once."""
    lines: dict[str, None] = {}
    for p in report.problems:
        where = f" at {p.warehouse_code}" if p.warehouse_code else ""
        if p.product_code in p.message:
            lines[f"{p.message}{where}"] = None
        else:
            lines[f"{p.product_code}{where}: {p.message}"] = None
    return list(lines)


def _summary(report: POCreationReport) -> str:
    n = len(report.orders)
    if n == 0:
        text = "No purchase orders were created."
    else:
        text = f"{n} purchase order{'s' if n != 1 else ''} created"
        waiting = sum(1 for o in report.orders if o.needs_second_approver)
        if waiting:
            text += (
                f"; {waiting} above the approval threshold must be approved by someone other "
                "than you"
            )
        text += "."
    if report.skipped_alerts:
        text += f" {report.skipped_alerts} selected alert(s) were not open and were skipped."
    return text
