from typing import Any
from PySide6.QtCore import Qt
from tests.fakes.shopify import FakeShopify
from tests.ui.test_integrations_locations import facade, window, _fetch  # noqa: F401
from tests.ui.test_integrations_tab import _open_dialog, _type

def test_shot(qtbot: Any, window: Any) -> None:
    with FakeShopify("shpat_x") as shop:
        shop.add_location("Harbour")
        shop.add_location("Downtown flagship store on Main")
        dialog = _open_dialog(qtbot, window)
        dialog.type.setCurrentIndex(dialog.type.findData("shopify"))
        _type(qtbot, dialog.name, "Shop")
        _type(qtbot, dialog.base_url, shop.url)
        _type(qtbot, dialog.credentials.access_token, "wrong")
        _fetch(qtbot, dialog)
        dialog.grab().save("/tmp/shot-error.png")
        _type(qtbot, dialog.credentials.access_token, "shpat_x")
        _fetch(qtbot, dialog)
        dialog.grab().save("/tmp/shot-shopify.png")
