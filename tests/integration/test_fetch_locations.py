"""Fetching a POS's locations for the integration dialog, before anything is saved: the
facade against a fake Square and a fake Shopify over loopback HTTP, on both store backends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from sqlalchemy import func, select

from possync_gui.domain.errors import InventorySyncError, ValidationError
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.integrations import WOOCOMMERCE_LOCATION, LocationChoice
from possync_gui.store.database import Database
from possync_gui.store.models import IntegrationSyncLog, POSIntegration, POSMapping, Warehouse
from tests.fakes.shopify import FakeShopify
from tests.fakes.square import UNAUTHORIZED_TEXT, FakeSquare

TOKEN = "EAAAl-fetch-locations-token"
WRONG_TOKEN = "EAAAl-fetch-locations-wrong-token"
SHOPIFY_TOKEN = "shpat_fetch_locations_0123456789"


@pytest.fixture
def square() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_location("L2", "Harbour kiosk")
    server.add_location("L9", "Old depot", active=False)
    with server:
        yield server


@pytest.fixture
def shopify() -> Iterator[FakeShopify]:
    server = FakeShopify(SHOPIFY_TOKEN)
    with server:
        yield server


@pytest.fixture
def facade(db: Database) -> InventorySyncService:
    return InventorySyncService(db)


def _form(base_url: str, token: str | None = TOKEN, kind: str = "square") -> dict[str, Any]:
    """What the dialog sends: the seed's shape, without a location map yet."""
    configuration: dict[str, Any] = {"baseUrl": base_url}
    if token is not None:
        configuration["credentials"] = {"accessToken": token}
    return {"name": "Square main", "type": kind, "configuration": configuration}


def _stored(db: Database) -> tuple[int, int, int, int]:
    with db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (POSIntegration, POSMapping, IntegrationSyncLog, Warehouse)
        )


def _keyring_text() -> str:
    """The whole plain-text keyring file the tests use (empty when nothing was stored)."""
    path = Path(keyring.get_keyring().file_path)  # type: ignore[attr-defined]
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_square_lists_its_locations_and_nothing_is_written(
    facade: InventorySyncService, db: Database, square: FakeSquare
) -> None:
    before = (_stored(db), _keyring_text())
    found = asyncio.run(facade.fetch_pos_locations(_form(square.url)))
    assert sorted(found, key=lambda c: c.id) == [
        LocationChoice("L1", "Main Street", True),
        LocationChoice("L2", "Harbour kiosk", True),
        LocationChoice("L9", "Old depot", False),
    ]
    assert (_stored(db), _keyring_text()) == before
    assert [r.header("Authorization") for r in square.requests_to("/v2/locations")] == [
        f"Bearer {TOKEN}"
    ]


def test_shopify_lists_its_locations_by_global_id(
    facade: InventorySyncService, db: Database, shopify: FakeShopify
) -> None:
    shop = shopify.add_location("Shop")
    warehouse = shopify.add_location("Back warehouse")
    closed = shopify.add_location("Pop-up 2024", active=False)
    data = _form(shopify.url, SHOPIFY_TOKEN, kind="shopify")
    data["configuration"]["apiVersion"] = "2026-04"
    found = asyncio.run(facade.fetch_pos_locations(data))
    assert {c.id: (c.name, c.active) for c in found} == {
        shop: ("Shop", True),
        warehouse: ("Back warehouse", True),
        closed: ("Pop-up 2024", False),
    }
    assert shop.startswith("gid://shopify/Location/")
    assert _stored(db) == (0, 0, 0, 0)


def test_a_wrong_token_gives_the_pos_answer_without_the_token(
    facade: InventorySyncService, db: Database, square: FakeSquare
) -> None:
    with pytest.raises(InventorySyncError) as caught:
        asyncio.run(facade.fetch_pos_locations(_form(square.url, WRONG_TOKEN)))
    message = str(caught.value)
    assert "refused the credentials" in message and UNAUTHORIZED_TEXT in message
    assert WRONG_TOKEN not in message and TOKEN not in message
    assert _stored(db) == (0, 0, 0, 0)
    assert _keyring_text() == ""


def test_a_form_the_add_would_refuse_is_refused_before_any_request(
    facade: InventorySyncService, db: Database, square: FakeSquare
) -> None:
    with pytest.raises(ValidationError, match="https"):
        asyncio.run(facade.fetch_pos_locations(_form("http://pos.example.com")))
    with pytest.raises(ValidationError, match="access_token"):
        asyncio.run(facade.fetch_pos_locations(_form(square.url, token=None)))
    with pytest.raises(ValidationError, match="Unknown POS type"):
        asyncio.run(facade.fetch_pos_locations(_form(square.url, kind="clover")))
    assert square.requests_to(".*") == []
    assert _stored(db) == (0, 0, 0, 0)


def test_editing_with_the_secret_left_empty_uses_the_stored_one(
    facade: InventorySyncService, db: Database, square: FakeSquare
) -> None:
    seed = _form(square.url)
    seed["id"] = "pos-square-main"
    seed["configuration"]["locationMap"] = {"L1": "main"}
    record = asyncio.run(facade.add_integration_from_json(seed))
    before = (_stored(db), _keyring_text())

    edited = _form(square.url, token=None)
    found = asyncio.run(facade.fetch_pos_locations(edited, "pos-square-main"))
    assert {c.id for c in found} == {"L1", "L2", "L9"}
    found = asyncio.run(facade.fetch_pos_locations(edited, record.id))
    assert {c.id for c in found if c.active} == {"L1", "L2"}
    assert {r.header("Authorization") for r in square.requests_to("/v2/locations")} == {
        f"Bearer {TOKEN}"
    }
    # A secret typed in the form is the one used (and is not stored by a fetch).
    with pytest.raises(InventorySyncError):
        asyncio.run(facade.fetch_pos_locations(_form(square.url, WRONG_TOKEN), record.id))
    assert (_stored(db), _keyring_text()) == before
    assert keyring.get_password("possync", f"{record.id}:access_token") == TOKEN

    # Another type needs its own secrets: the stored Square token is not sent to Shopify.
    with pytest.raises(ValidationError, match="access_token"):
        asyncio.run(facade.fetch_pos_locations(_form(square.url, None, "shopify"), record.id))


def test_editing_when_the_keyring_lost_the_secret_says_what_to_do(
    facade: InventorySyncService, square: FakeSquare
) -> None:
    record = asyncio.run(facade.add_integration_from_json(_form(square.url)))
    keyring.delete_password("possync", f"{record.id}:access_token")
    with pytest.raises(ValidationError) as caught:
        asyncio.run(facade.fetch_pos_locations(_form(square.url, token=None), record.id))
    assert "edit the integration and enter its credentials again" in str(caught.value)
    assert square.requests_to(".*") == []
    with pytest.raises(ValidationError, match="No POS integration"):
        asyncio.run(facade.fetch_pos_locations(_form(square.url), uuid.uuid4()))


def test_woocommerce_has_one_fixed_location() -> None:
    assert WOOCOMMERCE_LOCATION.id == "woocommerce"
    assert WOOCOMMERCE_LOCATION.active
