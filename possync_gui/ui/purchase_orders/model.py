"""Table models of the Purchase Orders tab: the orders, and the lines of the selected one.

Both hold immutable records; ``data()`` never does I/O. Filtering is the facade's query;
the proxy sorts by ``SORT_ROLE`` (money, units and times sort as numbers).
"""

from __future__ import annotations

import uuid
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from possync_gui.domain.enums import PurchaseOrderStatus as S
from possync_gui.domain.purchasing import PurchaseOrderLineRecord, PurchaseOrderRecord
from possync_gui.ui.money import format_money
from possync_gui.ui.purchase_orders.actions import STATUS_WORDS

Index = QModelIndex | QPersistentModelIndex

#: The record behind an index.
ROW_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

STATUS_COLOURS = {
    S.PENDING_APPROVAL: QColor("#8a5a00"),
    S.APPROVED: QColor("#1e7b34"),
    S.SENT: QColor("#1f5fa8"),
    S.PARTIALLY_RECEIVED: QColor("#1f5fa8"),
    S.CANCELLED: QColor("#6b6b6b"),
    S.REJECTED: QColor("#b3261e"),
}


def local(when: Any) -> str:
    return "" if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M")


def money(order: PurchaseOrderRecord) -> str:
    return format_money(order.total_amount, order.currency)


class Column(IntEnum):
    ORDER = 0
    SUPPLIER = 1
    WAREHOUSE = 2
    STATUS = 3
    TOTAL = 4
    UNITS = 5
    CREATED_BY = 6
    CREATED = 7
    APPROVED_BY = 8


HEADERS = {
    Column.ORDER: "Order number",
    Column.SUPPLIER: "Supplier",
    Column.WAREHOUSE: "Warehouse",
    Column.STATUS: "Status",
    Column.TOTAL: "Total",
    Column.UNITS: "Ordered / received",
    Column.CREATED_BY: "Created by",
    Column.CREATED: "Created",
    Column.APPROVED_BY: "Approved by",
}
NUMERIC = {Column.TOTAL, Column.UNITS}


def _display(order: PurchaseOrderRecord, column: Column) -> str:  # noqa: PLR0911
    match column:
        case Column.ORDER:
            return order.order_number
        case Column.SUPPLIER:
            return f"{order.supplier_code} — {order.supplier_name}"
        case Column.WAREHOUSE:
            return order.warehouse_code
        case Column.STATUS:
            return STATUS_WORDS.get(order.status, str(order.status))
        case Column.TOTAL:
            return money(order)
        case Column.UNITS:
            return f"{order.ordered_units:,} / {order.received_units:,}"
        case Column.CREATED_BY:
            return order.created_by
        case Column.CREATED:
            return local(order.created_at)
        case Column.APPROVED_BY:
            return order.approved_by or ""


def _sort_key(order: PurchaseOrderRecord, column: Column) -> Any:
    match column:
        case Column.TOTAL:
            return float(order.total_amount)
        case Column.UNITS:
            return order.ordered_units
        case Column.CREATED:
            return order.created_at.timestamp()
        case _:
            return _display(order, column).lower()


class PurchaseOrdersModel(QAbstractTableModel):
    """The orders the filters select (their lines are not loaded: see the detail)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[PurchaseOrderRecord] = []

    def set_rows(self, rows: list[PurchaseOrderRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[PurchaseOrderRecord]:
        return list(self._rows)

    def row_for(self, order_id: uuid.UUID) -> PurchaseOrderRecord | None:
        return next((r for r in self._rows if r.id == order_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in NUMERIC:
            return _RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        order = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(order, column)
        if role == SORT_ROLE:
            return _sort_key(order, column)
        if role == ROW_ROLE:
            return order
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.STATUS:
            colour = STATUS_COLOURS.get(order.status)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.STATUS:
            if order.rejected_reason:
                return order.rejected_reason
            if order.needs_second_approver and order.status == S.PENDING_APPROVAL:
                return (
                    f"Above the approval threshold: someone other than {order.created_by} approves"
                )
        return None


class LineColumn(IntEnum):
    SKU = 0
    PRODUCT = 1
    SUPPLIER_SKU = 2
    ORDERED = 3
    RECEIVED = 4
    UNIT_COST = 5
    LINE_TOTAL = 6


LINE_HEADERS = {
    LineColumn.SKU: "SKU",
    LineColumn.PRODUCT: "Product",
    LineColumn.SUPPLIER_SKU: "Supplier SKU",
    LineColumn.ORDERED: "Qty ordered",
    LineColumn.RECEIVED: "Qty received",
    LineColumn.UNIT_COST: "Unit cost",
    LineColumn.LINE_TOTAL: "Line total",
}
LINE_NUMERIC = {
    LineColumn.ORDERED,
    LineColumn.RECEIVED,
    LineColumn.UNIT_COST,
    LineColumn.LINE_TOTAL,
}


def _line_display(line: PurchaseOrderLineRecord, column: LineColumn) -> str:  # noqa: PLR0911
    match column:
        case LineColumn.SKU:
            return line.product_code
        case LineColumn.PRODUCT:
            return line.product_name
        case LineColumn.SUPPLIER_SKU:
            return line.supplier_sku or ""
        case LineColumn.ORDERED:
            return f"{line.quantity:,}"
        case LineColumn.RECEIVED:
            return f"{line.received_quantity:,}"
        case LineColumn.UNIT_COST:
            return f"{line.unit_cost:,.2f}"
        case LineColumn.LINE_TOTAL:
            return f"{line.line_total:,.2f}"


class LinesModel(QAbstractTableModel):
    """The lines of one purchase order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lines: list[PurchaseOrderLineRecord] = []

    def set_lines(self, lines: tuple[PurchaseOrderLineRecord, ...] | list[Any]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LineColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(LineColumn):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return LINE_HEADERS[LineColumn(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in LINE_NUMERIC:
            return _RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        column = LineColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _line_display(line, column)
        if role == ROW_ROLE:
            return line
        if role == Qt.ItemDataRole.TextAlignmentRole and column in LINE_NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == LineColumn.PRODUCT:
            return line.product_name
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE``; the filters are the facade's."""

    def __init__(self, source: QAbstractTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
