"""The first start's welcome: the operator's name is required, remembered in settings.json
and recorded as the actor of the stock changes made after it; Enter explores the demo,
"Connect a POS…" opens the Integrations tab's add dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from possync_gui.services.facade import InventorySyncService
from possync_gui.services.settings import load_settings, settings_path
from possync_gui.store.database import Database
from possync_gui.ui.integrations.dialog import IntegrationDialog
from possync_gui.ui.main_window import MainWindow

CATALOG = "sku,name,barcode,unit_cost,warehouse,on_hand,minimum_stock\nTEA,Tea,,2,main,5,1\n"


@pytest.fixture
def window(qtbot: Any, db: Database, run_async: Any, tmp_path: Path) -> MainWindow:
    facade = InventorySyncService(db)
    run_async(facade.add_warehouse("main", "Main warehouse"))
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    run_async(facade.import_catalog(catalog, "setup"))
    win = MainWindow(facade, "os-user")
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_name_is_required_saved_and_becomes_the_ledger_actor(
    window: MainWindow, qtbot: Any, run_async: Any
) -> None:
    dialog = window.show_welcome(demo=True)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.focusWidget() is dialog.name  # typing goes to the name first
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # no name yet: refused, said why
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "Type your name first" in dialog.error.text()
    assert not settings_path().exists()
    qtbot.keyClicks(dialog.name, "Sam Rivera")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # Enter = explore the demo store
    assert not dialog.isVisible()
    assert load_settings().operator_name == "Sam Rivera"
    assert window.operator_label.text() == "Operator: Sam Rivera"
    assert window.tab_widget.currentIndex() == 0  # still where the demo opens
    warehouse = run_async(window.facade.list_warehouses())[0]
    presenter = window.tabs.inventory_presenter
    run_async(presenter.adjust("TEA", warehouse.id, 2, "adjustment", "found on the shelf"))
    product = run_async(window.facade.find_product("TEA"))
    detail = run_async(window.facade.product_detail(product.id))
    newest = max(detail.movements, key=lambda mv: mv.at)
    assert (newest.delta, newest.actor) == (2, "Sam Rivera")


def test_connect_a_pos_opens_the_integrations_add_dialog(
    window: MainWindow, qtbot: Any
) -> None:
    dialog = window.show_welcome(demo=True)
    qtbot.keyClicks(dialog.name, "Ana")
    qtbot.mouseClick(dialog.connect_pos, Qt.MouseButton.LeftButton)
    tab = window.tabs.integrations
    qtbot.waitUntil(lambda: tab._dialog is not None and tab._dialog.isVisible())
    assert window.tab_widget.currentWidget() is tab
    assert isinstance(tab._dialog, IntegrationDialog)
    assert tab._dialog.windowTitle() == "Add integration"
    assert [w.code for w in tab.presenter.warehouses] == ["main"]  # the map can use it
    assert load_settings().operator_name == "Ana"
