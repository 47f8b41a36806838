"""The Integrations tab widget: the integrations with health dots, their actions, the sync
progress area and the sync log.

A plain synchronous widget: it shows what the presenter emits and forwards intent; the
presenter does the work. Keyboard first: Ctrl+N add, Enter or F2 edit, Delete remove,
Ctrl+H check health, Ctrl+R sync changes, Ctrl+Shift+R full sync, Esc cancels a sync,
F5 reloads.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.services.integrations import IntegrationInfo
from possync_gui.ui.integrations.dialog import IntegrationDialog
from possync_gui.ui.integrations.model import ROW_ROLE, Column, IntegrationRow, SortFilterProxy
from possync_gui.ui.integrations.panels import LogPanel, ProgressPanel
from possync_gui.ui.integrations.presenter import IntegrationsPresenter

COLUMN_WIDTHS = (
    (Column.NAME, 190),
    (Column.TYPE, 150),
    (Column.STATUS, 70),
    (Column.HEALTH, 100),
    (Column.LAST_SYNC, 200),
    (Column.NEXT_SYNC, 200),
)


def _button(label: str, shortcut: str, tip: str) -> QPushButton:
    button = QPushButton(label)
    button.setToolTip(f"{tip} ({shortcut})")
    return button


class IntegrationsTab(QWidget):
    """Signals: ``message(str)`` for the window's status area."""

    message = Signal(str)

    def __init__(self, presenter: IntegrationsPresenter, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter integrations…")
        self.filter.setClearButtonEnabled(True)
        self.add_button = _button("Add…", "Ctrl+N", "Add a POS integration")
        self.edit_button = _button("Edit…", "Enter", "Change the selected integration")
        self.remove_button = _button("Remove", "Delete", "Remove it and its stored credentials")
        self.health_button = _button("Check health", "Ctrl+H", "Ask the POS now")
        self.sync_button = _button("Sync changes", "Ctrl+R", "Incremental sync: what changed")
        self.full_sync_button = _button("Full sync", "Ctrl+Shift+R", "Read every count")
        self.proxy = SortFilterProxy(presenter.model, self)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in COLUMN_WIDTHS:
            self.table.setColumnWidth(column, width)
        self.progress = ProgressPanel()
        self.log = LogPanel(presenter.log_model)
        self.count = QLabel("")
        self._dialog: IntegrationDialog | None = None
        self._fetch: asyncio.Task[Any] | None = None
        self._build_layout()
        self._connect()
        self._update_actions()

    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        for button in (
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.health_button,
            self.sync_button,
            self.full_sync_button,
        ):
            bar.addWidget(button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.log)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 360])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.progress)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        p = self.presenter
        self.filter.textChanged.connect(self._on_filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.doubleClicked.connect(lambda _index: self._on_edit_clicked())
        self.add_button.clicked.connect(self._on_add_clicked)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.health_button.clicked.connect(self._on_health_clicked)
        self.sync_button.clicked.connect(lambda: self._on_sync_clicked("incremental"))
        self.full_sync_button.clicked.connect(lambda: self._on_sync_clicked("full"))
        self.progress.cancel_requested.connect(self._on_cancel_clicked)
        p.loaded.connect(self._on_loaded)
        p.log_loaded.connect(self._on_log_loaded)
        p.sync_state_changed.connect(self._on_sync_state_changed)
        p.message.connect(self.message.emit)
        p.saved.connect(self._on_saved)
        p.save_failed.connect(self._on_save_failed)
        p.locations_fetched.connect(self._on_locations_fetched)
        p.locations_failed.connect(self._on_locations_failed)
        self.proxy.modelReset.connect(self._update_actions)
        self.proxy.dataChanged.connect(lambda *_args: self._update_actions())
        within = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            ("Ctrl+F", self.focus_filter),
            ("Ctrl+N", self._on_add_clicked),
            ("Ctrl+H", self._on_health_clicked),
            ("Ctrl+R", lambda: self._on_sync_clicked("incremental")),
            ("Ctrl+Shift+R", lambda: self._on_sync_clicked("full")),
            ("Escape", self._on_cancel_clicked),
            ("F5", lambda: p.tasks.run("refresh", p.refresh())),
        ):
            QShortcut(QKeySequence(keys), self, slot, context=within)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
            QShortcut(QKeySequence(key), self.table, self._on_edit_clicked, context=within)
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.table,
            self._on_remove_clicked,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.filter.returnPressed.connect(self.table.setFocus)

    # -- Qt events -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.set_visible(True)
        if self.focusWidget() is not self.filter:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)  # arrows, Enter, shortcuts

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self.presenter.set_visible(False)

    # -- what is selected ------------------------------------------------------------------
    def selected_row(self) -> IntegrationRow | None:
        index = self.table.currentIndex()
        row: IntegrationRow | None = index.data(ROW_ROLE) if index.isValid() else None
        return row

    def select_integration(self, integration_id: uuid.UUID) -> bool:
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            row = index.data(ROW_ROLE)
            if row is not None and row.id == integration_id:
                self.table.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
                return True
        return False

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def _on_filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if not self.table.currentIndex().isValid() and self.proxy.rowCount() > 0:
            self.table.selectRow(0)  # the actions always have a row while one is shown
        self._update_actions()

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: IntegrationRow | None = current.data(ROW_ROLE) if current.isValid() else None
        self.presenter.select(row.id if row else None)
        self._update_actions()

    def _update_actions(self) -> None:
        row = self.selected_row()
        syncing = row is not None and self.presenter.is_syncing(row.id)
        self.edit_button.setEnabled(row is not None and row.can_edit)
        self.remove_button.setEnabled(row is not None and not syncing)
        self.health_button.setEnabled(row is not None)
        self.sync_button.setEnabled(row is not None and not syncing)
        self.full_sync_button.setEnabled(row is not None and not syncing)
        self.edit_button.setToolTip(
            "The Demo POS is managed by possync; it is not edited"
            if row is not None and not row.can_edit
            else ""
        )
        name = row.info.name if row else ""
        self.progress.show_state(name, self.presenter.sync_states.get(row.id) if row else None)

    # -- intent ----------------------------------------------------------------------------
    def _on_add_clicked(self) -> None:
        self._open_dialog(None)

    def _on_edit_clicked(self) -> None:
        row = self.selected_row()
        if row is None:
            self.message.emit("Select an integration first")
        elif not row.can_edit:
            self.message.emit("The Demo POS is managed by possync; it cannot be edited")
        else:
            self._open_dialog(row.info)

    def _open_dialog(self, info: IntegrationInfo | None) -> None:
        if self._dialog is not None:
            self._dialog.raise_()
            return
        dialog = IntegrationDialog(self.presenter.warehouses, info, self)
        target = info.id if info else None
        dialog.save_requested.connect(
            lambda data: self.presenter.tasks.run("save", self.presenter.save(target, data))
        )
        dialog.fetch_requested.connect(lambda data: self._on_fetch_requested(target, data))
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        self._dialog = dialog
        dialog.open()

    def _on_fetch_requested(self, target: uuid.UUID | None, data: dict[str, Any]) -> None:
        p = self.presenter
        self._fetch = p.tasks.run("fetch-locations", p.fetch_locations(target, data))

    def _on_dialog_finished(self, dialog: IntegrationDialog) -> None:
        if self._dialog is dialog:
            self._dialog = None
            if self._fetch is not None:  # its answer is for this dialog only
                self._fetch.cancel()
                self._fetch = None
        dialog.deleteLater()

    def _on_saved(self, saved: Any) -> None:
        if self._dialog is not None:
            self._dialog.accept()
        self.select_integration(saved.id)

    def _on_save_failed(self, text: str) -> None:
        if self._dialog is not None:
            self._dialog.show_error(text)
        else:
            self.message.emit(text)

    def _on_locations_fetched(self, choices: Any) -> None:
        if self._dialog is not None:
            self._dialog.show_locations(choices)

    def _on_locations_failed(self, text: str) -> None:
        if self._dialog is not None:
            self._dialog.show_fetch_error(text)

    def _on_remove_clicked(self) -> None:
        row = self.selected_row()
        if row is None or self.presenter.is_syncing(row.id):
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove integration",
            f"Remove {row.info.name}? Its item mappings and stored credentials are deleted; "
            "stock and the ledger stay as they are.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        integration_id = row.id

        def answered(result: int) -> None:
            box.deleteLater()
            if result == QMessageBox.StandardButton.Yes:
                self.presenter.tasks.run("remove", self.presenter.remove(integration_id))

        box.finished.connect(answered)
        box.open()

    def _on_health_clicked(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.presenter.tasks.run(f"health:{row.id}", self.presenter.check_health(row.id))

    def _on_sync_clicked(self, sync_type: str) -> None:
        row = self.selected_row()
        if row is None:
            self.message.emit("Select an integration first")
        else:
            self.presenter.start_sync(row.id, sync_type)
            self._update_actions()

    def _on_cancel_clicked(self) -> None:
        row = self.selected_row()
        if row is not None and self.presenter.is_syncing(row.id):
            self.presenter.cancel_sync(row.id)

    # -- facts -----------------------------------------------------------------------------
    def _on_loaded(self, count: int) -> None:
        noun = "integration" if count == 1 else "integrations"
        self.count.setText(
            f"{count:,} {noun}"
            if count
            else "No POS integrations yet — press Add… (Ctrl+N) to connect Square, Shopify, "
            "WooCommerce or a custom source."
        )
        selected = self.presenter.selected
        found = selected is not None and self.select_integration(selected)
        if not found and self.proxy.rowCount() > 0:
            self.table.selectRow(0)
        self._update_actions()

    def _on_log_loaded(self, integration_id: uuid.UUID | None) -> None:
        row = self.presenter.model.row_for(integration_id) if integration_id else None
        self.log.on_loaded(row.info.name if row else None)

    def _on_sync_state_changed(self, integration_id: uuid.UUID) -> None:
        row = self.selected_row()
        if row is not None and row.id == integration_id:
            self._update_actions()
