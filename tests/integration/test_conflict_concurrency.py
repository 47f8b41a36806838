"""Resolving while the world moves (issue 6 §1, §4): two desktops settling one conflict at
once (one wins, the other is told who, nothing applied twice), a claim left by a desktop
that died, a sync holding the integration's lock, Shopify's compare-and-set finding the
count moved again, and a POS that does not answer."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from possync_gui.domain.conflicts import ConflictResolutionResult, ResolutionOutcome
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.shopify import ShopifyAdapter
from possync_gui.services.conflict_resolver import ConflictResolver
from possync_gui.services.facade import InventorySyncService
from possync_gui.store import conflicts as store_conflicts
from possync_gui.store.database import Database, open_database
from possync_gui.store.locks import SyncLockManager
from tests.fakes.server import Reply
from tests.fakes.sync_world import (
    CUSTOM_ADJUST,
    SHOPIFY_TOKEN,
    CustomSide,
    POSSide,
    ShopifySide,
    db_url,
)
from tests.integration.test_conflict_resolve import conflicted, open_conflicts

Out = ResolutionOutcome


@pytest.fixture(params=["custom", "shopify"])
def side(request: pytest.FixtureRequest) -> Iterator[POSSide]:
    made: POSSide = CustomSide() if request.param == "custom" else ShopifySide()
    yield made
    made.fake.stop()


@pytest.fixture
def shopify() -> Iterator[ShopifySide]:
    made = ShopifySide()
    yield made
    made.fake.stop()


def _desktop(db: Database, name: str, results: dict[str, Any], conflict_id: uuid.UUID) -> None:
    """Another possync window: its own database connection, resolver and claim owner."""
    own = open_database(db_url(db), migrate=False)
    try:
        facade = InventorySyncService(own)
        results[name] = asyncio.run(
            facade.resolve_sync_conflicts(
                [conflict_id], "set", actor=name, value=4, reason="recounted"
            )
        )
    except BaseException as err:  # reported by the test
        results[name] = err
    finally:
        own.dispose()


def test_two_desktops_resolving_at_once_apply_it_once(db: Database, side: POSSide) -> None:
    store, facade = conflicted(db, side)
    (conflict,) = open_conflicts(facade)
    # The first push to reach the POS is held until the other desktop is under way too.
    side.fake.stall_answers(CUSTOM_ADJUST if side.kind == "custom" else "/graphql")
    results: dict[str, Any] = {}
    threads = [
        threading.Thread(target=_desktop, args=(db, name, results, conflict.id))
        for name in ("ana", "bo")
    ]
    for t in threads:
        t.start()
    assert side.fake.stalled.wait(30)
    time.sleep(0.3)  # let the other desktop reach the lock (correctness does not depend on it)
    side.fake.release()
    for t in threads:
        t.join(60)

    outcomes = {}
    for name in ("ana", "bo"):
        result = results[name]
        assert isinstance(result, ConflictResolutionResult), result
        (detail,) = result.details
        outcomes[name] = detail
    winners = [n for n, d in outcomes.items() if d.outcome is Out.RESOLVED]
    assert len(winners) == 1, outcomes
    (loser,) = [d for n, d in outcomes.items() if n not in winners]
    assert loser.outcome is Out.ALREADY_RESOLVED
    assert f"already resolved by {winners[0]}" in loser.message
    # Applied once: the store has one resolution movement (5 → 4), the POS one change (2 → 4).
    assert (store.on_hand("E"), side.qty("E"), store.base("E")) == (4, 4, 4)
    assert [m for m in store.movements("E") if m[1] == "conflict_resolution"] == [
        (-1, "conflict_resolution")
    ]
    assert store.conflict("E").resolved_by == winners[0]
    store.assert_ledger()


def test_a_claim_left_by_a_dead_desktop_is_honoured_then_expires(db: Database) -> None:
    side = CustomSide()
    try:
        store, facade = conflicted(db, side)
        (conflict,) = open_conflicts(facade)
        taken = datetime.now(UTC)
        with db.session() as s:
            assert store_conflicts.claim(s, conflict.id, "desk-9:404:dead", taken, timedelta(0))

        busy = asyncio.run(facade.resolve_sync_conflicts([conflict.id], "pos_wins", actor="ana"))
        (detail,) = busy.details
        assert detail.outcome is Out.ALREADY_RESOLVED
        assert "desk-9:404:dead is resolving it right now" in detail.message
        assert (store.on_hand("E"), side.qty("E")) == (5, 2)

        later = InventorySyncService(
            db,
            conflicts=ConflictResolver(
                db, facade.conflicts._factory, clock=lambda: taken + timedelta(minutes=3)
            ),
        )
        done = asyncio.run(later.resolve_sync_conflicts([conflict.id], "pos_wins", actor="ana"))
        assert [d.outcome for d in done.details] == [Out.RESOLVED]
        assert (store.on_hand("E"), side.qty("E"), store.base("E")) == (2, 2, 2)
    finally:
        side.fake.stop()


def test_a_running_sync_holds_resolutions_back(db: Database) -> None:
    side = CustomSide()
    try:
        store, facade = conflicted(db, side)
        (conflict,) = open_conflicts(facade)
        assert conflict.integration_id is not None
        syncing = SyncLockManager(db)
        syncing.acquire(conflict.integration_id)
        try:
            waiting = InventorySyncService(
                db,
                conflicts=ConflictResolver(
                    db, facade.conflicts._factory, lock_wait=timedelta(seconds=0.3)
                ),
            )
            result = asyncio.run(
                waiting.resolve_sync_conflicts([conflict.id], "pos_wins", actor="ana")
            )
        finally:
            syncing.release(conflict.integration_id)
        (detail,) = result.details
        assert detail.outcome is Out.FAILED
        assert "a sync of custom test shop is running" in detail.message
        assert open_conflicts(facade)[0].id == conflict.id
        assert (store.on_hand("E"), side.qty("E")) == (5, 2)
    finally:
        side.fake.stop()


def test_shopify_compare_and_set_finds_the_count_moved(db: Database, shopify: ShopifySide) -> None:
    store, facade = conflicted(db, shopify)
    (conflict,) = open_conflicts(facade)
    shopify.set("E", 3)  # a sale returned at the till after the sync read 2

    result = asyncio.run(facade.resolve_sync_conflicts([conflict], "supplier_wins", actor="ana"))

    (detail,) = result.details
    assert detail.outcome is Out.STALE
    assert "it had 2; now is 3" in detail.message
    (sent,) = [m for m in shopify.fake.mutations if m.field == "inventorySetQuantities"]
    assert [(q["quantity"], q["changeFromQuantity"]) for q in sent.input["quantities"]] == [(5, 2)]
    # Nothing applied on either side; the conflict shows the POS's new count.
    assert (store.on_hand("E"), shopify.qty("E"), store.base("E")) == (5, 3, 10)
    assert [r for _d, r in store.movements("E")].count("conflict_resolution") == 0
    (reopened,) = open_conflicts(facade)
    assert (reopened.id, reopened.pos_value, reopened.system_value) == (conflict.id, 3, 5)
    assert not reopened.pos_unverified
    history = asyncio.run(facade.conflict_detail(conflict.id)).history
    assert [(e.kind, e.pos_value, e.actor) for e in history][-1] == ("reopened", 3, "ana")

    again = asyncio.run(facade.resolve_sync_conflicts([reopened], "supplier_wins", actor="ana"))
    assert [d.outcome for d in again.details] == [Out.RESOLVED]
    assert (store.on_hand("E"), shopify.qty("E"), store.base("E")) == (5, 5, 5)


def test_an_unreachable_pos_changes_nothing(db: Database, shopify: ShopifySide) -> None:
    store, facade = conflicted(db, shopify)
    (conflict,) = open_conflicts(facade)

    def quick(record: IntegrationRecord) -> ShopifyAdapter:  # the real adapter, few retries
        return ShopifyAdapter(
            shopify.fake.url, {"access_token": SHOPIFY_TOKEN}, api_version="2026-04",
            max_attempts=2, backoff_initial=0.01,
        )  # fmt: skip

    resolver = InventorySyncService(db, conflicts=ConflictResolver(db, quick))
    shopify.fake.inject(Reply(503, {"errors": "Service unavailable"}), times=2)

    result = asyncio.run(
        resolver.resolve_sync_conflicts(
            [conflict.id], "set", actor="ana", value=4, reason="counted"
        )
    )

    (detail,) = result.details
    assert detail.outcome is Out.FAILED
    assert "the POS could not be reached" in detail.message and "stays open" in detail.message
    assert (store.on_hand("E"), shopify.qty("E"), store.base("E")) == (5, 2, 10)
    (still,) = open_conflicts(facade)
    assert still.id == conflict.id
    with db.session() as s:
        ctx = store_conflicts.context(s, conflict.id)
        assert ctx is not None and ctx.claimed_by is None  # released: anyone may try again
    retry = asyncio.run(
        resolver.resolve_sync_conflicts(
            [conflict.id], "set", actor="ana", value=4, reason="counted"
        )
    )
    assert [d.outcome for d in retry.details] == [Out.RESOLVED]
    assert (store.on_hand("E"), shopify.qty("E"), store.base("E")) == (4, 4, 4)
