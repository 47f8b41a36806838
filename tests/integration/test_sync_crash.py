"""A sync that is interrupted loses nothing and doubles nothing (issue 3 §6, DESIGN.md §4, §8).

- a push the POS applied but never answered stays queued and is sent again, under the same
  idempotency key, by the next sync: the POS applies it once;
- a ``possync sync`` process killed mid-run (while the POS answers a push, or between pages)
  leaves a consistent ledger; its lock goes (SQLite: its owner's process is gone;
  PostgreSQL: with its connection) and the next sync converges on the POS's numbers, every
  sale pulled once;
- two processes syncing one integration (this one and ``possync sync``): one runs, the other
  exits 3;
- cancelling a run through the facade logs it "cancelled" and the next sync converges.

The fakes hold an answer (``stall_answers``) until the test has killed the process waiting
for it, so the kill lands where the test says, without timing.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from possync_gui.domain.enums import MovementReason
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.pos.base import POSAdapter
from possync_gui.pos.custom import CustomAdapter
from possync_gui.pos.square import SquareAdapter
from possync_gui.pos.woocommerce import WooCommerceAdapter
from possync_gui.services.credentials import read_credentials
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.sync_manager import SyncManager, SyncProgress
from possync_gui.store.database import Database
from possync_gui.store.models import POSIntegration
from tests.fakes.sync_world import (
    CUSTOM_ADJUST,
    REPO,
    CustomSide,
    POSSide,
    Spec,
    SquareSide,
    Store,
    WooSide,
    add_integration,
    child_env,
    cli,
    sync,
    sync_when_free,
)

KEY = "pos-crash-test"
BUSY = "Sync already in progress for this integration"


async def _no_sleep(_seconds: float) -> None:
    return None


def quick_adapter(record: IntegrationRecord) -> POSAdapter:
    """The adapter ``integrations.make_adapter`` builds, retrying twice without waiting."""
    config = record.configuration
    credentials = read_credentials(record.id, config["credentialKeys"])
    options: dict[str, Any] = {
        "max_attempts": 2,
        "backoff_initial": 0.01,
        "sleep": _no_sleep,
        "timeout": 5.0,
    }
    if record.type == "square":
        return SquareAdapter(config["baseUrl"], credentials, **options)
    if record.type == "woocommerce":
        return WooCommerceAdapter(config["baseUrl"], credentials, **options)
    return CustomAdapter(config["baseUrl"], credentials, mapping=config["mapping"], **options)


# -- (a) a push applied by the POS whose answer was lost -------------------------------------

LOST = {"square": "/v2/inventory/changes/batch-create", "woocommerce": "/products/batch"}


@pytest.fixture(params=sorted(LOST))
def lossy(request: pytest.FixtureRequest) -> Iterator[POSSide]:
    side: POSSide = SquareSide() if request.param == "square" else WooSide()
    yield side
    side.fake.stop()


def test_a_lost_answer_is_resent_under_its_key_and_applied_once(
    db: Database, lossy: POSSide
) -> None:
    store = Store(db, [Spec("A", 10), Spec("B", 10)])
    lossy.add("A", 10, sku="A")
    lossy.add("B", 10, sku="B")
    facade = InventorySyncService(db, sync_manager=SyncManager(db, quick_adapter))
    add_integration(facade, lossy.integration(KEY))
    assert sync(facade, KEY).status is SyncStatus.SUCCESS
    store.move("A", 5)  # a delivery to push
    # The POS applies the push, then every answer to it is lost (both attempts).
    lossy.fake.lose_answers(LOST[lossy.kind], times=2)

    failed = sync(facade, KEY)

    assert failed.status is SyncStatus.FAILED
    assert lossy.qty("A") == 15  # applied once, though nobody heard
    (queued,) = store.pending()
    assert (queued.delta, queued.new_base) == (5, 15)
    assert store.base("A") == 10  # the base moves only once the POS has said yes
    assert [log.status for log in store.logs()] == ["success", "failed"]

    resent = sync(facade, KEY)

    assert resent.status is SyncStatus.SUCCESS, resent.errors
    assert (resent.summary["requeued"], resent.summary["pushed"]) == (1, 1)
    assert (lossy.qty("A"), store.on_hand("A"), store.base("A")) == (15, 15, 15)
    assert store.pending() == []
    writes = lossy.fake.requests_to(LOST[lossy.kind])
    if isinstance(lossy, SquareSide):
        # Three requests (two lost, one resent), one idempotency key, one change applied.
        assert len({r.json()["idempotency_key"] for r in writes}) == 1 and len(writes) == 3
        lossy.assert_adjusted("A", +5, before=10)
    else:
        # Two writes, both lost; WooCommerce kept the key in the product's meta, so the
        # resend found it there and wrote nothing.
        assert len(writes) == 2
    again = sync(facade, KEY)
    assert (again.summary["pushed"], again.summary["pulled"]) == (0, 0)
    assert lossy.qty("A") == 15
    store.assert_ledger()


# -- (b) a sync process killed mid-run -------------------------------------------------------

#: Ten pages of a hundred counts; every page has pulls, pushes and merges.
ITEMS = 1000


def _sold(i: int) -> int:
    return i % 4


def _delivered(i: int) -> int:
    return 5 if i % 7 == 0 else 0


def _big_world(db: Database, items: int) -> tuple[Store, CustomSide]:
    """``items`` products on both sides, mapped by a first sync; then the POS sells and the
    store receives, so the next sync has pulls, pushes and merges on every page."""
    skus = [f"P{i:04}" for i in range(items)]
    store = Store(db, [Spec(sku, 10) for sku in skus])
    side = CustomSide()
    for sku in skus:
        side.add(sku, 10, sku=sku)
    facade = InventorySyncService(db)
    add_integration(facade, side.integration(KEY))
    first = sync(facade, KEY)
    assert first.status is SyncStatus.SUCCESS and first.summary["mappings_created"] == items
    for i, sku in enumerate(skus):
        if _sold(i):
            side.set(sku, 10 - _sold(i))
    store.move_many(
        {sku: _delivered(i) for i, sku in enumerate(skus) if _delivered(i)},
        MovementReason.DELIVERY,
    )
    return store, side


def _assert_converged(store: Store, side: CustomSide, items: int) -> None:
    """Store and POS agree on every item, at the sum of both sides' movements, and every sale
    and delivery crossed over exactly once."""
    on_hand, pos, bases = store.on_hands(), side.quantities(), store.bases()
    for i in range(items):
        sku = f"P{i:04}"
        expected = 10 - _sold(i) + _delivered(i)
        assert (on_hand[sku], pos[sku], bases[sku]) == (expected,) * 3, sku
    sold = [_sold(i) for i in range(items) if _sold(i)]
    assert store.total("sync_pull") == (len(sold), -sum(sold))
    delivered = sum(1 for i in range(items) if _delivered(i))
    keys = [key for _item, _delta, key in side.adjustments()]
    assert len(set(keys)) == len(side.fake.applied_keys) == delivered
    assert store.pending() == []
    assert store.conflicts() == []
    store.assert_ledger()


def _sync_once_free(facade: InventorySyncService, within: float = 30) -> InventorySyncResult:
    """Sync as soon as the dead run's lock is gone."""
    return sync_when_free(facade, KEY, within, pause=0.1)


def _kill_mid_run(db: Database, held: str, after: int) -> tuple[Store, CustomSide]:
    """Start ``possync sync`` on a big world, let ``after`` answers to ``held`` through,
    SIGKILL the process while the next one is held, and check what it left behind."""
    store, side = _big_world(db, ITEMS)
    side.fake.stall_answers(held, after=after)
    child = subprocess.Popen(
        cli(db, "sync", "--integration", KEY),
        cwd=REPO,
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert side.fake.stalled.wait(timeout=120), "the child never got that far"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        side.fake.release()
    assert child.returncode == -signal.SIGKILL
    # What the dead run committed is consistent: whole pages, nothing half-written.
    store.assert_ledger()
    pulls, _ = store.total("sync_pull")
    assert 0 < pulls < sum(1 for i in range(ITEMS) if _sold(i))
    assert [log.status for log in store.logs()] == ["success"]  # it died before logging
    return store, side


def _recover(db: Database) -> InventorySyncResult:
    """The next ordinary sync: on SQLite the dead process's lock row is still fresh, but its
    owner's process on this machine has ended, so it is taken over at once; PostgreSQL ends
    the dead session, and its advisory lock with it."""
    return _sync_once_free(InventorySyncService(db))


def test_killed_while_the_pos_answers_a_push(db: Database) -> None:
    store, side = _kill_mid_run(db, f"{CUSTOM_ADJUST}$", after=3)
    try:
        # The fourth push was queued with its page and the POS applied it (its answer never
        # came); pages after it may have queued pushes not sent yet (pushes overlap pages).
        pending = store.pending()
        keys = {p.idempotency_key for p in pending}
        assert keys & set(side.fake.applied_keys)

        recovered = _recover(db)

        assert recovered.status is SyncStatus.SUCCESS, recovered.errors[:3]
        assert recovered.summary["requeued"] == len(pending)
        _assert_converged(store, side, ITEMS)
    finally:
        side.fake.stop()


def test_killed_between_pages(sqlite_db: Database) -> None:
    store, side = _kill_mid_run(sqlite_db, "/api/stock$", after=5)
    try:
        # Pushes overlap the next pages: those still in flight at the kill stay queued (the
        # POS may or may not have applied them) and are sent again under the same keys.
        pending = store.pending()

        recovered = _recover(sqlite_db)

        assert recovered.status is SyncStatus.SUCCESS, recovered.errors[:3]
        assert recovered.summary["requeued"] == len(pending)
        _assert_converged(store, side, ITEMS)
    finally:
        side.fake.stop()


# -- (c) two processes at once ----------------------------------------------------------------


def test_two_processes_syncing_one_integration_one_runs(db: Database) -> None:
    store, side = _big_world(db, 4)
    results: list[InventorySyncResult] = []
    try:
        side.fake.stall_answers("/api/stock$")  # this process's sync holds the lock meanwhile
        running = threading.Thread(
            target=lambda: results.append(sync(InventorySyncService(db), KEY))
        )
        running.start()
        try:
            assert side.fake.stalled.wait(timeout=60)
            other = subprocess.run(
                cli(db, "sync", "--integration", KEY),
                cwd=REPO,
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            side.fake.release()
            running.join(timeout=60)
        assert other.returncode == 3
        assert other.stderr == f"possync: error: {BUSY}\n"
        assert [r.status for r in results] == [SyncStatus.SUCCESS]
        assert [log.status for log in store.logs()] == ["success", "success"]  # one run each
        _assert_converged(store, side, 4)
    finally:
        side.fake.stop()


# -- (d) cancelling a run -------------------------------------------------------------------------


def test_a_cancelled_sync_is_logged_and_the_next_converges(db: Database) -> None:
    items = 500  # five pages
    store, side = _big_world(db, items)
    facade = InventorySyncService(db)
    seen: list[SyncProgress] = []

    async def cancel_on_page_three() -> None:
        task: asyncio.Task[Any] | None = None

        def progress(step: SyncProgress) -> None:
            seen.append(step)
            if step.phase == "Syncing counts" and step.pages == 3:
                assert task is not None
                task.cancel()  # as the Cancel button does, mid-run

        task = asyncio.ensure_future(facade.sync_inventory_levels(KEY, progress=progress))
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        asyncio.run(cancel_on_page_three())

        assert [log.status for log in store.logs()] == ["success", "cancelled"]
        cancelled = store.logs()[-1]
        assert cancelled.error_details == [
            "Cancelled by the user; the batches already written are kept."
        ]
        assert max(step.pages for step in seen) == 3
        store.assert_ledger()
        pulls, _ = store.total("sync_pull")
        assert 0 < pulls < sum(1 for i in range(items) if _sold(i))
        pending = store.pending()
        assert pending  # page three's pushes wait for the next run
        with db.session() as s:
            cursor = s.scalars(select(POSIntegration.last_sync_at)).one()
        assert cursor == store.logs()[0].started_at  # the cursor did not move

        resumed = sync(facade, KEY)

        assert resumed.status is SyncStatus.SUCCESS, resumed.errors[:3]
        assert resumed.summary["requeued"] == len(pending)
        _assert_converged(store, side, items)
    finally:
        side.fake.stop()
