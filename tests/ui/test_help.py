"""The Help menu (About with the schema revision, the database location) and crash
reports: a bug in a slot or an async task writes a report file, without secrets, and a
dialog names it."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QPushButton

from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.migrate import head_revision
from possync_gui.ui.crash import CrashReporter, RecentLines, redact
from possync_gui.ui.help import AboutDialog
from possync_gui.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: Any, db: Database, qloop: Any) -> MainWindow:
    win = MainWindow(InventorySyncService(db), "tester")
    qtbot.addWidget(win)
    win.show()
    return win


def _menu_action(win: MainWindow, menu: str, text: str) -> Any:
    for top in win.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for action in top.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu} → {text}")


def test_about_shows_the_schema_revision_at_the_migration_head(
    window: MainWindow, qtbot: Any, db: Database
) -> None:
    _menu_action(window, "Help", "About possync").trigger()
    qtbot.waitUntil(lambda: window.help_actions.about_dialog is not None)
    about = window.help_actions.about_dialog
    assert isinstance(about, AboutDialog)
    qtbot.waitUntil(about.isVisible)
    rows = dict(about.rows)
    assert rows["Schema revision"] == f"{head_revision(db)} (up to date)"
    assert rows["Database backend"] == ("SQLite" if db.backend == "sqlite" else "PostgreSQL")
    for name in ("possync", "Qt", "PySide6", "SQLAlchemy", "Python"):
        assert rows[name]
    about.copy_button.click()
    assert f"Schema revision: {head_revision(db)}" in QApplication.clipboard().text()


def test_database_location_names_the_file_without_a_password(
    window: MainWindow, qtbot: Any, db: Database
) -> None:
    _menu_action(window, "Help", "Database location…").trigger()
    qtbot.waitUntil(lambda: window.help_actions.database_dialog is not None)
    dialog = window.help_actions.database_dialog
    assert dialog is not None
    if db.backend == "sqlite":
        assert dialog.location == str(Path(db.engine.url.database or "").resolve())
        assert dialog.open_button.isEnabled()
    else:
        assert dialog.location == db.url_for_display and not dialog.open_button.isEnabled()
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == dialog.location


def test_a_bug_in_a_slot_and_in_a_task_writes_a_report_the_dialog_names(
    window: MainWindow, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recent = RecentLines()
    logging.getLogger().addHandler(recent)
    reporter = CrashReporter(tmp_path / "logs", recent)
    monkeypatch.setattr(sys, "excepthook", reporter)
    try:
        logging.getLogger("possync.pos").warning("calling with accessToken=EAAAl-abc-123-secret")
        button = QPushButton("boom")
        qtbot.addWidget(button)

        def broken_slot() -> None:
            raise RuntimeError("the shelf fell over")

        button.clicked.connect(broken_slot)
        button.click()
    finally:
        logging.getLogger().removeHandler(recent)
    (report,) = sorted((tmp_path / "logs").glob("crash-*.txt"))
    text = report.read_text(encoding="utf-8")
    assert "RuntimeError: the shelf fell over" in text and "broken_slot" in text
    assert "calling with accessToken=<redacted>" in text  # the last log lines, no secret
    assert "EAAAl-abc-123-secret" not in text
    (dialog,) = reporter.dialogs
    qtbot.waitUntil(dialog.isVisible)
    assert report.name in dialog.informativeText()
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == text
    assert dialog.isVisible()  # copying keeps the dialog open
    dialog.close()

    async def broken_task() -> None:
        raise KeyError("no such pallet")

    task = window.tasks.run("broken", broken_task())
    qtbot.waitUntil(lambda: len(list((tmp_path / "logs").glob("crash-*.txt"))) == 2)
    assert task.done()
    qtbot.waitUntil(lambda: len(reporter.dialogs) == 1 and reporter.dialogs[0].isVisible())
    second = reporter.dialogs[0].report
    assert second is not None and second != report  # a second in the same second: -2
    assert "KeyError: 'no such pallet'" in second.read_text(encoding="utf-8")
    reporter.dialogs[0].close()


def test_redaction_keeps_ids_and_drops_secrets() -> None:
    text = (
        "product 5b0c2a9e-31d4-4f3c-9a51-0d2f7e6c1b8a failed; "
        "url postgresql+psycopg://possync:hunter2@db/stock; "
        "headers {'Authorization': 'Bearer shpat_0123456789abcdef0123456789abcdef'}; "
        "consumer_secret=cs_live_42"
    )
    clean = redact(text)
    assert "5b0c2a9e-31d4-4f3c-9a51-0d2f7e6c1b8a" in clean
    for secret in ("hunter2", "shpat_0123456789abcdef", "cs_live_42"):
        assert secret not in clean
