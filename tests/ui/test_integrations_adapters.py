"""Every adapter syncs its fake through the GUI (issue 3, "Done when"): Shopify, WooCommerce
(Basic auth, and the keys in the query string for a host that drops the Authorization
header) and a custom JSON source, on both store backends.

Each integration is typed into the Integrations tab's dialog as a user would (type combo,
fields, the location → warehouse table, the conflict strategy, Save), then synced with
"Full sync" and "Sync changes". What the user sees is checked: the row's last result, the
sync log panel, and the Inventory tab's quantities; and a store-side count reaches the POS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from possync_gui.domain.enums import MovementReason
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.ui.integrations.dialog import IntegrationDialog
from possync_gui.ui.integrations.model import Column, LogColumn
from possync_gui.ui.main_window import MainWindow
from tests.fakes.sync_world import (
    CUSTOM_KEY,
    CUSTOM_MAPPING,
    SHOPIFY_TOKEN,
    WOO_KEY,
    WOO_SECRET,
    CustomSide,
    POSSide,
    ShopifySide,
    WooSide,
)
from tests.fakes.woocommerce import FakeWooCommerce
from tests.ui.test_integrations_tab import (
    CATALOG,
    _cell,
    _open_dialog,
    _row,
    _save,
    _sync,
    _tab,
    _type,
    _wait_closed,
    _wait_sync_done,
)

WAREHOUSE = "main"  # CATALOG's warehouse: A-1 with 0 on hand, B-1 with 4


class QueryStringWooSide(WooSide):
    """A WooCommerce host that drops the Authorization header: only keys sent in the query
    string get through."""

    def __init__(self) -> None:  # the same side as WooSide, on a different fake
        self.fake = FakeWooCommerce(WOO_KEY, WOO_SECRET, strip_authorization=True)
        self.fake.start()
        self._ids: dict[str, int] = {}


def _fill_token(qtbot: Any, dialog: IntegrationDialog) -> None:
    _type(qtbot, dialog.credentials.access_token, SHOPIFY_TOKEN)


def _fill_woo(qtbot: Any, dialog: IntegrationDialog) -> None:
    _type(qtbot, dialog.credentials.consumer_key, WOO_KEY)
    _type(qtbot, dialog.credentials.consumer_secret, WOO_SECRET)


def _fill_woo_query_string(qtbot: Any, dialog: IntegrationDialog) -> None:
    _fill_woo(qtbot, dialog)
    box = dialog.credentials.query_string_auth
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()


def _fill_custom(qtbot: Any, dialog: IntegrationDialog) -> None:
    assert not dialog.api_version.isEnabled()
    _type(qtbot, dialog.credentials.api_key, CUSTOM_KEY)
    mapping = dialog.credentials.mapping
    mapping.setFocus()
    qtbot.keyClicks(mapping, json.dumps(CUSTOM_MAPPING))


Filler = Callable[[Any, IntegrationDialog], None]
#: id → (makes the POSSide, the type combo's text, the API version typed, the credentials).
CASES: dict[str, tuple[Callable[[], Any], str, str, Filler]] = {
    "shopify": (ShopifySide, "Shopify", "2026-04", _fill_token),
    "woocommerce": (WooSide, "WooCommerce", "", _fill_woo),
    "woocommerce-query-string-auth": (
        QueryStringWooSide,
        "WooCommerce",
        "",
        _fill_woo_query_string,
    ),
    "custom": (CustomSide, "Custom", "", _fill_custom),
}
SECRETS = {
    "shopify": {"access_token": SHOPIFY_TOKEN},
    "woocommerce": {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
    "custom": {"api_key": CUSTOM_KEY},
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def side(case: str) -> Iterator[POSSide]:
    """The POS holds 7 apples (A-1) and 4 bananas (B-1), both last changed a day ago."""
    made = CASES[case][0]()
    made.add("A", 7, sku="A-1")
    made.add("B", 4, sku="B-1")
    yield made
    made.fake.stop()


@pytest.fixture
def facade(db: Database, run_async: Any, tmp_path: Path) -> InventorySyncService:
    service = InventorySyncService(db)
    run_async(service.add_warehouse(WAREHOUSE, "Main warehouse"))
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    run_async(service.import_catalog(catalog, "setup"))
    return service


@pytest.fixture
def window(qtbot: Any, facade: InventorySyncService) -> MainWindow:
    win = MainWindow(facade, "tester")
    qtbot.addWidget(win)
    win.show()
    assert win.select_tab("Integrations")
    qtbot.waitUntil(lambda: not win.tabs.integrations_presenter.tasks.is_running("refresh"))
    return win


def _choose(qtbot: Any, combo: QComboBox, text: str) -> None:
    """Pick an entry the way a keyboard user does: focus the combo, type its first letters."""
    combo.setFocus()
    qtbot.keyClicks(combo, text)
    assert combo.currentText().startswith(text)


def _add_location(qtbot: Any, dialog: IntegrationDialog, location: str) -> None:
    qtbot.mouseClick(dialog.locations.add_button, Qt.MouseButton.LeftButton)
    editor = dialog.focusWidget()
    assert isinstance(editor, QLineEdit), "the new row's location cell is being edited"
    qtbot.keyClicks(editor, location)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.locations.location_map() == {location: WAREHOUSE})


def _add_through_dialog(qtbot: Any, win: MainWindow, case: str, side: POSSide, name: str) -> None:
    _factory, label, api_version, fill = CASES[case]
    dialog = _open_dialog(qtbot, win)
    _choose(qtbot, dialog.type, label)
    assert dialog.type.currentData() == side.kind
    _type(qtbot, dialog.name, name)
    _type(qtbot, dialog.base_url, side.fake.url)
    if api_version:
        _type(qtbot, dialog.api_version, api_version)
    fill(qtbot, dialog)
    _add_location(qtbot, dialog, side.location)
    _choose(qtbot, dialog.strategy, "POS")  # a space would open the popup
    assert dialog.strategy.currentData() == "pos_wins"
    _save(qtbot, dialog)
    _wait_closed(qtbot, win)  # closed: the facade took it (a refusal keeps it open)


def _shown_on_hand(win: MainWindow) -> dict[str, int]:
    """SKU → on hand as the Inventory tab's model holds it."""
    model = win.tabs.inventory_presenter.model
    rows = (model.row_at(r) for r in range(model.rowCount()))
    return {row.sku: row.on_hand for row in rows if row is not None}


def _log(win: MainWindow) -> list[tuple[str, str]]:
    """(type, status) of each run the sync log panel shows, newest first, as displayed."""
    proxy = _tab(win).log.proxy
    return [
        (proxy.index(r, LogColumn.TYPE).data(), proxy.index(r, LogColumn.STATUS).data())
        for r in range(proxy.rowCount())
    ]


def test_an_integration_typed_into_the_dialog_syncs_both_ways(
    qtbot: Any, window: MainWindow, case: str, side: POSSide, run_async: Any
) -> None:
    name = f"{CASES[case][1]} shop"
    tab = _tab(window)
    _add_through_dialog(qtbot, window, case, side, name)
    qtbot.waitUntil(lambda: tab.proxy.rowCount() == 1)
    row = _row(window, name)
    assert row.info.type == side.kind
    assert row.info.base_url == side.fake.url
    assert row.info.location_map == {side.location: WAREHOUSE}
    assert row.info.configuration.get("queryStringAuth", False) is (
        case == "woocommerce-query-string-auth"
    )
    for key, secret in SECRETS[side.kind].items():
        assert keyring.get_password("possync", f"{row.id}:{key}") == secret
        assert secret not in repr(row.info)

    # The Inventory tab has been seen before: it must refresh after each sync.
    window.select_tab("Inventory")
    qtbot.waitUntil(lambda: _shown_on_hand(window) == {"A-1": 0, "B-1": 4})
    window.select_tab("Integrations")
    _sync(qtbot, window, name, full=True)
    _wait_sync_done(qtbot, window, name)
    first = _cell(window, name, Column.LAST_RESULT)
    assert first.startswith("success · ") and "pulled" in first, first
    assert _log(window) == [("Full", "success")]
    window.select_tab("Inventory")
    qtbot.waitUntil(lambda: _shown_on_hand(window) == {"A-1": 7, "B-1": 4})

    # Both sides move: the POS sells 2 apples; the store finds 3 bananas on a shelf.
    side.set("A", 5)
    run_async(window.facade.adjust_stock("B-1", WAREHOUSE, 3, MovementReason.FOUND, "tester"))
    window.select_tab("Integrations")
    _sync(qtbot, window, name, full=False)
    _wait_sync_done(qtbot, window, name)
    second = _cell(window, name, Column.LAST_RESULT)
    assert second.startswith("success · "), second
    assert "Errors" not in tab.log.details.toPlainText()
    assert _log(window) == [("Incremental", "success"), ("Full", "success")]
    side.assert_adjusted("B", +3, before=4)  # a relative change, not an absolute set
    assert (side.qty("A"), side.qty("B")) == (5, 7)
    window.select_tab("Inventory")
    qtbot.waitUntil(lambda: _shown_on_hand(window) == {"A-1": 5, "B-1": 7})
