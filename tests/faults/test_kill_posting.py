"""``kill -9`` at random moments of ``possync receive`` (issue 7): every delivery is all
there or not at all after its kill, the store stays intact, posting every file again counts
each delivery once, and a clean sync then brings the POS to the same numbers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from possync_gui.store.database import Database
from tests.faults.campaign.kills import kill_postings
from tests.faults.campaign.worker import Zygote
from tests.faults.campaign.world import build

KILLS = 20


@pytest.mark.slow
def test_twenty_postings_killed_at_random_moments_count_once_when_posted_again(
    db: Database, zygote: Zygote, tmp_path: Path
) -> None:
    world = build(db, items=300, page_size=100)
    try:
        figures = kill_postings(world, zygote, random.Random(11), KILLS, tmp_path / "d", 100)
    finally:
        world.side.fake.stop()
    assert figures.kills == KILLS, figures
    assert figures.landed["killed inside its transaction"] > 0, figures.landed
    assert figures.errors == []
    assert figures.partial == 0  # no delivery half-posted, after a kill or posted again
    assert set(figures.integrity) <= {"ok", "n/a"}, figures.integrity
    assert figures.ledger_bad == 0
    assert (figures.tally.lost, figures.tally.doubled) == ([], [])
    assert figures.convergence is not None and figures.convergence.ok, figures.convergence
