"""The Alerts tab widget: filters, the colour-coded alert list, the explanation panel, the
actions and the stock check.

A plain synchronous widget: it shows what the presenter emits and forwards intent.
Keyboard: Ctrl+F search, Ctrl+Enter create purchase orders, F5 check stock now, Esc cancels
the check.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.enums import AlertStatus, UrgencyLevel
from possync_gui.domain.purchasing import AlertRecord, POCreationReport
from possync_gui.domain.records import Warehouse
from possync_gui.domain.suppliers import SupplierRecord
from possync_gui.ui.alerts.dialogs import (
    CreationReportDialog,
    DismissDialog,
    SnoozeDialog,
)
from possync_gui.ui.alerts.explain import URGENCY_WORDS
from possync_gui.ui.alerts.model import ROW_ROLE, Column, SortProxy
from possync_gui.ui.alerts.panels import CheckPanel, ExplanationPanel
from possync_gui.ui.alerts.presenter import STATUS_CHOICES, AlertsPresenter, CheckState
from possync_gui.ui.dialogs import run_dialog

SEARCH_DEBOUNCE_MS = 250
COLUMN_WIDTHS = (
    (Column.SKU, 90),
    (Column.PRODUCT, 210),
    (Column.WAREHOUSE, 110),
    (Column.URGENCY, 75),
    (Column.ON_HAND, 70),
    (Column.ON_ORDER, 70),
    (Column.REORDER_POINT, 100),
    (Column.SUGGESTED, 105),
    (Column.SUPPLIER, 125),
    (Column.STATUS, 160),
)
#: Statuses each action applies to (the facade refuses the rest, with a reason).
ORDERABLE = (AlertStatus.ACTIVE,)
DISMISSABLE = (AlertStatus.ACTIVE, AlertStatus.SNOOZED)
SNOOZABLE = (AlertStatus.ACTIVE, AlertStatus.SNOOZED, AlertStatus.DISMISSED)
REACTIVATABLE = (AlertStatus.DISMISSED, AlertStatus.SNOOZED)


def _as_uuid(value: str | None) -> uuid.UUID | None:
    # Combo boxes carry ids as text: Qt cannot compare Python UUID objects.
    return uuid.UUID(value) if value else None


def _button(label: str, tip: str, shortcut: str = "") -> QPushButton:
    button = QPushButton(label)
    button.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
    return button


class AlertsTab(QWidget):
    """Signals: ``message(str)`` for the status bar, ``open_orders_requested(list)`` (order
    numbers to show in the Purchase Orders tab)."""

    message = Signal(str)
    open_orders_requested = Signal(list)

    def __init__(self, presenter: AlertsPresenter, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search SKU or product name (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.urgency = QComboBox()
        self.urgency.addItem("Any urgency", None)
        for level in (UrgencyLevel.CRITICAL, UrgencyLevel.HIGH, UrgencyLevel.MEDIUM):
            self.urgency.addItem(URGENCY_WORDS[level], level.value)
        self.urgency.addItem(URGENCY_WORDS[UrgencyLevel.LOW], UrgencyLevel.LOW.value)
        self.warehouse = QComboBox()
        self.warehouse.addItem("All warehouses", None)
        self.supplier = QComboBox()
        self.supplier.addItem("All suppliers", None)
        self.status = QComboBox()
        for key, words, _statuses in STATUS_CHOICES:
            self.status.addItem(words, key)
        self.create_button = _button(
            "Create purchase orders",
            "One per supplier and warehouse from the selected alerts",
            "Ctrl+Enter",
        )
        self.dismiss_button = _button("Dismiss…", "Hide the selected alerts, with a reason")
        self.snooze_button = _button("Snooze…", "Hide the selected alerts until a date")
        self.reactivate_button = _button("Reactivate", "Show dismissed or snoozed alerts again")
        self.check_button = _button("Check stock now", "Judge every stock level now", "F5")
        self.proxy = SortProxy(presenter.model, self)
        self.table = self._make_table()
        self.count = QLabel("")
        self.explanation = ExplanationPanel()
        self.check_panel = CheckPanel()
        self._keep: list[uuid.UUID] = []
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._build_layout()
        self._connect()
        self._update_actions()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(Column.URGENCY, Qt.SortOrder.DescendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(24)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in COLUMN_WIDTHS:
            table.setColumnWidth(column, width)
        return table

    def _build_layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for combo in (self.urgency, self.warehouse, self.supplier, self.status):
            filters.addWidget(combo, 1)
        actions = QHBoxLayout()
        for button in (
            self.create_button,
            self.dismiss_button,
            self.snooze_button,
            self.reactivate_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.check_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.count)
        # The list gets the window's width (eleven columns); the explanation sits below it.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.explanation)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([400, 290])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.check_panel)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        p = self.presenter
        self.search.textEdited.connect(lambda _text: self._debounce.start())
        self._debounce.timeout.connect(lambda: p.set_search(self.search.text()))
        self.search.returnPressed.connect(self._on_search_entered)
        self.urgency.currentIndexChanged.connect(
            lambda _i: p.set_urgency(self.urgency.currentData())
        )
        self.warehouse.currentIndexChanged.connect(
            lambda _i: p.set_warehouse(_as_uuid(self.warehouse.currentData()))
        )
        self.supplier.currentIndexChanged.connect(
            lambda _i: p.set_supplier(_as_uuid(self.supplier.currentData()))
        )
        self.status.currentIndexChanged.connect(lambda _i: p.set_status(self.status.currentData()))
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._on_selection())
        self.create_button.clicked.connect(self._on_create_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_clicked)
        self.snooze_button.clicked.connect(self._on_snooze_clicked)
        self.reactivate_button.clicked.connect(self._on_reactivate_clicked)
        self.check_button.clicked.connect(p.start_check)
        self.check_panel.cancel_requested.connect(p.cancel_check)
        self.proxy.modelAboutToBeReset.connect(self._remember_selection)
        p.loaded.connect(self._on_loaded)
        p.warehouses_changed.connect(self._on_warehouses_changed)
        p.suppliers_changed.connect(self._on_suppliers_changed)
        p.check_changed.connect(self._on_check_changed)
        p.orders_created.connect(self._on_orders_created)
        p.message.connect(self.message.emit)
        within = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+F", self.focus_search),
            ("Ctrl+Return", self._on_create_clicked),
            ("Ctrl+Enter", self._on_create_clicked),
            ("F5", p.start_check),
            ("Escape", p.cancel_check),
        ):
            QShortcut(QKeySequence(keys), self, slot, context=within)

    # -- Qt events -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.set_visible(True)

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.presenter.set_visible(False)

    # -- what is selected ------------------------------------------------------------------
    def selected_alerts(self) -> list[AlertRecord]:
        """The selected alerts in the order the table shows them."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        alerts = [self.proxy.index(r, 0).data(ROW_ROLE) for r in rows]
        return [a for a in alerts if a is not None]

    def select_alerts(self, alert_ids: list[uuid.UUID]) -> int:
        """Select these alerts (those shown); returns how many were found."""
        wanted = set(alert_ids)
        selection = self.table.selectionModel()
        selection.clearSelection()
        found = 0
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            alert = index.data(ROW_ROLE)
            if alert is not None and alert.id in wanted:
                if found == 0:
                    selection.setCurrentIndex(index, flags)
                    self.table.scrollTo(index)
                else:
                    selection.select(index, flags)
                found += 1
        self._on_selection()
        return found

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_entered(self) -> None:
        self._debounce.stop()
        self.presenter.set_search(self.search.text())
        self.table.setFocus()

    def _remember_selection(self) -> None:
        self._keep = [a.id for a in self.selected_alerts()]

    def _on_selection(self) -> None:
        alerts = self.selected_alerts()
        current = self.table.currentIndex()
        shown: AlertRecord | None = current.data(ROW_ROLE) if current.isValid() else None
        if shown is None or shown not in alerts:
            shown = alerts[0] if alerts else None
        self.explanation.show_alert(shown, max(0, len(alerts) - 1))
        self._update_actions()

    def _update_actions(self) -> None:
        statuses = {a.status for a in self.selected_alerts()}
        self.create_button.setEnabled(bool(statuses & set(ORDERABLE)))
        self.dismiss_button.setEnabled(bool(statuses & set(DISMISSABLE)))
        self.snooze_button.setEnabled(bool(statuses & set(SNOOZABLE)))
        self.reactivate_button.setEnabled(bool(statuses & set(REACTIVATABLE)))
        self.check_button.setEnabled(not self.presenter.check_state.running)

    # -- intent ----------------------------------------------------------------------------
    def _ids(self, statuses: tuple[AlertStatus, ...]) -> list[uuid.UUID]:
        return [a.id for a in self.selected_alerts() if a.status in statuses]

    def _on_create_clicked(self) -> None:
        ids = self._ids(ORDERABLE)
        if not ids:
            self.message.emit("Select one or more active alerts to order")
            return
        p = self.presenter
        p.tasks.run("create-orders", p.create_purchase_orders(ids))

    def _on_dismiss_clicked(self) -> None:
        ids = self._ids(DISMISSABLE)
        if not ids:
            self.message.emit("Select one or more active or snoozed alerts to dismiss")
            return
        p = self.presenter
        run_dialog(
            DismissDialog(len(ids), self),
            lambda d: p.tasks.run("dismiss", p.dismiss(ids, d.text())),
        )

    def _on_snooze_clicked(self) -> None:
        ids = self._ids(SNOOZABLE)
        if not ids:
            self.message.emit("Select one or more active alerts to snooze")
            return
        p = self.presenter
        run_dialog(
            SnoozeDialog(len(ids), self),
            lambda d: p.tasks.run("snooze", p.snooze(ids, d.until())),
        )

    def _on_reactivate_clicked(self) -> None:
        ids = self._ids(REACTIVATABLE)
        if ids:
            self.presenter.tasks.run("reactivate", self.presenter.reactivate(ids))

    # -- facts -----------------------------------------------------------------------------
    def _on_loaded(self, count: int) -> None:
        noun = "alert" if count == 1 else "alerts"
        if count:
            self.count.setText(f"{count:,} {noun} · select several with Shift or Ctrl")
        else:
            self.count.setText(
                "No alerts match. Alerts appear when a product falls to its reorder point — "
                "press Check stock now (F5) to judge every stock level."
            )
        found = self.select_alerts(self._keep) if self._keep else 0
        if not found and self.proxy.rowCount() > 0:
            self.table.selectRow(0)  # the explanation is never empty while there are rows
        self._on_selection()

    def _on_warehouses_changed(self, warehouses: list[Warehouse]) -> None:
        _refill(
            self.warehouse, "All warehouses", [(f"{w.code} — {w.name}", w.id) for w in warehouses]
        )

    def _on_suppliers_changed(self, suppliers: list[SupplierRecord]) -> None:
        _refill(self.supplier, "All suppliers", [(f"{s.code} — {s.name}", s.id) for s in suppliers])

    def _on_check_changed(self, state: CheckState) -> None:
        self.check_panel.show_state(state)
        self.check_button.setEnabled(not state.running)

    def _on_orders_created(self, report: POCreationReport) -> None:
        dialog = CreationReportDialog(report, self)
        dialog.open_orders_requested.connect(self.open_orders_requested.emit)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()


def _refill(combo: QComboBox, everything: str, items: list[tuple[str, uuid.UUID]]) -> None:
    """Replace a filter's choices, keeping the chosen one (signals blocked: no re-query)."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(everything, None)
    for text, value in items:
        combo.addItem(text, str(value))
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.blockSignals(False)
