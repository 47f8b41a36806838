"""The Conflicts tab widget: search, integration filter and the open / resolved / all switch;
the conflicts; the selected one's numbers, movements and history; the actions; the report.

A plain synchronous widget: it shows what the presenter emits and forwards intent.
Keyboard (in the table): P accept POS, W accept warehouse, S or Ctrl+E set count…, Enter
set count… (a resolved conflict: read its history), R the report; with several rows
selected (Shift/Ctrl+arrows, Ctrl+A) P and W act on all of them after a confirmation.
Anywhere in the tab: Ctrl+F search, F5 reload; Esc in the detail goes back to the table.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.conflicts import SET_STRATEGY, ConflictDetail, ConflictRecord
from possync_gui.domain.enums import ConflictStrategy
from possync_gui.services.integrations import IntegrationInfo
from possync_gui.ui.conflicts.detail import DetailPanel
from possync_gui.ui.conflicts.dialogs import ConfirmDialog, ResultDialog, SetCountDialog
from possync_gui.ui.conflicts.model import ROW_ROLE, Column, SortProxy
from possync_gui.ui.conflicts.presenter import (
    ACTION_WORDS,
    STATUS_CHOICES,
    ConflictsPresenter,
    ResolutionReport,
)
from possync_gui.ui.conflicts.report import ReportDialog
from possync_gui.ui.dialogs import run_dialog

SEARCH_DEBOUNCE_MS = 250
AGE_TICK_MS = 60_000
COLUMN_WIDTHS = (
    (Column.SKU, 95),
    (Column.PRODUCT, 200),
    (Column.WAREHOUSE, 85),
    (Column.INTEGRATION, 140),
    (Column.POS, 60),
    (Column.SYSTEM, 110),
    (Column.BASE, 55),
    (Column.DIFFERENCE, 80),
    (Column.VALUE, 100),
    (Column.AGE, 60),
)
POS_WINS = ConflictStrategy.POS_WINS.value
SUPPLIER_WINS = ConflictStrategy.SUPPLIER_WINS.value
#: What a bulk accept does, for its confirmation.
EFFECTS = {
    POS_WINS: "The warehouse takes each POS count (a conflict-resolution movement).",
    SUPPLIER_WINS: "Each POS is adjusted to the warehouse's quantity.",
}
KEYS_HINT = "P accept POS · W accept warehouse · S set count · R report"


def _button(label: str, tip: str) -> QPushButton:
    button = QPushButton(label)
    button.setToolTip(tip)
    return button


def _shortcut(
    keys: str, parent: QWidget, slot: Callable[[], object], context: Qt.ShortcutContext
) -> QShortcut:
    # Not QShortcut(keys, parent, slot, context=…): PySide6 drops the context given with a
    # callable, and the shortcut then fires anywhere in the window.
    shortcut = QShortcut(QKeySequence(keys), parent)
    shortcut.setContext(context)
    shortcut.activated.connect(slot)
    return shortcut


class ConflictsTab(QWidget):
    """Signals: ``message(str)`` for the status bar."""

    message = Signal(str)

    def __init__(self, presenter: ConflictsPresenter, parent: Any = None) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search SKU, product or warehouse (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.integration = QComboBox()
        self.integration.addItem("All integrations", None)
        self.integration.setMinimumContentsLength(14)
        self.status = QComboBox()
        for key, words in STATUS_CHOICES:
            self.status.addItem(words, key)
        self.pos_button = _button("Accept POS", "The warehouse takes the POS count (P)")
        self.warehouse_button = _button(
            "Accept warehouse", "The POS is adjusted to the warehouse's quantity (W)"
        )
        self.set_button = _button(
            "&Set count…", "Both sides take a counted value; a reason is required (S, Ctrl+E)"
        )
        self.report_button = _button(
            "&Report…", "Open count, resolutions, time to resolve; export as CSV (R)"
        )
        self.keys = QLabel(KEYS_HINT)
        self.keys.setStyleSheet("color: #666;")
        self.proxy = SortProxy(presenter.model, self)
        self.table = self._make_table()
        self.count = QLabel("")
        self.count.setWordWrap(True)
        self.detail = DetailPanel()
        self.report_dialog: ReportDialog | None = None
        self._keep: list[uuid.UUID] = []
        self._keep_row = 0
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._ages = QTimer(self)
        self._ages.setInterval(AGE_TICK_MS)
        self._build_layout()
        self._connect()
        self._update_actions()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.sortByColumn(Column.AGE, Qt.SortOrder.DescendingOrder)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTabKeyNavigation(False)  # Tab leaves the table for the detail
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(24)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in COLUMN_WIDTHS:
            table.setColumnWidth(column, width)
        return table

    def _build_layout(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for text, combo in (("&Integration:", self.integration), ("S&tatus:", self.status)):
            label = QLabel(text)
            label.setBuddy(combo)  # Alt+I, Alt+T: the arrow keys then change the filter
            filters.addWidget(label)
            filters.addWidget(combo, 1)
        filters.addWidget(self.report_button)
        actions = QHBoxLayout()
        for button in (self.pos_button, self.warehouse_button, self.set_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.keys)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([380, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(splitter, 1)

    def _connect(self) -> None:
        p = self.presenter
        self.search.textEdited.connect(lambda _text: self._debounce.start())
        self._debounce.timeout.connect(lambda: p.set_search(self.search.text()))
        self.search.returnPressed.connect(self._on_search_entered)
        self.integration.currentIndexChanged.connect(
            lambda _i: p.set_integration(self.integration.currentData())
        )
        self.status.currentIndexChanged.connect(lambda _i: p.set_status(self.status.currentData()))
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._on_selection())
        self.proxy.modelAboutToBeReset.connect(self._remember_selection)
        self.pos_button.clicked.connect(lambda: self.accept_selected(POS_WINS))
        self.warehouse_button.clicked.connect(lambda: self.accept_selected(SUPPLIER_WINS))
        self.set_button.clicked.connect(self.set_count)
        self.report_button.clicked.connect(self.open_report)
        self._ages.timeout.connect(lambda: p.model.set_now(datetime.now(UTC)))
        p.loaded.connect(self._on_loaded)
        p.detail_changed.connect(self._on_detail_changed)
        p.integrations_changed.connect(self._on_integrations_changed)
        p.resolution_finished.connect(self._on_resolution_finished)
        p.report_ready.connect(self._on_report_ready)
        p.resolving_changed.connect(lambda _busy: self._update_actions())
        p.message.connect(self.message.emit)
        table_keys = (
            ("P", lambda: self.accept_selected(POS_WINS)),
            ("W", lambda: self.accept_selected(SUPPLIER_WINS)),
            ("S", self.set_count),
            ("Ctrl+E", self.set_count),
            ("Return", self._on_enter),
            ("Enter", self._on_enter),
            ("R", self.open_report),
        )
        # Single letters only while the table has focus: typing in the search box types.
        for keys, slot in table_keys:
            _shortcut(keys, self.table, slot, Qt.ShortcutContext.WidgetShortcut)
        _shortcut(
            "Escape", self.detail.body, self.table.setFocus, Qt.ShortcutContext.WidgetShortcut
        )
        within = Qt.ShortcutContext.WidgetWithChildrenShortcut
        _shortcut("Ctrl+F", self, self.focus_search, within)
        _shortcut("F5", self, lambda: p.tasks.run("refresh", p.refresh()), within)

    # -- Qt events -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.presenter.set_visible(True)
        self.presenter.model.set_now(datetime.now(UTC))
        self._ages.start()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._ages.stop()
        self.presenter.set_visible(False)

    # -- what is selected ------------------------------------------------------------------
    def selected_conflicts(self) -> list[ConflictRecord]:
        """The selected conflicts in the order the table shows them."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        records = [self.proxy.index(r, 0).data(ROW_ROLE) for r in rows]
        return [r for r in records if r is not None]

    def current_conflict(self) -> ConflictRecord | None:
        index = self.table.currentIndex()
        record: ConflictRecord | None = index.data(ROW_ROLE) if index.isValid() else None
        return record

    def shown_conflicts(self) -> list[ConflictRecord]:
        """Every row in the order the table shows them."""
        return [self.proxy.index(r, 0).data(ROW_ROLE) for r in range(self.proxy.rowCount())]

    def select_conflicts(self, conflict_ids: list[uuid.UUID]) -> int:
        """Select these conflicts (those shown); returns how many were found."""
        wanted = set(conflict_ids)
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        found = 0
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            record = index.data(ROW_ROLE)
            if record is not None and record.id in wanted:
                if found == 0:
                    selection.setCurrentIndex(index, flags)
                    self.table.scrollTo(index)
                else:
                    selection.select(index, flags)
                found += 1
        return found

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_entered(self) -> None:
        self._debounce.stop()
        self.presenter.set_search(self.search.text())
        self.table.setFocus()

    def _remember_selection(self) -> None:
        self._keep = [r.id for r in self.selected_conflicts()]
        current = self.table.currentIndex()
        self._keep_row = current.row() if current.isValid() else 0

    def _on_selection(self) -> None:
        records = self.selected_conflicts()
        current = self.current_conflict()
        if current is None or current not in records:
            current = records[0] if records else None
        self.presenter.select(current.id if current else None)
        self._update_actions()

    def _open_selected(self) -> list[ConflictRecord]:
        return [r for r in self.selected_conflicts() if r.is_open]

    def _update_actions(self) -> None:
        open_ones = self._open_selected()
        n = 0 if self.presenter.is_resolving() else len(open_ones)
        for button, strategy in (
            (self.pos_button, POS_WINS),
            (self.warehouse_button, SUPPLIER_WINS),
        ):
            button.setEnabled(n > 0)
            words = ACTION_WORDS[strategy]
            button.setText(f"{words} ({n})" if n > 1 else words)
        self.set_button.setEnabled(n == 1)

    # -- intent ----------------------------------------------------------------------------
    def accept_selected(self, strategy: str) -> None:
        """P / W: one conflict at once; several after a confirmation naming how many."""
        records = self._open_selected()
        if not records:
            self.message.emit("Select one or more open conflicts first")
            return
        p = self.presenter
        if len(records) == 1:
            p.start_resolve(records, strategy)
            return
        dialog = ConfirmDialog(ACTION_WORDS[strategy], EFFECTS[strategy], len(records), self)
        run_dialog(dialog, lambda _d: p.start_resolve(records, strategy))

    def set_count(self) -> None:
        """S / Ctrl+E: a counted value with a reason, for one open conflict."""
        records = self._open_selected()
        if len(records) != 1:
            self.message.emit(
                "Set count works on one open conflict at a time: select just one"
                if records
                else "Select an open conflict first"
            )
            return
        record = records[0]
        p = self.presenter

        def chosen(dialog: SetCountDialog) -> None:
            p.start_resolve([record], SET_STRATEGY, value=dialog.count(), reason=dialog.text())

        run_dialog(SetCountDialog(record, self), chosen)

    def _on_enter(self) -> None:
        current = self.current_conflict()
        if current is not None and current.is_open and len(self._open_selected()) <= 1:
            self.set_count()
        else:
            self.detail.body.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_report(self) -> None:
        """R: the report dialog, its numbers read fresh each time it opens."""
        if self.report_dialog is None:
            self.report_dialog = ReportDialog(self)
            self.report_dialog.export_requested.connect(self._on_export_requested)
        self.report_dialog.open()
        p = self.presenter
        p.tasks.run("report", p.load_report())

    def _on_export_requested(self, path: Path) -> None:
        p = self.presenter
        p.tasks.run("export", p.export_report(path))

    # -- facts -----------------------------------------------------------------------------
    def _on_loaded(self, count: int) -> None:
        self._update_count_text(count)
        found = self.select_conflicts(self._keep) if self._keep else 0
        if not found and self.proxy.rowCount() > 0:
            # The row that was acted on left the list: stay at its place for the next one.
            self.table.selectRow(min(self._keep_row, self.proxy.rowCount() - 1))
        self._on_selection()

    def _update_count_text(self, count: int) -> None:
        status = self.presenter.query.status
        if count:
            noun = "conflict" if count == 1 else "conflicts"
            which = {"open": "open ", "resolved": "resolved "}.get(status, "")
            self.count.setText(f"{count:,} {which}{noun} · select several with Shift or Ctrl")
        elif status == "open" and not self.presenter.query.search:
            self.count.setText(
                "No open conflicts. When a sync finds the POS and the warehouse disagreeing in "
                "a way it cannot merge, the conflict waits here for you to settle."
            )
        else:
            self.count.setText("No conflicts match.")

    def _on_detail_changed(self, detail: ConflictDetail | None) -> None:
        more = max(0, len(self.selected_conflicts()) - 1)
        self.detail.show_detail(detail, more)

    def _on_integrations_changed(self, integrations: list[IntegrationInfo]) -> None:
        combo = self.integration
        current = combo.currentData()
        combo.blockSignals(True)  # refilling must not re-query
        combo.clear()
        combo.addItem("All integrations", None)
        for info in integrations:
            combo.addItem(info.name, str(info.id))
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def _on_resolution_finished(self, report: ResolutionReport) -> None:
        dialog = ResultDialog(report, self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _on_report_ready(self, report: Any) -> None:
        if self.report_dialog is not None:
            self.report_dialog.show_report(report)
