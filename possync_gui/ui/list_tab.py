"""A read-only, searchable, sortable list: what the Alerts, Purchase Orders, Receiving,
Conflicts and Integrations tabs show until their own screens land."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.events import Change
from possync_gui.domain.records import ListRow
from possync_gui.services.facade import InventorySyncService
from possync_gui.ui.async_helpers import TaskRunner

Index = QModelIndex | QPersistentModelIndex


class ListModel(QAbstractTableModel):
    """Immutable :class:`ListRow` snapshots with their headers."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers: tuple[str, ...] = ()
        self._rows: list[ListRow] = []

    def set_rows(self, headers: tuple[str, ...], rows: list[ListRow]) -> None:
        self.beginResetModel()
        self._headers = headers
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if section < len(self._headers) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()].cells[index.column()]
        return None


class ListPresenter(QObject):
    """Signals: ``busy_changed(bool)``, ``error(str)``, ``loaded(int)``."""

    busy_changed = Signal(bool)
    error = Signal(str)
    loaded = Signal(int)

    def __init__(self, facade: InventorySyncService, kind: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._facade = facade
        self.kind = kind
        self.model = ListModel(self)
        self.tasks = TaskRunner(self.error.emit, self.busy_changed.emit)
        self._visible = False
        self._stale = True

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        if visible and self._stale:
            self.tasks.run("refresh", self.refresh())

    def on_change(self, _change: Change) -> None:
        self._stale = True
        if self._visible:
            self.tasks.run("refresh", self.refresh())

    async def refresh(self) -> None:
        self._stale = False
        headers, rows = await self._facade.list_rows(self.kind)
        self.model.set_rows(headers, rows)
        self.loaded.emit(len(rows))


class ListTab(QWidget):
    """A filter box over a sortable table, with a line saying what is coming for this tab."""

    def __init__(self, presenter: ListPresenter, empty_text: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter…")
        self.filter.setClearButtonEnabled(True)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(presenter.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel("")
        self._empty_text = empty_text
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        presenter.loaded.connect(self._on_loaded)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.set_visible(True)

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.presenter.set_visible(False)

    def _on_loaded(self, count: int) -> None:
        self.table.resizeColumnsToContents()
        noun = "row" if count == 1 else "rows"
        self.status.setText(
            f"{count:,} {noun}. {self._empty_text}" if count == 0 else f"{count:,} {noun}"
        )
