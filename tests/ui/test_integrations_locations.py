"""The integration dialog's "Fetch locations", driven as a user would against a fake Square
over loopback HTTP: the table fills from the POS, Save, and the sync puts each location's
counts in its warehouse; a refused fetch is shown in the dialog, which stays open."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from possync_gui.domain.records import InventoryQuery
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.ui.integrations.dialog import IntegrationDialog
from possync_gui.ui.integrations.locations import LOCATION, NAME, WAREHOUSE
from possync_gui.ui.integrations.model import Column
from possync_gui.ui.main_window import MainWindow
from tests.fakes.square import FakeSquare
from tests.ui.test_integrations_tab import (
    CATALOG,
    TOKEN,
    _add_by_file,
    _cell,
    _open_dialog,
    _row,
    _save,
    _seed,
    _sync,
    _tab,
    _type,
    _wait_closed,
    _wait_sync_done,
)


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    """Two active shops and a closed one; apples are counted at both shops."""
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_location("L2", "Harbour")
    server.add_location("L9", "Old depot", active=False)
    server.add_item("I1", "Apple", [{"id": "V1", "sku": "A-1"}])
    server.set_count("V1", "L1", 7)
    server.set_count("V1", "L2", 3)
    server.add_item("I2", "Banana", [{"id": "V2", "sku": "B-1"}])
    server.set_count("V2", "L1", 4)
    with server:
        yield server


@pytest.fixture
def facade(db: Database, run_async: Any, tmp_path: Path) -> InventorySyncService:
    """Two warehouses: ``main`` (matches no POS location's name) and ``harbour``."""
    service = InventorySyncService(db)
    run_async(service.add_warehouse("main", "Main warehouse"))
    run_async(service.add_warehouse("harbour", "Harbour store"))
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    run_async(service.import_catalog(catalog, "setup"))
    return service


@pytest.fixture
def settle(qtbot: Any, qloop: qasync.QEventLoop) -> Any:
    """Wait until the window's background reads are done. These tests are short: a read
    still in its worker thread when the test ends would hold a database connection past
    the database's disposal (an unclosed-connection warning in a later test)."""

    def wait() -> None:
        qtbot.waitUntil(lambda: all(t.done() for t in asyncio.all_tasks(qloop)))

    return wait


@pytest.fixture
def window(qtbot: Any, facade: InventorySyncService, settle: Any) -> MainWindow:
    win = MainWindow(facade, "tester")
    qtbot.addWidget(win)
    win.show()
    assert win.select_tab("Integrations")
    qtbot.waitUntil(lambda: not win.tabs.integrations_presenter.tasks.is_running("refresh"))
    settle()
    return win


def _fetch(qtbot: Any, dialog: IntegrationDialog) -> None:
    button = dialog.locations.fetch_button
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(button.isEnabled, timeout=20_000)  # busy until the POS answered


def _rows(dialog: IntegrationDialog) -> list[tuple[str, str, str]]:
    """(location id, warehouse text, name) of each row, as shown."""
    table = dialog.locations.table
    rows = []
    for r in range(table.rowCount()):
        combo = table.cellWidget(r, WAREHOUSE)
        assert isinstance(combo, QComboBox)
        location, name = table.item(r, LOCATION), table.item(r, NAME)
        rows.append(
            (
                location.text() if location else "",
                combo.currentText(),
                name.text() if name else "",
            )
        )
    return rows


def _stock(win: MainWindow, run_async: Any) -> dict[tuple[str, str], int]:
    rows = run_async(win.facade.stock_page(InventoryQuery(), 0, 50))
    return {(row.sku, row.warehouse_code): row.on_hand for row in rows}


def test_fetched_locations_fill_the_table_and_the_sync_follows_them(
    qtbot: Any, window: MainWindow, fake: FakeSquare, run_async: Any, settle: Any
) -> None:
    dialog = _open_dialog(qtbot, window)
    _type(qtbot, dialog.name, "Square shops")
    _type(qtbot, dialog.base_url, fake.url)
    _type(qtbot, dialog.credentials.access_token, TOKEN)
    dialog.strategy.setCurrentIndex(dialog.strategy.findData("pos_wins"))
    _fetch(qtbot, dialog)

    # One row per active location, in the POS's order; "Harbour" is the harbour warehouse's
    # code; the closed depot is left out; Main Street matches no warehouse, so it waits.
    assert _rows(dialog) == [
        ("L2", "harbour — Harbour store", "Harbour"),
        ("L1", "", "Main Street"),
    ]
    status = dialog.locations.status.text()
    assert "2 active locations: 2 added" in status and "1 inactive left out" in status
    assert not dialog.locations.table.isColumnHidden(NAME)
    assert fake.requests_to("/v2/locations")

    # Save refuses a location without a warehouse, and the dialog keeps everything.
    _save(qtbot, dialog)
    qtbot.waitUntil(dialog.error_label.isVisible)
    assert "Choose the warehouse for POS location 'L1'" in dialog.error_label.text()
    assert dialog.isVisible() and dialog.credentials.access_token.text() == TOKEN
    combo = dialog.locations.table.cellWidget(1, WAREHOUSE)
    assert isinstance(combo, QComboBox)
    combo.setFocus()
    qtbot.keyClicks(combo, "main")
    assert dialog.locations.location_map() == {"L1": "main", "L2": "harbour"}
    _save(qtbot, dialog)
    _wait_closed(qtbot, window)

    qtbot.waitUntil(lambda: _tab(window).proxy.rowCount() == 1)
    assert _row(window, "Square shops").info.location_map == {"L1": "main", "L2": "harbour"}
    _sync(qtbot, window, "Square shops")
    _wait_sync_done(qtbot, window, "Square shops")
    assert _cell(window, "Square shops", Column.LAST_RESULT).startswith("success")
    stock = _stock(window, run_async)
    assert stock[("A-1", "main")] == 7
    assert stock[("B-1", "main")] == 4
    assert stock.get(("A-1", "harbour")) == 3
    settle()


def test_a_refused_fetch_shows_in_the_dialog_which_stays_open(
    qtbot: Any, window: MainWindow, fake: FakeSquare, settle: Any
) -> None:
    wrong = "EAAAl-wrong-token-for-fetch"
    dialog = _open_dialog(qtbot, window)
    _type(qtbot, dialog.name, "Square shops")
    _type(qtbot, dialog.base_url, fake.url)

    # Nothing typed for the token: the form says so without asking the POS.
    _fetch(qtbot, dialog)
    assert "Type the access token first" in dialog.locations.status.text()
    assert fake.requests_to(".*") == []

    dialog.locations.add_row("L1", "main")
    _type(qtbot, dialog.credentials.access_token, wrong)
    _fetch(qtbot, dialog)
    status = dialog.locations.status.text()
    assert status.startswith("Could not fetch the locations: Square refused the credentials")
    assert wrong not in status
    assert dialog.isVisible()
    assert dialog.name.text() == "Square shops"
    assert dialog.credentials.access_token.text() == wrong
    assert dialog.locations.location_map() == {"L1": "main"}  # the table is as it was
    assert dialog.save_button.isEnabled()
    assert _tab(window).proxy.rowCount() == 0  # a fetch saves nothing

    # With the right token the same dialog fetches: L1 keeps the warehouse chosen for it.
    _type(qtbot, dialog.credentials.access_token, TOKEN)
    _fetch(qtbot, dialog)
    assert dialog.locations.status.text().startswith(
        "The POS lists 2 active locations: 1 added, 1 listed already."
    )
    assert dialog.locations.location_map() == {"L1": "main", "L2": "harbour"}
    assert ("L1", "main — Main warehouse", "Main Street") in _rows(dialog)
    settle()


def test_editing_fetches_with_the_stored_token_and_keeps_the_mapping(
    qtbot: Any, window: MainWindow, fake: FakeSquare, run_async: Any, settle: Any
) -> None:
    tab = _add_by_file(window, run_async, _seed(fake.url))  # maps L1 to main
    assert tab.select_integration(_row(window, "Square main").id)
    dialog = _open_dialog(qtbot, window, Qt.Key.Key_Return)
    assert dialog.credentials.access_token.text() == ""
    assert dialog.locations.table.isColumnHidden(NAME)
    _fetch(qtbot, dialog)
    assert "listed already" in dialog.locations.status.text()
    assert _rows(dialog) == [
        ("L1", "main — Main warehouse", "Main Street"),
        ("L2", "harbour — Harbour store", "Harbour"),
    ]
    assert {r.header("Authorization") for r in fake.requests_to("/v2/locations")} == {
        f"Bearer {TOKEN}"
    }
    settle()


def test_woocommerce_starts_with_its_one_location(
    qtbot: Any, window: MainWindow, settle: Any
) -> None:
    dialog = _open_dialog(qtbot, window)
    woo = dialog.type.findData("woocommerce")
    dialog.type.setCurrentIndex(woo)
    # Two warehouses and none named like the online store: the warehouse is left to choose.
    assert _rows(dialog) == [("woocommerce", "", "Online store")]
    dialog.type.setCurrentIndex(dialog.type.findData("square"))
    assert _rows(dialog) == []  # a WooCommerce id means nothing to Square
    dialog.type.setCurrentIndex(woo)
    combo = dialog.locations.table.cellWidget(0, WAREHOUSE)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData("harbour"))
    dialog.type.setCurrentIndex(dialog.type.findData("shopify"))
    assert dialog.locations.location_map() == {"woocommerce": "harbour"}  # chosen: kept
    settle()


def test_the_dialog_is_busy_while_the_pos_answers_and_closing_it_drops_the_fetch(
    qtbot: Any, window: MainWindow, fake: FakeSquare, settle: Any
) -> None:
    presenter = window.tabs.integrations_presenter
    dialog = _open_dialog(qtbot, window)
    _type(qtbot, dialog.base_url, fake.url)
    _type(qtbot, dialog.credentials.access_token, TOKEN)
    fake.stall_answers("/v2/locations")
    try:
        qtbot.mouseClick(dialog.locations.fetch_button, Qt.MouseButton.LeftButton)
        assert not dialog.locations.fetch_button.isEnabled()
        assert dialog.locations.fetch_button.text() == "Fetching…"
        assert "Asking the POS" in dialog.locations.status.text()
        qtbot.waitUntil(fake.stalled.is_set)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        _wait_closed(qtbot, window)
        qtbot.waitUntil(lambda: not presenter.tasks.is_running("fetch-locations"))
    finally:
        fake.release()
    again = _open_dialog(qtbot, window)
    assert again.locations.fetch_button.isEnabled()
    assert again.locations.table.rowCount() == 0
    settle()
