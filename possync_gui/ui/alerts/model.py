"""The Alerts tab's table model: immutable :class:`AlertRecord` snapshots, urgency in colour.

Filtering happens in the facade's query (it scales to many alerts); the proxy only sorts,
by ``SORT_ROLE`` so numbers, urgencies and times sort as such. ``data()`` does no I/O.
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
from PySide6.QtGui import QBrush, QColor, QFont

from possync_gui.domain.enums import AlertStatus, UrgencyLevel
from possync_gui.domain.purchasing import AlertRecord
from possync_gui.domain.reorder import URGENCY_ORDER
from possync_gui.ui.alerts.explain import URGENCY_WORDS

Index = QModelIndex | QPersistentModelIndex

#: The :class:`AlertRecord` behind an index.
ROW_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(IntEnum):
    SKU = 0
    PRODUCT = 1
    WAREHOUSE = 2
    URGENCY = 3
    ON_HAND = 4
    ON_ORDER = 5
    REORDER_POINT = 6
    SUGGESTED = 7
    SUPPLIER = 8
    STATUS = 9
    UPDATED = 10


HEADERS = {
    Column.SKU: "SKU",
    Column.PRODUCT: "Product",
    Column.WAREHOUSE: "Warehouse",
    Column.URGENCY: "Urgency",
    Column.ON_HAND: "On hand",
    Column.ON_ORDER: "On order",
    Column.REORDER_POINT: "Reorder point",
    Column.SUGGESTED: "Suggested qty",
    Column.SUPPLIER: "Supplier",
    Column.STATUS: "Status",
    Column.UPDATED: "Updated",
}
NUMERIC = {Column.ON_HAND, Column.ON_ORDER, Column.REORDER_POINT, Column.SUGGESTED}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

#: (background, text) per urgency: strong enough to find at a glance, dark-on-light or
#: light-on-dark so the word stays readable.
URGENCY_COLOURS = {
    UrgencyLevel.CRITICAL: ("#c62828", "#ffffff"),
    UrgencyLevel.HIGH: ("#f08c2e", "#1a1a1a"),
    UrgencyLevel.MEDIUM: ("#ffe066", "#1a1a1a"),
    UrgencyLevel.LOW: ("#d6e4f0", "#1f3a5a"),
}
STATUS_WORDS = {
    AlertStatus.ACTIVE: "Active",
    AlertStatus.ORDERED: "Ordered",
    AlertStatus.SNOOZED: "Snoozed",
    AlertStatus.DISMISSED: "Dismissed",
    AlertStatus.RESOLVED: "Resolved",
}
_MUTED = QColor("#6b6b6b")


def local(when: Any) -> str:
    return "" if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M")


def status_text(alert: AlertRecord) -> str:
    word = STATUS_WORDS.get(alert.status, str(alert.status))
    if alert.status == AlertStatus.SNOOZED and alert.snoozed_until is not None:
        return f"{word} until {alert.snoozed_until.astimezone():%Y-%m-%d}"
    return word


def _display(alert: AlertRecord, column: Column) -> str:  # noqa: PLR0911 - one per column
    match column:
        case Column.SKU:
            return alert.product_code
        case Column.PRODUCT:
            return alert.product_name
        case Column.WAREHOUSE:
            return alert.warehouse_code
        case Column.URGENCY:
            return URGENCY_WORDS.get(alert.urgency_level, str(alert.urgency_level))
        case Column.ON_HAND:
            return f"{alert.current_stock:,}"
        case Column.ON_ORDER:
            return f"{alert.on_order:,}"
        case Column.REORDER_POINT:
            return f"{alert.reorder_point:,}"
        case Column.SUGGESTED:
            return f"{alert.reorder_quantity:,}"
        case Column.SUPPLIER:
            return alert.supplier_code or "— none —"
        case Column.STATUS:
            return status_text(alert)
        case Column.UPDATED:
            return local(alert.updated_at)


#: Columns that sort by a number rather than by their text.
_SORT_NUMBERS = {
    Column.URGENCY: lambda a: URGENCY_ORDER.get(a.urgency_level, -1),
    Column.ON_HAND: lambda a: a.current_stock,
    Column.ON_ORDER: lambda a: a.on_order,
    Column.REORDER_POINT: lambda a: a.reorder_point,
    Column.SUGGESTED: lambda a: a.reorder_quantity,
    Column.UPDATED: lambda a: a.updated_at.timestamp(),
}


def _sort_key(alert: AlertRecord, column: Column) -> Any:
    key = _SORT_NUMBERS.get(column)
    return key(alert) if key is not None else _display(alert, column).lower()


class AlertsModel(QAbstractTableModel):
    """The alerts the current filters select, one row each; fed by the presenter."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AlertRecord] = []

    def set_rows(self, rows: list[AlertRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[AlertRecord]:
        return list(self._rows)

    def row_for(self, alert_id: uuid.UUID) -> AlertRecord | None:
        return next((r for r in self._rows if r.id == alert_id), None)

    # -- Qt model API ------------------------------------------------------------------------
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
        alert = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(alert, column)
        if role == SORT_ROLE:
            return _sort_key(alert, column)
        if role == ROW_ROLE:
            return alert
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return _RIGHT
        if column == Column.URGENCY:
            return _urgency_role(alert, role)
        if role == Qt.ItemDataRole.ForegroundRole and _is_quiet(alert):
            return QBrush(_MUTED)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == Column.PRODUCT:
                return alert.product_name
            if column == Column.SUPPLIER:
                return alert.supplier_name or "No preferred supplier: it cannot be ordered"
            if column == Column.STATUS:
                return _status_tip(alert)
        return None


def _status_tip(alert: AlertRecord) -> str | None:
    if alert.status == AlertStatus.ORDERED and alert.purchase_order_number:
        return f"On purchase order {alert.purchase_order_number}"
    if alert.status == AlertStatus.DISMISSED and alert.dismissed_reason:
        return f"Dismissed: {alert.dismissed_reason}"
    return None


def _is_quiet(alert: AlertRecord) -> bool:
    """Alerts nobody needs to act on are shown in grey."""
    return alert.status in (AlertStatus.DISMISSED, AlertStatus.SNOOZED, AlertStatus.RESOLVED)


def _urgency_role(alert: AlertRecord, role: int) -> Any:
    colours = URGENCY_COLOURS.get(alert.urgency_level)
    if colours is None:
        return None
    if role == Qt.ItemDataRole.BackgroundRole:
        return QBrush(QColor(colours[0]))
    if role == Qt.ItemDataRole.ForegroundRole:
        return QBrush(QColor(colours[1]))
    if role == Qt.ItemDataRole.FontRole and alert.urgency_level == UrgencyLevel.CRITICAL:
        font = QFont()
        font.setBold(True)
        return font
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return Qt.AlignmentFlag.AlignCenter
    return None


class SortProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE``; the filters are the facade's."""

    def __init__(self, source: QAbstractTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
