"""The location → warehouse editor of the integration dialog: one row per POS location."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.records import Warehouse


class _Table(QTableWidget):
    def commit_open_editor(self) -> None:
        """Take what is typed in a cell still being edited (Save pressed without Enter)."""
        if self.state() == QAbstractItemView.State.EditingState:
            editor = self.indexWidget(self.currentIndex())
            if editor is not None:
                self.commitData(editor)


class LocationMapEditor(QWidget):
    """An editable two-column table: the POS's location id, and the warehouse (a combo of
    the store's warehouses, by code) whose stock it is."""

    def __init__(self, warehouses: list[Warehouse], parent: Any = None) -> None:
        super().__init__(parent)
        self._warehouses = warehouses
        self.table = _Table(0, 2)
        self.table.setHorizontalHeaderLabels(["POS location id", "Warehouse"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 150)
        self.table.setMinimumHeight(120)
        self.add_button = QPushButton("&Add location")
        self.remove_button = QPushButton("&Remove location")
        hint = QLabel(
            "Counts at a POS location go to its warehouse. Counts at a location not "
            "listed here are skipped and reported in the sync log."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("QLabel { color: #555; }")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        self.add_button.clicked.connect(lambda _checked=False: self.add_row())
        self.remove_button.clicked.connect(self._remove_current)

    def add_row(self, location: str = "", warehouse_code: str | None = None) -> int:
        """Append a row (and focus its location cell when it is empty); returns its index."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(location)
        self.table.setItem(row, 0, item)
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setToolTip("Choose a warehouse, or type the code of one to be created")
        for wh in self._warehouses:
            combo.addItem(f"{wh.code} — {wh.name}", wh.code)
        if warehouse_code is not None:
            index = combo.findData(warehouse_code)
            if index < 0:  # a warehouse not created yet: keep the code that is stored
                combo.addItem(warehouse_code, warehouse_code)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
        line = combo.lineEdit()
        if line is not None:
            line.setCursorPosition(0)  # show the code, not the end of the name
        self.table.setCellWidget(row, 1, combo)
        if not location:
            self.table.setFocus()
            self.table.setCurrentCell(row, 0)
            self.table.editItem(item)
        return row

    def set_map(self, location_map: dict[str, str]) -> None:
        self.table.setRowCount(0)
        for location, code in sorted(location_map.items()):
            self.add_row(location, code)

    def location_map(self) -> dict[str, str]:
        """``{POS location id: warehouse code}``; raises ``ValueError`` for a location listed
        twice or one without a warehouse. Rows with no location id are ignored."""
        self.table.commit_open_editor()
        result: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            location = item.text().strip() if item is not None else ""
            if not location:
                continue
            code = _code(self.table.cellWidget(row, 1))
            if not code:
                raise ValueError(f"Choose the warehouse for POS location {location!r}.")
            if location in result:
                raise ValueError(f"POS location {location!r} is listed twice.")
            result[location] = str(code)
        return result

    def _remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)


def _code(combo: QWidget | None) -> str | None:
    """The chosen warehouse's code, or the code typed into the combo."""
    if not isinstance(combo, QComboBox):
        return None
    typed = combo.currentText().strip()
    index = combo.findText(typed)
    if index >= 0:
        return str(combo.itemData(index))
    return typed or None
