"""Two desktops on one database, as their users see it (issue 7): another desktop's
adjustment appears in this window's Inventory tab with no one touching it; a database that
goes away puts a banner over the tabs, the receiving board keeps every scan (a post refused
meanwhile says why and leaves the board as it was; a scan that needs the store waits), and
once the banner says Reconnected the waiting scan counts and the delivery posts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from possync_gui.domain.enums import MovementReason
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database, open_database
from possync_gui.ui.inventory.model import Column
from possync_gui.ui.main_window import MainWindow
from possync_gui.ui.receiving.dialogs import ShortDialog
from possync_gui.ui.receiving.journal import read
from tests.fakes.sync_world import Spec, Store
from tests.integration.test_shared_feed import _outage
from tests.ui.receiving_world import EXTRA, ORDER, WIDGET, build_receiving_world

WAIT_MS = 30_000


@pytest.fixture
def other_desk(db_url: str, db: Database) -> Iterator[Database]:
    """A second desktop's engine on the same database as ``db``."""
    second = open_database(db_url)
    yield second
    second.dispose()


def _open(qtbot: Any, run_async: Any, facade: InventorySyncService, tab: str) -> MainWindow:
    win = MainWindow(facade, "desk-one")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    assert win.select_tab(tab)

    async def start() -> None:
        facade.start_change_feed()

    run_async(start())
    qtbot.waitUntil(lambda: facade._feed is not None and facade._feed.running)
    return win


def _on_hand_shown(win: MainWindow, sku: str) -> str | None:
    model = win.tabs.inventory_presenter.model
    for row in range(model.rowCount()):
        if model.data(model.index(row, Column.SKU)) == sku:
            return str(model.data(model.index(row, Column.ON_HAND)))
    return None


def test_another_desktops_adjustment_shows_in_the_inventory_tab_by_itself(
    qtbot: Any, qloop: Any, run_async: Any, db: Database, other_desk: Database
) -> None:
    Store(db, [Spec("A-1", 10), Spec("B-2", 3)])
    facade = InventorySyncService(db)
    win = _open(qtbot, run_async, facade, "Inventory")
    try:
        qtbot.waitUntil(lambda: _on_hand_shown(win, "A-1") == "10", timeout=WAIT_MS)
        there = InventorySyncService(other_desk)
        run_async(there.adjust_stock("A-1", "MAIN", 7, MovementReason.FOUND, "desk-two"))
        qtbot.waitUntil(lambda: _on_hand_shown(win, "A-1") == "17", timeout=WAIT_MS)
        assert _on_hand_shown(win, "B-2") == "3"
    finally:
        run_async(facade.stop_change_feed())


def _scan(qtbot: Any, win: MainWindow, code: str) -> None:
    tab = win.tabs.receiving
    assert tab.scan.hasFocus(), "the scan field lost the focus"
    qtbot.keyClicks(tab.scan, code)
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)


def _scanned(win: MainWindow) -> dict[str, int]:
    return {ln.product.sku: ln.scanned for ln in win.tabs.receiving.presenter.board.lines}


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_losing_the_database_keeps_the_board_and_it_posts_once_reconnected(
    qtbot: Any, qloop: Any, run_async: Any, db: Database, db_url: str, tmp_path: Path
) -> None:
    world = build_receiving_world(db)
    facade = InventorySyncService(db)
    win = _open(qtbot, run_async, facade, "Receiving")
    tab = win.tabs.receiving
    presenter = tab.presenter
    try:
        qtbot.waitUntil(tab.scan.hasFocus)
        _scan(qtbot, win, ORDER)
        qtbot.waitUntil(lambda: presenter.board.plan is not None, timeout=WAIT_MS)
        for _ in range(3):
            _scan(qtbot, win, WIDGET)
        qtbot.waitUntil(lambda: _scanned(win).get("WIDGET") == 3, timeout=WAIT_MS)

        _outage(db_url, True)
        try:
            banner = win.connection_banner
            qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
            assert "Database connection lost" in banner.label.text()
            assert "retrying" in banner.label.text()
            _shoot(win, tmp_path, "connection-lost")
            qtbot.keyClick(tab.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
            short = _dialog(qtbot, tab, ShortDialog)  # most of the order has not come
            qtbot.keyClick(short, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # &Leave…
            bar = win.message_bar
            qtbot.waitUntil(bar.isVisible, timeout=WAIT_MS)
            assert "connection to the database is lost" in bar.label.text()
            assert "Traceback" not in bar.label.text()
            assert _scanned(win) == {"WIDGET": 3, "UPC-ITEM": 0, "CASE-ITEM": 0, "PHONE": 0}
            saved = read(presenter.journal.path)
            assert saved is not None and saved.scans == 3  # a crash now would lose nothing
            qtbot.waitUntil(tab.scan.hasFocus, timeout=WAIT_MS)
            _scan(qtbot, win, EXTRA)  # not on the order: the store must be asked
            qtbot.waitUntil(lambda: presenter.waiting_for_database, timeout=WAIT_MS)
        finally:
            _outage(db_url, False)
        if banner.lost:  # no need to sit out the backoff: Retry now
            qtbot.mouseClick(banner.retry, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Reconnected" in banner.label.text(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: _scanned(win).get("EXTRA") == 1, timeout=WAIT_MS)
        assert not bar.isVisible()  # the connection error is over
        _shoot(win, tmp_path, "reconnected")
        assert tab.scan.hasFocus()
        qtbot.waitUntil(lambda: _scanned(win).get("EXTRA") == 1, timeout=WAIT_MS)
        assert _scanned(win)["WIDGET"] == 3
        result = run_async(presenter.post())  # as Ctrl+Enter and "Leave partly received" do
        accepted = {i.sku: i.quantity for i in result.items if i.status == "accepted"}
        assert accepted.get("WIDGET") == 3
        detail = run_async(facade.product_detail(world.products["WIDGET"]))
        assert sum(s.on_hand for s in detail.stock if s.warehouse_code == "MAIN") == 3
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    finally:
        run_async(facade.stop_change_feed())


def _dialog(qtbot: Any, tab: Any, kind: type) -> Any:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in tab.findChildren(kind)), timeout=WAIT_MS)
    return next(d for d in tab.findChildren(kind) if d.isVisible())


def _shoot(win: MainWindow, tmp_path: Path, name: str) -> None:
    """The window with the banner, for a person to look at (POSSYNC_SHOT_DIR keeps it)."""
    folder = Path(os.environ.get("POSSYNC_SHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(folder / f"{name}.png"))
