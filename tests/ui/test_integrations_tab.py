"""The Integrations tab driven as a user would, against a fake Square over loopback HTTP:
adding through the dialog, Sync now, Cancel mid-sync, editing, the sync log, health."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QMessageBox

from possync_gui.domain.records import InventoryQuery
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.ledger import ledger_mismatches
from possync_gui.store.models import PendingPush
from possync_gui.ui.integrations.dialog import IntegrationDialog
from possync_gui.ui.integrations.model import Column, IntegrationRow, LogColumn
from possync_gui.ui.integrations.tab import IntegrationsTab
from possync_gui.ui.integrations.text import CANCELLED_TEXT
from possync_gui.ui.main_window import MainWindow
from tests.fakes.server import Reply
from tests.fakes.square import FakeSquare

TOKEN = "EAAAl-ui-sync-secret-token"
CATALOG = (
    "sku,name,barcode,unit_cost,warehouse,on_hand,minimum_stock,reorder_point\n"
    "A-1,Apple,,1.5,main,0,2,5\n"
    "B-1,Banana,,2,main,4,,\n"
)
#: Long enough that the sync is surely still waiting when Cancel is clicked; the test
#: never waits for it (the fake's handler thread sleeps on in the background).
STALL_S = 30


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_item("I1", "Apple", [{"id": "V1", "sku": "A-1"}])
    server.set_count("V1", "L1", 7)
    server.add_item("I2", "Banana", [{"id": "V2", "sku": "B-1"}])
    server.set_count("V2", "L1", 4)
    with server:
        yield server


@pytest.fixture
def facade(db: Database, run_async: Any, tmp_path: Path) -> InventorySyncService:
    service = InventorySyncService(db)
    run_async(service.add_warehouse("main", "Main warehouse"))
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    run_async(service.import_catalog(catalog, "setup"))
    return service


@pytest.fixture
def window(qtbot: Any, facade: InventorySyncService) -> MainWindow:
    win = MainWindow(facade, "tester")
    qtbot.addWidget(win)
    win.show()
    assert win.select_tab("Integrations")
    qtbot.waitUntil(lambda: not win.tabs.integrations_presenter.tasks.is_running("refresh"))
    return win


def _seed(base_url: str, token: str = TOKEN) -> dict[str, Any]:
    return {
        "id": "pos-square-main",
        "name": "Square main",
        "type": "square",
        "configuration": {
            "baseUrl": base_url,
            "credentials": {"accessToken": token},
            "locationMap": {"L1": "main"},
        },
        "syncSettings": {"conflictResolution": "pos_wins"},
    }


def _add_by_file(win: MainWindow, run_async: Any, data: dict[str, Any]) -> IntegrationsTab:
    """As ``possync integrations add --from-json`` would, then F5 in the tab."""
    run_async(win.facade.add_integration_from_json(data))
    run_async(win.tabs.integrations_presenter.refresh())
    tab = _tab(win)
    assert tab.proxy.rowCount() == 1
    return tab


def _tab(win: MainWindow) -> IntegrationsTab:
    return win.tabs.integrations


def _row(win: MainWindow, name: str) -> IntegrationRow:
    rows = [r for r in win.tabs.integrations_presenter.model.rows() if r.info.name == name]
    assert rows, f"no row {name!r}"
    return rows[0]


def _cell(win: MainWindow, name: str, column: Column) -> str:
    tab = _tab(win)
    for r in range(tab.proxy.rowCount()):
        if tab.proxy.index(r, Column.NAME).data() == name:
            return str(tab.proxy.index(r, column).data())
    raise AssertionError(f"no row {name!r}")


def _open_dialog(
    qtbot: Any,
    win: MainWindow,
    key: Qt.Key | None = None,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> IntegrationDialog:
    tab = _tab(win)
    if key is None:
        qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    else:
        tab.table.setFocus()
        qtbot.keyClick(tab.table, key, modifier)
    qtbot.waitUntil(lambda: tab.findChild(IntegrationDialog) is not None)
    dialog = tab.findChild(IntegrationDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _wait_closed(qtbot: Any, win: MainWindow) -> None:
    def closed() -> bool:
        dialog = _tab(win).findChild(IntegrationDialog)
        return dialog is None or not dialog.isVisible()

    qtbot.waitUntil(closed)


def _type(qtbot: Any, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)


def _save(qtbot: Any, dialog: IntegrationDialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def _sync(qtbot: Any, win: MainWindow, name: str, full: bool = True) -> None:
    tab = _tab(win)
    assert tab.select_integration(_row(win, name).id)
    button = tab.full_sync_button if full else tab.sync_button
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _wait_sync_done(qtbot: Any, win: MainWindow, name: str) -> None:
    presenter = win.tabs.integrations_presenter
    integration_id = _row(win, name).id
    qtbot.waitUntil(lambda: not presenter.is_syncing(integration_id), timeout=30_000)
    qtbot.waitUntil(lambda: not presenter.tasks.is_running("refresh"), timeout=10_000)
    qtbot.waitUntil(lambda: not presenter.tasks.is_running("log"), timeout=10_000)


def _on_hand(win: MainWindow, run_async: Any) -> dict[str, int]:
    rows = run_async(win.facade.stock_page(InventoryQuery(), 0, 50))
    return {row.sku: row.on_hand for row in rows}


def _add_through_dialog(qtbot: Any, win: MainWindow, base_url: str) -> None:
    dialog = _open_dialog(qtbot, win)
    _type(qtbot, dialog.name, "Square main")
    _type(qtbot, dialog.base_url, base_url)
    _type(qtbot, dialog.credentials.access_token, TOKEN)
    qtbot.mouseClick(dialog.locations.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.focusWidget()
    assert isinstance(editor, QLineEdit), "the new row's location cell is being edited"
    assert editor.parent() is dialog.locations.table.viewport()
    qtbot.keyClicks(editor, "L1")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # commits the cell, does not press Save
    qtbot.waitUntil(lambda: dialog.locations.location_map() == {"L1": "main"})
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    warehouse = dialog.locations.table.cellWidget(0, 1)
    assert isinstance(warehouse, QComboBox) and warehouse.currentData() == "main"
    dialog.strategy.setCurrentIndex(dialog.strategy.findData("pos_wins"))
    _save(qtbot, dialog)
    _wait_closed(qtbot, win)


def test_add_through_the_dialog_then_sync_now_pulls_into_the_inventory(
    qtbot: Any, window: MainWindow, fake: FakeSquare, run_async: Any
) -> None:
    tab = _tab(window)
    assert "No POS integrations yet" in tab.count.text()
    _add_through_dialog(qtbot, window, fake.url)
    qtbot.waitUntil(lambda: tab.proxy.rowCount() == 1)
    row = _row(window, "Square main")
    assert row.info.location_map == {"L1": "main"}
    assert row.info.sync_settings["conflictResolution"] == "pos_wins"
    assert TOKEN not in repr(row.info)
    assert keyring.get_password("possync", f"{row.id}:access_token") == TOKEN
    assert _cell(window, "Square main", Column.LAST_RESULT) == "no runs yet"

    # The Inventory tab has been seen before the sync: it must refresh after it.
    window.select_tab("Inventory")
    inventory = window.tabs.inventory_presenter
    qtbot.waitUntil(lambda: inventory.total == 2)
    window.select_tab("Integrations")
    _sync(qtbot, window, "Square main")
    _wait_sync_done(qtbot, window, "Square main")
    result = _cell(window, "Square main", Column.LAST_RESULT)
    assert result.startswith("success · ") and "pulled" in result
    assert "Sync success" in tab.progress.label.text()
    assert _cell(window, "Square main", Column.LAST_SYNC) != "never"
    assert "Never" not in window.sync_label.text() and "never" not in window.sync_label.text()
    assert tab.log.model.rowCount() == 1
    assert "Errors" not in tab.log.details.toPlainText()

    window.select_tab("Inventory")

    def apple_on_hand() -> int | None:
        for r in range(inventory.model.rowCount()):
            stock = inventory.model.row_at(r)
            if stock is not None and stock.sku == "A-1":
                return stock.on_hand
        return None

    qtbot.waitUntil(lambda: apple_on_hand() == 7)


def test_a_refused_form_keeps_the_dialog_open_with_what_was_typed(
    qtbot: Any, window: MainWindow, fake: FakeSquare
) -> None:
    dialog = _open_dialog(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    _type(qtbot, dialog.name, "Square main")
    _type(qtbot, dialog.base_url, "http://pos.example.com")
    _type(qtbot, dialog.credentials.access_token, TOKEN)
    _save(qtbot, dialog)
    qtbot.waitUntil(dialog.error_label.isVisible)
    assert "https" in dialog.error_label.text()
    assert TOKEN not in dialog.error_label.text()
    assert dialog.isVisible()
    assert dialog.name.text() == "Square main"
    assert dialog.credentials.access_token.text() == TOKEN
    assert dialog.save_button.isEnabled()

    # The form itself catches a location listed twice, before anything is sent.
    dialog.locations.add_row("L1", "main")
    dialog.locations.add_row("L1", "main")
    _save(qtbot, dialog)
    assert "listed twice" in dialog.error_label.text()
    dialog.locations.table.removeRow(1)

    _type(qtbot, dialog.base_url, fake.url)
    _save(qtbot, dialog)
    _wait_closed(qtbot, window)
    qtbot.waitUntil(lambda: _tab(window).proxy.rowCount() == 1)
    assert _row(window, "Square main").info.base_url == fake.url


def test_cancel_during_a_sync_keeps_the_store_consistent_and_the_next_sync_succeeds(
    qtbot: Any, window: MainWindow, fake: FakeSquare, run_async: Any, db: Database
) -> None:
    tab = _add_by_file(window, run_async, _seed(fake.url))
    _sync(qtbot, window, "Square main")
    _wait_sync_done(qtbot, window, "Square main")
    assert _on_hand(window, run_async) == {"A-1": 7, "B-1": 4}

    # Both sides move: the POS now counts 9 apples; the store found 3 bananas.
    fake.set_count("V1", "L1", 9)
    run_async(window.facade.adjust_stock("B-1", "main", 3, "found", "tester"))
    # The POS stalls on the push, after the page (apples pulled, banana push queued) committed.
    fake.inject(Reply(200, {}, delay=STALL_S), path_pattern="/v2/inventory/changes/batch-create")
    _sync(qtbot, window, "Square main", full=False)
    integration_id = _row(window, "Square main").id
    qtbot.waitUntil(lambda: bool(fake.requests_to("/v2/inventory/changes/batch-create")))
    assert not tab.sync_button.isEnabled() and not tab.full_sync_button.isEnabled()
    assert tab.progress.cancel_button.isVisible()
    assert _cell(window, "Square main", Column.LAST_RESULT) == "Syncing…"
    qtbot.mouseClick(tab.progress.cancel_button, Qt.MouseButton.LeftButton)
    _wait_sync_done(qtbot, window, "Square main")

    assert tab.progress.label.text() == CANCELLED_TEXT
    assert not tab.progress.cancel_button.isVisible()
    assert tab.sync_button.isEnabled()
    assert _cell(window, "Square main", Column.LAST_RESULT).startswith("cancelled")
    newest = tab.log.proxy.index(0, LogColumn.STATUS)
    assert newest.data() == "cancelled"
    assert "Cancelled by the user" in tab.log.details.toPlainText()
    # What was written before the cancel stays, and the ledger agrees with the stock.
    assert _on_hand(window, run_async) == {"A-1": 9, "B-1": 7}
    with db.session() as session:
        assert ledger_mismatches(session) == []
        assert len(session.query(PendingPush).all()) == 1
    assert fake.quantity("V2", "L1") == "4"

    _sync(qtbot, window, "Square main", full=False)
    _wait_sync_done(qtbot, window, "Square main")
    assert _cell(window, "Square main", Column.LAST_RESULT).startswith("success")
    assert fake.quantity("V2", "L1") == "7"  # the queued push went through this time
    assert _on_hand(window, run_async) == {"A-1": 9, "B-1": 7}
    with db.session() as session:
        assert ledger_mismatches(session) == []
        assert session.query(PendingPush).all() == []
    assert [e.status for e in tab.log.model.entries()][:2] == ["success", "cancelled"]
    assert integration_id == _row(window, "Square main").id


def test_editing_keeps_the_stored_token(
    qtbot: Any, window: MainWindow, fake: FakeSquare, run_async: Any
) -> None:
    tab = _add_by_file(window, run_async, _seed(fake.url))
    assert tab.select_integration(_row(window, "Square main").id)
    dialog = _open_dialog(qtbot, window, Qt.Key.Key_Return)
    assert dialog.name.text() == "Square main"
    assert dialog.base_url.text() == fake.url
    assert dialog.credentials.access_token.text() == ""  # secrets are never filled in
    assert "keep" in dialog.credentials.access_token.placeholderText()
    assert dialog.locations.location_map() == {"L1": "main"}
    assert dialog.strategy.currentData() == "pos_wins"
    _type(qtbot, dialog.name, "Square high street")
    dialog.frequency.setCurrentIndex(dialog.frequency.findData("daily"))
    _save(qtbot, dialog)
    _wait_closed(qtbot, window)
    qtbot.waitUntil(lambda: _cell(window, "Square high street", Column.NAME) != "")
    info = _row(window, "Square high street").info
    assert info.sync_frequency == "daily"
    assert info.external_key == "pos-square-main"

    _sync(qtbot, window, "Square high street")
    _wait_sync_done(qtbot, window, "Square high street")
    assert _cell(window, "Square high street", Column.LAST_RESULT).startswith("success")
    assert _on_hand(window, run_async)["A-1"] == 7


def test_the_sync_log_shows_a_failed_run_with_its_error(
    qtbot: Any, window: MainWindow, fake: FakeSquare, run_async: Any
) -> None:
    tab = _add_by_file(window, run_async, _seed(fake.url, "EAAAl-wrong-token"))
    _sync(qtbot, window, "Square main")
    _wait_sync_done(qtbot, window, "Square main")
    assert _cell(window, "Square main", Column.LAST_RESULT) == "failed · 1 error"
    assert "Sync failed" in tab.progress.label.text()
    [entry] = tab.log.model.entries()
    assert entry.status == "failed" and entry.errors
    details = tab.log.details.toPlainText()
    assert "Errors (1):" in details
    assert entry.errors[0] in details
    assert "authoriz" in details.lower()
    assert "EAAAl-wrong-token" not in details

    # Check health says the same: the POS refuses the credentials.
    assert _cell(window, "Square main", Column.HEALTH) in ("Unknown", "Warning")
    qtbot.mouseClick(tab.health_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cell(window, "Square main", Column.HEALTH) == "Error")
    model = tab.proxy
    for r in range(model.rowCount()):
        tip = model.index(r, Column.HEALTH).data(Qt.ItemDataRole.ToolTipRole)
        assert "Last error:" in tip


def test_remove_asks_first_and_models_pass_the_tester(
    qtbot: Any, qtmodeltester: Any, window: MainWindow, fake: FakeSquare, run_async: Any
) -> None:
    tab = _add_by_file(window, run_async, _seed(fake.url))
    _sync(qtbot, window, "Square main")
    _wait_sync_done(qtbot, window, "Square main")
    presenter = window.tabs.integrations_presenter
    qtmodeltester.check(presenter.model, force_py=True)
    qtmodeltester.check(presenter.log_model, force_py=True)

    _type(qtbot, tab.filter, "shopify")
    assert tab.proxy.rowCount() == 0
    _type(qtbot, tab.filter, "SQUARE")
    assert tab.proxy.rowCount() == 1
    integration_id = _row(window, "Square main").id
    qtbot.mouseClick(tab.remove_button, Qt.MouseButton.LeftButton)
    box = tab.findChild(QMessageBox)
    assert box is not None and "Remove Square main?" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: tab.proxy.rowCount() == 0)
    assert keyring.get_password("possync", f"{integration_id}:access_token") is None
    assert isinstance(integration_id, uuid.UUID)
