"""100 fuzzed scanner inputs typed into the real Receiving tab (issue 7 §3; the other 900
go through the scan board without Qt in tests/faults/test_fuzz_scanner.py). Control
characters, GS1 junk, AIM prefixes, ``N*`` forms, unicode and texts of thousands of
characters are typed key by key (FNC1 as the wedge sends it) and Enter pressed. Every
input is either counted exactly as the same text counts on a scan board of the same
order, or refused with a printable message in the banner; the window never crashes, the
scan field keeps the focus and is empty for the next scan."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from possync_gui.domain.barcodes import GS
from possync_gui.domain.scan_board import ScanBoard
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.ui.main_window import MainWindow
from possync_gui.ui.receiving.tab import ReceivingTab
from tests.faults.robust_fuzz import judge_scan, scanner_text
from tests.ui.receiving_world import ORDER, build_receiving_world

EXAMPLES = 100


@pytest.fixture
def tab(qtbot: Any, qloop: Any, sqlite_db: Database) -> ReceivingTab:
    world = build_receiving_world(sqlite_db)
    win = MainWindow(InventorySyncService(world.db), "dock-fuzz")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    assert win.select_tab("Receiving")
    receiving = win.tabs.receiving
    qtbot.waitUntil(receiving.scan.hasFocus)
    _type(qtbot, receiving, ORDER)
    qtbot.waitUntil(lambda: receiving.presenter.board.plan is not None, timeout=30_000)
    return receiving


def _type(qtbot: Any, tab: ReceivingTab, text: str) -> None:
    """Key by key as a wedge scanner types: FNC1 as Ctrl+] carrying ASCII GS, printable
    ASCII as keys, anything else as a key event carrying the character (as a wedge in
    unicode mode sends it; QTest can only type ASCII)."""
    for ch in text:
        if ch == GS:
            key, mods = Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier
        elif ch.isascii() and ch.isprintable():
            qtbot.keyClicks(tab.scan, ch)
            continue
        else:
            key, mods = Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(tab.scan, QKeyEvent(kind, key, mods, ch))
    qtbot.keyClick(tab.scan, Qt.Key.Key_Return)


def _typeable(text: str) -> str:
    # A line break would be an Enter of its own (two scans); QLineEdit drops the other
    # control characters as a keyboard would, so the mirror board sees what the field held.
    return text.replace("\r", "").replace("\n", "")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=scanner_text().map(_typeable))
def test_fuzzed_scans_typed_into_the_tab(qtbot: Any, tab: ReceivingTab, text: str) -> None:
    presenter = tab.presenter
    board = presenter.board
    assert board.plan is not None
    shown: list[str] = []
    submitted: list[str] = []
    submit = presenter.submit
    presenter.submit = lambda held: (submitted.append(held), submit(held))[1]  # type: ignore[method-assign]
    presenter.warning.connect(shown.append)
    presenter.notice.connect(shown.append)
    before = board.counters().units
    try:
        _type(qtbot, tab, text)
        qtbot.waitUntil(lambda: not presenter.busy_scanning, timeout=30_000)
        field = tab.scan.text()
    finally:
        presenter.warning.disconnect(shown.append)
        presenter.notice.disconnect(shown.append)
        del presenter.submit
    if presenter.serial_request is not None:  # a serialized product asked for its serial
        presenter.cancel_serials()
    assert field == "" and tab.scan.hasFocus()
    (held,) = submitted  # what the field held (QLineEdit drops control characters)
    if not held.strip():
        assert not shown  # an empty Enter is ignored
        return
    mirror = ScanBoard(board.plan)
    outcome = judge_scan(mirror, held)
    assert board.counters().units - before == mirror.counters().units, (text, held, shown)
    assert shown, f"nothing was said about {held!r}"
    if outcome == "error":
        assert all(ch.isprintable() for ch in tab.banner.text())
    assert board.counters().units == sum(line.scanned for line in board.lines)
