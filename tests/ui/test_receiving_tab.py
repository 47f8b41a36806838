"""The Receiving tab driven as a dock worker drives it, with a scanner that types like a
keyboard and ends each code with Enter (SQLite and PostgreSQL): 200 mixed codes scanned as
fast as a scanner types them and the board matching exactly, then posted with Ctrl+Enter
and the store holding exactly those units and serials; a delivery against an order by
keyboard alone, closed short; undo; serial prompts; over-receipt confirmation; the journal
restoring a board after a crash; the models under qtmodeltester."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from possync_gui.domain.barcodes import GS, make_ean13
from possync_gui.domain.enums import PurchaseOrderStatus
from possync_gui.domain.errors import ValidationError
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.ui.main_window import MainWindow
from possync_gui.ui.receiving.dialogs import LineDialog, ResultDialog, ShortDialog, UnplannedDialog
from possync_gui.ui.receiving.journal import read
from possync_gui.ui.receiving.tab import ReceivingTab
from tests.ui.receiving_world import (
    CASE,
    EXTRA,
    ORDER,
    PHONE,
    UNKNOWN,
    UPC,
    WIDGET,
    ReceivingWorld,
    build_receiving_world,
)

PHONE_GTIN = "0" + PHONE
CASE_GTIN = "0" + CASE


@pytest.fixture
def world(db: Database) -> ReceivingWorld:
    return build_receiving_world(db, stored_serials=("SN-OLD",))


@pytest.fixture
def window(qtbot: Any, qloop: Any, world: ReceivingWorld) -> MainWindow:
    win = MainWindow(InventorySyncService(world.db), "dock-anna")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)  # shortcuts reach only the active window
    assert win.select_tab("Receiving")
    tab = win.tabs.receiving
    qtbot.waitUntil(tab.scan.hasFocus)
    return win


def _tab(win: MainWindow) -> ReceivingTab:
    return win.tabs.receiving


def scan(qtbot: Any, tab: ReceivingTab, code: str) -> None:
    """What a USB wedge scanner does: type the characters, then Enter. FNC1 comes as ASCII
    GS, which a keyboard wedge types as Ctrl+] (QTest cannot type it as text)."""
    assert tab.scan.hasFocus(), "the scan field lost the focus"
    for i, part in enumerate(code.split(GS)):
        if i:
            gs = QKeyEvent(
                QEvent.Type.KeyPress,
                Qt.Key.Key_BracketRight,
                Qt.KeyboardModifier.ControlModifier,
                GS,
            )
            QApplication.sendEvent(tab.scan, gs)
        if part:
            qtbot.keyClicks(tab.scan, part)
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)


def settle(qtbot: Any, tab: ReceivingTab) -> None:
    qtbot.waitUntil(lambda: not tab.presenter.busy_scanning, timeout=30_000)


def _dialog(qtbot: Any, tab: ReceivingTab, kind: type) -> Any:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in tab.findChildren(kind)), timeout=30_000)
    return next(d for d in tab.findChildren(kind) if d.isVisible())


def _on_hand(run_async: Any, facade: InventorySyncService, product_id: Any) -> int:
    detail = run_async(facade.product_detail(product_id))
    return sum(s.on_hand for s in detail.stock if s.warehouse_code == "MAIN")


def _scanner_codes() -> tuple[list[str], dict[str, int], set[str]]:
    """200 codes as a dock sees them, shuffled; what they add up to per SKU; the serials."""
    codes: list[str] = []
    units = {"WIDGET": 0, "UPC-ITEM": 0, "CASE-ITEM": 0, "PHONE": 0}
    for i in range(60):
        codes.append(f"]E0{WIDGET}" if i % 4 == 0 else WIDGET)
        units["WIDGET"] += 1
    for i in range(40):  # UPC-A, its EAN-13 form, and with the scanner's AIM prefix
        codes.append((UPC, "0" + UPC, f"]E00{UPC}")[i % 3])
        units["UPC-ITEM"] += 1
    for i in range(64):
        if i < 40:
            codes.append(CASE)
            units["CASE-ITEM"] += 1
        elif i < 52:
            codes.append(f"2*{CASE}")
            units["CASE-ITEM"] += 2
        else:  # a GS1-128 case label carrying its count
            codes.append(f"]C101{CASE_GTIN}303")
            units["CASE-ITEM"] += 3
    serials = {f"IMEI-{n:04d}" for n in range(30)}
    for n, serial in enumerate(sorted(serials)):
        tail = f"{GS}17271231" if n % 2 else ""  # FNC1 before the next field
        codes.append(f"]d201{PHONE_GTIN}21{serial}{tail}")
        units["PHONE"] += 1
    codes += [
        UNKNOWN,
        "4006381333932",  # a misread: wrong check digit
        f"]d201{PHONE_GTIN}21IMEI-0007",  # scanned twice
        f"]d201{PHONE_GTIN}21SN-OLD",  # already in stock
        make_unknown(),
    ]
    random.Random(11).shuffle(codes)
    assert len(codes) == 199
    return codes, units, serials


def make_unknown() -> str:
    return make_ean13("888888888888")


def test_200_scans_as_fast_as_a_scanner_then_post_puts_exactly_that_in_the_store(
    qtbot: Any, window: MainWindow, world: ReceivingWorld, run_async: Any
) -> None:
    tab = _tab(window)
    codes, units, serials = _scanner_codes()
    scan(qtbot, tab, ORDER)  # the order number first: 200 codes in all
    for code in codes:
        scan(qtbot, tab, code)
    settle(qtbot, tab)
    board = tab.presenter.board
    assert board.plan is not None and board.plan.order_number == ORDER
    scanned = {line.product.sku: line.scanned for line in board.lines}
    assert scanned == units
    phone = next(line for line in board.lines if line.product.sku == "PHONE")
    assert set(phone.serials) == serials
    c = board.counters()
    assert (c.unknown, c.duplicates, c.misreads, c.over, c.remaining) == (2, 2, 1, 0, 0)
    assert tab.counters.value("unknown") == "2"
    assert tab.counters.value("duplicates") == "2"
    assert tab.scan.hasFocus()

    qtbot.keyClick(tab.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    dialog = _dialog(qtbot, tab, ResultDialog)
    result = dialog.shown
    assert result.ok and result.purchase_order_status == PurchaseOrderStatus.RECEIVED
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(tab.scan.hasFocus)

    facade = window.facade
    for sku, count in units.items():
        assert _on_hand(run_async, facade, world.products[sku]) == count, sku
    assert world.serials("PHONE") == serials | {"SN-OLD"}
    located = run_async(facade.find_serial("IMEI-0007"))
    assert [(s.sku, s.warehouse_code, s.delivery_id) for s in located] == [
        ("PHONE", "MAIN", result.delivery_id)
    ]
    order = run_async(facade.get_purchase_order(ORDER))
    assert order.status == PurchaseOrderStatus.RECEIVED
    assert read(tab.presenter.journal.path) is None  # posted: nothing left to restore


def test_a_delivery_by_keyboard_alone_closed_short(
    qtbot: Any, window: MainWindow, world: ReceivingWorld, run_async: Any
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, ORDER.lower())  # scanners may send lower case
    qtbot.waitUntil(lambda: tab.presenter.board.plan is not None)
    assert ORDER in tab.order_label.text()
    for _ in range(5):
        scan(qtbot, tab, WIDGET)
    scan(qtbot, tab, f"12*{CASE}")
    scan(qtbot, tab, f"]d201{PHONE_GTIN}21IMEI-A")
    settle(qtbot, tab)
    # F2 edits the line scanned last (the phone: its serials); Esc keeps them
    qtbot.keyClick(tab.scan, Qt.Key.Key_F2)
    edit = _dialog(qtbot, tab, LineDialog)
    assert edit.serials is not None and edit.serials.count() == 1
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(tab.scan.hasFocus)
    # Ctrl+F to the filter, Tab to the board, Enter on the widget row: its count becomes 7
    qtbot.keyClick(tab.scan, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(tab.filter, "widget")
    assert tab.proxy.rowCount() == 1
    tab.board.setFocus()
    tab.board.selectRow(0)
    qtbot.keyClick(tab.board, Qt.Key.Key_Return)
    edit = _dialog(qtbot, tab, LineDialog)
    assert edit.quantity is not None and edit.quantity.value() == 5
    qtbot.keyClicks(edit.quantity, "7")  # the value is selected: typing replaces it
    qtbot.keyClick(edit.quantity, Qt.Key.Key_Return)
    qtbot.waitUntil(tab.scan.hasFocus)
    assert tab.presenter.board.counters().units == 7 + 12 + 1

    qtbot.keyClick(tab.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    short = _dialog(qtbot, tab, ShortDialog)
    assert "did not come" in short.findChildren(type(tab.order_label))[0].text()
    qtbot.keyClick(short, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # &Close short
    result_dialog = _dialog(qtbot, tab, ResultDialog)
    result = result_dialog.shown
    assert result.ok
    assert {s.sku: s.short for s in result.short_shipped} == {
        "WIDGET": 53,
        "UPC-ITEM": 40,
        "CASE-ITEM": 88,
        "PHONE": 29,
    }
    qtbot.keyClick(result_dialog, Qt.Key.Key_Return)
    order = run_async(window.facade.get_purchase_order(ORDER))
    assert order.status == PurchaseOrderStatus.RECEIVED
    assert _on_hand(run_async, window.facade, world.products["WIDGET"]) == 7
    # a closed order cannot be received any more: scanning its number says why
    scan(qtbot, tab, ORDER)
    qtbot.waitUntil(lambda: tab.banner.kind == "warning")
    assert f"{ORDER} is received: only approved, sent or partially" in tab.banner.text()


def test_undo_restores_the_board_and_its_counters(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, ORDER)
    settle(qtbot, tab)
    board = tab.presenter.board
    states = []
    for code in (f"3*{WIDGET}", UNKNOWN, f"]d201{PHONE_GTIN}21U-1", EXTRA, "4006381333932"):
        states.append((board.counters(), [(ln.product.sku, ln.scanned) for ln in board.lines]))
        scan(qtbot, tab, code)
        settle(qtbot, tab)
    assert tab.proxy.rowCount() == 5  # the product off the order got a line
    assert "not on order" in tab.presenter.model.data(tab.presenter.model.index(4, 6)).lower()
    for counters, lines in reversed(states):
        qtbot.keyClick(tab.scan, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot, tab)
        assert board.counters() == counters
        assert [(ln.product.sku, ln.scanned) for ln in board.lines] == lines
    assert tab.proxy.rowCount() == 4 and board.is_empty
    assert tab.banner.text().startswith("Undone")
    assert tab.scan.text() == ""  # Ctrl+Z undid the scan, not the typing


def test_a_serialized_product_asks_for_each_serial(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, ORDER)
    scan(qtbot, tab, f"3*{PHONE}")
    settle(qtbot, tab)
    assert tab.prompt.isVisible() and "unit 1 of 3" in tab.prompt.text()
    scan(qtbot, tab, "S-100")
    scan(qtbot, tab, PHONE)  # the product label again, not a serial
    settle(qtbot, tab)
    assert tab.banner.kind == "warning" and "own barcode" in tab.banner.text()
    scan(qtbot, tab, "SN-OLD")  # already in stock
    settle(qtbot, tab)
    assert "already in stock" in tab.banner.text()
    scan(qtbot, tab, "S-101")
    settle(qtbot, tab)
    assert "unit 3 of 3" in tab.prompt.text()
    qtbot.keyClick(tab.scan, Qt.Key.Key_Escape)  # the third never came
    assert "not added" in tab.banner.text() and not tab.prompt.isVisible()
    phone = tab.presenter.board.line_for(world.products["PHONE"])
    assert phone is not None and list(phone.serials) == ["S-100", "S-101"]
    assert tab.presenter.board.counters().duplicates == 1


def test_over_receipt_beyond_the_tolerance_is_posted_once_confirmed(
    qtbot: Any, window: MainWindow, world: ReceivingWorld, run_async: Any
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, ORDER)
    scan(qtbot, tab, f"75*{WIDGET}")  # 60 ordered: 15 over, beyond 10 %
    scan(qtbot, tab, f"40*{UPC}")
    settle(qtbot, tab)
    assert tab.counters.value("over") == "15"
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    short = _dialog(qtbot, tab, ShortDialog)
    qtbot.keyClick(short, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # &Leave partly
    dialog = _dialog(qtbot, tab, ResultDialog)
    assert dialog.shown.needs_confirmation == 1
    assert _on_hand(run_async, window.facade, world.products["WIDGET"]) == 0
    assert dialog.confirm.isVisible() and dialog.confirm.hasFocus()
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: dialog.shown.needs_confirmation == 0, timeout=30_000)
    assert _on_hand(run_async, window.facade, world.products["WIDGET"]) == 75
    assert _on_hand(run_async, window.facade, world.products["UPC-ITEM"]) == 40
    order = run_async(window.facade.get_purchase_order(ORDER))
    assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED


def test_scanning_another_order_number_does_not_drop_the_scans(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, WIDGET)  # nothing open yet
    settle(qtbot, tab)
    assert "scan the purchase order number first" in tab.banner.text()
    scan(qtbot, tab, ORDER)
    scan(qtbot, tab, WIDGET)
    scan(qtbot, tab, "PO-2026-000999")
    settle(qtbot, tab)
    assert "Finish this delivery first" in tab.banner.text()
    assert tab.presenter.board.counters().units == 1


def test_a_crash_before_posting_leaves_a_board_to_restore(
    qtbot: Any, qloop: Any, world: ReceivingWorld, run_async: Any, tmp_path: Path
) -> None:
    facade = InventorySyncService(world.db)
    first = ReceivingTab.build(facade, "dock-anna", journal_folder=tmp_path)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(first.scan.hasFocus)
    for code in (ORDER, f"4*{WIDGET}", f"]d201{PHONE_GTIN}21R-1", UNKNOWN, f"2*{CASE}"):
        scan(qtbot, first, code)
    settle(qtbot, first)
    qtbot.keyClick(first.scan, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the case
    expected = first.presenter.board.counters()
    # The app dies: no post, no clean-up; a new start builds a new tab on the same folder.
    first.hide()
    second = ReceivingTab.build(facade, "dock-anna", journal_folder=tmp_path)
    qtbot.addWidget(second)
    second.show()
    second.activateWindow()
    qtbot.waitUntil(second.scan.hasFocus)
    saved = second.presenter.check_journal()
    assert saved is not None and saved.header.order_number == ORDER
    assert second.restore_bar.isVisible() and "4 scans" in second.restore_bar.label.text()
    scan(qtbot, second, WIDGET)  # refused until the user answers
    settle(qtbot, second)
    assert "Restore or discard" in second.banner.text()
    qtbot.keyClick(second.scan, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: second.presenter.board.counters().units > 0, timeout=30_000)
    assert second.presenter.board.counters() == expected
    assert second.presenter.delivery_id == first.presenter.delivery_id
    scan(qtbot, second, WIDGET)  # goes on scanning into the same journal
    settle(qtbot, second)
    result = run_async(second.presenter.post())
    assert result.ok
    assert _on_hand(run_async, facade, world.products["WIDGET"]) == 5
    assert world.serials("PHONE") == {"SN-OLD", "R-1"}
    assert read(second.presenter.journal.path) is None
    first.presenter.shutdown()


def test_the_board_model_passes_qtmodeltester(
    qtbot: Any, qtmodeltester: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, ORDER)
    for code in (WIDGET, EXTRA, f"]d201{PHONE_GTIN}21M-1", UNKNOWN):
        scan(qtbot, tab, code)
    settle(qtbot, tab)
    qtmodeltester.check(tab.presenter.model)
    qtmodeltester.check(tab.proxy)
    qtmodeltester.check(tab.orders_panel.proxy.sourceModel())
    qtbot.keyClick(tab.scan, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, tab)
    qtmodeltester.check(tab.presenter.model)


def test_posting_nothing_is_refused_with_a_message(
    qtbot: Any, window: MainWindow, run_async: Any
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, ORDER)
    settle(qtbot, tab)
    assert not tab.post_button.isEnabled()
    with pytest.raises(ValidationError, match="nothing to post"):
        run_async(tab.presenter.post())
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Nothing scanned" in tab.banner.text())
    assert tab.scan.hasFocus()


# The file dialog's completer pops up while the path is typed; offscreen cannot raise it.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_a_manifest_flags_serials_the_supplier_did_not_ship(
    qtbot: Any, window: MainWindow, world: ReceivingWorld, tmp_path: Path
) -> None:
    tab = _tab(window)
    manifest = tmp_path / "acme-manifest.csv"
    manifest.write_text("sku,serial\nPHONE,M-1\nPHONE,M-2\nWIDGET,M-3\n", encoding="utf-8")
    scan(qtbot, tab, ORDER)
    scan(qtbot, tab, f"]d201{PHONE_GTIN}21M-9")  # scanned before the manifest is loaded
    settle(qtbot, tab)
    qtbot.keyClick(tab.scan, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    dialog = _dialog(qtbot, tab, QFileDialog)
    name = dialog.findChild(QLineEdit, "fileNameEdit")  # typed, as a keyboard user does
    qtbot.keyClicks(name, str(manifest))
    qtbot.keyClick(name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "acme-manifest.csv: 3 serials" in tab.banner.text(), timeout=30_000)
    assert tab.counters.value("not_on_manifest") == "1"
    scan(qtbot, tab, f"]d201{PHONE_GTIN}21M-1")
    settle(qtbot, tab)
    assert tab.banner.kind == "notice"
    scan(qtbot, tab, f"]d201{PHONE_GTIN}21M-3")  # on the manifest, for another product
    settle(qtbot, tab)
    assert tab.banner.kind == "warning" and "for WIDGET" in tab.banner.text()
    assert tab.counters.value("not_on_manifest") == "2"
    assert tab.counters.is_alarming("not_on_manifest")
    phone = tab.presenter.board.line_for(world.products["PHONE"])
    assert phone is not None and set(phone.flagged) == {"M-9", "M-3"}


def test_an_unplanned_delivery_from_the_keyboard(
    qtbot: Any, window: MainWindow, world: ReceivingWorld, run_async: Any
) -> None:
    tab = _tab(window)
    qtbot.keyClick(tab.scan, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    dialog = _dialog(qtbot, tab, UnplannedDialog)
    dialog.supplier.setCurrentIndex(dialog.supplier.findData("ACME"))
    dialog.warehouse.setCurrentIndex(dialog.warehouse.findData("NORTH"))
    qtbot.keyClick(dialog.warehouse, Qt.Key.Key_Return)
    # The scan field never loses the focus; the board opens once the plan is read (a task).
    qtbot.waitUntil(lambda: "Unplanned delivery" in tab.order_label.text())
    assert tab.scan.hasFocus() and "NORTH" in tab.order_label.text()
    scan(qtbot, tab, f"3*{EXTRA}")  # any product: nothing is expected
    scan(qtbot, tab, UPC)
    settle(qtbot, tab)
    assert tab.counters.value("over") == "—"
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    result = _dialog(qtbot, tab, ResultDialog)
    assert result.shown.ok and result.shown.warehouse_code == "NORTH"
    qtbot.keyClick(result, Qt.Key.Key_Escape)
    detail = run_async(window.facade.product_detail(world.products["EXTRA"]))
    assert {s.warehouse_code: s.on_hand for s in detail.stock}.get("NORTH") == 3
    assert not tab.presenter.ready  # a new delivery starts from scratch


def test_a_new_delivery_asks_before_dropping_scans(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    tab = _tab(window)
    scan(qtbot, tab, ORDER)
    scan(qtbot, tab, WIDGET)
    settle(qtbot, tab)
    qtbot.keyClick(tab.scan, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    box = _dialog(qtbot, tab, QMessageBox)
    assert "1 scanned units" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # keep them
    qtbot.waitUntil(tab.scan.hasFocus)
    assert tab.presenter.board.counters().units == 1
    qtbot.keyClick(tab.scan, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    box = _dialog(qtbot, tab, QMessageBox)
    box.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not tab.presenter.ready)
    assert tab.presenter.board.is_empty
    assert read(tab.presenter.journal.path) is None


def test_the_window_offers_a_crashed_board_at_start(
    qtbot: Any, qloop: Any, world: ReceivingWorld
) -> None:
    first = MainWindow(InventorySyncService(world.db), "dock-anna")
    qtbot.addWidget(first)
    first.show()
    first.activateWindow()
    qtbot.waitUntil(first.isActiveWindow)
    first.select_tab("Receiving")
    tab = _tab(first)
    qtbot.waitUntil(tab.scan.hasFocus)
    scan(qtbot, tab, ORDER)
    scan(qtbot, tab, f"2*{WIDGET}")
    settle(qtbot, tab)
    first.hide()  # the process dies here: nothing is posted or cleaned up
    second = MainWindow(InventorySyncService(world.db), "dock-ben")
    qtbot.addWidget(second)
    second.show()
    assert second.tab_widget.currentWidget() is second.tabs.receiving
    restore_bar = second.tabs.receiving.restore_bar
    assert restore_bar.isVisible() and "by dock-anna" in restore_bar.label.text()
    qtbot.mouseClick(restore_bar.discard, Qt.MouseButton.LeftButton)
    assert read(second.tabs.receiving.presenter.journal.path) is None
    assert not restore_bar.isVisible()


def test_scans_during_a_post_wait_for_the_next_board(
    qtbot: Any, window: MainWindow, world: ReceivingWorld, run_async: Any
) -> None:
    tab = _tab(window)
    presenter = tab.presenter
    scan(qtbot, tab, ORDER)
    scan(qtbot, tab, f"2*{WIDGET}")
    settle(qtbot, tab)
    presenter.hold(True)  # what a post does while the store writes
    scan(qtbot, tab, WIDGET)
    qtbot.keyClick(tab.scan, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    scan(qtbot, tab, UPC)
    assert presenter.board.counters().units == 2  # nothing touched the board being posted
    presenter.hold(False)
    settle(qtbot, tab)
    scanned = {line.product.sku: line.scanned for line in presenter.board.lines}
    assert scanned["WIDGET"] == 2 and scanned["UPC-ITEM"] == 1
    result = run_async(presenter.post())
    assert result.units == 3
    scan(qtbot, tab, WIDGET)  # the next delivery of the same order
    settle(qtbot, tab)
    assert presenter.board.counters().units == 1
    widget = presenter.board.line_for(world.products["WIDGET"])
    assert widget is not None and (widget.received_before, widget.expected) == (2, 58)


def test_choosing_an_order_from_the_list_by_keyboard(
    qtbot: Any, window: MainWindow, world: ReceivingWorld
) -> None:
    tab = _tab(window)
    panel = tab.orders_panel
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1, timeout=30_000)
    qtbot.keyClick(tab.scan, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    qtbot.keyClicks(panel.search, "acme")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)  # the search runs; the list has the focus
    qtbot.waitUntil(panel.table.hasFocus)
    qtbot.waitUntil(lambda: panel.table.currentIndex().isValid(), timeout=30_000)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.presenter.board.plan is not None, timeout=30_000)
    assert tab.presenter.board.plan.order_number == ORDER
    qtbot.waitUntil(tab.scan.hasFocus)
    qtbot.keyClicks(
        panel.table, WIDGET[:4]
    )  # typed into the list by mistake: it goes to the scan field
    assert tab.scan.text() == WIDGET[:4] and tab.scan.hasFocus()
