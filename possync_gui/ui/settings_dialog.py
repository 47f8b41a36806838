"""Edit → Settings… (Ctrl+,): the settings of this desktop, each with its description.

The dialog does no I/O: OK checks every field with ``services.settings.check`` and shows
what is wrong next to the field (the dialog stays open, nothing typed is lost), then emits
``save_requested(Settings)``; "Test connection" emits ``test_requested(url)`` and is
answered with ``show_test_result``. ``SettingsActions`` (below) does the saving, applies
what applies at once and offers to copy the database to a new data folder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from possync_gui.services.settings import Settings, check, describe
from possync_gui.ui.theme import error_colour

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}


@dataclass(frozen=True, slots=True)
class Places:
    """Where this desktop keeps things, for the Storage box."""

    database: str  # the URL in use (no password) or the SQLite file
    logs: Path
    settings: Path


#: The width a description wraps at; its height is fixed from it, so no layout clips it.
NOTE_WIDTH = 300


def _note(text: str, width: int = NOTE_WIDTH) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    label.setMinimumWidth(width)
    label.setMinimumHeight(label.heightForWidth(width))
    return label


class _Field:
    """An edit, the error line under it and the description under that: three form rows."""

    def __init__(self, name: str, edit: QLineEdit, width: int | None = None) -> None:
        self.name = name
        self.edit = edit
        if width:
            edit.setMaximumWidth(width)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setMinimumWidth(NOTE_WIDTH)
        self.error.hide()
        self.note = _note(describe(name))
        edit.textEdited.connect(lambda _t: self.error.hide())

    def add_to(self, form: QFormLayout, label: str, extra: QWidget | None = None) -> None:
        buddy = QLabel(label)
        buddy.setBuddy(self.edit)
        if extra is None:
            form.addRow(buddy, self.edit)
        else:
            row = QHBoxLayout()
            row.addWidget(self.edit, 1)
            row.addWidget(extra)
            form.addRow(buddy, row)
        form.addRow("", self.error)
        form.addRow("", self.note)

    def show_error(self, label: str, message: str) -> None:
        self.error.setStyleSheet(f"QLabel {{ color: {error_colour(self.edit)}; }}")
        self.error.setText(f"{label} {message}.")
        self.error.setMinimumHeight(self.error.heightForWidth(NOTE_WIDTH))
        self.error.show()


class SettingsDialog(QDialog):
    """Signals: ``save_requested(Settings)`` (valid values), ``test_requested(str)``."""

    save_requested = Signal(object)
    test_requested = Signal(str)

    def __init__(self, settings: Settings, places: Places, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.fields: dict[str, _Field] = {}
        self.labels: dict[str, str] = {}
        self.theme = QComboBox()
        for key, label in THEME_LABELS.items():
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.test_button = QPushButton("&Test connection")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.browse_button = QPushButton("&Browse…")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        columns = QHBoxLayout()
        columns.addLayout(self._left_column(settings), 5)
        columns.addWidget(self._storage_box(settings, places), 4)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(
            _note(
                "Changes apply at once when you press OK, except the storage ones, which "
                "apply at the next start.",
                2 * NOTE_WIDTH,
            )
        )
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        self.test_button.clicked.connect(self._on_test)
        self.browse_button.clicked.connect(self._on_browse)
        self.setMinimumWidth(980)
        self.fields["operator_name"].edit.setFocus()

    # -- building -------------------------------------------------------------------------
    def _line(
        self,
        form: QFormLayout,
        name: str,
        label: str,
        text: str,
        width: int | None = None,
        extra: QWidget | None = None,
    ) -> _Field:
        f = _Field(name, QLineEdit(text), width)
        f.add_to(form, label, extra)
        self.fields[name] = f
        self.labels[name] = label.replace("&", "").split(" (")[0].rstrip(":")
        return f

    def _left_column(self, s: Settings) -> QVBoxLayout:
        column = QVBoxLayout()
        you = QGroupBox("At this desk")
        form = QFormLayout(you)
        self._line(form, "operator_name", "&Operator:", s.operator_name or "")
        form.addRow("T&heme:", self.theme)
        form.addRow("", _note(describe("theme")))
        money = QGroupBox("Money and receiving")
        form = QFormLayout(money)
        self._line(form, "currency", "&Currency:", s.currency, 80)
        self._line(
            form, "approval_threshold", "&Approval threshold:", f"{s.approval_threshold}", 160
        )
        percent = (s.over_receipt_tolerance * 100).normalize()
        self._line(
            form, "over_receipt_tolerance", "Over-&receipt tolerance (%):", f"{percent:f}", 100
        )
        alerts = QGroupBox("Stock alerts")
        form = QFormLayout(alerts)
        self._line(
            form, "alert_window_days", "Sales &window (days):", str(s.alert_window_days), 100
        )
        self._line(
            form,
            "safety_stock_default",
            "Default safety stoc&k (units):",
            str(s.safety_stock_default),
            100,
        )
        for box in (you, money, alerts):
            column.addWidget(box)
        column.addStretch(1)
        return column

    def _storage_box(self, s: Settings, places: Places) -> QGroupBox:
        box = QGroupBox("Storage (applies at the next start)")
        form = QFormLayout(box)
        folder = self._line(
            form, "data_folder", "&Data folder:", s.data_folder or "", None, self.browse_button
        )
        folder.edit.setPlaceholderText("the platform's data folder")
        url = self._line(form, "database_url", "Data&base:", s.database_url or "")
        url.edit.setPlaceholderText("postgresql+psycopg://user@host/db")
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_result, 1)
        form.addRow("", test_row)
        where = QLabel(
            f"<b>In use now</b><br>Database: {places.database}<br>"
            f"Logs and crash reports: {places.logs}<br>Settings: {places.settings}"
        )
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(where)
        return box

    # -- values ---------------------------------------------------------------------------
    def _raw(self, name: str) -> Any:
        text = self.fields[name].edit.text()
        if name == "over_receipt_tolerance":
            try:
                return Decimal(text.strip().rstrip("%").strip()) / 100
            except InvalidOperation:
                raise ValueError("must be a percentage like 10") from None
        return text

    def values(self) -> Settings | None:
        """The settings typed, or None after showing what is wrong next to each field."""
        values: dict[str, Any] = {"theme": self.theme.currentData()}
        first_bad: _Field | None = None
        for name, f in self.fields.items():
            try:
                values[name] = check(name, self._raw(name))
            except ValueError as err:
                message = str(err)
                if name == "over_receipt_tolerance" and "share" in message:
                    message = "must be a percentage between 0 and 1000 (10 = 10 %)"
                f.show_error(self.labels[name], message)
                first_bad = first_bad or f
            else:
                f.error.hide()
        if first_bad is not None:
            first_bad.edit.setFocus()
            first_bad.edit.selectAll()
            return None
        return replace(self.settings, **values)

    # -- slots ----------------------------------------------------------------------------
    def _on_ok(self) -> None:
        settings = self.values()
        if settings is not None:
            self.save_requested.emit(settings)
            self.accept()

    def _on_test(self) -> None:
        f = self.fields["database_url"]
        try:
            url = check("database_url", f.edit.text())
        except ValueError as err:
            f.show_error("Database", str(err))
            return
        if url is None:
            self.show_test_result("Empty: the SQLite file in the data folder is used.", True)
            return
        self.test_button.setEnabled(False)
        self.test_result.setText("Connecting…")
        self.test_requested.emit(url)

    def show_test_result(self, text: str, ok: bool) -> None:
        self.test_button.setEnabled(True)
        colour = "" if ok else f"color: {error_colour(self)};"
        self.test_result.setStyleSheet(f"QLabel {{ {colour} }}")
        self.test_result.setText(text)
        self.test_result.setMinimumHeight(self.test_result.heightForWidth(NOTE_WIDTH - 120))

    def _on_browse(self) -> None:
        edit = self.fields["data_folder"].edit
        start = edit.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Data folder", start)
        if folder:
            edit.setText(folder)
