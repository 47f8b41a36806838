"""The three panels of the Suppliers dialog: the supplier list (left), the selected
supplier's products, and the products without a preferred supplier (right, one at a time).

Plain widgets: they show the presenter's models and hold the buttons; the dialog wires them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.suppliers import SupplierRecord
from possync_gui.ui.suppliers.model import (
    ROW_ROLE,
    MappingColumn,
    MappingsModel,
    SortProxy,
    SupplierColumn,
    SuppliersModel,
    UnassignedColumn,
    UnassignedModel,
)

TITLE_STYLE = "QLabel { font-size: 14pt; font-weight: bold; }"
HINT_STYLE = "QLabel { color: #5f6368; }"


def button(label: str, tip: str) -> QPushButton:
    """A button that Enter in a field never presses by accident (no auto-default)."""
    b = QPushButton(label)
    b.setToolTip(tip)
    b.setAutoDefault(False)
    b.setDefault(False)
    return b


def table(proxy: SortProxy, widths: dict[int, int]) -> QTableView:
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for column, width in widths.items():
        view.setColumnWidth(column, width)
    return view


def select_where(view: QTableView, match: Any) -> bool:
    """Make the first row whose record ``match(record)`` accepts current; False if none."""
    model = view.model()
    for r in range(model.rowCount()):
        index = model.index(r, 0)
        if match(index.data(ROW_ROLE)):
            view.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            view.scrollTo(index)
            return True
    return False


def current_record(view: QTableView) -> Any:
    index: QModelIndex = view.currentIndex()
    return index.data(ROW_ROLE) if index.isValid() else None


class SupplierListPanel(QWidget):
    """The search, the suppliers, and Add/Edit/Remove."""

    def __init__(self, model: SuppliersModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search suppliers… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.proxy = SortProxy(model, self)
        self.table = table(
            self.proxy,
            {SupplierColumn.CODE: 140, SupplierColumn.PRODUCTS: 70, SupplierColumn.PREFERRED: 75},
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(SupplierColumn.NAME, QHeaderView.ResizeMode.Stretch)
        self.table.sortByColumn(SupplierColumn.CODE, Qt.SortOrder.AscendingOrder)
        self.add_button = button("Add…", "Add a supplier (Ctrl+Shift+N)")
        self.edit_button = button("Edit…", "Change the selected supplier (Enter)")
        self.remove_button = button("Remove", "Remove the supplier and its products (Delete)")
        self.count = QLabel("")
        self.count.setStyleSheet(HINT_STYLE)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.count)
        title = QLabel("Suppliers")
        title.setStyleSheet(TITLE_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def selected(self) -> SupplierRecord | None:
        record: SupplierRecord | None = current_record(self.table)
        return record


class MappingPanel(QWidget):
    """The selected supplier: who it is, the products it sells us, Add/Edit/Remove."""

    def __init__(self, model: MappingsModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.title = QLabel("No supplier selected")
        self.title.setStyleSheet(TITLE_STYLE)
        self.details = QLabel(" ")
        self.details.setStyleSheet(HINT_STYLE)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.proxy = SortProxy(model, self)
        self.table = table(
            self.proxy,
            {
                MappingColumn.SKU: 100,
                MappingColumn.PRODUCT: 250,
                MappingColumn.SUPPLIER_SKU: 120,
                MappingColumn.UNIT_COST: 100,
                MappingColumn.LEAD_TIME: 80,
                MappingColumn.PACK: 55,
                MappingColumn.MOQ: 55,
            },
        )
        self.table.sortByColumn(MappingColumn.SKU, Qt.SortOrder.AscendingOrder)
        self.add_button = button("Add product…", "Map a product to this supplier (Ctrl+N)")
        self.edit_button = button("Edit…", "Change the selected product's terms (Enter)")
        self.remove_button = button("Remove", "This supplier no longer sells it (Delete)")
        self.count = QLabel("")
        self.count.setStyleSheet(HINT_STYLE)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def show_supplier(self, supplier: SupplierRecord | None) -> None:
        if supplier is None:
            self.title.setText("No supplier selected")
            self.details.setText("Select a supplier on the left, or add one.")
            return
        self.title.setText(supplier.name)
        contact = [supplier.code, supplier.email or "no email", supplier.phone or "no phone"]
        self.details.setText(" · ".join([*contact, f"prices in {supplier.currency}"]))


class UnassignedPanel(QWidget):
    """Products without a preferred supplier, and "Assign supplier…" for the selected one."""

    def __init__(self, model: UnassignedModel, parent: Any = None) -> None:
        super().__init__(parent)
        title = QLabel("Products without a preferred supplier")
        title.setStyleSheet(TITLE_STYLE)
        hint = QLabel(
            "Purchase orders cannot be drafted for these. Select one and press Assign "
            "supplier… (Enter): the supplier selected on the left is suggested."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search products by SKU, barcode or name… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.proxy = SortProxy(model, self)
        self.table = table(
            self.proxy,
            {
                UnassignedColumn.SKU: 110,
                UnassignedColumn.BARCODE: 130,
                UnassignedColumn.OFFERED_BY: 200,
            },
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(UnassignedColumn.PRODUCT, QHeaderView.ResizeMode.Stretch)
        self.table.sortByColumn(UnassignedColumn.SKU, Qt.SortOrder.AscendingOrder)
        self.assign_button = button("Assign supplier…", "Choose its supplier and terms (Enter)")
        self.count = QLabel("")
        self.count.setStyleSheet(HINT_STYLE)
        buttons = QHBoxLayout()
        buttons.addWidget(self.assign_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
