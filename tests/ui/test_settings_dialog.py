"""Edit → Settings… driven as a user would: values typed, a bad one refused next to its
field, OK saving settings.json and applying at once (the next alert run's window, the
approval threshold, the currency), Cancel losing nothing, the database URL tried."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from possync_gui.services.facade import InventorySyncService
from possync_gui.services.settings import load_settings, settings_path
from possync_gui.store import models as m
from possync_gui.store.database import Database
from possync_gui.ui.main_window import MainWindow
from possync_gui.ui.money import format_money, set_home_currency
from possync_gui.ui.settings_dialog import SettingsDialog


@pytest.fixture
def shop(db: Database) -> uuid.UUID:
    """One product that sold 12 units in the last three days and has 1 left."""
    today = datetime.now(UTC).date()
    with db.session() as s:
        wh = m.Warehouse(id=uuid.uuid4(), code="main", name="Main")
        pid = uuid.uuid4()
        s.add_all([wh, m.Product(id=pid, sku="TEA", name="Tea", minimum_stock=0)])
        s.flush()
        s.add(m.StockLevel(product_id=pid, warehouse_id=wh.id, on_hand=1))
        s.add(m.StockMovement(product_id=pid, warehouse_id=wh.id, delta=1, reason="count",
                              actor="setup"))
        for back in range(3):
            day: date = today - timedelta(days=back)
            s.add(m.SalesDaily(product_id=pid, warehouse_id=wh.id, day=day, quantity=4))
    return pid


@pytest.fixture
def window(qtbot: Any, db: Database, shop: uuid.UUID, qloop: Any) -> MainWindow:
    win = MainWindow(InventorySyncService(db), "tester")
    qtbot.addWidget(win)
    win.show()
    return win


def _open(win: MainWindow, qtbot: Any) -> SettingsDialog:
    win.settings_action.trigger()
    dialog = win.settings_actions.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _type(qtbot: Any, dialog: SettingsDialog, name: str, text: str) -> None:
    edit = dialog.fields[name].edit
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _ok(qtbot: Any, dialog: SettingsDialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def _average(win: MainWindow, run_async: Any) -> str:
    run_async(win.facade.run_stock_check())
    (alert,) = run_async(win.facade.list_alerts())
    return str(alert.details["average_daily_sales"])


def test_the_sales_window_set_in_settings_drives_the_next_alert_run(
    window: MainWindow, qtbot: Any, run_async: Any
) -> None:
    assert _average(window, run_async) == "0.4286"  # 12 units over the default 28 days
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "alert_window_days", "0")
    _ok(qtbot, dialog)
    error = dialog.fields["alert_window_days"].error
    assert dialog.isVisible() and error.isVisible()
    assert error.text() == "Sales window must be between 1 and 365 days."
    assert not settings_path().exists()  # nothing saved while a value is wrong
    _type(qtbot, dialog, "alert_window_days", "7")
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert json.loads(settings_path().read_text())["alert_window_days"] == 7
    assert _average(window, run_async) == "1.7143"  # 12 units over 7 days
    (alert,) = run_async(window.facade.list_alerts())
    assert alert.details["window_days"] == 7


def test_the_default_safety_stock_raises_the_next_runs_reorder_point(
    window: MainWindow, qtbot: Any, run_async: Any
) -> None:
    run_async(window.facade.run_stock_check())
    (before,) = run_async(window.facade.list_alerts())
    assert before.details["safety_stock"] == 0  # Tea has no minimum stock of its own
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "safety_stock_default", "4")
    _ok(qtbot, dialog)
    run_async(window.facade.run_stock_check())
    (after,) = run_async(window.facade.list_alerts())
    assert after.details["safety_stock"] == 4
    assert after.reorder_point == before.reorder_point + 4


def test_values_round_trip_and_apply_at_once(window: MainWindow, qtbot: Any) -> None:
    try:
        dialog = _open(window, qtbot)
        _type(qtbot, dialog, "operator_name", "Robin Shaw")
        _type(qtbot, dialog, "currency", "eur")
        _type(qtbot, dialog, "approval_threshold", "250")
        _type(qtbot, dialog, "over_receipt_tolerance", "5")
        _type(qtbot, dialog, "safety_stock_default", "4")
        _ok(qtbot, dialog)
        saved = load_settings()
        assert saved.operator_name == "Robin Shaw" and saved.currency == "EUR"
        assert saved.approval_threshold == Decimal("250.00")
        assert saved.over_receipt_tolerance == Decimal("0.05")
        assert saved.safety_stock_default == 4
        facade = window.facade
        assert facade.approval_threshold == Decimal("250.00")
        assert facade.deliveries.tolerance == Decimal("0.05")
        assert window.operator == "Robin Shaw"
        assert window.tabs.purchase_orders_presenter.operator == "Robin Shaw"
        assert window.operator_label.text() == "Operator: Robin Shaw"
        assert format_money(Decimal("1234.5")) == "EUR 1,234.50"
        again = _open(window, qtbot)  # the dialog shows what was saved
        assert again.fields["over_receipt_tolerance"].edit.text() == "5"
        assert again.fields["currency"].edit.text() == "EUR"
    finally:
        set_home_currency("USD")


def test_cancel_keeps_everything_as_it_was(window: MainWindow, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "approval_threshold", "5")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert not settings_path().exists()
    assert window.facade.approval_threshold == Decimal("1000.00")


def test_a_database_change_waits_for_the_next_start_and_is_tried_first(
    window: MainWindow, qtbot: Any, tmp_path: Any
) -> None:
    dialog = _open(window, qtbot)
    other = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    _type(qtbot, dialog, "database_url", other)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=20_000)
    assert "an empty database" in dialog.test_result.text()
    _type(qtbot, dialog, "database_url", "postgresql+psycopg://me:secret@host/db")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "must not contain a password" in dialog.fields["database_url"].error.text()
    _type(qtbot, dialog, "database_url", other)
    _ok(qtbot, dialog)
    assert load_settings().database_url == other
    assert "applies at the next start" in window.statusBar().currentMessage()
    assert window.facade.database_description != other  # still the one it started with


def test_a_new_data_folder_offers_to_copy_the_sqlite_database(
    qtbot: Any, sqlite_db: Database, tmp_path: Any, run_async: Any
) -> None:
    win = MainWindow(InventorySyncService(sqlite_db), "tester")
    qtbot.addWidget(win)
    win.show()
    dialog = _open(win, qtbot)
    target = tmp_path / "new-home"
    _type(qtbot, dialog, "data_folder", str(target))
    _ok(qtbot, dialog)
    question = win.settings_actions.copy_question
    assert question is not None and str(target) in question.text()
    qtbot.keyClick(question, Qt.Key.Key_Return)  # Yes is the default
    copy = target / "possync.sqlite3"
    qtbot.waitUntil(lambda: "Copied the database" in win.statusBar().currentMessage(),
                    timeout=20_000)
    with sqlite3.connect(copy) as conn:  # the same store, schema and all
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == run_async(win.facade.about()).schema_head


def test_the_dark_theme_applies_at_once_and_keeps_colour_coding_readable(
    window: MainWindow, qtbot: Any
) -> None:
    from PySide6.QtGui import QColor, QGuiApplication, QPalette, QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QStyleOptionViewItem, QTableView

    from possync_gui.ui.theme import ON_PALE, READABLE_ON_DARK, ThemedDelegate, is_dark

    assert not is_dark()
    try:
        dialog = _open(window, qtbot)
        dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
        _ok(qtbot, dialog)
        assert load_settings().theme == "dark"
        assert is_dark()
        qtbot.waitUntil(lambda: is_dark(window))  # the window's palette follows by an event
        assert QGuiApplication.styleHints().colorScheme() in (
            Qt.ColorScheme.Dark, Qt.ColorScheme.Unknown  # offscreen has no theme to ask
        )
        table = window.tabs.inventory.table
        assert isinstance(table.itemDelegate(), ThemedDelegate)
        # a pale "low stock" cell, and a dark red "less" difference, as the tabs colour them
        model = QStandardItemModel(1, 2)
        pale, red = QStandardItem("1"), QStandardItem("−3")
        pale.setBackground(QColor("#fff4d6"))
        red.setForeground(QColor("#b3261e"))
        model.setItem(0, 0, pale)
        model.setItem(0, 1, red)
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(model)
        delegate = ThemedDelegate(view)
        texts = []
        for column in (0, 1):
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, model.index(0, column))
            texts.append(option.palette.color(QPalette.ColorRole.Text))
        assert texts[0] == ON_PALE
        assert texts[1].lightness() == READABLE_ON_DARK and texts[1].hslHue() < 10  # still red
    finally:
        again = _open(window, qtbot)
        again.theme.setCurrentIndex(again.theme.findData("system"))
        _ok(qtbot, again)
    assert not is_dark()
    qtbot.waitUntil(lambda: not is_dark(window))
