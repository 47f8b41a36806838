"""The conflict report: open conflicts, resolutions per strategy, mean time to resolve, and
the same by integration; Export CSV… saves it (through the facade) where the user chooses.

Signals: ``export_requested(Path)`` once a file is chosen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from possync_gui.domain.conflicts import ConflictReport
from possync_gui.ui.conflicts.model import STRATEGY_WORDS

EXPORT_DIR_KEY = "conflicts/export_dir"
EXPORT_NAME = "conflict-report.csv"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def duration_text(span: timedelta | None) -> str:
    """'—', '45 min', '3.5 h', '2.1 d': a mean reads better with one decimal."""
    if span is None:
        return "—"
    seconds = span.total_seconds()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86_400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


class ReportDialog(QDialog):
    """The report's numbers (``show_report``) and the CSV export."""

    export_requested = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Conflict report")
        self.figures: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        for column, key in enumerate(("Open", "Resolved", "Mean time to resolve")):
            caption = QLabel(key)
            caption.setStyleSheet("color: #555;")
            value = QLabel("…")
            value.setStyleSheet("font-size: 20px; font-weight: 600;")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.figures[key] = value
            grid.addWidget(caption, 0, column)
            grid.addWidget(value, 1, column)
        grid.setColumnStretch(3, 1)
        self.strategies = QLabel()
        self.strategies.setWordWrap(True)
        self.by_integration = QTableWidget(0, 4)
        self.by_integration.setHorizontalHeaderLabels(
            ["Integration", "Open", "Resolved", "Mean time to resolve"]
        )
        self.by_integration.verticalHeader().setVisible(False)
        self.by_integration.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.by_integration.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.by_integration.setAlternatingRowColors(True)
        header = self.by_integration.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setToolTip("Save the report as a CSV file")
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self._on_export_clicked)
        heading = QLabel("By integration")
        heading.setStyleSheet("font-weight: 600;")
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.strategies)
        layout.addWidget(heading)
        layout.addWidget(self.by_integration, 1)
        layout.addWidget(self.buttons)
        self.resize(620, 300)

    def show_report(self, report: ConflictReport) -> None:
        resolved = sum(report.resolved_by_strategy.values())
        self.figures["Open"].setText(f"{report.open_count:,}")
        self.figures["Resolved"].setText(f"{resolved:,}")
        self.figures["Mean time to resolve"].setText(duration_text(report.mean_time_to_resolve))
        if report.resolved_by_strategy:
            parts = [
                f"{STRATEGY_WORDS.get(s, s.replace('_', ' ').capitalize())}: {n:,}"
                for s, n in sorted(report.resolved_by_strategy.items(), key=lambda kv: -kv[1])
            ]
            self.strategies.setText("Resolved by: " + " · ".join(parts))
        else:
            self.strategies.setText("Nothing resolved yet.")
        table = self.by_integration
        table.setRowCount(len(report.by_integration))
        for i, stats in enumerate(report.by_integration):
            cells = (
                stats.name,
                f"{stats.open:,}",
                f"{stats.resolved:,}",
                duration_text(stats.mean_time_to_resolve),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(_RIGHT)
                table.setItem(i, column, item)
        # As tall as its lines need (a few integrations: no empty box), within reason.
        rows = max(1, len(report.by_integration))
        self.resize(self.width(), min(560, 250 + 28 * rows))

    def figure(self, key: str) -> str:
        return self.figures[key].text()

    def rows(self) -> list[tuple[str, ...]]:
        t = self.by_integration
        return [
            tuple(_text(t.item(r, c)) for c in range(t.columnCount())) for r in range(t.rowCount())
        ]

    def _on_export_clicked(self) -> None:
        dialog = export_dialog(self)

        def finished(result: int) -> None:
            files = dialog.selectedFiles()
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted and files:
                path = Path(files[0])
                QSettings().setValue(EXPORT_DIR_KEY, str(path.parent))
                self.export_requested.emit(path)

        dialog.finished.connect(finished)
        dialog.open()


def export_dialog(parent: QWidget) -> QFileDialog:
    """A save dialog for the report's CSV, in the folder used last time."""
    folder: Any = QSettings().value(EXPORT_DIR_KEY, str(Path.home()))
    dialog = QFileDialog(parent, "Export conflict report as CSV", str(folder), "CSV files (*.csv)")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix("csv")
    dialog.selectFile(EXPORT_NAME)
    return dialog


def _text(item: QTableWidgetItem | None) -> str:
    return "" if item is None else item.text()
