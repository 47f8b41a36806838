"""The Alerts tab driven as a user would, on a demo store (SQLite and PostgreSQL): checking
stock with F5, the urgency counts in the tab's title, the filters, the explanation panel,
dismissing (a reason is required), snoozing, reactivating, creating purchase orders with
each item's problem shown, and the notification of new critical alerts."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from possync_gui.domain.enums import AlertStatus, MovementReason, UrgencyLevel
from possync_gui.domain.purchasing import AlertQuery, AlertRecord
from possync_gui.domain.records import InventoryQuery
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.demo import seed_demo
from possync_gui.ui.alerts.dialogs import CreationReportDialog, DismissDialog, SnoozeDialog
from possync_gui.ui.alerts.model import ROW_ROLE, Column
from possync_gui.ui.alerts.presenter import tab_title
from possync_gui.ui.alerts.tab import AlertsTab
from possync_gui.ui.main_window import MainWindow

OPERATOR = "alice"


@pytest.fixture
def window(qtbot: Any, qloop: Any, db: Database) -> MainWindow:
    seed_demo(db, products=150, warehouses=2, history_days=21, seed=7)
    win = MainWindow(InventorySyncService(db), OPERATOR)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)  # shortcuts reach only the active window
    win.select_tab("Alerts")
    return win


@pytest.fixture
def checked(qtbot: Any, window: MainWindow) -> MainWindow:
    """The window after a stock check run from the tab with F5."""
    _check_now(qtbot, window)
    return window


def _tab(win: MainWindow) -> AlertsTab:
    return win.tabs.alerts


def _check_now(qtbot: Any, win: MainWindow) -> None:
    tab = _tab(win)
    presenter = win.tabs.alerts_presenter
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_F5)
    qtbot.waitUntil(
        lambda: tab.check_panel.isVisible() and not presenter.is_checking(), timeout=60_000
    )
    qtbot.waitUntil(lambda: tab.proxy.rowCount() > 0 and not presenter.tasks.is_running("refresh"))


def _shown(tab: AlertsTab) -> list[AlertRecord]:
    return [tab.proxy.index(r, 0).data(ROW_ROLE) for r in range(tab.proxy.rowCount())]


def _choose(qtbot: Any, win: MainWindow, combo: QComboBox, text: str) -> None:
    index = combo.findText(text, Qt.MatchFlag.MatchStartsWith)
    assert index >= 0, f"{text!r} not offered by the filter"
    combo.setCurrentIndex(index)
    _settle(qtbot, win)


def _type(qtbot: Any, win: MainWindow, field: QLineEdit, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    _settle(qtbot, win)


def _settle(qtbot: Any, win: MainWindow) -> None:
    presenter = win.tabs.alerts_presenter
    qtbot.waitUntil(lambda: not presenter.tasks.is_running("refresh"))


def _click_row(qtbot: Any, tab: AlertsTab, row: int, ctrl: bool = False) -> None:
    index = tab.proxy.index(row, Column.SKU)
    tab.table.scrollTo(index)
    rect = tab.table.visualRect(index)
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def _messages(win: MainWindow) -> list[str]:
    seen: list[str] = []
    win.statusBar().messageChanged.connect(seen.append)
    return seen


def test_f5_checks_stock_and_the_title_counts_urgencies(
    qtbot: Any, checked: MainWindow, run_async: Any
) -> None:
    tab = _tab(checked)
    counts = run_async(checked.facade.alert_counts())
    critical, high = counts.get(UrgencyLevel.CRITICAL, 0), counts.get(UrgencyLevel.HIGH, 0)
    assert critical > 0 and high > 0
    index = checked.tab_widget.indexOf(tab)
    qtbot.waitUntil(
        lambda: checked.tab_widget.tabText(index) == f"Alerts ({critical} critical · {high} high)"
    )
    assert "medium" in checked.tab_widget.tabToolTip(index)
    assert checked.tab_titles()[index] == "Alerts"  # the name stays, for select_tab and menus
    # the check said what it did, and the list shows every open alert, most urgent first
    assert "stock levels" in tab.check_panel.label.text()
    assert not tab.check_panel.cancel_button.isVisible()
    alerts = run_async(checked.facade.list_alerts(AlertQuery()))
    assert tab.proxy.rowCount() == len(alerts)
    assert _shown(tab)[0].urgency_level == UrgencyLevel.CRITICAL
    first = tab.proxy.index(0, Column.URGENCY)
    assert first.data() == "Critical"
    assert first.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#c62828"


def test_filters_narrow_the_table(qtbot: Any, checked: MainWindow) -> None:
    tab = _tab(checked)
    everything = tab.proxy.rowCount()

    _choose(qtbot, checked, tab.urgency, "Critical")
    critical = _shown(tab)
    assert 0 < len(critical) < everything
    assert {a.urgency_level for a in critical} == {UrgencyLevel.CRITICAL}
    _choose(qtbot, checked, tab.urgency, "Any urgency")

    _choose(qtbot, checked, tab.warehouse, "store-front")
    assert 0 < tab.proxy.rowCount() < everything
    assert {a.warehouse_code for a in _shown(tab)} == {"store-front"}

    supplier = next(a for a in _shown(tab) if a.supplier_code)
    _choose(qtbot, checked, tab.supplier, supplier.supplier_code or "")
    assert {a.supplier_code for a in _shown(tab)} == {supplier.supplier_code}
    assert {a.warehouse_code for a in _shown(tab)} == {"store-front"}  # filters combine
    _choose(qtbot, checked, tab.supplier, "All suppliers")
    _choose(qtbot, checked, tab.warehouse, "All warehouses")
    assert tab.proxy.rowCount() == everything

    qtbot.keyClick(tab.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search.hasFocus()
    sku = _shown(tab)[3].product_code
    _type(qtbot, checked, tab.search, sku)
    assert 1 <= tab.proxy.rowCount() <= 2  # one per warehouse
    assert {a.product_code for a in _shown(tab)} == {sku}
    _type(qtbot, checked, tab.search, "")

    _choose(qtbot, checked, tab.status, "Dismissed")
    assert tab.proxy.rowCount() == 0
    assert "No alerts match" in tab.count.text()


def test_the_explanation_panel_says_how_the_numbers_came_about(
    qtbot: Any, checked: MainWindow
) -> None:
    tab = _tab(checked)
    _click_row(qtbot, tab, 0)
    alert = _shown(tab)[0]
    text = tab.explanation.text()
    for term in (
        "Average daily sales",
        "Lead time",
        "Multiplier",
        "Safety stock",
        "Reorder point",
        "On hand",
        "On order",
        "Available",
        "Days of cover",
        "Target",
        "Raw quantity",
        "Pack size",
        "Minimum order",
        "Suggested quantity",
        "Rounding",
    ):
        assert term in text
    assert f"{alert.reorder_quantity:,} units" in text
    assert alert.product_code in tab.explanation.title.text()
    # a product no supplier offers: the lead time is an assumption, and it says so
    unsupplied = next(i for i, a in enumerate(_shown(tab)) if a.supplier_code is None)
    _click_row(qtbot, tab, unsupplied)
    assert "assumed, because no supplier offers this product" in tab.explanation.text()
    assert "No preferred supplier" in tab.explanation.text()
    # a product judged on its minimum stock alone: the problem is named first
    flagged = next(i for i, a in enumerate(_shown(tab)) if a.details.get("problem"))
    _click_row(qtbot, tab, flagged)
    text = tab.explanation.text()
    assert text.strip().startswith("Problem")
    assert str(_shown(tab)[flagged].details["problem"]) in text
    assert "the minimum stock only" in text


def test_dismiss_requires_a_reason_then_reactivate_brings_it_back(
    qtbot: Any, checked: MainWindow, run_async: Any
) -> None:
    tab = _tab(checked)
    _click_row(qtbot, tab, 2)
    alert = _shown(tab)[2]
    qtbot.mouseClick(tab.dismiss_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(DismissDialog)
    assert dialog is not None and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()
    assert "required" in dialog.ok_button.toolTip()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # Enter without a reason does nothing
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.reason, "   ")
    assert not dialog.ok_button.isEnabled()
    dialog.reason.setEditText("")
    qtbot.keyClicks(dialog.reason, "Counted the shelf: stock is right")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    def status() -> AlertStatus:
        return next(a.status for a in run_async(checked.facade.list_alerts()) if a.id == alert.id)

    qtbot.waitUntil(lambda: status() == AlertStatus.DISMISSED)
    _choose(qtbot, checked, tab.status, "Dismissed")
    assert [a.id for a in _shown(tab)] == [alert.id]
    assert "Counted the shelf" in tab.explanation.text()
    assert tab.reactivate_button.isEnabled()
    qtbot.mouseClick(tab.reactivate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status() == AlertStatus.ACTIVE)
    qtbot.waitUntil(lambda: tab.proxy.rowCount() == 0)


def test_snooze_defaults_to_tomorrow_and_hides_the_alert_from_the_counts(
    qtbot: Any, checked: MainWindow, run_async: Any
) -> None:
    tab = _tab(checked)
    _choose(qtbot, checked, tab.urgency, "Critical")
    _click_row(qtbot, tab, 0)
    alert = _shown(tab)[0]
    qtbot.mouseClick(tab.snooze_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(SnoozeDialog)
    assert dialog is not None
    assert dialog.date.date() == QDate.currentDate().addDays(1)
    dialog.accept()
    qtbot.waitUntil(lambda: alert.id not in [a.id for a in _shown(tab) if a.status == "active"])
    snoozed = next(a for a in _shown(tab) if a.id == alert.id)
    assert snoozed.status == AlertStatus.SNOOZED
    assert snoozed.snoozed_until is not None
    tomorrow = QDate.currentDate().addDays(1).toString("yyyy-MM-dd")
    statuses = [tab.proxy.index(r, Column.STATUS).data() for r in range(tab.proxy.rowCount())]
    assert f"Snoozed until {tomorrow}" in statuses
    index = checked.tab_widget.indexOf(tab)
    # the title follows the counts, which leave snoozed alerts out (the Demo POS may sell
    # meanwhile, so the counts are read after the snooze rather than computed)
    counts = run_async(checked.facade.alert_counts())
    qtbot.waitUntil(lambda: checked.tab_widget.tabText(index) == tab_title("Alerts", counts)[0])
    active = run_async(checked.facade.list_alerts(AlertQuery(statuses=(AlertStatus.ACTIVE,))))
    assert counts[UrgencyLevel.CRITICAL] == sum(
        1 for a in active if a.urgency_level == UrgencyLevel.CRITICAL
    )
    assert alert.id not in {a.id for a in active}


def test_create_purchase_orders_shows_what_was_made_and_each_problem(
    qtbot: Any, checked: MainWindow, run_async: Any
) -> None:
    tab = _tab(checked)
    rows = _shown(tab)
    supplied = [i for i, a in enumerate(rows) if a.supplier_code][:3]
    unsupplied = next(i for i, a in enumerate(rows) if a.supplier_code is None)
    _click_row(qtbot, tab, supplied[0])
    for i in (*supplied[1:], unsupplied):
        _click_row(qtbot, tab, i, ctrl=True)
    assert len(tab.selected_alerts()) == 4
    assert "and 3 more selected" in tab.explanation.subtitle.text()
    qtbot.keyClick(tab.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.findChild(CreationReportDialog) is not None)
    dialog = tab.findChild(CreationReportDialog)
    assert dialog is not None
    orders = run_async(checked.facade.list_purchase_orders())
    assert orders and dialog.orders.rowCount() == len(orders)
    assert {dialog.orders.item(r, 0).text() for r in range(len(orders))} == {
        o.order_number for o in orders
    }
    missing = rows[unsupplied].product_code
    assert any(
        f"No preferred supplier found for product {missing}" in p for p in dialog.problem_texts()
    )
    # the ordered alerts say so; "Show in Purchase Orders" opens them there
    ordered = {rows[i].id for i in supplied}
    qtbot.waitUntil(
        lambda: {a.id for a in _shown(tab) if a.status == AlertStatus.ORDERED} == ordered
    )
    assert "Created" in checked.statusBar().currentMessage()
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    po_tab = checked.tabs.purchase_orders
    qtbot.waitUntil(lambda: po_tab.isVisible() and po_tab.selected_order() is not None)
    assert po_tab.selected_order().order_number in {o.order_number for o in orders}


def test_a_new_critical_alert_is_announced_in_the_status_bar(
    qtbot: Any, checked: MainWindow, run_async: Any
) -> None:
    facade = checked.facade
    alerted = {(a.product_id, a.warehouse_id) for a in run_async(facade.list_alerts())}
    rows = run_async(facade.stock_page(InventoryQuery(sort_column="sku"), 0, 300))
    quiet = next(r for r in rows if r.on_hand > 0 and (r.product_id, r.warehouse_id) not in alerted)
    seen = _messages(checked)
    # as another desk would: the last units are written off
    run_async(
        facade.adjust_stock(
            quiet.sku, quiet.warehouse_id, -quiet.on_hand, MovementReason.DAMAGE, "bob"
        )
    )
    qtbot.waitUntil(lambda: "1 new critical stock alert" in seen)
    tab = _tab(checked)
    qtbot.waitUntil(lambda: quiet.sku in {a.product_code for a in _shown(tab)})


def test_the_check_can_be_cancelled_and_models_pass_the_tester(
    qtbot: Any, qtmodeltester: Any, window: MainWindow
) -> None:
    tab = _tab(window)
    presenter = window.tabs.alerts_presenter
    qtbot.mouseClick(tab.check_button, Qt.MouseButton.LeftButton)
    assert presenter.is_checking()
    assert tab.check_panel.isVisible() and tab.check_panel.cancel_button.isVisible()
    assert not tab.check_button.isEnabled()
    qtbot.mouseClick(tab.check_panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not presenter.is_checking(), timeout=30_000)
    assert tab.check_panel.label.text() == "Stock check cancelled"
    assert not tab.check_panel.cancel_button.isVisible()
    assert tab.check_button.isEnabled()
    # a check after a cancelled one runs to its end
    _check_now(qtbot, window)
    qtmodeltester.check(presenter.model, force_py=True)
    tab.table.selectionModel().select(
        tab.proxy.index(0, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert tab.create_button.isEnabled()
