"""The Purchase Orders tab widget: status filter and search, the orders, the selected order's
detail and lines, and the workflow buttons (each enabled only where the action is allowed).

A plain synchronous widget: it shows what the presenter emits and forwards intent.
Keyboard: Ctrl+F search, F5 reload.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
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

from possync_gui.domain.purchasing import PurchaseOrderRecord
from possync_gui.ui.dialogs import run_dialog
from possync_gui.ui.purchase_orders.actions import Action, allowed
from possync_gui.ui.purchase_orders.detail import DetailPanel
from possync_gui.ui.purchase_orders.dialogs import (
    ReasonDialog,
    export_dialog,
    remember_export_dir,
)
from possync_gui.ui.purchase_orders.model import ROW_ROLE, Column, SortProxy
from possync_gui.ui.purchase_orders.presenter import STATUS_CHOICES, PurchaseOrdersPresenter

SEARCH_DEBOUNCE_MS = 250
COLUMN_WIDTHS = (
    (Column.ORDER, 130),
    (Column.SUPPLIER, 260),
    (Column.WAREHOUSE, 120),
    (Column.STATUS, 130),
    (Column.TOTAL, 110),
    (Column.UNITS, 140),
    (Column.CREATED_BY, 110),
    (Column.CREATED, 130),
)
TIPS = {
    Action.APPROVE: "Approve the order so it can be sent",
    Action.REJECT: "Reject the order, with a reason; its alerts become active again",
    Action.SEND: "Mark the approved order as sent to its supplier",
    Action.CANCEL: "Cancel the order; its alerts become active again",
}


class PurchaseOrdersTab(QWidget):
    """Signals: ``message(str)`` for the status bar, ``suppliers_requested()`` (the window
    opens the suppliers dialog)."""

    message = Signal(str)
    suppliers_requested = Signal()

    def __init__(self, presenter: PurchaseOrdersPresenter, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search order number or supplier (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        for key, words, _statuses in STATUS_CHOICES:
            self.status.addItem(words, key)
        self.approve_button = QPushButton("Approve")
        self.reject_button = QPushButton("Reject…")
        self.send_button = QPushButton("Send")
        self.cancel_button = QPushButton("Cancel order…")
        self.buttons = {
            Action.APPROVE: self.approve_button,
            Action.REJECT: self.reject_button,
            Action.SEND: self.send_button,
            Action.CANCEL: self.cancel_button,
        }
        self.pdf_button = QPushButton("Export PDF…")
        self.csv_button = QPushButton("Export CSV…")
        self.suppliers_button = QPushButton("Suppliers…")
        self.suppliers_button.setToolTip("Suppliers and what each supplies, at what terms")
        self.proxy = SortProxy(presenter.model, self)
        self.table = self._make_table()
        self.count = QLabel("")
        self.detail = DetailPanel(presenter.lines)
        self._wanted: list[str] = []
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
        table.sortByColumn(Column.CREATED, Qt.SortOrder.DescendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.suppliers_button)
        actions = QHBoxLayout()
        for button in (*self.buttons.values(), self.pdf_button, self.csv_button):
            actions.addWidget(button)
        actions.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 380])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        p = self.presenter
        self.search.textEdited.connect(lambda _text: self._debounce.start())
        self._debounce.timeout.connect(lambda: p.set_search(self.search.text()))
        self.search.returnPressed.connect(self._on_search_entered)
        self.status.currentIndexChanged.connect(lambda _i: p.set_status(self.status.currentData()))
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.approve_button.clicked.connect(self._on_approve_clicked)
        self.reject_button.clicked.connect(self._on_reject_clicked)
        self.send_button.clicked.connect(self._on_send_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.pdf_button.clicked.connect(lambda: self._on_export_clicked("pdf"))
        self.csv_button.clicked.connect(lambda: self._on_export_clicked("csv"))
        self.suppliers_button.clicked.connect(self.suppliers_requested.emit)
        p.loaded.connect(self._on_loaded)
        p.detail_changed.connect(self._on_detail_changed)
        p.operator_changed.connect(lambda _name: self._update_actions())
        p.message.connect(self.message.emit)
        within = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_search, context=within)
        QShortcut(
            QKeySequence("F5"), self, lambda: p.tasks.run("refresh", p.refresh()), context=within
        )

    # -- Qt events -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.set_visible(True)

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.presenter.set_visible(False)

    # -- what is selected ------------------------------------------------------------------
    def selected_order(self) -> PurchaseOrderRecord | None:
        """The selected order, with its lines once they are read (the list has none)."""
        index = self.table.currentIndex()
        row: PurchaseOrderRecord | None = index.data(ROW_ROLE) if index.isValid() else None
        detail = self.presenter.detail
        if row is not None and detail is not None and detail.id == row.id:
            return detail
        return row

    def select_order(self, ref: uuid.UUID | str) -> bool:
        """Select an order shown in the list, by id or order number."""
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            order = index.data(ROW_ROLE)
            if order is not None and ref in (order.id, order.order_number):
                self.table.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
                return True
        return False

    def show_orders(self, order_numbers: list[str]) -> None:
        """Show these orders (just created): open orders, no search, the first selected."""
        self._wanted = list(order_numbers)
        self.search.clear()
        self._debounce.stop()
        self.status.setCurrentIndex(max(0, self.status.findData("open")))
        p = self.presenter
        p.set_search("")
        p.tasks.run("refresh", p.refresh())

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_entered(self) -> None:
        self._debounce.stop()
        self.presenter.set_search(self.search.text())
        self.table.setFocus()

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        order: PurchaseOrderRecord | None = current.data(ROW_ROLE) if current.isValid() else None
        self.presenter.select(order.id if order else None)
        self._update_actions()

    def _update_actions(self) -> None:
        order = self.selected_order()
        p = self.presenter
        for action, button in self.buttons.items():
            verdict = allowed(action, order, p.operator, p.approval_threshold)
            button.setEnabled(verdict.ok)
            button.setToolTip(TIPS[action] if verdict.ok else verdict.reason)
        for button in (self.pdf_button, self.csv_button):
            button.setEnabled(order is not None)
            button.setToolTip(
                "Save the supplier's copy (named after the order number)"
                if order is not None
                else "Select a purchase order first"
            )

    # -- intent ----------------------------------------------------------------------------
    def _order_for(self, action: Action) -> PurchaseOrderRecord | None:
        order = self.selected_order()
        p = self.presenter
        verdict = allowed(action, order, p.operator, p.approval_threshold)
        if not verdict.ok:
            self.message.emit(verdict.reason)
            return None
        return order

    def _on_approve_clicked(self) -> None:
        order = self._order_for(Action.APPROVE)
        if order is not None:
            self.presenter.tasks.run("approve", self.presenter.approve(order.id))

    def _on_send_clicked(self) -> None:
        order = self._order_for(Action.SEND)
        if order is not None:
            self.presenter.tasks.run("send", self.presenter.send(order.id))

    def _on_reject_clicked(self) -> None:
        order = self._order_for(Action.REJECT)
        if order is None:
            return
        dialog = ReasonDialog(
            f"Reject {order.order_number}",
            f"Reject {order.order_number} for {order.supplier_name}? Its alerts become active "
            "again. Say why (required):",
            "Reject order",
            required=True,
            parent=self,
        )
        p = self.presenter
        run_dialog(dialog, lambda d: p.tasks.run("reject", p.reject(order.id, d.text())))

    def _on_cancel_clicked(self) -> None:
        order = self._order_for(Action.CANCEL)
        if order is None:
            return
        dialog = ReasonDialog(
            f"Cancel {order.order_number}",
            f"Cancel {order.order_number} ({order.currency} {order.total_amount:,.2f}) for "
            f"{order.supplier_name}? Its alerts become active again.",
            "Cancel order",
            required=False,
            cancel_text="Keep order",
            parent=self,
        )
        p = self.presenter
        run_dialog(dialog, lambda d: p.tasks.run("cancel", p.cancel(order.id, d.text())))

    def _on_export_clicked(self, fmt: str) -> None:
        order = self.selected_order()
        if order is None:
            self.message.emit("Select a purchase order first")
            return
        p = self.presenter
        order_id = order.id

        def chosen(dialog: QFileDialog) -> None:
            files = dialog.selectedFiles()
            if files:
                path = Path(files[0])
                remember_export_dir(path)
                p.tasks.run(f"export-{fmt}", p.export(order_id, path, fmt))

        run_dialog(export_dialog(self, order.order_number, fmt), chosen)

    # -- facts -----------------------------------------------------------------------------
    def _on_loaded(self, count: int) -> None:
        noun = "order" if count == 1 else "orders"
        self.count.setText(
            f"{count:,} purchase {noun}"
            if count
            else "No purchase orders match. Create them from the Alerts tab: select alerts "
            "and press Create purchase orders (Ctrl+Enter)."
        )
        found = any(self.select_order(ref) for ref in self._wanted)
        self._wanted = []
        if not found and self.presenter.selected is not None:
            found = self.select_order(self.presenter.selected)
        if not found:
            if self.proxy.rowCount() > 0:
                self.table.selectRow(0)  # the detail is never empty while there are orders
            else:
                self.presenter.select(None)
        self._update_actions()

    def _on_detail_changed(self, order: PurchaseOrderRecord | None) -> None:
        self.detail.show_order(order, self.presenter.approval_threshold)
        self._update_actions()
