"""What happens around the Settings dialog: saving, applying at once what applies at once
(operator, currency, theme, thresholds, alert terms), saying what waits for the next start,
offering to copy the database into a new data folder, trying a database URL.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from possync_gui.domain.errors import PossyncError
from possync_gui.services.settings import (
    DATABASE_FILE,
    Settings,
    data_folder,
    default_operator,
    log_dir,
    settings_path,
)
from possync_gui.ui.money import set_home_currency
from possync_gui.ui.settings_dialog import Places, SettingsDialog
from possync_gui.ui.theme import apply_theme

log = logging.getLogger("possync.ui")


def apply_display(settings: Settings) -> None:
    """The settings that change how things look: at start and after each save."""
    set_home_currency(settings.currency)
    apply_theme(settings.theme)


class SettingsActions:
    """Owned by the main window; ``window`` gives ``facade``, ``tasks``, ``set_operator``,
    ``show_message`` and ``show_error``."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.dialog: SettingsDialog | None = None
        self.copy_question: QMessageBox | None = None

    def places(self) -> Places:
        return Places(
            database=self.window.facade.database_description,
            logs=log_dir(),
            settings=settings_path(),
        )

    def show(self) -> SettingsDialog:
        """One dialog at a time (window-modal, not blocking the loop)."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = SettingsDialog(self.window.facade.settings, self.places(), self.window)
        dialog.save_requested.connect(self.save)
        dialog.test_requested.connect(self._test)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog: SettingsDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def save(self, settings: Settings) -> None:
        facade = self.window.facade
        old: Settings = facade.settings
        try:
            facade.update_settings(settings)
        except OSError as err:
            self.window.show_error(f"The settings could not be saved: {err}. Nothing changed.")
            return
        apply_display(settings)
        self.window.repaint_money()
        if settings.operator_name != old.operator_name:
            self.window.set_operator(default_operator(settings))
        later = [
            label
            for label, name in (("data folder", "data_folder"), ("database", "database_url"))
            if getattr(settings, name) != getattr(old, name)
        ]
        if later:
            self.window.show_message(
                f"Settings saved; the {' and '.join(later)} change applies at the next start."
            )
        else:
            self.window.show_message("Settings saved.")
        if settings.data_folder != old.data_folder and settings.database_url is None:
            self._offer_copy(data_folder(settings))

    def _offer_copy(self, folder: Path) -> None:
        """Offered only when the database in use is an SQLite file and none is there yet."""
        about_sqlite = self.window.facade.database_description.startswith("sqlite")
        if not about_sqlite or (folder / DATABASE_FILE).exists():
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Copy the database?",
            f"Copy the current database to {folder}?\n\nYes: the next start opens the same "
            "stock there. No: the next start makes a new database there (with the demo store).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda result: self._copy_answered(box, folder, result))
        self.copy_question = box
        box.open()

    def _copy_answered(self, box: QMessageBox, folder: Path, result: int) -> None:
        self.copy_question = None
        box.deleteLater()
        if result == QMessageBox.StandardButton.Yes:
            self.window.tasks.run("copy-database", self._copy(folder))

    async def _copy(self, folder: Path) -> None:
        self.window.show_message(f"Copying the database to {folder}…")
        target = await self.window.facade.copy_database_to(folder)
        self.window.show_message(f"Copied the database to {target}; used from the next start.")

    def _test(self, url: str) -> None:
        self.window.tasks.run("test-database", self._try(url))

    async def _try(self, url: str) -> None:
        try:
            text, ok = await self.window.facade.try_database_url(url), True
        except PossyncError as err:
            text, ok = str(err), False
        if self.dialog is not None:
            self.dialog.show_test_result(text, ok)
