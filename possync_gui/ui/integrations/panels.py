"""The two panels under the integrations table: the sync progress area (with Cancel) and
the selected integration's sync log with the detail of one run."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.services.integrations import SyncLogEntry
from possync_gui.ui.integrations.model import ROW_ROLE, LogColumn, SortFilterProxy, SyncLogModel
from possync_gui.ui.integrations.presenter import SyncState
from possync_gui.ui.integrations.text import run_details

TONE_STYLES = {
    "busy": "background: #eef4fb; border: 1px solid #b6cde8;",
    "ok": "background: #e6f4ea; border: 1px solid #a8d5b5;",
    "warning": "background: #fff4d6; border: 1px solid #e6c66e;",
    "cancelled": "background: #f0f0f0; border: 1px solid #c8c8c8;",
    "error": "background: #fde2e1; border: 1px solid #e5a1a0;",
}


class ProgressPanel(QFrame):
    """A busy bar, what the sync is doing, and Cancel while it runs; its outcome after.

    Signals: ``cancel_requested()``."""

    cancel_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncProgress")
        self.title = QLabel()
        self.title.setStyleSheet("QLabel { font-weight: bold; }")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: a sync does not know its total in advance
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(220)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = QPushButton("Cancel sync")
        self.cancel_button.setToolTip("Stop after the batch being written (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        self.hide()

    def show_state(self, name: str, state: SyncState | None) -> None:
        if state is None:
            self.hide()
            return
        self.title.setText(f"{name}:")
        self.label.setText(state.text)
        self.bar.setVisible(state.running)
        self.cancel_button.setVisible(state.running)
        self.cancel_button.setEnabled(state.running)
        self.setStyleSheet(
            f"QFrame#syncProgress {{ {TONE_STYLES.get(state.tone, '')} }}"
            " QFrame#syncProgress QLabel { color: #1b1b1b; }"  # pale tones: dark text
        )
        self.show()


class LogPanel(QWidget):
    """The selected integration's runs (newest first) and the details of the chosen run."""

    def __init__(self, model: SyncLogModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.model = model
        self.heading = QLabel("Sync log")
        self.heading.setStyleSheet("QLabel { font-weight: bold; }")
        self.proxy = SortFilterProxy(model, self)
        self.runs = QTableView()
        self.runs.setModel(self.proxy)
        self.runs.setSortingEnabled(True)
        self.runs.sortByColumn(LogColumn.STARTED, Qt.SortOrder.DescendingOrder)
        self.runs.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.runs.setAlternatingRowColors(True)
        self.runs.verticalHeader().setVisible(False)
        self.runs.verticalHeader().setDefaultSectionSize(24)
        header = self.runs.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((LogColumn.STARTED, 210), (LogColumn.TYPE, 90)):
            self.runs.setColumnWidth(column, width)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlaceholderText("Select a run to see its counters and errors.")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.heading)
        left_layout.addWidget(self.runs, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._run_id: uuid.UUID | None = None
        self._newest_id: uuid.UUID | None = None
        self.runs.selectionModel().currentRowChanged.connect(self._on_run_changed)

    def on_loaded(self, name: str | None, empty_text: str = "No sync runs yet.") -> None:
        """The model holds a new log: show the newest run, unless an older one was chosen
        and is still there."""
        count = self.model.rowCount()
        if name is None:
            self.heading.setText("Sync log — select an integration")
        else:
            noun = "run" if count == 1 else "runs"
            self.heading.setText(f"Sync log — {name} ({count:,} {noun})")
        target = 0
        if self._run_id is not None and self._run_id != self._newest_id:
            for row in range(self.proxy.rowCount()):
                entry = self.proxy.index(row, 0).data(ROW_ROLE)
                if entry is not None and entry.id == self._run_id:
                    target = row
                    break
        entries = self.model.entries()
        self._newest_id = max(entries, key=lambda e: e.started_at).id if entries else None
        if self.proxy.rowCount() == 0:
            self._run_id = None
            self.details.setPlainText("" if name is None else empty_text)
            return
        index = self.proxy.index(target, 0)
        self.runs.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self._show(index)

    def _on_run_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show(current)

    def _show(self, index: QModelIndex) -> None:
        entry: SyncLogEntry | None = index.data(ROW_ROLE) if index.isValid() else None
        self._run_id = entry.id if entry else None
        self.details.setPlainText(run_details(entry) if entry else "")
