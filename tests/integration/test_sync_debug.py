"""Debug mode: each POS request and response is logged, with the credentials redacted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from possync_gui.domain.sync import SyncStatus
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from tests.fakes.square import FakeSquare

TOKEN = "EAAAl-debug-secret-token-9f3e"


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_item("I1", "Apple", [{"id": "V1", "sku": "A-1"}])
    server.set_count("V1", "L1", 3)
    with server:
        yield server


def _sync(db: Database, fake: FakeSquare, *, debug: bool) -> InventorySyncService:
    facade = InventorySyncService(db)
    facade.enable_debug_mode(debug)

    async def go() -> None:
        await facade.add_warehouse("main", "Main")
        await facade.add_integration_from_json(
            {
                "id": "sq",
                "name": "Square",
                "type": "square",
                "configuration": {
                    "baseUrl": fake.url,
                    "credentials": {"accessToken": TOKEN},
                    "locationMap": {"L1": "main"},
                },
            }
        )
        (result,) = await facade.sync_inventory_levels("sq")
        assert result.status is SyncStatus.PARTIAL  # the item matches no product
        facade.enable_debug_mode(False)

    asyncio.run(go())
    return facade


def test_debug_mode_logs_requests_without_the_token(
    sqlite_db: Database, fake: FakeSquare, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="possync")
    _sync(sqlite_db, fake, debug=True)
    exchanges = [r.getMessage() for r in caplog.records if r.name == "possync.pos"]
    assert any("/v2/inventory/counts/batch-retrieve" in m and "-> 200" in m for m in exchanges)
    assert any("Bearer" in m or "authorization" in m.lower() for m in exchanges)
    assert not any(TOKEN in r.getMessage() for r in caplog.records)


def test_without_debug_mode_requests_are_not_logged(
    sqlite_db: Database, fake: FakeSquare, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="possync")
    _sync(sqlite_db, fake, debug=False)
    assert not [
        r for r in caplog.records if r.name == "possync.pos" and "batch-retrieve" in r.getMessage()
    ]
