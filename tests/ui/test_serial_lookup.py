"""Serial lookup anywhere in the window (SQLite and PostgreSQL): Find serial (Ctrl+Shift+S)
shows the product, where it is and the delivery that brought it; the Inventory search falls
back to a serial when no product matches; the Posted deliveries page lists the delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt

from possync_gui.domain.receiving import DeliveryInput, DeliveryLineInput
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.ui.main_window import MainWindow
from possync_gui.ui.receiving.model import ROW_ROLE
from possync_gui.ui.receiving.serial_lookup import SerialLookupDialog
from tests.ui.receiving_world import ORDER, PHONE, ReceivingWorld, build_receiving_world

DELIVERY = "DN-7781"


@pytest.fixture
def world(db: Database) -> ReceivingWorld:
    return build_receiving_world(db)


@pytest.fixture
def window(qtbot: Any, qloop: Any, world: ReceivingWorld, run_async: Any) -> MainWindow:
    facade = InventorySyncService(world.db)
    delivery = DeliveryInput(
        delivery_id=DELIVERY,
        warehouse_ref="MAIN",
        received_by="dock-anna",
        received_at=datetime.now(UTC),
        items=(
            DeliveryLineInput(str(world.products["PHONE"]), 2, serial_numbers=("IMEI-1", "IMEI-2")),
        ),
        purchase_order_ref=ORDER,
    )
    assert run_async(facade.update_inventory_from_delivery(delivery)).ok
    win = MainWindow(facade, "dock-anna")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win


def test_find_serial_shows_product_place_and_delivery(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    qtbot.keyClick(
        window,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.findChild(SerialLookupDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.field.hasFocus)
    qtbot.keyClicks(dialog.field, "IMEI-2")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=30_000)
    found = dialog.model.index(0, 0).data(ROW_ROLE)
    assert (found.sku, found.warehouse_code, found.delivery_id) == ("PHONE", "MAIN", DELIVERY)
    assert found.purchase_order_number == ORDER
    assert DELIVERY in dialog.status.text() and "MAIN" in dialog.status.text()
    # a GS1 label carrying the serial is read for its serial; an unknown one says so
    qtbot.keyClicks(dialog.field, f"]d201{'0' + PHONE}21IMEI-1")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "IMEI-1" in dialog.status.text(), timeout=30_000)
    qtbot.keyClicks(dialog.field, "NOPE-9")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "No product carries serial NOPE-9" in dialog.status.text())
    assert dialog.model.rowCount() == 0


def test_the_inventory_search_falls_back_to_a_serial(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    tab = window.tabs.inventory
    presenter = window.tabs.inventory_presenter
    qtbot.waitUntil(lambda: presenter.total > 0, timeout=30_000)
    tab.search.setFocus()
    qtbot.keyClicks(tab.search, "IMEI-1")
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: DELIVERY in tab.count.text(), timeout=30_000)
    assert "PHONE" in tab.count.text() and "MAIN" in tab.count.text()
    row = tab.selected_row()
    assert row is not None and row.sku == "PHONE"
    qtbot.keyClicks(tab.search, "NOTHING-LIKE-IT")
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "serial number NOTHING-LIKE-IT" in window.statusBar().currentMessage())


def test_posted_deliveries_are_listed_with_their_items(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    assert window.select_tab("Receiving")
    tab = window.tabs.receiving
    qtbot.keyClick(tab.pages, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    history = tab.history_panel
    qtbot.waitUntil(lambda: history.list.proxy.rowCount() == 1, timeout=30_000)
    qtbot.waitUntil(lambda: history.items_proxy.rowCount() == 1, timeout=30_000)
    assert DELIVERY in history.detail.text()
    item = history.items_proxy.index(0, 0).data(ROW_ROLE)
    assert item.serial_numbers == ("IMEI-1", "IMEI-2")
