"""``possync receive``: the seed's deliveryData JSON and the same columns as CSV, the
per-item lines and summary, ``--json``, posting twice, and the exit statuses."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from possync_gui.cli import main
from possync_gui.store import models as m
from possync_gui.store.database import open_database
from tests.integration.delivery_world import World, build_world, seed_delivery

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    db = open_database(db_url)
    yield build_world(db)
    db.dispose()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_url: str, world: World) -> Run:
    """``cli(*argv)`` → (exit status, stdout, stderr) on the test's store."""

    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", db_url, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def _file(tmp_path: Path, data: Any, name: str = "delivery.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_the_seeds_json_posts_once(cli: Run, world: World, tmp_path: Path) -> None:
    path = _file(tmp_path, seed_delivery(world))
    code, out, err = cli("receive", path)
    assert code == 0, err
    assert "WIDGET-001" in out and "accepted" in out
    assert "Delivery DEL-001: 2 accepted (42 units), 0 rejected" in out
    assert f"{world.order_number} is partially received" in out
    code, out, _ = cli("receive", path)
    assert code == 0 and "was already posted at" in out and "nothing changed" in out
    assert world.on_hand("WIDGET-001") == 40 and len(world.movements("DEL-001")) == 2


def test_a_rejected_item_exits_1_and_json_lists_each_item(
    cli: Run, world: World, tmp_path: Path
) -> None:
    data = seed_delivery(world)
    data["items"].append({"productCode": "NOT-HERE", "quantityReceived": 3})
    code, out, _ = cli("receive", _file(tmp_path, data), "--json")
    assert code == 1
    result = json.loads(out)
    assert (result["accepted"], result["rejected"], result["ok"]) == (2, 1, False)
    assert result["items"][2]["status"] == "rejected"
    assert result["items"][2]["error"] == "unknown product 'NOT-HERE'"
    assert result["purchase_order_status"] == "partially_received"
    code, out, _ = cli("receive", _file(tmp_path, data))
    assert code == 1 and "rejected  unknown product 'NOT-HERE'" in out
    assert "already posted" in out and world.on_hand("WIDGET-001") == 40


def test_csv_with_the_same_columns(cli: Run, world: World, tmp_path: Path) -> None:
    csv_text = (
        "deliveryId,supplierId,warehouseId,receivedAt,purchaseOrderId,productId,productCode,"
        "quantityReceived,unitCost,serialNumbers,lot,expiry\n"
        f"CSV-1,supplier-abc,main-warehouse,2026-12-01T08:00:00Z,{world.order_number},,"
        "WIDGET-001,100,15.99,,L-7,2027-05-31\n"
        ",,,,,,SCAN-1,3,120.00,A1;A2;A3,,\n"
    )
    code, out, err = cli("receive", _file(tmp_path, csv_text, "d.csv"), "--operator", "ann")
    assert code == 0, err
    assert f"{world.order_number} is received" in out
    assert world.movements("CSV-1") == [("SCAN-1", 3, "ann"), ("WIDGET-001", 100, "ann")]
    conflicting = csv_text.replace(",,,,,,SCAN-1", "CSV-2,,,,,,SCAN-1")
    code, _, err = cli("receive", _file(tmp_path, conflicting, "bad.csv"))
    assert code == 2 and "differs from 'CSV-1'" in err


def test_over_receipt_waits_then_is_confirmed(cli: Run, world: World, tmp_path: Path) -> None:
    data = seed_delivery(world, items=[{"productCode": "WIDGET-001", "quantityReceived": 130}])
    path = _file(tmp_path, data)
    code, out, _ = cli("receive", path)
    assert code == 1 and "needs confirmation" in out and "--confirm-over-receipt" in out
    assert world.on_hand("WIDGET-001") == 0
    code, out, _ = cli("receive", path, "--confirm-over-receipt", "--json")
    result = json.loads(out)
    assert code == 0 and result["items"][0]["over_received"] == 30
    assert world.on_hand("WIDGET-001") == 130


def test_close_short(cli: Run, world: World, tmp_path: Path) -> None:
    data = seed_delivery(world, items=[{"productCode": "WIDGET-001", "quantityReceived": 90}])
    code, out, _ = cli("receive", _file(tmp_path, data), "--close-short")
    assert code == 0 and f"{world.order_number} is received" in out
    assert "WIDGET-001: closed 10 short (90 of 100)" in out
    assert "SCAN-1: closed 3 short (0 of 3)" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "must hold one delivery object"),
        (
            {"deliveryId": "X", "warehouseId": "nowhere", "receivedBy": "a", "items": [{}]},
            "No warehouse 'nowhere'",
        ),
        (
            {"deliveryId": "X", "warehouseId": "main-warehouse", "items": "all"},
            "needs an 'items' list",
        ),
    ],
)
def test_a_refused_file_exits_2(
    cli: Run, world: World, tmp_path: Path, content: Any, message: str
) -> None:
    code, out, err = cli("receive", _file(tmp_path, content))
    assert code == 2 and message in err and out == ""
    assert world.count(m.Delivery) == 0


def test_a_missing_file_exits_2(cli: Run, tmp_path: Path) -> None:
    code, _, err = cli("receive", str(tmp_path / "nope.json"))
    assert code == 2 and "Cannot read" in err


def test_a_header_run_together_with_its_first_row_is_named_in_one_short_line(
    cli: Run, world: World, tmp_path: Path
) -> None:
    """A lost line break glues the first row onto the header: the message names the first
    unknown columns, cut short, not the whole garbled line."""
    glued = "deliveryId,supplierId,warehouseId,productCode,quantityReceived" + "".join(
        f",junk-{n}-{'x' * 80}" for n in range(30)
    )
    code, out, err = cli("receive", _file(tmp_path, glued + "\n", "delivery.csv"))
    message = err.strip()
    assert code == 2 and out == "" and "unknown column(s) 'junk-0-" in message
    assert "and 25 more" in message and len(message) < 600 and "\n" not in message
    assert world.count(m.Delivery) == 0
