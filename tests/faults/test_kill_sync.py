"""``kill -9`` at random points of full syncs (issue 7): after each kill the store is intact
and its ledger adds up; after the last, one clean sync converges on the test's own numbers,
every sale pulled once and every delivery pushed once."""

from __future__ import annotations

import random

import pytest

from possync_gui.store.database import Database
from tests.faults.campaign.kills import kill_syncs
from tests.faults.campaign.worker import Zygote
from tests.faults.campaign.world import build

KILLS = 20


@pytest.mark.slow
def test_twenty_syncs_killed_at_random_points_lose_and_double_nothing(
    db: Database, zygote: Zygote
) -> None:
    world = build(db, items=150, page_size=15)  # ten pages: kills land mid-run
    try:
        figures = kill_syncs(world, zygote, random.Random(7), KILLS)
    finally:
        world.side.fake.stop()
    assert figures.kills == KILLS, figures
    assert figures.errors == []
    assert set(figures.integrity) <= {"ok", "n/a"}, figures.integrity
    assert figures.ledger_bad == 0
    assert (figures.tally.lost, figures.tally.doubled) == ([], [])
    assert figures.convergence is not None and figures.convergence.ok, figures.convergence
