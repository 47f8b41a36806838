"""Twice and at once (issue 7): the same delivery posted twice in a row, and by two
``possync receive`` processes started together, counts once (the other is told it was
already posted); two ``possync sync`` processes on one integration: exactly one runs, the
other exits 3 with "Sync already in progress" — on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from possync_gui.store.database import Database
from tests.faults.campaign.concurrent import post_twice, syncs_at_once
from tests.faults.campaign.worker import Zygote
from tests.faults.campaign.world import FaultWorld, build


@pytest.fixture
def world(db: Database) -> Iterator[FaultWorld]:
    made = build(db, items=100, page_size=25)
    yield made
    made.side.fake.stop()


@pytest.mark.slow
def test_the_same_delivery_posted_twice_and_by_two_processes_at_once_counts_once(
    world: FaultWorld, zygote: Zygote, tmp_path: Path
) -> None:
    rng = random.Random(5)
    again = post_twice(world, zygote, rng, tmp_path, rounds=1, lines=60, at_once=False)
    race = post_twice(world, zygote, rng, tmp_path, rounds=3, lines=60, at_once=True)
    assert again.errors == race.errors == []
    assert (again.counted_once, again.one_posted_one_told) == (1, 1)
    assert (race.counted_once, race.one_posted_one_told) == (3, 3)
    convergence = world.converge()  # the POS gets every delivery once
    assert convergence.ok, convergence
    assert world.tally().doubled == []


@pytest.mark.slow
def test_two_processes_syncing_one_integration_exactly_one_runs(
    world: FaultWorld, zygote: Zygote
) -> None:
    figures = syncs_at_once(world, zygote, random.Random(6), rounds=2)
    assert figures.errors == []
    assert figures.exactly_one_ran == 2
    convergence = world.converge()
    assert convergence.ok, convergence
    tally = world.tally()
    assert (tally.lost, tally.doubled) == ([], [])
