"""Table models of the Receiving tab: the scan board's lines, and plain record lists (open
orders, posted deliveries, a delivery's items) described by their columns.

``BoardModel`` shows the board's own line objects; the presenter tells it which row changed
(``line_changed``), was added or removed, so one scan repaints one row: O(1), whatever the
number of lines. ``data()`` never does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from possync_gui.domain.scan_board import BoardLine, LineStatus, ScanBoard

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

ROW_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

STATUS_BACKGROUNDS = {
    LineStatus.PARTIAL: QColor("#fff4c2"),
    LineStatus.COMPLETE: QColor("#d7f0d9"),
    LineStatus.OVER: QColor("#ffd9b3"),
    LineStatus.NOT_ON_ORDER: QColor("#f6d0d0"),
    LineStatus.RECEIVED: QColor("#e2ecf8"),
}
FLAGGED = QColor("#b3261e")
_BRUSHES = {status: QBrush(colour) for status, colour in STATUS_BACKGROUNDS.items()}
_FLAGGED_BRUSH = QBrush(FLAGGED)
STATUS_WORDS = {
    LineStatus.WAITING: "Waiting",
    LineStatus.PARTIAL: "Partly scanned",
    LineStatus.COMPLETE: "Complete",
    LineStatus.OVER: "Over",
    LineStatus.NOT_ON_ORDER: "Not on order",
    LineStatus.RECEIVED: "Received",
}


class BoardColumn(IntEnum):
    SKU = 0
    PRODUCT = 1
    EXPECTED = 2
    SCANNED = 3
    REMAINING = 4
    SERIALS = 5
    STATUS = 6


_COLUMNS = tuple(BoardColumn)
BOARD_HEADERS = ("SKU", "Product", "Expected", "Scanned", "Remaining", "Serials / lots", "Status")
BOARD_NUMERIC = {BoardColumn.EXPECTED, BoardColumn.SCANNED, BoardColumn.REMAINING}


def serials_text(line: BoardLine) -> str:
    """Short: the serial count (and how many are flagged), or the lots."""
    if line.product.is_serialized:
        if not line.serials:
            return "serialized: one serial per unit"
        text = f"{len(line.serials)} serial{'s' if len(line.serials) != 1 else ''}"
        if line.serials:
            text += f" (last {next(reversed(line.serials))})"
        if line.flagged:
            text += f", {len(line.flagged)} not on manifest"
        return text
    lots = [f"{lot}: {b.quantity}" for (lot, _exp), b in line.buckets.items() if lot]
    return ", ".join(lots)


class BoardModel(QAbstractTableModel):
    """The board's lines in board order (the proxy sorts and filters)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.board = ScanBoard()
        self._count = 0
        #: The row of the line scanned last (shown bold).
        self.last_row = -1
        self._bold = QFont()
        self._bold.setBold(True)
        r = Qt.ItemDataRole
        self._roles: dict[int, Any] = {
            int(r.DisplayRole.value): self._display,
            int(SORT_ROLE): self._sort,
            int(ROW_ROLE): lambda line, _c, _r: line,
            int(r.TextAlignmentRole.value): self._alignment,
            int(r.BackgroundRole.value): self._background,
            int(r.ForegroundRole.value): self._foreground,
            int(r.FontRole.value): self._font,
            int(r.ToolTipRole.value): lambda line, _c, _r: _board_tip(line),
        }

    def set_board(self, board: ScanBoard) -> None:
        self.beginResetModel()
        self.board = board
        self._count = len(board.lines)
        self.last_row = -1
        self.endResetModel()

    # -- what the presenter reports ------------------------------------------------------------
    def line_added(self) -> None:
        """The board appended a line."""
        self.beginInsertRows(QModelIndex(), self._count, self._count)
        self._count += 1
        self.endInsertRows()

    def line_removed(self) -> None:
        """The board dropped its last line (an undo of the scan that brought it)."""
        if self._count == 0:
            return
        self.beginRemoveRows(QModelIndex(), self._count - 1, self._count - 1)
        self._count -= 1
        if self.last_row >= self._count:
            self.last_row = -1
        self.endRemoveRows()

    def line_changed(self, row: int, *, last: bool = True) -> None:
        if not 0 <= row < self._count:
            return
        previous, self.last_row = self.last_row, (row if last else self.last_row)
        if previous != self.last_row and 0 <= previous < self._count:
            self._row_changed(previous)
        self._row_changed(row)

    def all_changed(self) -> None:
        """Every line may look different (a manifest was loaded)."""
        if self._count:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._count - 1, len(BoardColumn) - 1)
            )

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(BoardColumn) - 1))

    # -- Qt's model interface ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(BoardColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(BoardColumn):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return BOARD_HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in BOARD_NUMERIC:
            return RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called ~8 times per visible cell per paint: roles are looked up as plain ints
        # (comparing an int with Qt's enum costs a Python call each time).
        handler = self._roles.get(role)
        if handler is None or not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < self._count:
            return None
        return handler(self.board.lines[row], _COLUMNS[index.column()], row)

    def _display(self, line: BoardLine, column: BoardColumn, _row: int) -> Any:
        return _board_display(line, column, self.board.has_plan)

    def _sort(self, line: BoardLine, column: BoardColumn, _row: int) -> Any:
        return _board_sort(line, column, self.board.has_plan)

    def _alignment(self, _line: BoardLine, column: BoardColumn, _row: int) -> Any:
        return RIGHT if column in BOARD_NUMERIC else None

    def _background(self, line: BoardLine, _column: BoardColumn, _row: int) -> Any:
        return _BRUSHES.get(line.status(self.board.has_plan))

    def _foreground(self, line: BoardLine, column: BoardColumn, _row: int) -> Any:
        flagged = line.flagged and column in (BoardColumn.SERIALS, BoardColumn.STATUS)
        return _FLAGGED_BRUSH if flagged else None

    def _font(self, _line: BoardLine, _column: BoardColumn, row: int) -> Any:
        return self._bold if row == self.last_row else None


def _board_display(line: BoardLine, column: BoardColumn, has_plan: bool) -> str:  # noqa: PLR0911
    match column:
        case BoardColumn.SKU:
            return line.product.sku
        case BoardColumn.PRODUCT:
            return line.product.name
        case BoardColumn.EXPECTED:
            return f"{line.expected:,}" if has_plan else "—"
        case BoardColumn.SCANNED:
            return f"{line.scanned:,}"
        case BoardColumn.REMAINING:
            return f"{line.remaining:,}" if has_plan else "—"
        case BoardColumn.SERIALS:
            return serials_text(line)
        case BoardColumn.STATUS:
            words = STATUS_WORDS[line.status(has_plan)]
            if line.over and has_plan:
                words += f" (+{line.over:,})"
            return words + (" — check serials" if line.flagged else "")


def _board_sort(line: BoardLine, column: BoardColumn, has_plan: bool) -> Any:
    match column:
        case BoardColumn.EXPECTED:
            return line.expected
        case BoardColumn.SCANNED:
            return line.scanned
        case BoardColumn.REMAINING:
            return line.remaining
        case BoardColumn.SERIALS:
            return len(line.serials)
        case _:
            return _board_display(line, column, has_plan).casefold()


def _board_tip(line: BoardLine) -> str:
    parts = [f"{line.product.sku} — {line.product.name}"]
    if line.planned:
        parts.append(f"Ordered {line.ordered:,}, received before {line.received_before:,}")
    if line.serials:
        shown = list(line.serials)[-10:]
        parts.append("Serials: " + ", ".join(shown) + (" …" if len(line.serials) > 10 else ""))
    parts.extend(line.flagged.values())
    return "\n".join(parts)


# -- record lists ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Col(Generic[T]):
    """One column of a record list: header, text, sort key, right-aligned."""

    header: str
    text: Callable[[T], str]
    key: Callable[[T], Any] | None = None
    numeric: bool = False


class RecordsModel(QAbstractTableModel, Generic[T]):
    """Immutable records shown through ``columns``."""

    def __init__(self, columns: Sequence[Col[T]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[T] = []
        self.colour: Callable[[T], QColor | None] = lambda _row: None

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole and self.columns[section].numeric:
            return RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.text(row)
        if role == SORT_ROLE:
            return col.key(row) if col.key is not None else col.text(row).casefold()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = self.colour(row)
            return QBrush(colour) if colour is not None else None
        return None


class SortFilterProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE``; filters on every column's text, case-insensitively."""

    def __init__(self, source: QAbstractTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
