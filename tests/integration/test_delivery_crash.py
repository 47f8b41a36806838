"""A ``possync receive`` killed while it posts leaves nothing half-posted (DESIGN.md §7).

The child posts a large delivery; the test waits until the child holds the database's write
lock (SQLite: a ``BEGIN IMMEDIATE`` of our own is refused; PostgreSQL: the child's
transaction holds a row lock on ``deliveries``) — that is, until it is inside its posting
transaction — and SIGKILLs it. Then the delivery is either wholly absent or wholly there,
and every level's on hand is the sum of its movements; posting the file again completes it
exactly once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from possync_gui.store import models as m
from possync_gui.store.database import Database
from tests.fakes.sync_world import REPO, child_env, cli
from tests.integration.delivery_world import World, build_world, posting_in_progress

ITEMS = 20_000
PRODUCTS = 4_000


def _many_products(world: World) -> list[str]:
    skus = [f"BULK-{i:05d}" for i in range(PRODUCTS)]
    with world.db.session() as s:
        s.execute(
            insert(m.Product),
            [
                {"id": uuid.uuid4(), "sku": sku, "name": f"Bulk {sku}", "is_serialized": False}
                for sku in skus
            ],
        )
    return skus


def _state(world: World, reference: str) -> tuple[int, int, int]:
    """(deliveries, movements, units) of the delivery in the store."""
    with world.db.session() as s:
        deliveries = s.execute(
            select(func.count()).where(m.Delivery.external_id == reference)
        ).scalar_one()
        moves, units = s.execute(
            select(func.count(), func.coalesce(func.sum(m.StockMovement.delta), 0)).where(
                m.StockMovement.reference == reference
            )
        ).one()
    return int(deliveries), int(moves), int(units)


@pytest.mark.slow
def test_killed_while_posting_leaves_all_or_nothing(db: Database, tmp_path: Path) -> None:
    world = build_world(db)
    skus = _many_products(world)
    delivery = {
        "deliveryId": "BIG-1",
        "supplierId": "supplier-abc",
        "warehouseId": "main-warehouse",
        "receivedBy": "dock",
        "receivedAt": datetime.now(UTC).isoformat(),
        "items": [
            {"productCode": skus[i % PRODUCTS], "quantityReceived": 1 + i % 3} for i in range(ITEMS)
        ],
    }
    units = sum(i["quantityReceived"] for i in delivery["items"])  # type: ignore[misc]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(delivery), encoding="utf-8")

    child = subprocess.Popen(
        cli(db, "receive", str(path)),
        cwd=REPO,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while child.poll() is None and not posting_in_progress(db):
            time.sleep(0.005)  # waiting for a state, not asserting a duration
        killed_inside = child.poll() is None
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    state = _state(world, "BIG-1")
    assert state in ((0, 0, 0), (1, ITEMS, units)), state
    if killed_inside:
        assert state == (0, 0, 0)  # the transaction never committed
    assert world.ledger_ok() and world.count(m.DeliveryItem) == (ITEMS if state[0] else 0)

    done = subprocess.run(
        cli(db, "receive", str(path)),
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _state(world, "BIG-1") == (1, ITEMS, units)
    assert world.ledger_ok()
