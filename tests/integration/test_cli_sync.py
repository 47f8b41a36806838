"""``possync integrations …`` and ``possync sync`` against a fake Square over loopback HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from possync_gui.cli import main
from possync_gui.store.database import open_database
from possync_gui.store.locks import SyncLockManager
from tests.fakes.square import FakeSquare

Run = Callable[..., tuple[int, str, str]]

TOKEN = "EAAAl-cli-sync-secret-token"
CATALOG = (
    "sku,name,barcode,unit_cost,warehouse,on_hand,minimum_stock,reorder_point\n"
    "A-1,Apple,,1.5,main,0,2,5\n"
    "B-1,Banana,,2,main,4,,\n"
)


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_item("I1", "Apple", [{"id": "V1", "sku": "A-1"}])
    server.set_count("V1", "L1", 7)
    server.add_item("I2", "Banana", [{"id": "V2", "sku": "B-1"}])
    server.set_count("V2", "L1", 4)
    with server:
        yield server


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", sqlite_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def stocked(cli: Run, tmp_path: Path) -> Run:
    assert cli("warehouses", "add", "main", "--name", "Main warehouse")[0] == 0
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    assert cli("products", "import", str(catalog), "--operator", "setup")[0] == 0
    return cli


def _seed(base_url: str, **changes: Any) -> dict[str, Any]:
    """A seed-shaped POSIntegrationConfig."""
    data: dict[str, Any] = {
        "id": "pos-square-main",
        "name": "Square main",
        "type": "square",
        "configuration": {
            "baseUrl": base_url,
            "apiVersion": "2025-08-20",
            "credentials": {"accessToken": TOKEN},
            "locationMap": {"L1": "main"},
        },
        "status": "active",
        "syncFrequency": "hourly",
        "syncSettings": {
            "syncInventory": True,
            "syncSales": True,
            "syncCustomers": False,
            "syncProducts": True,
            "autoCreatePurchaseOrders": False,
            "stockAlertThreshold": 5,
            "reorderPointMultiplier": 1.5,
            "conflictResolution": "pos_wins",
        },
    }
    for key, value in changes.items():
        if key in ("baseUrl", "locationMap", "credentials"):
            data["configuration"][key] = value
        else:
            data[key] = value
    return data


def _write(tmp_path: Path, data: dict[str, Any], name: str = "integration.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _on_hand(cli: Run) -> dict[str, int]:
    code, out, _ = cli("stock", "--json")
    assert code == 0
    return {row["sku"]: row["on_hand"] for row in json.loads(out)}


def test_add_sync_and_remove(
    stocked: Run, fake: FakeSquare, tmp_path: Path, sqlite_url: str
) -> None:
    cli = stocked
    code, out, err = cli("integrations", "add", "--from-json", _write(tmp_path, _seed(fake.url)))
    assert (code, err) == (0, "")
    assert "Square main" in out

    code, out, _ = cli("integrations", "list", "--json")
    assert code == 0
    assert TOKEN not in out
    [listed] = json.loads(out)
    assert listed["external_key"] == "pos-square-main"
    assert listed["location_map"] == {"L1": "main"}
    # The token is in the keyring, and nowhere in the database file.
    assert keyring.get_password("possync", f"{listed['id']}:access_token") == TOKEN
    db_file = Path(sqlite_url.removeprefix("sqlite:///"))
    for path in db_file.parent.glob(db_file.name + "*"):
        assert TOKEN.encode() not in path.read_bytes(), path

    code, out, err = cli("sync", "--integration", "pos-square-main", "--json")
    assert code == 0, err
    [result] = json.loads(out)
    assert result["status"] == "success"
    assert result["products_processed"] == 2
    assert _on_hand(cli) == {"A-1": 7, "B-1": 4}

    # Nothing moved since: the second sync changes nothing.
    code, out, err = cli("sync")
    assert code == 0, err
    assert "Square main: full sync success" in out
    assert _on_hand(cli) == {"A-1": 7, "B-1": 4}
    code, out, _ = cli("sync", "--incremental", "--json")
    assert code == 0
    assert json.loads(out)[0]["summary"]["pulled"] == 0

    code, out, err = cli("integrations", "remove", "pos-square-main")
    assert (code, err) == (0, "")
    assert keyring.get_password("possync", f"{listed['id']}:access_token") is None
    assert json.loads(cli("integrations", "list", "--json")[1]) == []
    code, _, err = cli("sync", "--integration", "pos-square-main")
    assert code == 1
    assert err.startswith("possync: error: No POS integration 'pos-square-main'")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"baseUrl": "http://pos.example.com"}, "must use https"),
        ({"locationMap": {"L1": "x" * 51}}, "a warehouse code is text of 1 to 50 characters"),
        ({"locationMap": {"L1": str(uuid.UUID(int=7))}}, "which does not exist"),
        ({"type": "cashbox"}, "Unknown POS type 'cashbox'"),
        ({"credentials": {}}, "configuration.credentials is missing"),
    ],
)
def test_bad_integration_file(
    stocked: Run, tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    code, out, err = stocked(
        "integrations",
        "add",
        "--from-json",
        _write(tmp_path, _seed("https://sq.example", **changes)),
    )
    assert code == 1
    assert out == ""
    assert err.startswith("possync: error: ") and err.count("\n") == 1
    assert message in err
    assert TOKEN not in err
    assert json.loads(stocked("integrations", "list", "--json")[1]) == []


def test_sync_with_nothing_to_sync(stocked: Run) -> None:
    code, out, _ = stocked("sync")
    assert code == 0
    assert "No active POS integrations to sync." in out


def test_sync_failed_and_already_running(
    stocked: Run, fake: FakeSquare, tmp_path: Path, sqlite_url: str
) -> None:
    wrong = _seed(fake.url, credentials={"accessToken": "EAAAl-wrong-token"})
    assert stocked("integrations", "add", "--from-json", _write(tmp_path, wrong))[0] == 0
    code, out, err = stocked("sync", "--json")
    assert code == 2
    [result] = json.loads(out)
    assert result["status"] == "failed"
    assert "EAAAl-wrong-token" not in out + err

    [listed] = json.loads(stocked("integrations", "list", "--json")[1])
    database = open_database(sqlite_url)
    try:
        with SyncLockManager(database).hold(uuid.UUID(listed["id"])):
            code, _, err = stocked("sync", "--integration", "pos-square-main")
    finally:
        database.dispose()
    assert code == 3
    assert err.startswith("possync: error: Sync already in progress")
