"""The Inventory tab widget: search (and scan) box, filters, the stock list, the detail panel.

It is a plain synchronous widget: it shows what the presenter emits and forwards the
user's intent; the presenter does the work.
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
    QDialog,
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

from possync_gui.domain.enums import StockStatus
from possync_gui.domain.records import ProductDetail, StockRow, Warehouse
from possync_gui.ui.inventory.adjust_dialog import AdjustDialog
from possync_gui.ui.inventory.detail import DetailPanel
from possync_gui.ui.inventory.model import Column
from possync_gui.ui.inventory.presenter import InventoryPresenter

SEARCH_DEBOUNCE_MS = 250


def _as_uuid(value: str | None) -> uuid.UUID | None:
    # Combo boxes carry ids as text: Qt cannot compare Python UUID objects.
    return uuid.UUID(value) if value else None


class InventoryTab(QWidget):
    """Signals: ``message(str)`` for the window's status area."""

    message = Signal(str)

    def __init__(self, presenter: InventoryPresenter, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "Search SKU, name or barcode — or scan a barcode and press Enter"
        )
        self.search.setClearButtonEnabled(True)
        self.warehouse = QComboBox()
        self.warehouse.addItem("All warehouses", None)
        self.status = QComboBox()
        self.status.addItem("Any status", None)
        self.status.addItem("Out of stock", StockStatus.OUT)
        self.status.addItem("Low", StockStatus.LOW)
        self.status.addItem("OK", StockStatus.OK)
        self.count = QLabel("")
        self.adjust_button = QPushButton("Adjust stock…")
        self.adjust_button.setToolTip("Record damage, found stock or a recount (Ctrl+J)")
        self.adjust_button.setEnabled(False)
        self.import_button = QPushButton("Import CSV…")
        self.export_button = QPushButton("Export CSV…")

        self.table = QTableView()
        self.table.setModel(presenter.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(Column.SKU, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in (
            (Column.SKU, 110),
            (Column.NAME, 300),
            (Column.BARCODE, 120),
            (Column.WAREHOUSE, 120),
            (Column.ON_HAND, 80),
            (Column.MINIMUM, 75),
            (Column.REORDER_POINT, 100),
            (Column.STATUS, 95),
        ):
            self.table.setColumnWidth(col, width)
        self.detail = DetailPanel()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._build_layout()
        self._connect()

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        bar.addWidget(self.warehouse, 1)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.adjust_button)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        left_layout.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        p = self.presenter
        self.search.textEdited.connect(lambda _text: self._debounce.start())
        self._debounce.timeout.connect(lambda: p.set_text(self.search.text()))
        self.search.returnPressed.connect(self._on_scan_entered)
        self.warehouse.currentIndexChanged.connect(
            lambda _i: p.set_warehouse(_as_uuid(self.warehouse.currentData()))
        )
        self.status.currentIndexChanged.connect(lambda _i: p.set_status(self.status.currentData()))
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.doubleClicked.connect(lambda _index: self._on_adjust_clicked())
        self.adjust_button.clicked.connect(self._on_adjust_clicked)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        p.warehouses_changed.connect(self._on_warehouses_changed)
        p.total_changed.connect(self._on_total_changed)
        p.detail_changed.connect(self._on_detail_changed)
        p.select_row_requested.connect(self.select_row)
        p.serial_found.connect(self.count.setText)  # stays until the next search
        p.message.connect(self.message.emit)
        QShortcut(QKeySequence("Ctrl+F"), self, self.focus_search)
        QShortcut(QKeySequence("Ctrl+J"), self, self._on_adjust_clicked)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search, self._clear_search)

    # -- Qt events -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.set_visible(True)
        self.focus_search()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.presenter.set_visible(False)

    # -- intent ----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _clear_search(self) -> None:
        self.search.clear()
        self.presenter.set_text("")

    def _on_scan_entered(self) -> None:
        self._debounce.stop()
        code = self.search.text().strip()
        if code:
            self.presenter.tasks.run("refresh", self.presenter.scan(code))
        else:
            self.presenter.set_text("")
        self.search.selectAll()  # the next scan replaces this one

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.presenter.model.row_at(current.row()) if current.isValid() else None
        self.adjust_button.setEnabled(row is not None)
        self.presenter.show_detail(row.product_id if row else None)

    def selected_row(self) -> StockRow | None:
        index = self.table.currentIndex()
        return self.presenter.model.row_at(index.row()) if index.isValid() else None

    def _on_adjust_clicked(self) -> None:
        row = self.selected_row()
        if row is None:
            self.message.emit("Select a product first")
            return
        dialog = AdjustDialog(row, self.presenter.warehouses, self)
        dialog.finished.connect(lambda result: self._on_adjust_finished(dialog, result))
        dialog.open()

    def _on_adjust_finished(self, dialog: AdjustDialog, result: int) -> None:
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        sku, warehouse_id, delta, reason, note = dialog.values()
        if delta == 0:
            self.message.emit("No change entered; nothing was recorded")
            return
        self.presenter.tasks.run(
            "adjust", self.presenter.adjust(sku, warehouse_id, delta, reason, note)
        )

    def _on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import catalog", "", "CSV files (*.csv)")
        if path:
            self.presenter.tasks.run("import", self.presenter.import_catalog(Path(path)))

    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export catalog", "catalog.csv", "CSV (*.csv)")
        if path:
            self.presenter.tasks.run("export", self.presenter.export_catalog(Path(path)))

    # -- facts -----------------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        index = self.presenter.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def _on_warehouses_changed(self, warehouses: list[Warehouse]) -> None:
        current = self.warehouse.currentData()
        self.warehouse.blockSignals(True)
        self.warehouse.clear()
        self.warehouse.addItem("All warehouses", None)
        for wh in warehouses:
            self.warehouse.addItem(f"{wh.code} — {wh.name}", str(wh.id))
        self.warehouse.setCurrentIndex(max(0, self.warehouse.findData(current)))
        self.warehouse.blockSignals(False)

    def _on_total_changed(self, total: int) -> None:
        noun = "row" if total == 1 else "rows"
        self.count.setText(f"{total:,} stock {noun}")
        if total == 0:
            self.presenter.show_detail(None)
        elif not self.table.currentIndex().isValid():
            self.select_row(0)  # the detail panel is never empty while there are rows

    def _on_detail_changed(self, detail: ProductDetail | None) -> None:
        self.detail.show_detail(detail)
