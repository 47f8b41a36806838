"""The Conflicts tab driven from the keyboard, on real conflicts (SQLite and PostgreSQL).

A store and a fake Shopify agree on five products; then each side moves so that the three-way
merge would go below zero, and a sync under ``manual_review`` records five conflicts. The
tab then settles them as a person would: Accept POS (P), Accept warehouse (W), Set count (S,
a value and a required reason), a bulk accept of a selection after a confirmation, and a
conflict whose POS count moved after it was shown (the user is told; nothing is applied).
The store, read through the facade, and the fake POS must hold the chosen values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from possync_gui.domain.conflicts import ConflictQuery, ConflictRecord
from possync_gui.domain.enums import MovementReason
from possync_gui.domain.records import InventoryQuery
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.models import Product
from possync_gui.ui.conflicts.dialogs import ConfirmDialog, ResultDialog, SetCountDialog
from possync_gui.ui.conflicts.model import Column
from possync_gui.ui.conflicts.report import ReportDialog
from possync_gui.ui.conflicts.tab import ConflictsTab
from possync_gui.ui.main_window import MainWindow
from tests.fakes.sync_world import WAREHOUSE, ShopifySide, Spec, Store

OPERATOR = "alice"
KEY = "shop"
#: SKU → (the POS's recount, the store's damage): each merge would go below zero.
MOVES = {"A": (2, -5), "B": (3, -6), "C": (1, -7), "D": (2, -6), "E": (4, -7)}
START = 10
UNIT_COST = "2.50"
NO_MOD = Qt.KeyboardModifier.NoModifier


@dataclass
class World:
    store: Store
    side: ShopifySide
    facade: InventorySyncService
    window: MainWindow

    @property
    def tab(self) -> ConflictsTab:
        return self.window.tabs.conflicts


@pytest.fixture
def side() -> Iterator[ShopifySide]:
    made = ShopifySide()
    yield made
    made.fake.stop()


@pytest.fixture
def world(qtbot: Any, qloop: Any, db: Database, side: ShopifySide, run_async: Any) -> World:
    store = Store(db, [Spec(sku, START) for sku in MOVES])
    for sku in MOVES:
        side.add(sku, START, sku=sku)
    facade = InventorySyncService(db)
    run_async(facade.add_integration_from_json(side.integration(KEY)))
    run_async(facade.sync_inventory_levels(KEY))  # maps the items; both sides agree on 10
    with db.session() as session:  # what a catalog import with a unit_cost column sets
        product = session.get(Product, store.ids["A"])
        assert product is not None
        product.unit_cost = Decimal(UNIT_COST)
    for sku, (pos, damage) in MOVES.items():
        side.set(sku, pos)
        store.move(sku, damage, MovementReason.DAMAGE)
    (result,) = run_async(facade.sync_inventory_levels(KEY))
    assert result.summary["conflicts_open"] == len(MOVES), result
    window = MainWindow(facade, OPERATOR)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # shortcuts reach only the active window
    window.select_tab("Conflicts")
    w = World(store, side, facade, window)
    qtbot.waitUntil(lambda: w.tab.proxy.rowCount() == len(MOVES))
    _settle(qtbot, w)
    return w


# -- helpers ---------------------------------------------------------------------------------


def _settle(qtbot: Any, w: World) -> None:
    tasks = w.tab.presenter.tasks
    qtbot.waitUntil(
        lambda: not any(tasks.is_running(n) for n in ("refresh", "resolve", "detail", "report"))
    )


def _skus(tab: ConflictsTab) -> list[str]:
    return [r.sku for r in tab.shown_conflicts()]


def _focused(qtbot: Any) -> QWidget:
    if QApplication.activeWindow() is None:
        # A dialog closed: a window manager hands the activation back to the window it
        # came from (a dialog still open, else the main window); offscreen there is none.
        back = QApplication.activeModalWidget() or next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        )
        back.activateWindow()
        qtbot.waitUntil(back.isActiveWindow)
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _key(qtbot: Any, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MOD) -> None:
    """A key press where the keyboard focus is, as a user's keyboard sends it."""
    qtbot.keyClick(_focused(qtbot), key, modifier)


def _type(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(_focused(qtbot), text)


def _go_to(qtbot: Any, w: World, sku: str) -> ConflictRecord:
    """Arrow keys from the current row up or down to ``sku``'s row; waits for its detail."""
    tab = w.tab
    assert tab.table.hasFocus()
    target = _skus(tab).index(sku)
    here = tab.table.currentIndex().row()
    if here < 0:
        _key(qtbot, Qt.Key.Key_Down)
        here = tab.table.currentIndex().row()
    key = Qt.Key.Key_Down if target > here else Qt.Key.Key_Up
    for _ in range(abs(target - here)):
        _key(qtbot, key)
    current = tab.current_conflict()
    assert current is not None and current.sku == sku
    assert [r.sku for r in tab.selected_conflicts()] == [sku]
    qtbot.waitUntil(lambda: tab.detail.title.text().startswith(f"{sku} — "))
    return current


def _wait_gone(qtbot: Any, w: World, sku: str) -> None:
    qtbot.waitUntil(lambda: sku not in _skus(w.tab))
    _settle(qtbot, w)


def _dialog(qtbot: Any, w: World, kind: type[Any]) -> Any:
    qtbot.waitUntil(lambda: any(d.isVisible() for d in w.tab.findChildren(kind)))
    dialog = next(d for d in w.tab.findChildren(kind) if d.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # the keys go to it now
    return dialog


def _conflicts(w: World, run_async: Any, status: str = "all") -> dict[str, ConflictRecord]:
    rows = run_async(w.facade.list_conflicts(ConflictQuery(status=status)))
    return {r.sku: r for r in rows}


def _on_hand(w: World, run_async: Any) -> dict[str, int]:
    rows = run_async(w.facade.stock_page(InventoryQuery(), 0, 100))
    return {r.sku: r.on_hand for r in rows if r.warehouse_code == WAREHOUSE}


# -- the tests -------------------------------------------------------------------------------


def test_the_list_shows_each_conflict_with_its_numbers_and_the_title_counts_them(
    qtbot: Any, qtmodeltester: Any, world: World
) -> None:
    tab = world.tab
    index = world.window.tab_widget.indexOf(tab)
    qtbot.waitUntil(lambda: world.window.tab_widget.tabText(index) == "Conflicts (5)")
    assert tab.table.hasFocus()  # keyboard-first: the table, ready for the arrows
    assert sorted(_skus(tab)) == sorted(MOVES)
    a = next(r for r in tab.shown_conflicts() if r.sku == "A")
    row = _skus(tab).index("A")

    def cell(column: Column) -> str:
        return str(tab.proxy.index(row, column).data())

    assert cell(Column.POS) == "2" and cell(Column.SYSTEM) == "5" and cell(Column.BASE) == "10"
    assert cell(Column.DIFFERENCE) == "\u22123"  # POS minus warehouse, with a real minus sign
    assert cell(Column.VALUE) == "USD 7.50"  # |−3| × the unit cost, in the Settings currency
    assert cell(Column.WAREHOUSE) == WAREHOUSE and cell(Column.INTEGRATION) == a.integration_name
    assert cell(Column.AGE) == "just now"
    no_cost = _skus(tab).index("B")
    assert tab.proxy.index(no_cost, Column.VALUE).data() == "— no cost —"
    # Sorting by difference puts the largest shortfall on the POS first.
    tab.table.sortByColumn(Column.DIFFERENCE, Qt.SortOrder.AscendingOrder)
    assert [r.difference for r in tab.shown_conflicts()] == sorted(
        pos - (START + damage) for pos, damage in MOVES.values()
    )
    # Ctrl+F searches; Enter goes back to the table.
    _key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert tab.search.hasFocus()
    _type(qtbot, "product e")
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _skus(tab) == ["E"])
    qtbot.waitUntil(tab.table.hasFocus)
    assert not tab.findChildren(SetCountDialog)  # that Enter was the search's
    # The integration filter (Alt+I, an arrow) asks for that integration's conflicts.
    _key(qtbot, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert tab.integration.hasFocus()
    _key(qtbot, Qt.Key.Key_Down)
    _settle(qtbot, world)
    assert tab.presenter.query.integration == str(a.integration_id)
    assert _skus(tab) == ["E"] and not world.window.message_bar.isVisible()
    tab.search.clear()
    _key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    _key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_skus(tab)) == len(MOVES))
    qtbot.waitUntil(tab.table.hasFocus)
    _settle(qtbot, world)
    # The detail of the selected conflict: its numbers, what moved on each side, its history.
    _go_to(qtbot, world, "C")
    text = tab.detail.text()
    assert "damage" in text.lower()  # the warehouse's movement since the base
    assert "Detected" in text
    qtmodeltester.check(tab.presenter.model, force_py=True)


def test_three_conflicts_resolved_by_keyboard_only(
    qtbot: Any, world: World, run_async: Any
) -> None:
    tab, side = world.tab, world.side
    before = {sku: side.qty(sku) for sku in MOVES}

    _go_to(qtbot, world, "A")
    _key(qtbot, Qt.Key.Key_P)  # Accept POS: the warehouse takes the POS's 2
    _wait_gone(qtbot, world, "A")
    assert "Accept POS: A at MAIN → 2" in world.window.statusBar().currentMessage()

    _go_to(qtbot, world, "B")
    _key(qtbot, Qt.Key.Key_W)  # Accept warehouse: the POS is adjusted to the store's 4
    _wait_gone(qtbot, world, "B")

    _go_to(qtbot, world, "C")
    _key(qtbot, Qt.Key.Key_S)  # Set count…
    dialog = _dialog(qtbot, world, SetCountDialog)
    qtbot.waitUntil(dialog.value.hasFocus)
    assert dialog.value.value() == 3  # the warehouse's count is proposed
    _type(qtbot, "7")
    _key(qtbot, Qt.Key.Key_Return)  # no reason yet: nothing happens
    assert dialog.isVisible() and dialog.reason.hasFocus()
    _type(qtbot, "Shelf counted by Sam")
    _key(qtbot, Qt.Key.Key_Return)
    _wait_gone(qtbot, world, "C")

    resolved = _conflicts(world, run_async, "resolved")
    assert sorted(resolved) == ["A", "B", "C"]
    a, b, c = resolved["A"], resolved["B"], resolved["C"]
    assert (a.strategy, a.resolved_value, a.resolved_by) == ("pos_wins", 2, OPERATOR)
    assert (b.strategy, b.resolved_value, b.resolved_by) == ("supplier_wins", 4, OPERATOR)
    assert (c.strategy, c.resolved_value, c.resolved_by) == ("set", 7, OPERATOR)
    on_hand = _on_hand(world, run_async)
    assert (on_hand["A"], on_hand["B"], on_hand["C"]) == (2, 4, 7)
    assert (side.qty("A"), side.qty("B"), side.qty("C")) == (2, 4, 7)
    assert (side.qty("D"), side.qty("E")) == (before["D"], before["E"])  # untouched
    assert on_hand["D"] == START + MOVES["D"][1]
    history = run_async(world.facade.conflict_detail(c.id)).history
    assert any(e.note and "Shelf counted by Sam" in e.note for e in history)

    # The resolved history, reached from the keyboard: Alt+T, then an arrow.
    _key(qtbot, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert tab.status.hasFocus()
    _key(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: sorted(_skus(tab)) == ["A", "B", "C"])
    _settle(qtbot, world)
    statuses = {
        r.sku: tab.proxy.index(i, Column.STATUS).data() for i, r in enumerate(tab.shown_conflicts())
    }
    assert statuses["A"] == f"Accepted POS → 2 ({OPERATOR})"
    assert statuses["C"] == f"Set count → 7 ({OPERATOR})"
    assert not tab.pos_button.isEnabled()  # nothing left to settle in the history
    _key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    _key(qtbot, Qt.Key.Key_Return)  # an empty search: back to the table
    qtbot.waitUntil(tab.table.hasFocus)
    _go_to(qtbot, world, "C")
    qtbot.waitUntil(lambda: "Shelf counted by Sam" in tab.detail.text())
    assert "Settled at" in tab.detail.text()
    index = world.window.tab_widget.indexOf(tab)
    qtbot.waitUntil(lambda: world.window.tab_widget.tabText(index) == "Conflicts (2)")


def test_a_bulk_accept_confirms_then_lists_each_outcome(
    qtbot: Any, world: World, db: Database, run_async: Any
) -> None:
    # Another desktop settles E first; this one still shows it as open.
    other = InventorySyncService(db)
    e = next(r for r in world.tab.shown_conflicts() if r.sku == "E")
    run_async(other.resolve_sync_conflicts([e.id], "supplier_wins", actor="bob"))

    _go_to(qtbot, world, _skus(world.tab)[0])
    _key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # select every row
    assert len(world.tab.selected_conflicts()) == 5
    _key(qtbot, Qt.Key.Key_P)
    confirm = _dialog(qtbot, world, ConfirmDialog)
    assert "5 conflicts" in confirm.windowTitle()
    _key(qtbot, Qt.Key.Key_Escape)  # Esc: nothing happens
    qtbot.waitUntil(lambda: not confirm.isVisible())
    assert len(_conflicts(world, run_async, "open")) == 4

    _key(qtbot, Qt.Key.Key_P)
    confirm = _dialog(qtbot, world, ConfirmDialog)
    _key(qtbot, Qt.Key.Key_Return)
    results = _dialog(qtbot, world, ResultDialog)
    lines = results.lines()
    assert len(lines) == 5
    assert sum("| Resolved |" in line for line in lines) == 4
    (late,) = [line for line in lines if line.startswith("E ")]
    assert "Already resolved by someone else" in late
    _key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not results.isVisible())
    _settle(qtbot, world)

    assert _skus(world.tab) == []
    on_hand = _on_hand(world, run_async)
    for sku in "ABCD":
        assert on_hand[sku] == world.side.qty(sku) == MOVES[sku][0]
    # E keeps bob's choice: the POS took the warehouse's 3, and it was applied once.
    assert on_hand["E"] == world.side.qty("E") == START + MOVES["E"][1]
    assert _conflicts(world, run_async)["E"].resolved_by == "bob"


def test_a_conflict_that_changed_since_shown_is_not_applied_and_the_user_is_told(
    qtbot: Any, world: World, run_async: Any
) -> None:
    tab = world.tab
    shown = _go_to(qtbot, world, "D")
    assert (shown.pos_value, shown.system_value) == (2, 4)
    world.side.set("D", 5)  # a return at the till, after the user looked
    _key(qtbot, Qt.Key.Key_W)
    bar = world.window.message_bar
    qtbot.waitUntil(bar.isVisible)
    assert "D at MAIN changed since shown: POS now 5, warehouse 4 — review again" in (
        bar.label.text()
    )
    _settle(qtbot, world)
    d = _conflicts(world, run_async, "open")["D"]
    assert (d.status, d.pos_value, d.system_value) == ("open", 5, 4)
    assert world.side.qty("D") == 5 and _on_hand(world, run_async)["D"] == 4  # nothing applied
    # the row shows the new numbers, still selected for another look
    qtbot.waitUntil(
        lambda: tab.current_conflict() is not None and tab.current_conflict().pos_value == 5
    )
    assert tab.current_conflict().sku == "D"


def test_the_report_counts_resolutions_and_exports_csv(
    qtbot: Any, world: World, run_async: Any, tmp_path: Path
) -> None:
    tab = world.tab
    for sku, key in (("A", Qt.Key.Key_P), ("B", Qt.Key.Key_W), ("C", Qt.Key.Key_P)):
        _go_to(qtbot, world, sku)
        _key(qtbot, key)
        _wait_gone(qtbot, world, sku)
    _key(qtbot, Qt.Key.Key_R)
    report = _dialog(qtbot, world, ReportDialog)
    qtbot.waitUntil(lambda: report.figure("Open") == "2")
    assert report.figure("Resolved") == "3"
    assert report.figure("Mean time to resolve") not in ("", "—", "…")
    assert "Accepted POS: 2" in report.strategies.text()
    assert "Accepted warehouse: 1" in report.strategies.text()
    (line,) = report.rows()
    assert line[1:3] == ("2", "3")

    _key(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # Export CSV…
    files = _dialog(qtbot, world, QFileDialog)
    assert Path(files.selectedFiles()[0]).name == "conflict-report.csv"
    target = tmp_path / "conflict-report.csv"
    files.setDirectory(str(tmp_path))
    files.selectFile(str(target))
    files.accept()
    qtbot.waitUntil(target.exists)
    qtbot.waitUntil(
        lambda: "Exported the conflict report" in world.window.statusBar().currentMessage()
    )
    body = target.read_text(encoding="utf-8")
    assert "pos_wins" in body or "Accepted POS" in body
    _key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not report.isVisible())
    assert uuid.UUID(str(tab.shown_conflicts()[0].id))  # the tab is still there, usable


def test_a_hidden_tab_keeps_its_title_count_and_reloads_when_shown(
    qtbot: Any, world: World, run_async: Any
) -> None:
    win, tab = world.window, world.tab
    index = win.tab_widget.indexOf(tab)
    qtbot.waitUntil(lambda: win.tab_widget.tabText(index) == "Conflicts (5)")
    win.select_tab("Inventory")
    qtbot.waitUntil(lambda: not tab.isVisible())
    a = next(r for r in tab.shown_conflicts() if r.sku == "A")
    # Settled elsewhere in this app (the CLI would do the same through the facade).
    run_async(world.facade.resolve_sync_conflicts([a.id], "pos_wins", actor="bob"))
    qtbot.waitUntil(lambda: win.tab_widget.tabText(index) == "Conflicts (4)")
    assert "A" in _skus(tab)  # hidden: not reloaded yet
    win.select_tab("Conflicts")
    qtbot.waitUntil(lambda: sorted(_skus(tab)) == ["B", "C", "D", "E"])
    qtbot.waitUntil(tab.table.hasFocus)
