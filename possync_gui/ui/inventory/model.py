"""A windowed table model over the stock list: it never holds more than a few pages.

``rowCount`` is the size of the whole (filtered) list; ``data`` serves rows from a small
cache of pages and, for a row not yet loaded, shows a placeholder and asks for its page
with ``page_needed``. The presenter reads the page off the GUI thread and hands it back with
``put_page``. ``data`` itself never does I/O.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from possync_gui.domain.enums import StockStatus
from possync_gui.domain.records import StockRow

PAGE_SIZE = 200
#: Pages kept in memory; older ones are dropped and re-read if scrolled back to.
MAX_PAGES = 40

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    SKU = 0
    NAME = 1
    BARCODE = 2
    WAREHOUSE = 3
    ON_HAND = 4
    MINIMUM = 5
    REORDER_POINT = 6
    STATUS = 7
    UPDATED = 8


HEADERS = {
    Column.SKU: "SKU",
    Column.NAME: "Product",
    Column.BARCODE: "Barcode",
    Column.WAREHOUSE: "Warehouse",
    Column.ON_HAND: "On hand",
    Column.MINIMUM: "Minimum",
    Column.REORDER_POINT: "Reorder point",
    Column.STATUS: "Status",
    Column.UPDATED: "Updated",
}

#: The store's sort key for each column.
SORT_KEYS = {
    Column.SKU: "sku",
    Column.NAME: "name",
    Column.BARCODE: "barcode",
    Column.WAREHOUSE: "warehouse",
    Column.ON_HAND: "on_hand",
    Column.MINIMUM: "minimum_stock",
    Column.REORDER_POINT: "reorder_point",
    Column.STATUS: "status",
    Column.UPDATED: "updated_at",
}

STATUS_TEXT = {StockStatus.OUT: "Out of stock", StockStatus.LOW: "Low", StockStatus.OK: "OK"}
STATUS_COLOUR = {
    StockStatus.OUT: QColor("#fde2e1"),
    StockStatus.LOW: QColor("#fff4d6"),
}
NUMERIC = {Column.ON_HAND, Column.MINIMUM, Column.REORDER_POINT}


class StockTableModel(QAbstractTableModel):
    """Signals: ``page_needed(generation, page)``, ``sort_requested(column, descending)``."""

    page_needed = Signal(int, int)
    sort_requested = Signal(int, bool)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._total = 0
        self._generation = 0
        self._pages: OrderedDict[int, list[StockRow]] = OrderedDict()
        self._pending: set[int] = set()

    # -- feeding ---------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self._generation

    def reset(self, total: int, first_page: list[StockRow]) -> int:
        """Start a new list of ``total`` rows; returns its generation."""
        self.beginResetModel()
        self._generation += 1
        self._total = total
        self._pages.clear()
        self._pending.clear()
        if first_page:
            self._pages[0] = first_page
        self.endResetModel()
        return self._generation

    def put_page(self, generation: int, page: int, rows: list[StockRow]) -> None:
        if generation != self._generation:
            return  # an answer for a list that is no longer shown
        self._pending.discard(page)
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._total) - 1
        if last >= first:
            self.dataChanged.emit(
                self.index(first, 0),
                self.index(last, len(Column) - 1),
                [Qt.ItemDataRole.DisplayRole],
            )

    def page_failed(self, generation: int, page: int) -> None:
        if generation == self._generation:
            self._pending.discard(page)

    def cached_pages(self) -> list[int]:
        return list(self._pages)

    def row_at(self, row: int) -> StockRow | None:
        """The row if loaded (no request is made)."""
        page = self._pages.get(row // PAGE_SIZE)
        if page is None:
            return None
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    # -- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.TextAlignmentRole and section in NUMERIC:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < self._total:
            return None
        row = self.row_at(index.row())
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self._request(index.row() // PAGE_SIZE)
                return "…" if index.column() == 0 else ""
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.BackgroundRole and column in (Column.ON_HAND, Column.STATUS):
            colour = STATUS_COLOUR.get(row.status)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.NAME:
            return row.name
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_requested.emit(column, order == Qt.SortOrder.DescendingOrder)

    def _request(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        self.page_needed.emit(self._generation, page)


def _display(row: StockRow, column: Column) -> str:  # noqa: PLR0911 - one per column
    match column:
        case Column.SKU:
            return row.sku
        case Column.NAME:
            return row.name
        case Column.BARCODE:
            return row.barcode or ""
        case Column.WAREHOUSE:
            return row.warehouse_code
        case Column.ON_HAND:
            return f"{row.on_hand:,}"
        case Column.MINIMUM:
            return f"{row.minimum_stock:,}"
        case Column.REORDER_POINT:
            return "" if row.reorder_point is None else f"{row.reorder_point:,}"
        case Column.STATUS:
            return STATUS_TEXT[row.status]
        case Column.UPDATED:
            return row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
