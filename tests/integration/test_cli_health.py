"""``possync health`` and ``possync sync-log`` against a fake Square over loopback HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from possync_gui.cli import main
from tests.fakes.square import UNAUTHORIZED_TEXT, FakeSquare

Run = Callable[..., tuple[int, str, str]]

TOKEN = "EAAAl-cli-health-secret-token"
OLD_TOKEN = "EAAAl-cli-health-old-token"
ROTATED = "EAAAl-cli-health-rotated-token"
CATALOG = "sku,name,barcode,unit_cost,warehouse,on_hand\nA-1,Apple,,1.5,main,0\n"


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    server.add_item("I1", "Apple", [{"id": "V1", "sku": "A-1"}])
    server.set_count("V1", "L1", 7)
    with server:
        yield server


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str) -> Run:
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def _add(cli: Run, tmp_path: Path, **fields: Any) -> None:
    data: dict[str, Any] = {
        "type": "square",
        "configuration": {
            "baseUrl": fields.pop("baseUrl"),
            "apiVersion": "2025-08-20",
            "credentials": {"accessToken": fields.pop("token")},
            "locationMap": {"L1": "main"},
        },
        "syncFrequency": "real_time",
        "syncSettings": {"conflictResolution": "pos_wins"},
        **fields,
    }
    path = tmp_path / f"{data['id']}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = cli("integrations", "add", "--from-json", str(path))
    assert code == 0, err


def _health(cli: Run, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    code, out, err = cli("health", "--json", *args)
    assert err == "" or "never checked" in err
    for secret in (TOKEN, OLD_TOKEN, ROTATED):
        assert secret not in out
    return code, {r["name"]: r for r in json.loads(out)}


def test_health_and_sync_log(cli: Run, fake: FakeSquare, tmp_path: Path) -> None:
    code, out, _ = cli("health")
    assert code == 0
    assert "No POS integrations yet" in out
    assert cli("warehouses", "add", "main")[0] == 0
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    assert cli("products", "import", str(catalog), "--operator", "setup")[0] == 0
    _add(cli, tmp_path, id="pos-main", name="Square main", baseUrl=fake.url, token=TOKEN)
    # An inactive integration whose POS refuses it is listed, but counts for no exit status.
    _add(
        cli,
        tmp_path,
        id="pos-old",
        name="Square old",
        status="inactive",
        baseUrl=fake.url,
        token=OLD_TOKEN,
    )

    # Never checked: unknown, and a full sync is due now.
    code, reports = _health(cli)
    assert code == 0
    main_ = reports["Square main"]
    assert (main_["status"], main_["checked_at"], main_["response_time_ms"]) == (
        "unknown",
        None,
        None,
    )
    assert uuid.UUID(main_["integration_id"])
    assert datetime.fromisoformat(main_["next_sync_at"]).tzinfo is not None
    assert reports["Square old"]["next_sync_at"] is None  # inactive: not scheduled

    code, reports = _health(cli, "--check")
    assert code == 0
    main_ = reports["Square main"]
    assert main_["status"] == "healthy"
    assert isinstance(main_["response_time_ms"], int)
    assert main_["uptime"] == 1.0
    assert datetime.fromisoformat(main_["checked_at"]).tzinfo is not None
    assert reports["Square old"]["status"] == "unknown"  # inactive ones are not asked

    code, _, err = cli("sync", "--integration", "pos-main")
    assert code == 0, err
    # The POS revokes the token: the next sync fails.
    fake.access_token = ROTATED
    assert cli("sync", "--integration", "pos-main")[0] == 2

    # The last check was fine, but the last sync failed: a warning, exit 1.
    code, reports = _health(cli)
    assert code == 1
    main_ = reports["Square main"]
    assert main_["status"] == "warning"
    assert main_["last_sync_status"] == "failed"
    assert main_["error_rate"] == 0.5
    assert main_["error"].startswith("The last sync failed: ")
    assert UNAUTHORIZED_TEXT in main_["error"]

    # Asking the POS now: refused, an error, exit 2; the table says why, without the token.
    code, out, err = cli("health", "--check")
    assert code == 2
    assert TOKEN not in out + err and ROTATED not in out + err
    [row] = [line for line in out.splitlines() if line.startswith("Square main ")]
    assert row.split()[2:4] == ["square", "error"]
    assert "  Square main: Square refused the credentials (401): " in out
    assert UNAUTHORIZED_TEXT in out

    code, out, err = cli("sync-log")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["STARTED", "INTEGRATION", "SYNC", "STATUS", "PROCESSED"]
    assert "failed" in lines[1] and "success" in lines[2]  # newest first
    assert "Errors:" in lines
    assert any(
        "Square main (full, failed): " in line and UNAUTHORIZED_TEXT in line for line in lines
    )

    code, out, err = cli("sync-log", "--integration", "pos-main", "--limit", "1", "--json")
    assert code == 0
    [entry] = json.loads(out)
    assert entry["status"] == "failed"
    assert any(UNAUTHORIZED_TEXT in e for e in entry["errors"])
    assert "Showing the newest 1 runs; use --limit 0 to see them all." in err
    code, out, _ = cli("sync-log", "--limit", "0", "--json")
    assert [e["status"] for e in json.loads(out)] == ["failed", "success"]

    code, _, err = cli("sync-log", "--integration", "pos-nowhere")
    assert code == 1
    assert err.startswith("possync: error: No POS integration 'pos-nowhere'")


def test_sync_log_empty(cli: Run) -> None:
    code, out, _ = cli("sync-log")
    assert code == 0
    assert out == "No sync runs yet.\n"
    code, out, _ = cli("sync-log", "--json")
    assert (code, json.loads(out)) == (0, [])
