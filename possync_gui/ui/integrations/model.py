"""Table models of the Integrations tab: the integrations (with health dots) and one
integration's sync log. Both hold immutable snapshots; ``data()`` never does I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap

from possync_gui.services.integrations import IntegrationInfo, SyncLogEntry
from possync_gui.services.monitor import HealthReport
from possync_gui.ui.integrations import text

Index = QModelIndex | QPersistentModelIndex

#: The row snapshot (``IntegrationRow`` or ``SyncLogEntry``) behind an index.
ROW_ROLE = Qt.ItemDataRole.UserRole
#: What the proxy sorts by: numbers and times sort as such, not as their text.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

HEALTH_COLOURS = {
    "healthy": "#2e9d4f",
    "warning": "#e0a020",
    "error": "#d64541",
    "offline": "#9e9e9e",
    "unknown": "#9e9e9e",
}
HEALTH_ORDER = {"error": 0, "offline": 1, "warning": 2, "unknown": 3, "healthy": 4}
RESULT_COLOURS = {"failed": QColor("#b3261e"), "cancelled": QColor("#6b6b6b")}
RESULT_COLOURS["partial"] = QColor("#8a5a00")
_icons: dict[str, QIcon] = {}


def health_icon(status: str | None) -> QIcon:
    """A coloured dot; grey for offline, unknown or never checked."""
    key = status if status in HEALTH_COLOURS else "unknown"
    icon = _icons.get(key)
    if icon is None:
        pixmap = QPixmap(14, 14)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(HEALTH_COLOURS[key]).darker(130))
        painter.setBrush(QColor(HEALTH_COLOURS[key]))
        painter.drawEllipse(1, 1, 12, 12)
        painter.end()
        icon = _icons[key] = QIcon(pixmap)
    return icon


@dataclass(frozen=True, slots=True)
class IntegrationRow:
    """One integration with its newest run and last known health."""

    info: IntegrationInfo
    last_run: SyncLogEntry | None = None
    health: HealthReport | None = None
    syncing: bool = False

    @property
    def id(self) -> uuid.UUID:
        return self.info.id

    @property
    def can_edit(self) -> bool:
        """The Demo POS is possync's own: it syncs and reports health, but is not edited."""
        return self.info.type != "demo"


class Column(IntEnum):
    NAME = 0
    TYPE = 1
    STATUS = 2
    HEALTH = 3
    LAST_SYNC = 4
    NEXT_SYNC = 5
    LAST_RESULT = 6


HEADERS = {
    Column.NAME: "Name",
    Column.TYPE: "Type",
    Column.STATUS: "Status",
    Column.HEALTH: "Health",
    Column.LAST_SYNC: "Last sync",
    Column.NEXT_SYNC: "Next sync",
    Column.LAST_RESULT: "Last result",
}


def _display(row: IntegrationRow, column: Column) -> str:  # noqa: PLR0911 - one per column
    match column:
        case Column.NAME:
            return row.info.name
        case Column.TYPE:
            return text.type_label(row.info.type)
        case Column.STATUS:
            return text.words(row.info.status)
        case Column.HEALTH:
            return text.health_label(row.health)
        case Column.LAST_SYNC:
            return text.local_time(row.info.last_sync_at, empty="never")
        case Column.NEXT_SYNC:
            if not row.can_edit:
                return "after each sale tick (30 s)"
            when = row.health.next_sync_at if row.health else None
            return text.next_sync_text(when, row.info.sync_frequency)
        case Column.LAST_RESULT:
            if row.syncing:
                return "Syncing…"
            return text.result_text(row.last_run) if row.last_run else "no runs yet"


def _sort_key(row: IntegrationRow, column: Column) -> Any:
    def stamp(when: datetime | None) -> float:
        return when.timestamp() if when is not None else 0.0

    if column == Column.HEALTH:
        return HEALTH_ORDER.get(row.health.status if row.health else "unknown", 3)
    if column == Column.LAST_SYNC:
        return stamp(row.info.last_sync_at)
    if column == Column.NEXT_SYNC:
        return stamp(row.health.next_sync_at if row.health else None)
    return _display(row, column).lower()


class IntegrationsModel(QAbstractTableModel):
    """The integrations, one row each; fed by the presenter."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[IntegrationRow] = []

    def set_rows(self, rows: list[IntegrationRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[IntegrationRow]:
        return list(self._rows)

    def row_for(self, integration_id: uuid.UUID) -> IntegrationRow | None:
        return next((r for r in self._rows if r.id == integration_id), None)

    def update(self, integration_id: uuid.UUID, **changes: Any) -> None:
        """Replace fields of one row (``health=…``, ``syncing=…``, ``last_run=…``)."""
        for i, row in enumerate(self._rows):
            if row.id == integration_id:
                self._rows[i] = replace(row, **changes)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(Column) - 1))
                return

    # -- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == SORT_ROLE:
            return _sort_key(row, column)
        if role == ROW_ROLE:
            return row
        if column == Column.HEALTH:
            if role == Qt.ItemDataRole.DecorationRole:
                return health_icon(row.health.status if row.health else None)
            if role == Qt.ItemDataRole.ToolTipRole:
                return text.health_tooltip(row.health)
        if column == Column.LAST_RESULT and row.last_run and not row.syncing:
            if role == Qt.ItemDataRole.ForegroundRole:
                colour = RESULT_COLOURS.get(row.last_run.status)
                return QBrush(colour) if colour is not None else None
            if role == Qt.ItemDataRole.ToolTipRole and row.last_run.errors:
                return "\n".join(row.last_run.errors[:5])
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.NEXT_SYNC:
            return f"Sync frequency: {text.words(row.info.sync_frequency)}"
        return None


class LogColumn(IntEnum):
    STARTED = 0
    TYPE = 1
    STATUS = 2
    PROCESSED = 3
    ERRORS = 4


LOG_HEADERS = {
    LogColumn.STARTED: "Started",
    LogColumn.TYPE: "Type",
    LogColumn.STATUS: "Status",
    LogColumn.PROCESSED: "Processed",
    LogColumn.ERRORS: "Errors",
}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class SyncLogModel(QAbstractTableModel):
    """One integration's sync runs, newest first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._entries: list[SyncLogEntry] = []

    def set_entries(self, entries: list[SyncLogEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entries(self) -> list[SyncLogEntry]:
        return list(self._entries)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LogColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return LOG_HEADERS[LogColumn(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        column = LogColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _log_display(entry, column)
        if role == SORT_ROLE:
            if column == LogColumn.STARTED:
                return entry.started_at.timestamp()
            if column == LogColumn.PROCESSED:
                return entry.records_processed
            if column == LogColumn.ERRORS:
                return len(entry.errors)
            return _log_display(entry, column)
        if role == ROW_ROLE:
            return entry
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            LogColumn.PROCESSED,
            LogColumn.ERRORS,
        ):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == LogColumn.STATUS:
            colour = RESULT_COLOURS.get(entry.status)
            return QBrush(colour) if colour is not None else None
        return None


def _log_display(entry: SyncLogEntry, column: LogColumn) -> str:
    match column:
        case LogColumn.STARTED:
            return text.local_time(entry.started_at)
        case LogColumn.TYPE:
            return text.words(entry.sync_type)
        case LogColumn.STATUS:
            return entry.status
        case LogColumn.PROCESSED:
            return f"{entry.records_processed:,}"
        case LogColumn.ERRORS:
            return f"{len(entry.errors):,}"


class SortFilterProxy(QSortFilterProxyModel):
    """Case-insensitive filter over every column, sorting by ``SORT_ROLE``."""

    def __init__(self, source: QAbstractTableModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setFilterRole(Qt.ItemDataRole.DisplayRole)
