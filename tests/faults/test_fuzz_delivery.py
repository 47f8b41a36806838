"""500 fuzzed delivery files through ``possync receive FILE`` (JSON and CSV): bytes that
are not text, JSON that is not a delivery, the seed's shape with keys missing or holding
the wrong types, numbers beyond any column (1e400, 40 digits, NaN), CSV with unknown
columns, ragged rows, a BOM or a NUL. Each ends in a clear ``possync: error:`` refusal with
nothing moved, or a per-item result whose accepted items moved exactly their units — never
an internal error or a traceback. (tests/unit/test_delivery_fuzz.py fuzzes item values on
the facade; this is the file a person hands the command line.)

Most examples run the command's own code path in-process on one open store (reading the
file, ``DeliveryInput.from_seed``, the facade); a share run ``possync receive`` itself."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from possync_gui.cli import main
from possync_gui.cli.receiving import _print_json, read_delivery_file
from possync_gui.domain.errors import PossyncError, ValidationError
from possync_gui.domain.receiving import DeliveryInput
from possync_gui.store.database import Database
from tests.faults.robust_fuzz import (
    delivery_csv,
    delivery_json,
    judge_receive_output,
    on_hand_totals,
)
from tests.integration.delivery_world import World, build_world

#: 500 delivery files here and 500 POS payloads in test_fuzz_pos.py: the 1,000 of issue 7.
FACADE_EXAMPLES = 400
CLI_EXAMPLES = 100
_FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(sqlite_db: Database) -> Iterator[World]:
    yield build_world(sqlite_db)


def _file(tmp_path: Path, data: st.DataObject) -> Path:
    delivery_id = f"FZ-{uuid.uuid4().hex[:10]}"
    suffix = data.draw(st.sampled_from([".json", ".json", ".csv"]))
    maker = delivery_csv if suffix == ".csv" else delivery_json
    path = tmp_path / f"delivery{suffix}"
    path.write_bytes(data.draw(maker(delivery_id)))
    return path


def receive_in_process(world: World, path: Path) -> tuple[int, str, str]:
    """What ``possync receive PATH --json`` does, on the already open store: read the file,
    build the delivery, post it, print the result (the same functions the command calls)."""
    try:
        data = read_delivery_file(path)
        if not data.get("receivedBy"):
            data["receivedBy"] = "fuzz"
        delivery = DeliveryInput.from_seed(data)
        result = asyncio.run(world.facade.update_inventory_from_delivery(delivery))
    except ValidationError as err:
        return 2, "", f"possync: error: {' '.join(str(err).splitlines())}\n"
    except PossyncError as err:
        return 1, "", f"possync: error: {' '.join(str(err).splitlines())}\n"
    out = StringIO()
    stdout, sys.stdout = sys.stdout, out
    try:
        _print_json(result)
    finally:
        sys.stdout = stdout
    return (0 if result.ok else 1), out.getvalue(), ""


@settings(_FUZZ, max_examples=FACADE_EXAMPLES)
@given(data=st.data())
def test_fuzzed_delivery_files_through_the_receive_path(
    world: World, tmp_path: Path, data: st.DataObject
) -> None:
    path = _file(tmp_path, data)
    before = on_hand_totals(world.db)
    code, out, err = receive_in_process(world, path)
    judge_receive_output(code, out, err, before, on_hand_totals(world.db))
    assert world.ledger_ok()


@pytest.mark.slow
@settings(_FUZZ, max_examples=CLI_EXAMPLES)
@given(data=st.data())
def test_fuzzed_delivery_files_through_possync_receive(
    world: World,
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    data: st.DataObject,
) -> None:
    path = _file(tmp_path, data)
    before = on_hand_totals(world.db)
    code = main(["--db", sqlite_url, "receive", str(path), "--json"])
    out, err = capsys.readouterr()
    judge_receive_output(code, out, err, before, on_hand_totals(world.db))
    assert world.ledger_ok()


def test_a_huge_quantity_and_a_nan_cost_are_refused_per_item(world: World, tmp_path: Path) -> None:
    """Two of the fuzzer's shapes, by hand: what a person sees for them."""
    path = tmp_path / "d.json"
    body: dict[str, Any] = {
        "deliveryId": "HUGE-1",
        "supplierId": "supplier-abc",
        "warehouseId": "main-warehouse",
        "items": [
            {"productCode": "WIDGET-001", "quantityReceived": "@1e400"},
            {"productCode": "LOOSE-1", "quantityReceived": 2, "unitCost": "@NaN"},
            {"productCode": "LOOSE-1", "quantityReceived": 1, "unitCost": "1.50"},
        ],
    }
    path.write_text(json.dumps(body).replace('"@1e400"', "1e400").replace('"@NaN"', "NaN"))
    before = on_hand_totals(world.db)
    code, out, err = receive_in_process(world, path)
    assert judge_receive_output(code, out, err, before, on_hand_totals(world.db)) == "error"
    result = json.loads(out)
    assert [i["status"] for i in result["items"]] == ["rejected", "rejected", "accepted"]
    assert world.on_hand("LOOSE-1") == 1
