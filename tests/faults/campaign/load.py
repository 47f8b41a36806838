"""Load: N headless processes posting deliveries and syncing one integration for S seconds
against one database, while the POS sells (issue 7 item 3).

Each worker (a forked process, :func:`worker_main`) loops: post a delivery of a few random
items (its own ids, ``LOAD-<worker>-<n>``), then a full sync through the real facade and
adapter; a sync refused because another process is running one is counted as ``busy``.
Meanwhile the test sells one unit at a time on the POS. Then one clean sync must leave every
item at opening + what the workers report they posted − what the test sold, on both sides.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.fakes.sync_world import WAREHOUSE, db_url
from tests.faults.campaign.worker import Zygote
from tests.faults.campaign.world import KEY, Convergence, FaultWorld, Tally


@dataclass
class LoadFigures:
    backend: str
    processes: int
    seconds: float
    deliveries_posted: int = 0
    #: Deliveries the database holds (must equal what the workers posted).
    deliveries_stored: int = 0
    syncs_run: int = 0
    syncs_busy: int = 0
    #: Syncs that ran and failed, and errors of postings, with their text.
    failures: list[str] = field(default_factory=list)
    sales: int = 0
    #: Σ expected on hand and Σ actual, store and POS, after the clean sync.
    expected_total: int = 0
    store_total: int = 0
    pos_total: int = 0
    ledger_bad: int = 0
    tally: Tally = field(default_factory=Tally)
    convergence: Convergence | None = None
    #: Workers that did not end with status 0.
    crashed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.failures
            and not self.crashed
            and self.deliveries_posted == self.deliveries_stored
            and self.expected_total == self.store_total == self.pos_total
            and self.ledger_bad == 0
            and self.tally.lost_units == self.tally.doubled_units == 0
            and self.convergence is not None
            and self.convergence.ok
        )


# -- the worker process --------------------------------------------------------------------------


def worker_main(args: list[str]) -> int:
    """``URL CONFIG``: run the loop the config describes; write the report it names."""
    from possync_gui.services.facade import InventorySyncService
    from possync_gui.store.database import create_database

    url, config_path = args
    config = json.loads(Path(config_path).read_text())
    db = create_database(url)
    try:
        report = asyncio.run(_loop(InventorySyncService(db), config))
    finally:
        db.dispose()
    Path(config["out"]).write_text(json.dumps(report))
    return 0


async def _loop(facade: Any, config: dict[str, Any]) -> dict[str, Any]:
    from possync_gui.domain.errors import PossyncError, SyncInProgressError

    rng = random.Random(config["seed"])
    skus: list[str] = config["skus"]
    worker = config["worker"]
    posted: list[dict[str, Any]] = []
    report: dict[str, Any] = {"posted": posted, "syncs": 0, "busy": 0, "failures": []}
    deadline = time.monotonic() + float(config["seconds"])
    n = 0
    while time.monotonic() < deadline:
        n += 1
        delivery_id = f"LOAD-{worker}-{n}"
        units = {s: rng.randint(1, 4) for s in rng.sample(skus, rng.randint(1, 5))}
        data = {
            "deliveryId": delivery_id,
            "warehouseId": WAREHOUSE,
            "receivedBy": f"worker {worker}",
            "receivedAt": datetime.now(UTC).isoformat(),
            "items": [{"productCode": s, "quantityReceived": q} for s, q in units.items()],
        }
        try:
            result = await facade.update_inventory_from_delivery(data)
        except PossyncError as err:
            report["failures"].append(f"post {delivery_id}: {err}")
        else:
            if result.ok and not result.already_posted:
                posted.append({"id": delivery_id, "units": units})
            else:
                report["failures"].append(f"post {delivery_id}: not posted whole")
        try:
            (synced,) = await facade.sync_inventory_levels(KEY)
        except SyncInProgressError:
            report["busy"] += 1
        else:
            if str(synced.status) == "success":
                report["syncs"] += 1
            else:
                report["failures"].append(f"sync {synced.status}: {'; '.join(synced.errors[:2])}")
    return report


# -- the test's side -------------------------------------------------------------------------------


def run_load(
    world: FaultWorld,
    zygote: Zygote,
    folder: Path,
    *,
    processes: int,
    seconds: float,
    seed: int = 1,
) -> LoadFigures:
    """Start ``processes`` workers together, sell on the POS until they end, then check."""
    figures = LoadFigures(world.db.backend, processes, seconds)
    folder.mkdir(parents=True, exist_ok=True)
    url = db_url(world.db)
    start_at = time.time() + 0.5
    pids = []
    for w in range(processes):
        config = {"worker": w, "seed": seed * 1000 + w, "seconds": seconds,
                  "skus": world.skus, "out": str(folder / f"report-{w}.json")}  # fmt: skip
        path = folder / f"config-{w}.json"
        path.write_text(json.dumps(config))
        pids.append(zygote.spawn("load", url, str(path), start_at=start_at))
    rng = random.Random(seed)
    running = set(pids)
    statuses: dict[int, int] = {}
    while running:
        world.sell_one(rng.choice(world.skus))
        figures.sales += 1
        time.sleep(0.02)
        for pid in list(running):
            status = zygote.poll(pid)
            if status is not None:
                running.discard(pid)
                statuses[pid] = status
    for w, pid in enumerate(pids):
        if statuses[pid] != 0:
            lines = zygote.log(pid).strip().splitlines()
            figures.crashed.append(f"worker {w} exited {statuses[pid]}: {lines[-1:]}")
            continue
        _add_report(world, figures, json.loads((folder / f"report-{w}.json").read_text()))
    _check(world, figures)
    return figures


def _add_report(world: FaultWorld, figures: LoadFigures, report: dict[str, Any]) -> None:
    for delivery in report["posted"]:
        world.note_delivered(delivery["units"])
    figures.deliveries_posted += len(report["posted"])
    figures.syncs_run += report["syncs"]
    figures.syncs_busy += report["busy"]
    figures.failures += report["failures"]


def _check(world: FaultWorld, figures: LoadFigures) -> None:
    from sqlalchemy import func, select

    from possync_gui.store import models as m

    with world.db.session() as s:
        figures.deliveries_stored = int(
            s.execute(select(func.count()).select_from(m.Delivery)).scalar_one()
        )
    figures.convergence = world.converge()
    figures.tally = world.tally()
    figures.ledger_bad = world.ledger_bad()
    on_hand, pos = world.store.on_hands(), world.side.quantities()
    figures.expected_total = sum(world.expected.values())
    figures.store_total = sum(on_hand[s] for s in world.skus)
    figures.pos_total = sum(pos[s] for s in world.skus)


if __name__ == "__main__":  # pragma: no cover - run through the fork server
    sys.exit(worker_main(sys.argv[1:]))
