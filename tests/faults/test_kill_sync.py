"""``kill -9`` at random points of full syncs (issue 7): after each kill the store is intact
and its ledger adds up; after the last, one clean sync converges on the test's own numbers,
every sale pulled once and every delivery pushed once."""

from __future__ import annotations

import random

import pytest

from possync_gui.domain.enums import MovementReason
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
    assert len(figures.landed) > 1, figures.landed  # at different points of the run
    assert figures.errors == []
    assert set(figures.integrity) <= {"ok", "n/a"}, figures.integrity
    assert figures.ledger_bad == 0
    assert (figures.tally.lost, figures.tally.doubled) == ([], [])
    assert figures.convergence is not None and figures.convergence.ok, figures.convergence


def test_the_tally_sees_a_doubled_pull_and_a_lost_sale(sqlite_db: Database) -> None:
    """The campaign's own yardstick can fail: a sale pulled twice, a sale never pulled."""
    world = build(sqlite_db, items=20, page_size=10)
    try:
        world.sell_one("F0001")
        world.sell_one("F0002", 2)
        assert world.converge().ok
        assert (world.tally().lost, world.tally().doubled) == ([], [])
        world.store.move("F0001", -1, MovementReason.SYNC_PULL)  # pulled again
        world.note_sold({"F0003": 1})  # "sold", but the POS never saw it
        tally = world.tally()
        assert (tally.lost, tally.doubled) == (["F0003 pull"], ["F0001 pull"])
        assert (tally.lost_units, tally.doubled_units) == (1, 1)
        assert sorted(world.converge().mismatched) == ["F0001", "F0003"]
    finally:
        world.side.fake.stop()
