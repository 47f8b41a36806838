"""Load (issue 7): ten headless processes posting deliveries and syncing one integration
against one PostgreSQL while the POS sells; afterwards one clean sync leaves every item at
exactly opening + what the processes posted − what was sold, in the store and on the POS.
(bench/faults.py runs the same for 60 s.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from possync_gui.store.database import Database
from tests.faults.campaign.load import run_load
from tests.faults.campaign.worker import Zygote
from tests.faults.campaign.world import build


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_ten_processes_posting_and_syncing_keep_the_totals_exact(
    db: Database, zygote: Zygote, tmp_path: Path
) -> None:
    world = build(db, items=200, page_size=50)
    try:
        figures = run_load(world, zygote, tmp_path / "load", processes=10, seconds=10)
    finally:
        world.side.fake.stop()
    assert figures.crashed == [] and figures.failures == []
    assert figures.deliveries_posted > 0 and figures.syncs_run > 0
    assert figures.deliveries_stored == figures.deliveries_posted
    assert figures.expected_total == figures.store_total == figures.pos_total
    assert figures.ledger_bad == 0
    assert (figures.tally.lost, figures.tally.doubled) == ([], [])
    assert figures.convergence is not None and figures.convergence.ok, figures.convergence
