"""The Purchase Orders tab driven as a user would, on a demo store (SQLite and PostgreSQL):
alerts selected in the Alerts tab become purchase orders; one above the approval threshold
cannot be approved by its creator, is approved by someone else, and exported as a PDF that
names the supplier and the order number. Also: the status filter and search, reject (a
reason is required), cancel (confirmed; its alerts are active again), CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog

from possync_gui.domain.enums import AlertStatus
from possync_gui.domain.enums import PurchaseOrderStatus as S
from possync_gui.domain.purchasing import PurchaseOrderRecord
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.demo import seed_demo
from possync_gui.ui.alerts.dialogs import CreationReportDialog
from possync_gui.ui.main_window import MainWindow
from possync_gui.ui.purchase_orders.dialogs import ReasonDialog
from possync_gui.ui.purchase_orders.model import ROW_ROLE, Column
from possync_gui.ui.purchase_orders.tab import PurchaseOrdersTab

CREATOR = "alice"
APPROVER = "bob"


@pytest.fixture
def window(qtbot: Any, qloop: Any, db: Database) -> MainWindow:
    seed_demo(db, products=150, warehouses=2, history_days=21, seed=7)
    win = MainWindow(InventorySyncService(db), CREATOR)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)  # shortcuts reach only the active window
    return win


@pytest.fixture
def ordered(qtbot: Any, window: MainWindow, run_async: Any) -> MainWindow:
    """Every active alert ordered by the operator (through the facade), the tab shown: the
    three smallest alone (small drafts), the rest together (some above the threshold)."""
    facade = window.facade
    run_async(facade.run_stock_check())
    alerts = sorted(
        (a for a in run_async(facade.list_alerts()) if a.status == AlertStatus.ACTIVE),
        key=lambda a: (a.reorder_quantity, a.product_code),
    )
    for alert in alerts[:3]:
        run_async(facade.create_purchase_orders([alert.id], CREATOR))
    run_async(facade.create_purchase_orders([a.id for a in alerts[3:]], CREATOR))
    window.select_tab("Purchase Orders")
    _settle(qtbot, window)
    qtbot.waitUntil(lambda: _tab(window).proxy.rowCount() > 0)
    return window


def _tab(win: MainWindow) -> PurchaseOrdersTab:
    return win.tabs.purchase_orders


def _settle(qtbot: Any, win: MainWindow) -> None:
    p = win.tabs.purchase_orders_presenter
    qtbot.waitUntil(lambda: not p.tasks.is_running("refresh") and not p.tasks.is_running("detail"))


def _shown(tab: PurchaseOrdersTab) -> list[PurchaseOrderRecord]:
    return [tab.proxy.index(r, 0).data(ROW_ROLE) for r in range(tab.proxy.rowCount())]


def _click_order(qtbot: Any, win: MainWindow, number: str) -> PurchaseOrderRecord:
    tab = _tab(win)
    row = next(i for i, o in enumerate(_shown(tab)) if o.order_number == number)
    rect = tab.table.visualRect(tab.proxy.index(row, Column.ORDER))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: (
            (o := tab.selected_order()) is not None
            and o.order_number == number
            and len(o.lines) > 0
        )
    )
    order = tab.selected_order()
    assert order is not None
    return order


def _choose(qtbot: Any, win: MainWindow, combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not offered"
    combo.setCurrentIndex(index)
    _settle(qtbot, win)


def _export(qtbot: Any, win: MainWindow, fmt: str, folder: Path) -> Path:
    tab = _tab(win)
    button = tab.pdf_button if fmt == "pdf" else tab.csv_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(QFileDialog)
    assert dialog is not None and dialog.isVisible()
    order = tab.selected_order()
    assert order is not None
    # the proposed name is the order number
    assert Path(dialog.selectedFiles()[0]).name == f"{order.order_number}.{fmt}"
    target = folder / f"{order.order_number}.{fmt}"
    dialog.setDirectory(str(folder))
    dialog.selectFile(str(target))
    dialog.accept()
    qtbot.waitUntil(target.exists)
    qtbot.waitUntil(lambda: f"Exported to {target}" in win.statusBar().currentMessage())
    return target


def test_alerts_become_orders_that_another_person_approves_and_exports_as_pdf(
    qtbot: Any, window: MainWindow, run_async: Any, tmp_path: Path
) -> None:
    # In the Alerts tab: check stock, select every alert, create purchase orders.
    window.select_tab("Alerts")
    alerts_tab = window.tabs.alerts
    alerts_tab.table.setFocus()
    qtbot.keyClick(alerts_tab.table, Qt.Key.Key_F5)
    alerts_presenter = window.tabs.alerts_presenter
    qtbot.waitUntil(lambda: not alerts_presenter.is_checking(), timeout=60_000)
    qtbot.waitUntil(lambda: alerts_tab.proxy.rowCount() > 0)
    qtbot.keyClick(alerts_tab.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(alerts_tab.selected_alerts()) == alerts_tab.proxy.rowCount()
    qtbot.keyClick(alerts_tab.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: alerts_tab.findChild(CreationReportDialog) is not None)
    report = alerts_tab.findChild(CreationReportDialog)
    assert report is not None
    assert any("No preferred supplier found for product" in p for p in report.problem_texts())
    created = {o.order_number: o for o in report.report.orders}
    big = next(o for o in created.values() if o.needs_second_approver)
    assert big.status == S.PENDING_APPROVAL and big.created_by == CREATOR
    qtbot.mouseClick(report.show_button, Qt.MouseButton.LeftButton)

    # In the Purchase Orders tab: the new orders are listed; the creator cannot approve.
    tab = _tab(window)
    qtbot.waitUntil(lambda: tab.isVisible() and tab.selected_order() is not None)
    _settle(qtbot, window)
    assert set(created) <= {o.order_number for o in _shown(tab)}
    order = _click_order(qtbot, window, big.order_number)
    assert tab.detail.title.text() == f"{big.order_number} — {big.supplier_name}"
    assert tab.presenter.lines.rowCount() == len(order.lines)
    assert "someone other than alice" in tab.detail.labels["Approval"].text()
    assert not tab.approve_button.isEnabled()
    assert "someone other than its creator (alice)" in tab.approve_button.toolTip()
    assert tab.reject_button.isEnabled() and tab.cancel_button.isEnabled()
    assert not tab.send_button.isEnabled()
    # the facade refuses too, and the refusal reaches the message bar
    tab.presenter.tasks.run("approve", tab.presenter.approve(order.id))
    qtbot.waitUntil(window.message_bar.isVisible)
    assert "other than its creator (alice)" in window.message_bar.label.text()

    # Bob approves it and marks it sent.
    tab.presenter.set_operator(APPROVER)
    assert tab.approve_button.isEnabled()
    qtbot.mouseClick(tab.approve_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (o := tab.selected_order()) is not None and o.status == S.APPROVED)
    assert tab.selected_order().approved_by == APPROVER  # type: ignore[union-attr]
    assert tab.detail.labels["Approval"].text().startswith("Approved by bob")
    qtbot.waitUntil(
        lambda: (
            tab.proxy.index(tab.table.currentIndex().row(), Column.APPROVED_BY).data() == APPROVER
        )
    )
    assert not tab.approve_button.isEnabled() and tab.send_button.isEnabled()
    qtbot.mouseClick(tab.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (o := tab.selected_order()) is not None and o.status == S.SENT)

    # Export its PDF: the supplier's copy names the supplier and the order number.
    pdf = _export(qtbot, window, "pdf", tmp_path)
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert big.order_number in text
    assert big.supplier_name in text
    stored = run_async(window.facade.get_purchase_order(big.order_number))
    assert stored.status == S.SENT and stored.approved_by == APPROVER


def test_status_filter_and_search_narrow_the_list(qtbot: Any, ordered: MainWindow) -> None:
    tab = _tab(ordered)
    everything = _shown(tab)
    statuses = {o.status for o in everything}
    assert statuses == {S.DRAFT, S.PENDING_APPROVAL}
    _choose(qtbot, ordered, tab.status, "Pending approval")
    assert {o.status for o in _shown(tab)} == {S.PENDING_APPROVAL}
    assert 0 < tab.proxy.rowCount() < len(everything)
    _choose(qtbot, ordered, tab.status, "Received")
    assert tab.proxy.rowCount() == 0
    assert "No purchase orders match" in tab.count.text()
    assert tab.selected_order() is None and not tab.pdf_button.isEnabled()
    _choose(qtbot, ordered, tab.status, "All")
    assert tab.proxy.rowCount() == len(everything)

    target = everything[-1]
    qtbot.keyClick(tab.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search.hasFocus()
    qtbot.keyClicks(tab.search, target.order_number)
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    _settle(qtbot, ordered)
    assert [o.order_number for o in _shown(tab)] == [target.order_number]
    qtbot.waitUntil(lambda: tab.detail.title.text().startswith(target.order_number))

    # sorting by total puts the largest first
    tab.search.clear()
    qtbot.keyClick(tab.search, Qt.Key.Key_Return)
    _settle(qtbot, ordered)
    tab.table.sortByColumn(Column.TOTAL, Qt.SortOrder.DescendingOrder)
    totals = [o.total_amount for o in _shown(tab)]
    assert totals == sorted(totals, reverse=True)


def test_reject_needs_a_reason_and_cancel_asks_first(
    qtbot: Any, ordered: MainWindow, run_async: Any
) -> None:
    tab = _tab(ordered)
    first, second = _shown(tab)[:2]
    _click_order(qtbot, ordered, first.order_number)
    qtbot.mouseClick(tab.reject_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(ReasonDialog)
    assert dialog is not None and dialog.required
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter without a reason does nothing
    qtbot.keyClicks(dialog.reason, "Supplier raised its prices")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first.order_number not in {o.order_number for o in _shown(tab)})
    rejected = run_async(ordered.facade.get_purchase_order(first.order_number))
    assert rejected.status == S.REJECTED
    assert "Supplier raised its prices" in (rejected.rejected_reason or "")

    _click_order(qtbot, ordered, second.order_number)
    qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
    confirm = tab.findChild(ReasonDialog)
    assert confirm is not None and not confirm.required
    assert confirm.ok_button.isEnabled()  # the reason is optional
    assert f"Cancel {second.order_number}" in confirm.windowTitle()
    confirm.reject()  # "Keep order"
    _settle(qtbot, ordered)
    assert run_async(ordered.facade.get_purchase_order(second.order_number)).status in (
        S.DRAFT,
        S.PENDING_APPROVAL,
    )
    qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
    confirm = tab.findChild(ReasonDialog)
    assert confirm is not None
    qtbot.mouseClick(confirm.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            run_async(ordered.facade.get_purchase_order(second.order_number)).status == S.CANCELLED
        )
    )
    # its alerts are active again, ready to be ordered another way
    alerts = {a.id: a for a in run_async(ordered.facade.list_alerts())}
    assert {alerts[a].status for a in second.stock_alert_ids} == {AlertStatus.ACTIVE}


def test_csv_export_suppliers_button_and_models_pass_the_tester(
    qtbot: Any, qtmodeltester: Any, ordered: MainWindow, tmp_path: Path
) -> None:
    tab = _tab(ordered)
    order = _click_order(qtbot, ordered, _shown(tab)[0].order_number)
    csv = _export(qtbot, ordered, "csv", tmp_path)
    body = csv.read_text(encoding="utf-8")
    for line in order.lines:
        assert line.product_code in body
    qtmodeltester.check(tab.presenter.model, force_py=True)
    qtmodeltester.check(tab.presenter.lines, force_py=True)
    qtbot.mouseClick(tab.suppliers_button, Qt.MouseButton.LeftButton)
    dialog = ordered.suppliers_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert CREATOR in dialog.windowTitle()
