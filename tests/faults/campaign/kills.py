"""``kill -9`` at random points of full syncs and of delivery postings (issue 7 item 3).

Each child is a real ``possync`` process (forked by :mod:`.worker`, running the CLI's
``sync`` or ``receive``). A sync is killed once the POS has had a random number of its
requests (1 to a few past the page count, so kills land on reads, page writes and pushes)
plus a random few milliseconds; a posting at a random moment within the time a posting of
that size takes (every other one once it is seen inside its posting transaction). After
every kill the store is checked (``PRAGMA integrity_check``, on hand against the ledger, a
delivery all there or not at all); at the end one clean sync must converge on the test's
own numbers, every sale pulled once and every delivery pushed once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from possync_gui.domain.errors import PossyncError
from tests.fakes.sync_world import db_url
from tests.faults.campaign.worker import Zygote
from tests.faults.campaign.world import KEY, Convergence, FaultWorld, Tally, wait_lock_free
from tests.integration.delivery_world import posting_in_progress

#: ``possync sync`` exits 3 when another run holds the integration's lock.
EXIT_RUNNING = 3


@dataclass
class KillFigures:
    """What a kill campaign did and found."""

    what: str
    backend: str
    kills: int = 0
    #: Children that had finished before their kill came (not counted as kills).
    finished_first: int = 0
    #: Syncs refused because the previous (killed) run's lock was still held.
    busy: int = 0
    #: ``integrity_check`` answers after each kill, and how often.
    integrity: Counter[str] = field(default_factory=Counter)
    #: Stock levels whose on hand was not the sum of their movements, over all checks.
    ledger_bad: int = 0
    #: Deliveries found partly posted after a kill.
    partial: int = 0
    #: Where the kills landed.
    landed: Counter[str] = field(default_factory=Counter)
    #: Children that ended in an unexpected way (their last output line).
    errors: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    convergence: Convergence | None = None

    @property
    def ok(self) -> bool:
        return (
            set(self.integrity) <= {"ok", "n/a"}
            and self.ledger_bad == 0
            and self.partial == 0
            and not self.errors
            and self.tally.lost_units == 0
            and self.tally.doubled_units == 0
            and self.convergence is not None
            and self.convergence.ok
        )


def _check(world: FaultWorld, figures: KillFigures) -> None:
    figures.integrity[world.integrity()] += 1
    figures.ledger_bad += world.ledger_bad()


def _kill(zygote: Zygote, pid: int) -> int:
    """SIGKILL the child unless it has ended already; its exit status."""
    if zygote.poll(pid) is None:  # not reaped yet, so the pid is still this child's
        os.kill(pid, signal.SIGKILL)
    return zygote.wait(pid)


def _last_line(zygote: Zygote, pid: int) -> str:
    lines = zygote.log(pid).strip().splitlines()
    return lines[-1] if lines else "(no output)"


def kill_syncs(world: FaultWorld, zygote: Zygote, rng: random.Random, kills: int) -> KillFigures:
    """``kills`` syncs killed at random points; POS sales and store deliveries before each."""
    figures = KillFigures("full syncs", world.db.backend)
    url = db_url(world.db)
    pages = -(-len(world.skus) // world.page_size)
    fake = world.side.fake
    for _attempt in range(kills * 3):
        if figures.kills >= kills:
            break
        world.sell(rng, 0.3)
        world.receive_direct(rng, 0.2)
        wait_lock_free(world.db)
        start = len(fake.requests)
        pid = zygote.cli("--db", url, "sync", "--integration", KEY)
        target = start + rng.randint(1, pages + 3)
        deadline = time.monotonic() + 60
        while len(fake.requests) < target and time.monotonic() < deadline:
            if zygote.poll(pid) is not None:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.03))
        seen = len(fake.requests) - start
        status = _kill(zygote, pid)
        if status == -signal.SIGKILL:
            figures.kills += 1
            figures.landed[f"after {seen} POS requests"] += 1
        elif status == EXIT_RUNNING:
            figures.busy += 1
        elif status == 0:
            figures.finished_first += 1
        else:
            figures.errors.append(f"sync exited {status}: {_last_line(zygote, pid)}")
        _check(world, figures)
    figures.convergence = world.converge()
    figures.tally = world.tally()
    return figures


def _posting(zygote: Zygote, url: str, path: Path) -> int:
    return zygote.cli("--db", url, "receive", "--json", str(path))


def kill_postings(
    world: FaultWorld,
    zygote: Zygote,
    rng: random.Random,
    kills: int,
    folder: Path,
    lines: int,
) -> KillFigures:
    """``kills`` postings of ``lines``-item deliveries killed at random moments; then every
    delivery file is posted again (each counts once) and a clean sync pushes them all."""
    figures = KillFigures("delivery postings", world.db.backend)
    url = db_url(world.db)
    folder.mkdir(parents=True, exist_ok=True)
    # How long a posting of this size takes here, fork to exit (the shorter of two): the
    # range the kills are drawn from; narrowed while kills keep coming after the end.
    took = min(_calibrate(world, zygote, rng, folder, url, lines, n, figures) for n in range(2))
    posted: list[tuple[Path, str, dict[str, int]]] = []
    for n in range(kills * 3):
        if figures.kills >= kills:
            break
        delivery_id = f"KILL-{n:03}"
        data, units = world.delivery(rng, delivery_id, lines)
        path = folder / f"{delivery_id}.json"
        path.write_text(json.dumps(data))
        pid = _posting(zygote, url, path)
        # Every other kill waits until the child is inside its posting transaction, so
        # that many land there for certain; the others at any moment of its life.
        inside = n % 2 == 1 and _wait_inside(world, zygote, pid)
        time.sleep(rng.uniform(0, took / 4 if inside else took))
        status = _kill(zygote, pid)
        state = world.delivery_state(delivery_id)
        whole = (1, len(units), sum(units.values()))
        if state not in ((0, 0, 0), whole):
            figures.partial += 1
        if status == -signal.SIGKILL:
            figures.kills += 1
            if state != (0, 0, 0):
                where = "after its commit"
            else:
                where = "inside its transaction" if inside else "before its commit"
            figures.landed[f"killed {where}"] += 1
        elif status == 0:
            figures.finished_first += 1
            took *= 0.85
        else:
            figures.errors.append(f"receive exited {status}: {_last_line(zygote, pid)}")
        _check(world, figures)
        posted.append((path, delivery_id, units))
    _post_again(world, posted, figures)
    figures.convergence = world.converge()
    figures.tally = world.tally()
    return figures


def _wait_inside(world: FaultWorld, zygote: Zygote, pid: int, within: float = 60) -> bool:
    """Wait until another connection holds the database's write lock (the child's posting
    transaction has begun writing); False when the child ended first."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if posting_in_progress(world.db):
            return True
        if zygote.poll(pid) is not None:
            return False
        time.sleep(0.003)
    return False


def _calibrate(
    world: FaultWorld,
    zygote: Zygote,
    rng: random.Random,
    folder: Path,
    url: str,
    lines: int,
    n: int,
    figures: KillFigures,
) -> float:
    """Post one delivery of ``lines`` items in a child, unharmed; seconds fork to exit."""
    data, units = world.delivery(rng, f"CALIBRATE-{n}", lines)
    path = folder / f"CALIBRATE-{n}.json"
    path.write_text(json.dumps(data))
    began = time.monotonic()
    pid = _posting(zygote, url, path)
    status = zygote.wait(pid)
    took = time.monotonic() - began
    if status != 0:
        figures.errors.append(f"receive exited {status}: {_last_line(zygote, pid)}")
    world.note_delivered(units)
    return took


def _post_again(
    world: FaultWorld,
    posted: list[tuple[Path, str, dict[str, int]]],
    figures: KillFigures,
) -> None:
    """Every file posted again, as a person would after a crash (through the facade, in
    this process: the code ``possync receive`` runs): each delivery counts once."""
    facade = world.facade()
    for path, delivery_id, units in posted:
        try:
            asyncio.run(facade.update_inventory_from_delivery(json.loads(path.read_text())))
        except PossyncError as err:
            figures.errors.append(f"{delivery_id} posted again: {err}")
        if world.delivery_state(delivery_id) != (1, len(units), sum(units.values())):
            figures.partial += 1
        world.note_delivered(units)
    _check(world, figures)
