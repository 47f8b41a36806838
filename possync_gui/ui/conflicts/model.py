"""The Conflicts tab's table model: immutable :class:`ConflictRecord` snapshots.

Filtering happens in the facade's query; the proxy only sorts, by ``SORT_ROLE`` so numbers,
money and ages sort as such. Words, signs, money and "3 h" are made here, late, from the
records' ints, Decimals and datetimes (STYLE habit 9). ``data()`` does no I/O.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
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

from possync_gui.domain.conflicts import ConflictRecord
from possync_gui.ui.money import format_money

Index = QModelIndex | QPersistentModelIndex

#: The :class:`ConflictRecord` behind an index.
ROW_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class Column(IntEnum):
    SKU = 0
    PRODUCT = 1
    WAREHOUSE = 2
    INTEGRATION = 3
    POS = 4
    SYSTEM = 5
    BASE = 6
    DIFFERENCE = 7
    VALUE = 8
    AGE = 9
    STATUS = 10


HEADERS = {
    Column.SKU: "SKU",
    Column.PRODUCT: "Product",
    Column.WAREHOUSE: "Warehouse",
    Column.INTEGRATION: "Integration",
    Column.POS: "POS",
    Column.SYSTEM: "Warehouse qty",
    Column.BASE: "Base",
    Column.DIFFERENCE: "Difference",
    Column.VALUE: "Value at cost",
    Column.AGE: "Age",
    Column.STATUS: "Status",
}
HEADER_TIPS = {
    Column.POS: "What the POS counts now",
    Column.SYSTEM: "What the warehouse (possync's ledger) holds now",
    Column.BASE: "The quantity both sides last agreed on",
    Column.DIFFERENCE: "POS minus warehouse",
    Column.VALUE: "The difference at the product's unit cost",
    Column.AGE: "How long the conflict has been open (was open, once resolved)",
}
NUMERIC = {Column.POS, Column.SYSTEM, Column.BASE, Column.DIFFERENCE, Column.VALUE, Column.AGE}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

#: How each resolution reads to a person.
STRATEGY_WORDS = {
    "pos_wins": "Accepted POS",
    "supplier_wins": "Accepted warehouse",
    "set": "Set count",
    "manual_review": "Manual review",
}
#: Text colour of a difference: the POS holds more (blue) or less (red) than the warehouse.
MORE_COLOUR = QColor("#1f5fa8")
LESS_COLOUR = QColor("#b3261e")
_MUTED = QColor("#6b6b6b")
_NO_COST = "— no cost —"


def age_text(age: timedelta) -> str:
    """'just now', '12 min', '3 h', '2 d': short enough for a column."""
    seconds = int(age.total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86_400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86_400:,} d"


def signed(n: int) -> str:
    """'+3', '−5' (a real minus sign), '0'."""
    if n > 0:
        return f"+{n:,}"
    if n < 0:
        return f"\u2212{-n:,}"
    return "0"


def money(amount: Decimal | None) -> str:
    return _NO_COST if amount is None else format_money(amount)


def local(when: datetime | None) -> str:
    return "" if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M")


def status_text(record: ConflictRecord) -> str:
    """'Open', or how it was settled: 'Accepted POS → 7 (alice)'."""
    if record.is_open:
        return "Open (review)" if record.review_policy == "manual" else "Open"
    how = STRATEGY_WORDS.get(record.strategy or "", "Closed by sync")
    value = "" if record.resolved_value is None else f" \u2192 {record.resolved_value:,}"
    who = f" ({record.resolved_by})" if record.resolved_by else ""
    return f"{how}{value}{who}"


def _display(r: ConflictRecord, column: Column, now: datetime) -> str:  # noqa: PLR0911
    match column:
        case Column.SKU:
            return r.sku
        case Column.PRODUCT:
            return r.product_name
        case Column.WAREHOUSE:
            return r.warehouse_code
        case Column.INTEGRATION:
            return r.integration_name
        case Column.POS:
            return f"{r.pos_value:,}" + ("?" if r.pos_unverified else "")
        case Column.SYSTEM:
            return f"{r.system_value:,}"
        case Column.BASE:
            return "—" if r.base_value is None else f"{r.base_value:,}"
        case Column.DIFFERENCE:
            return signed(r.difference)
        case Column.VALUE:
            return money(r.value_at_cost)
        case Column.AGE:
            return age_text(r.age(now))
        case Column.STATUS:
            return status_text(r)


def _sort_key(r: ConflictRecord, column: Column, now: datetime) -> Any:  # noqa: PLR0911
    match column:
        case Column.POS:
            return r.pos_value
        case Column.SYSTEM:
            return r.system_value
        case Column.BASE:
            return -1 if r.base_value is None else r.base_value
        case Column.DIFFERENCE:
            return r.difference
        case Column.VALUE:
            # Qt cannot compare Decimals; whole cents sort the same way.
            return -1 if r.value_at_cost is None else int(r.value_at_cost * 100)
        case Column.AGE:
            return r.age(now).total_seconds()
        case _:
            return _display(r, column, now).lower()


class ConflictsModel(QAbstractTableModel):
    """The conflicts the current filters select, one row each; fed by the presenter.

    Ages are measured from ``now``, which the tab moves on each minute (``set_now``)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ConflictRecord] = []
        self._now = datetime.now(UTC)

    def set_rows(self, rows: list[ConflictRecord], now: datetime | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._now = now or datetime.now(UTC)
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        """Ages move on: only the age column changes."""
        self._now = now
        if self._rows:
            top = self.index(0, Column.AGE)
            bottom = self.index(len(self._rows) - 1, Column.AGE)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole, SORT_ROLE])

    def rows(self) -> list[ConflictRecord]:
        return list(self._rows)

    def row_for(self, conflict_id: uuid.UUID) -> ConflictRecord | None:
        return next((r for r in self._rows if r.id == conflict_id), None)

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
        column = Column(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return _RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        record = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(record, column, self._now)
        if role == SORT_ROLE:
            return _sort_key(record, column, self._now)
        if role == ROW_ROLE:
            return record
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            return _foreground(record, column)
        if role == Qt.ItemDataRole.FontRole and column == Column.DIFFERENCE:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(record, column)
        return None


def _foreground(record: ConflictRecord, column: Column) -> QBrush | None:
    if column == Column.DIFFERENCE and record.difference:
        return QBrush(MORE_COLOUR if record.difference > 0 else LESS_COLOUR)
    if not record.is_open or (column == Column.VALUE and record.value_at_cost is None):
        return QBrush(_MUTED)
    return None


def _tooltip(record: ConflictRecord, column: Column) -> str | None:  # noqa: PLR0911
    match column:
        case Column.PRODUCT:
            return record.product_name
        case Column.POS if record.pos_unverified:
            return "The POS could not be read on the last check: this is the last count known"
        case Column.DIFFERENCE:
            d = record.difference
            if d == 0:
                return "The two sides agree"
            side = "more" if d > 0 else "fewer"
            return f"The POS counts {abs(d):,} {side} than the warehouse"
        case Column.VALUE if record.value_at_cost is None:
            return "No unit cost is known for this product (set one in Suppliers)"
        case Column.AGE:
            return f"Detected {local(record.detected_at)}"
        case Column.STATUS:
            return record.note or None
    return None


class SortProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE``; the filters are the facade's."""

    def __init__(self, source: QAbstractTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
