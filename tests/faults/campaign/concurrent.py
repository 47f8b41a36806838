"""Two processes at once (issue 7 item 3): the same delivery posted twice, one after the
other and by two ``possync receive`` processes started together, counts once; two
``possync sync`` processes started together on one integration: exactly one runs.

The two syncs meet without timing: the POS holds its answer to the first count read
(``stall_answers``) until one of the two processes has ended, so whichever took the lock is
still inside its run when the other asks for it.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.sync_world import db_url
from tests.faults.campaign.kills import EXIT_RUNNING
from tests.faults.campaign.worker import Zygote
from tests.faults.campaign.world import KEY, FaultWorld, wait_lock_free

BUSY = "possync: error: Sync already in progress for this integration"


@dataclass
class TwiceFigures:
    """The same delivery posted again and again: how often it counted."""

    backend: str
    rounds: int = 0
    #: Rounds in which the delivery's items are in the ledger exactly once afterwards.
    counted_once: int = 0
    #: Rounds in which one process posted it and the other said it was already posted.
    one_posted_one_told: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.rounds == self.counted_once == self.one_posted_one_told


@dataclass
class SyncsAtOnceFigures:
    backend: str
    rounds: int = 0
    #: Rounds where one process synced (exit 0, one new sync-log run) and one was refused.
    exactly_one_ran: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.rounds == self.exactly_one_ran


def _answer(zygote: Zygote, pid: int) -> dict[str, Any]:
    """The JSON ``possync receive --json`` printed (its log may hold warnings too)."""
    out = zygote.log(pid)
    start = out.find("{\n")
    if start < 0:
        return {}
    answer, _end = json.JSONDecoder().raw_decode(out[start:])
    return dict(answer)


def post_twice(
    world: FaultWorld,
    zygote: Zygote,
    rng: random.Random,
    folder: Path,
    *,
    rounds: int,
    lines: int,
    at_once: bool,
) -> TwiceFigures:
    """Each round a new delivery file, posted by two ``possync receive`` processes — started
    together (``at_once``) or one after the other."""
    figures = TwiceFigures(world.db.backend)
    url = db_url(world.db)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(rounds):
        delivery_id = f"{'RACE' if at_once else 'TWICE'}-{n:03}"
        data, units = world.delivery(rng, delivery_id, lines)
        path = folder / f"{delivery_id}.json"
        path.write_text(json.dumps(data))
        argv = ("--db", url, "receive", "--json", str(path))
        if at_once:
            start_at = time.time() + 0.3
            pids = [zygote.cli(*argv, start_at=start_at), zygote.cli(*argv, start_at=start_at)]
        else:
            pids = [zygote.cli(*argv)]
            zygote.wait(pids[0])
            pids.append(zygote.cli(*argv))
        statuses = [zygote.wait(pid) for pid in pids]
        figures.rounds += 1
        world.note_delivered(units)
        if statuses != [0, 0]:
            figures.errors.append(f"{delivery_id}: receive exited {statuses}")
        told = sorted(bool(_answer(zygote, pid).get("already_posted")) for pid in pids)
        figures.one_posted_one_told += told == [False, True]
        whole = (1, len(units), sum(units.values()))
        figures.counted_once += world.delivery_state(delivery_id) == whole
    if world.ledger_bad():
        figures.errors.append("on hand differs from the ledger")
    return figures


def syncs_at_once(
    world: FaultWorld, zygote: Zygote, rng: random.Random, *, rounds: int
) -> SyncsAtOnceFigures:
    """Each round (after sales and deliveries) two ``possync sync`` processes started
    together on the one integration."""
    figures = SyncsAtOnceFigures(world.db.backend)
    url = db_url(world.db)
    fake = world.side.fake
    for n in range(rounds):
        world.sell(rng, 0.1)
        world.receive_direct(rng, 0.1)
        wait_lock_free(world.db)
        logs_before = len(world.store.logs())
        fake.stalled.clear()
        fake.stall_answers("/api/stock$")
        start_at = time.time() + 0.3
        argv = ("--db", url, "sync", "--integration", KEY)
        pids = [zygote.cli(*argv, start_at=start_at), zygote.cli(*argv, start_at=start_at)]
        try:
            ended = _first_to_end(zygote, pids, fake.stalled.is_set)
        finally:
            fake.release()
        statuses = [zygote.wait(pid) for pid in pids]
        figures.rounds += 1
        new_logs = world.store.logs()[logs_before:]
        refused = [pid for pid, status in zip(pids, statuses, strict=True) if status != 0]
        if (
            sorted(statuses) == [0, EXIT_RUNNING]
            and ended == refused
            and BUSY in zygote.log(refused[0])
            and [log.status for log in new_logs] == ["success"]
        ):
            figures.exactly_one_ran += 1
        else:
            statuses_logs = [log.status for log in new_logs]
            figures.errors.append(f"round {n}: exits {statuses}, new sync-log runs {statuses_logs}")
    return figures


def _first_to_end(zygote: Zygote, pids: list[int], stalled: Any, within: float = 60) -> list[int]:
    """Wait until one process has ended while the POS holds the other's read; those ended."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ended = [pid for pid in pids if zygote.poll(pid) is not None]
        if ended and stalled():
            return ended
        if len(ended) == len(pids):
            return ended
        time.sleep(0.005)
    return []
