"""The main window and the Inventory tab, driven as a user would: typing, Enter, clicks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.records import InventoryQuery
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database, open_database
from possync_gui.store.demo import seed_demo
from possync_gui.ui.inventory.adjust_dialog import AdjustDialog
from possync_gui.ui.inventory.model import PAGE_SIZE, Column
from possync_gui.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    db = open_database(url)
    seed_demo(db, products=900, warehouses=2, history_days=21, seed=7)
    db.dispose()
    return url


@pytest.fixture
def store(demo_url: str, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the module's demo store, so tests that change stock stay independent."""
    src = Path(demo_url.removeprefix("sqlite:///"))
    dst = tmp_path / "store.sqlite3"
    dst.write_bytes(src.read_bytes())
    db = open_database(f"sqlite:///{dst}")
    yield db
    db.dispose()


@pytest.fixture
def window(qtbot: Any, qloop: Any, store: Database) -> MainWindow:
    win = MainWindow(InventorySyncService(store), "tester")
    qtbot.addWidget(win)
    win.show()
    presenter = win.tabs.inventory_presenter
    qtbot.waitUntil(lambda: presenter.total > 0, timeout=30_000)
    return win


def _cell(win: MainWindow, row: int, column: Column) -> str:
    model = win.tabs.inventory.table.model()
    return str(model.data(model.index(row, column)))


def _scan(qtbot: Any, win: MainWindow, code: str) -> None:
    search = win.tabs.inventory.search
    search.setFocus()
    search.selectAll()
    qtbot.keyClicks(search, code)
    qtbot.keyClick(search, Qt.Key.Key_Return)


def test_window_opens_on_the_demo_store_with_six_tabs(window: MainWindow) -> None:
    assert window.tab_titles() == [
        "Inventory",
        "Alerts",
        "Purchase Orders",
        "Receiving",
        "Conflicts",
        "Integrations",
    ]
    assert window.tabs.inventory_presenter.total == 1800  # 900 products x 2 warehouses
    assert _cell(window, 0, Column.SKU) not in ("", "…")
    assert "tester" in window.operator_label.text()
    assert "store.sqlite3" in window.db_label.text()


def test_scanned_barcode_and_enter_selects_the_product(
    qtbot: Any, window: MainWindow, run_async: Any
) -> None:
    facade = window.facade
    rows = run_async(facade.stock_page(InventoryQuery(sort_column="name"), 500, 1))
    target = rows[0]
    assert target.barcode
    _scan(qtbot, window, target.barcode)
    tab = window.tabs.inventory
    qtbot.waitUntil(lambda: tab.selected_row() is not None and tab.selected_row().sku == target.sku)
    qtbot.waitUntil(lambda: tab.detail.title.text() == target.name)
    assert all(
        _cell(window, r, Column.SKU) == target.sku
        for r in range(window.tabs.inventory_presenter.total)
    )
    # the text is selected so the next scan replaces it
    assert tab.search.selectedText() == tab.search.text()


def test_a_upc_or_gtin14_form_of_the_barcode_finds_the_same_product(
    qtbot: Any, window: MainWindow, run_async: Any
) -> None:
    target = run_async(window.facade.stock_page(InventoryQuery(), 10, 1))[0]
    gtin14 = normalize_gtin(target.barcode or "")
    assert gtin14 is not None
    _scan(qtbot, window, gtin14)
    tab = window.tabs.inventory
    qtbot.waitUntil(lambda: tab.selected_row() is not None and tab.selected_row().sku == target.sku)


def test_unknown_barcode_says_so_and_selects_nothing(qtbot: Any, window: MainWindow) -> None:
    _scan(qtbot, window, "4006381333931")  # a valid EAN-13 no demo product carries
    qtbot.waitUntil(lambda: "No product" in window.statusBar().currentMessage())
    assert window.tabs.inventory.selected_row() is None
    assert window.tabs.inventory.count.text().startswith("0 stock rows")


def test_sorting_by_on_hand_descending_puts_the_largest_first(
    qtbot: Any, window: MainWindow, run_async: Any
) -> None:
    header = window.tabs.inventory.table.horizontalHeader()
    header.setSortIndicator(Column.ON_HAND, Qt.SortOrder.DescendingOrder)
    presenter = window.tabs.inventory_presenter
    qtbot.waitUntil(lambda: presenter.query.sort_column == "on_hand" and presenter.query.descending)
    qtbot.waitUntil(lambda: not presenter.tasks.is_running("refresh"))
    top = int(_cell(window, 0, Column.ON_HAND).replace(",", ""))
    biggest = run_async(
        window.facade.stock_page(InventoryQuery(sort_column="on_hand", descending=True), 0, 1)
    )[0]
    assert top == biggest.on_hand
    assert top >= int(_cell(window, 1, Column.ON_HAND).replace(",", ""))


def test_status_and_warehouse_filters(qtbot: Any, window: MainWindow) -> None:
    tab = window.tabs.inventory
    presenter = window.tabs.inventory_presenter
    everything = presenter.total
    tab.status.setCurrentIndex(tab.status.findText("Out of stock"))
    qtbot.waitUntil(lambda: presenter.total < everything)
    assert presenter.total > 0
    shown = min(presenter.total, 50)
    assert {_cell(window, r, Column.STATUS) for r in range(shown)} == {"Out of stock"}
    tab.status.setCurrentIndex(0)
    qtbot.waitUntil(lambda: presenter.total == everything)
    tab.warehouse.setCurrentIndex(
        tab.warehouse.findText("store-front", Qt.MatchFlag.MatchStartsWith)
    )
    qtbot.waitUntil(lambda: presenter.total == everything // 2)
    assert {_cell(window, r, Column.WAREHOUSE) for r in range(50)} == {"store-front"}


def test_scrolling_to_the_end_loads_only_the_pages_it_shows(
    qtbot: Any, window: MainWindow, run_async: Any
) -> None:
    table = window.tabs.inventory.table
    model = window.tabs.inventory_presenter.model
    total = window.tabs.inventory_presenter.total
    assert total > 4 * PAGE_SIZE
    table.scrollToBottom()
    last = run_async(window.facade.stock_page(InventoryQuery(), total - 1, 1))[0]
    qtbot.waitUntil(lambda: model.row_at(total - 1) is not None)
    assert model.row_at(total - 1) == last
    # the middle of the list was never read
    assert model.row_at(total // 2) is None
    assert len(model.cached_pages()) <= 3


def test_manual_adjustment_writes_the_ledger_and_updates_the_screen(
    qtbot: Any, window: MainWindow, run_async: Any
) -> None:
    tab = window.tabs.inventory
    tab.select_row(3)
    row = tab.selected_row()
    assert row is not None
    qtbot.waitUntil(lambda: tab.detail.title.text() == row.name)
    tab.adjust_button.click()
    dialog = tab.findChild(AdjustDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.delta.setValue(7)
    dialog.reason.setCurrentIndex(dialog.reason.findText("Found stock"))
    dialog.note.setText("behind the pallet")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "now" in window.statusBar().currentMessage(), timeout=10_000)
    qtbot.waitUntil(
        lambda: _cell(window, 3, Column.ON_HAND).replace(",", "") == str(row.on_hand + 7)
    )
    # the detail panel reloads after the list: wait for the new ledger line to show
    qtbot.waitUntil(
        lambda: (
            tab.detail.movements.rowCount() > 0 and tab.detail.movements.item(0, 2).text() == "+7"
        )
    )
    newest = [tab.detail.movements.item(0, c).text() for c in range(6)]
    assert newest[3] == "Found stock — behind the pallet"
    assert newest[4] == "tester"


def test_adjustment_below_zero_is_refused_with_a_clear_message(
    qtbot: Any, window: MainWindow
) -> None:
    tab = window.tabs.inventory
    presenter = window.tabs.inventory_presenter
    tab.select_row(0)
    row = tab.selected_row()
    assert row is not None
    from possync_gui.domain.enums import MovementReason

    presenter.tasks.run(
        "adjust",
        presenter.adjust(row.sku, row.warehouse_id, -(row.on_hand + 5), MovementReason.DAMAGE, ""),
    )
    qtbot.waitUntil(window.message_bar.isVisible)
    assert "below zero" in window.message_bar.label.text()
    assert _cell(window, 0, Column.ON_HAND).replace(",", "") == str(row.on_hand)


def test_other_tabs_list_their_rows(qtbot: Any, window: MainWindow) -> None:
    window.select_tab("Integrations")
    presenter = window.tabs.integrations_presenter
    qtbot.waitUntil(lambda: presenter.model.rowCount() > 0)
    model = presenter.model
    assert model.data(model.index(0, 0)) == "Demo POS"


def test_models_pass_the_model_tester(qtmodeltester: Any, window: MainWindow) -> None:
    qtmodeltester.check(window.tabs.inventory_presenter.model, force_py=True)


def test_stock_change_elsewhere_refreshes_the_visible_rows(
    qtbot: Any, window: MainWindow, run_async: Any
) -> None:
    first = window.tabs.inventory_presenter.model.row_at(0)
    assert first is not None
    run_async(window.facade.adjust_stock(first.sku, first.warehouse_id, 3, "found", "cli-user"))
    qtbot.waitUntil(
        lambda: _cell(window, 0, Column.ON_HAND).replace(",", "") == str(first.on_hand + 3)
    )
