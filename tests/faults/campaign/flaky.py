"""A POS failing 30% of its calls (issue 7 item 3): 500s, 429s with and without
Retry-After, timeouts (after doing the work), truncated JSON (after doing the work) and
HTML pages with status 200, drawn by a seeded RNG.

Each round the POS sells and the store receives, then full syncs are tried until one
completes. Every sync must complete or fail with a *retryable* :class:`PossyncError`; after a
failed one the store must stand where its last committed page left it: each POS page is
either wholly applied (its pulls in the ledger, its pushes queued or sent, its bases moved)
or not at all, the applied pages come first in the POS's order, the cursor has not moved
and on hand still equals the ledger. The item states are worked out from what the test did
(``v`` before the round, ``s`` sold, ``d`` received), not from the code under test.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from possync_gui.domain.errors import PossyncError
from possync_gui.domain.sync import SyncStatus
from possync_gui.services.sync_manager import SyncManager
from possync_gui.store import models as m
from tests.faults.campaign.world import Convergence, FaultWorld, Tally, adapter_factory

#: The client's patience in this campaign, and how long the fake's timeouts hold an answer.
CLIENT_TIMEOUT = 0.3
STALL = 0.6
#: Tries per round before the round is given up (counted as not converged).
TRIES_PER_ROUND = 40


@dataclass
class FlakyFigures:
    backend: str
    rounds: int = 0
    tried: int = 0
    completed: int = 0
    failed_retryable: int = 0
    #: Failures that were not a retryable PossyncError (must be none), with their text.
    failed_other: list[str] = field(default_factory=list)
    #: Failed syncs after which some page was half applied, or applied out of order.
    partial_batches: int = 0
    partial_detail: list[str] = field(default_factory=list)
    #: Failed syncs after which the cursor had moved, or on hand differed from the ledger.
    inconsistent: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    rounds_converged: int = 0
    tally: Tally = field(default_factory=Tally)
    convergence: Convergence | None = None

    @property
    def ok(self) -> bool:
        return (
            not self.failed_other
            and self.partial_batches == 0
            and self.inconsistent == 0
            and self.rounds_converged == self.rounds
            and self.tally.lost_units == self.tally.doubled_units == 0
            and self.convergence is not None
            and self.convergence.ok
        )


@dataclass(frozen=True)
class ItemRound:
    """What the test did to an item this round: converged at ``v``, ``s`` sold, ``d`` in."""

    v: int
    s: int
    d: int


def _state(world: FaultWorld, sku: str, r: ItemRound, look: dict[str, Any]) -> str:
    """U (untouched), C (page committed, push waiting), S (settled) or X (impossible)."""
    on, base, pos = look["on"][sku], look["base"][sku], look["pos"][sku]
    pending = look["pending"].get(sku, [])
    v, s, d = r.v, r.s, r.d
    if (on, base, pos, pending) == (v + d, v, v - s, []):
        return "U"
    if d and (on, base, pending) == (v - s + d, v - s, [d]) and pos in (v - s, v - s + d):
        return "C"
    if on == base == pos == v - s + d and not pending:
        return "S"
    return "X"


def _look(world: FaultWorld) -> dict[str, Any]:
    pending: dict[str, list[int]] = {}
    for p in world.store.pending():
        pending.setdefault(p.external_item_id.removeprefix("C-"), []).append(p.delta)
    return {
        "on": world.store.on_hands(),
        "base": world.store.bases(),
        "pos": world.side.quantities(),
        "pending": pending,
    }


def page_states(world: FaultWorld, changes: dict[str, ItemRound]) -> list[dict[str, str]]:
    """Per POS page (in the POS's order), each item's state."""
    look = _look(world)
    size = world.page_size
    return [
        {
            sku: _state(world, sku, changes.get(sku, ItemRound(world.expected[sku], 0, 0)), look)
            for sku in world.skus[start : start + size]
        }
        for start in range(0, len(world.skus), size)
    ]


def batch_violations(world: FaultWorld, changes: dict[str, ItemRound]) -> list[str]:
    """Pages half applied, or applied after a page that was not, or items in no state a
    whole number of committed pages can explain."""
    found: list[str] = []
    committed: list[bool] = []
    for number, states in enumerate(page_states(world, changes), 1):
        odd = [sku for sku, st in states.items() if st == "X"]
        if odd:
            found.append(f"page {number}: {odd[:3]} in no whole-page state")
        moved = {st for sku, st in states.items() if sku in changes}
        if "U" in moved and len(moved) > 1:
            found.append(f"page {number} half applied: {sorted(moved)}")
        if moved:
            committed.append("U" not in moved)
    if committed != sorted(committed, reverse=True):
        found.append("a page was applied after one that was not")
    return found


def run_flaky(
    world: FaultWorld, rng: random.Random, *, rounds: int, rate: float = 0.3, seed: int = 3
) -> FlakyFigures:
    figures = FlakyFigures(world.db.backend)
    manager = SyncManager(world.db, adapter_factory(timeout=CLIENT_TIMEOUT, attempts=3))
    fake = world.side.fake
    first_request = len(fake.requests)
    fake.flaky(rate, seed=seed, stall=STALL)
    try:
        for _n in range(rounds):
            _one_round(world, manager, rng, figures)
    finally:
        fake.steady()
    figures.faults = Counter(kind for _path, kind in fake.flaky_served)
    figures.requests = len(fake.requests) - first_request
    figures.convergence = world.converge()
    figures.tally = world.tally()
    return figures


def _cursor(world: FaultWorld) -> Any:
    with world.db.session() as s:
        return s.scalars(select(m.POSIntegration.last_sync_at)).one()


def _one_round(
    world: FaultWorld, manager: SyncManager, rng: random.Random, figures: FlakyFigures
) -> None:
    before = dict(world.expected)
    sold = world.sell(rng, 0.25)
    received = world.receive_direct(rng, 0.15)
    changes = {
        sku: ItemRound(before[sku], sold.get(sku, 0), received.get(sku, 0))
        for sku in set(sold) | set(received)
    }
    figures.rounds += 1
    for _try in range(TRIES_PER_ROUND):
        cursor = _cursor(world)
        figures.tried += 1
        try:
            result = asyncio.run(manager.sync(world.integration_id, "full"))
        except PossyncError as err:
            if err.retryable:
                figures.failed_retryable += 1
            else:
                figures.failed_other.append(f"{type(err).__name__}: {err}")
        except Exception as err:  # a bug: reported with the figures
            figures.failed_other.append(f"{type(err).__name__}: {err}")
        else:
            if result.status is SyncStatus.SUCCESS:
                figures.completed += 1
                states = page_states(world, changes)
                figures.rounds_converged += all(
                    st == "S" if sku in changes else st != "X"
                    for page in states
                    for sku, st in page.items()
                )
                return
            figures.failed_other.append(f"{result.status}: {'; '.join(result.errors[:2])}")
        violations = batch_violations(world, changes)
        if violations:
            figures.partial_batches += 1
            figures.partial_detail += violations[:3]
        if _cursor(world) != cursor or world.ledger_bad():
            figures.inconsistent += 1
