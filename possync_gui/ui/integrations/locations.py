"""The location → warehouse editor of the integration dialog: one row per POS location.

Location ids are typed, or fetched from the POS ("Fetch locations"): a fetched row shows
the location's name too, and its warehouse is the one whose code or name is that name, or
the only warehouse there is; with several and none matching it is left for the user to
choose (Save says so), because a wrong guess would put a shop's counts into another
warehouse's stock without anyone noticing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import Qt
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
from possync_gui.services.integrations import LocationChoice

LOCATION, WAREHOUSE, NAME = range(3)
#: On a location cell: True while the row is the app's suggestion (fetched or pre-filled)
#: and the user has not chosen its warehouse; a row the user types with the same id
#: replaces it instead of being "listed twice".
SUGGESTED_ROLE = Qt.ItemDataRole.UserRole + 1
NOTE_STYLE = "QLabel { color: #555; }"
ERROR_STYLE = (
    "QLabel { background: #fde2e1; color: #1b1b1b; border: 1px solid #e5a1a0; padding: 4px; }"
)


class _Table(QTableWidget):
    def commit_open_editor(self) -> None:
        """Take what is typed in a cell still being edited (Save pressed without Enter)."""
        if self.state() == QAbstractItemView.State.EditingState:
            editor = self.indexWidget(self.currentIndex())
            if editor is not None:
                self.commitData(editor)


class LocationMapEditor(QWidget):
    """An editable table: the POS's location id, the warehouse (a combo of the store's
    warehouses, by code) whose stock it is, and the location's name in the POS once fetched.
    ``fetch_button`` is the dialog's to wire; ``show_status`` reports on it."""

    def __init__(self, warehouses: list[Warehouse], parent: Any = None) -> None:
        super().__init__(parent)
        self._warehouses = warehouses
        self._filling = False
        self.table = _Table(0, 3)
        self.table.setHorizontalHeaderLabels(["POS location id", "Warehouse", "Name in the POS"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(LOCATION, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(WAREHOUSE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(LOCATION, 150)
        self.table.setColumnWidth(NAME, 130)
        self.table.setColumnHidden(NAME, True)  # until a row has a name
        # Shopify's ids are long (gid://shopify/Location/…): keep both ends in view.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(120)
        self.add_button = QPushButton("&Add location")
        self.remove_button = QPushButton("&Remove location")
        self.fetch_button = QPushButton("Fetch &locations")
        self.fetch_button.setToolTip(
            "Ask the POS for its locations with the address and credentials above, and add "
            "a row for each active one (nothing is saved until you press Save)"
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        hint = QLabel(
            "Counts at a POS location go to its warehouse. Counts at a location not "
            "listed here are skipped and reported in the sync log."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(NOTE_STYLE)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.fetch_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(hint)
        self.add_button.clicked.connect(lambda _checked=False: self.add_row())
        self.remove_button.clicked.connect(self._remove_current)
        self.table.itemChanged.connect(self._on_item_changed)

    # -- rows --------------------------------------------------------------------------------
    def add_row(
        self,
        location: str = "",
        warehouse_code: str | None = None,
        *,
        name: str = "",
        suggested: bool = False,
    ) -> int:
        """Append a row (and focus its location cell when it is empty); returns its index.
        Without ``warehouse_code`` the first warehouse is chosen; ``""`` leaves it to choose.
        A ``suggested`` row (from the POS) keeps its id read-only."""
        with self._quietly():
            row = self.table.rowCount()
            self.table.insertRow(row)
            item = QTableWidgetItem(location)
            if suggested:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                item.setData(SUGGESTED_ROLE, True)
            self.table.setItem(row, LOCATION, item)
            self._set_name(row, name)
            combo = self._warehouse_combo(warehouse_code)
            self.table.setCellWidget(row, WAREHOUSE, combo)
        # The user choosing a warehouse makes a suggested row theirs.
        combo.currentIndexChanged.connect(lambda _i: self._take_over(item))
        combo.editTextChanged.connect(lambda _t: self._take_over(item))
        if not location:
            self.table.setFocus()
            self.table.setCurrentCell(row, LOCATION)
            self.table.editItem(item)
        return row

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Changes made here are the app's, not the user's (``_on_item_changed`` ignores them)."""
        was, self._filling = self._filling, True
        try:
            yield
        finally:
            self._filling = was

    def _warehouse_combo(self, code: str | None) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setToolTip("Choose a warehouse, or type the code of one to be created")
        for wh in self._warehouses:
            combo.addItem(f"{wh.code} — {wh.name}", wh.code)
        line = combo.lineEdit()
        if code == "":
            combo.setCurrentIndex(-1)
            if line is not None:
                line.setPlaceholderText("choose a warehouse")
        elif code is not None:
            index = combo.findData(code)
            if index < 0:  # a warehouse not created yet: keep the code that is stored
                combo.addItem(code, code)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
        if line is not None:
            line.setCursorPosition(0)  # show the code, not the end of the name
        return combo

    def _set_name(self, row: int, name: str, *, note: bool = False) -> None:
        """The location's name in the POS (or a gray note about it), read-only."""
        item = QTableWidgetItem(name)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        item.setToolTip(name)
        if note:
            item.setForeground(Qt.GlobalColor.gray)
        self.table.setItem(row, NAME, item)
        location = self.table.item(row, LOCATION)
        if location is not None and name and not note:
            location.setToolTip(name)
        if name:
            self.table.setColumnHidden(NAME, False)

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
            location = self._location(row)
            if not location:
                continue
            code = _code(self.table.cellWidget(row, WAREHOUSE))
            if not code:
                raise ValueError(f"Choose the warehouse for POS location {location!r}.")
            if location in result:
                raise ValueError(f"POS location {location!r} is listed twice.")
            result[location] = str(code)
        return result

    def _location(self, row: int) -> str:
        item = self.table.item(row, LOCATION)
        return item.text().strip() if item is not None else ""

    def _rows_of(self, location: str) -> list[int]:
        return [r for r in range(self.table.rowCount()) if self._location(r) == location]

    def _remove_current(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    # -- suggestions from the POS ------------------------------------------------------------
    def has_locations(self) -> bool:
        return any(self._location(r) for r in range(self.table.rowCount()))

    def suggest(self, choice: LocationChoice) -> None:
        """Add ``choice`` as a suggested row (WooCommerce's one location)."""
        self.add_row(choice.id, self._match(choice), name=choice.name, suggested=True)
        self._fit_columns()

    def drop_suggestions(self) -> None:
        """Remove the suggested rows nobody has chosen a warehouse for (another POS type was
        chosen: its locations mean nothing to the new one)."""
        for row in reversed(range(self.table.rowCount())):
            item = self.table.item(row, LOCATION)
            if item is not None and item.data(SUGGESTED_ROLE):
                self.table.removeRow(row)

    def merge(self, choices: Iterable[LocationChoice]) -> str:
        """Fill the table from what the POS lists: a row per active location not listed yet;
        rows already listed keep their warehouse and show their name. Returns a summary."""
        choices = list({c.id: c for c in choices}.values())
        with self._quietly():
            for row in reversed(range(self.table.rowCount())):
                if not self._location(row):
                    self.table.removeRow(row)  # an empty row the fetch now fills in
            by_id = {c.id: c for c in choices}
            for row in range(self.table.rowCount()):
                choice = by_id.get(self._location(row))
                if choice is None:
                    self._set_name(row, "not listed by the POS", note=True)
                elif choice.active:
                    self._set_name(row, choice.name)
                else:
                    self._set_name(row, f"{choice.name} (inactive)", note=True)
            active = [c for c in choices if c.active]
            new = [c for c in active if not self._rows_of(c.id)]
            left_out = sum(1 for c in choices if not c.active and not self._rows_of(c.id))
            unmatched = 0
            for choice in new:
                code = self._match(choice)
                unmatched += code == ""
                self.add_row(choice.id, code, name=choice.name, suggested=True)
        self._fit_columns()
        return _summary(len(active), len(new), left_out, unmatched)

    def _fit_columns(self) -> None:
        """Ids and names as wide as they need, within bounds: the warehouse column, which
        shows "code — name", gets the rest."""
        for column, low, high in ((LOCATION, 90, 170), (NAME, 90, 150)):
            self.table.resizeColumnToContents(column)
            width = self.table.columnWidth(column)
            self.table.setColumnWidth(column, max(low, min(high, width)))

    def _match(self, choice: LocationChoice) -> str:
        """The warehouse code for a POS location: the warehouse whose code or name is the
        location's name (or id), case aside; else the only warehouse; else "" (choose)."""
        wanted = {choice.name.strip().casefold(), choice.id.strip().casefold()}
        for wh in self._warehouses:
            if wh.code.casefold() in wanted or wh.name.strip().casefold() in wanted:
                return wh.code
        return self._warehouses[0].code if len(self._warehouses) == 1 else ""

    def _take_over(self, item: QTableWidgetItem) -> None:
        if self._filling or self.table.row(item) < 0 or not item.data(SUGGESTED_ROLE):
            return
        with self._quietly():
            item.setData(SUGGESTED_ROLE, False)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        """A location id typed by the user replaces a suggested row with the same id."""
        if self._filling or item.column() != LOCATION or item.data(SUGGESTED_ROLE):
            return
        location = item.text().strip()
        mine = self.table.row(item)
        for row in reversed(self._rows_of(location) if location else []):
            other = self.table.item(row, LOCATION)
            if row != mine and other is not None and other.data(SUGGESTED_ROLE):
                self.table.removeRow(row)

    # -- the fetch's state ---------------------------------------------------------------------
    def set_fetching(self, busy: bool) -> None:
        self.fetch_button.setEnabled(not busy)
        self.fetch_button.setText("Fetching…" if busy else "Fetch &locations")
        if busy:
            self.show_status("Asking the POS for its locations…")

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.status.setVisible(bool(text))


def _summary(active: int, added: int, inactive: int, unmatched: int) -> str:
    if not active:
        text = "The POS lists no active locations."
    else:
        noun = "location" if active == 1 else "locations"
        text = f"The POS lists {active} active {noun}: {added} added"
        text += f", {active - added} listed already." if active > added else "."
    if inactive:
        text += f" {inactive} inactive left out."
    if unmatched:
        text += " Choose the warehouse where none is set."
    return text


def _code(combo: QWidget | None) -> str | None:
    """The chosen warehouse's code, or the code typed into the combo."""
    if not isinstance(combo, QComboBox):
        return None
    typed = combo.currentText().strip()
    index = combo.findText(typed)
    if index >= 0:
        return str(combo.itemData(index))
    return typed or None
