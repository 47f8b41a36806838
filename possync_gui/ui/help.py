"""The Help menu: the log folder, where the database is, and the About box.

``AboutDialog`` shows the versions (possync, Qt, PySide6, SQLAlchemy, Alembic, Python),
the database backend and the schema revision (the database's against the migrations'
head) from the facade's ``about()``; Copy puts it all on the clipboard for a support mail.
``DatabaseDialog`` shows the URL without its password, or the SQLite file, with Copy and
Open folder. ``HelpActions`` builds them for the window.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from possync_gui.services.about import AboutInfo
from possync_gui.services.settings import log_dir


def about_rows(info: AboutInfo) -> list[tuple[str, str]]:
    """What the About box lists, label and value."""
    if info.schema_current is None:
        schema = f"empty (head {info.schema_head})"
    elif info.schema_up_to_date:
        schema = f"{info.schema_current} (up to date)"
    else:
        schema = f"{info.schema_current} (head {info.schema_head}: upgraded at the next start)"
    return [
        ("possync", info.app_version),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        ("SQLAlchemy", info.sqlalchemy_version),
        ("Alembic", info.alembic_version),
        ("Python", info.python_version),
        ("Platform", info.platform),
        ("Database backend", "PostgreSQL" if info.backend == "postgresql" else "SQLite"),
        ("Database", info.database),
        ("Schema revision", schema),
        ("Logs", str(log_dir())),
    ]


def _grid(rows: list[tuple[str, str]]) -> QGridLayout:
    grid = QGridLayout()
    grid.setHorizontalSpacing(16)
    for i, (label, value) in enumerate(rows):
        grid.addWidget(QLabel(f"<b>{escape(label)}</b>"), i, 0)
        shown = QLabel(escape(value))
        shown.setWordWrap(True)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(shown, i, 1)
    grid.setColumnStretch(1, 1)
    return grid


class AboutDialog(QDialog):
    """Versions and the schema revision; Copy puts them on the clipboard as text."""

    def __init__(self, info: AboutInfo, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About possync")
        self.rows = about_rows(info)
        heading = QLabel(
            f"<h2>possync {escape(info.app_version)}</h2>Keeps point-of-sale stock and "
            "warehouse stock in step."
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(_grid(self.rows))
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def text(self) -> str:
        return "\n".join(f"{label}: {value}" for label, value in self.rows)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.text())


class DatabaseDialog(QDialog):
    """Where the database is: the URL (no password) or the SQLite file."""

    def __init__(self, info: AboutInfo, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Database location")
        self.path = info.sqlite_path
        self.location = str(info.sqlite_path) if info.sqlite_path else info.database
        rows = [("Backend", "PostgreSQL" if info.backend == "postgresql" else "SQLite")]
        rows.append(("File" if self.path else "URL", self.location))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        self.open_button = QPushButton("&Open folder")
        self.open_button.setEnabled(self.path is not None)
        for button in (self.copy_button, self.open_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(
            lambda: QApplication.clipboard().setText(self.location)
        )
        self.open_button.clicked.connect(self._open_folder)
        layout = QVBoxLayout(self)
        layout.addLayout(_grid(rows))
        note = QLabel("Change it in Edit → Settings… → Storage (at the next start).")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def _open_folder(self) -> None:
        if self.path is not None:
            open_folder(self.path.parent)


def open_folder(folder: Path) -> bool:
    """Show ``folder`` in the desktop's file manager (made first if it is missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class HelpActions:
    """The Help menu's actions for the window (``facade``, ``tasks``)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.about_dialog: AboutDialog | None = None
        self.database_dialog: DatabaseDialog | None = None

    def open_log_folder(self) -> None:
        if not open_folder(log_dir()):
            self.window.show_message(f"Logs are in {log_dir()}")

    def show_about(self) -> None:
        self.window.tasks.run("about", self._about(database=False))

    def show_database(self) -> None:
        self.window.tasks.run("database-location", self._about(database=True))

    async def _about(self, *, database: bool) -> None:
        info = await self.window.facade.about()
        if database:
            self.database_dialog = DatabaseDialog(info, self.window)
            self.database_dialog.open()
        else:
            self.about_dialog = AboutDialog(info, self.window)
            self.about_dialog.open()
