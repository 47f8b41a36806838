"""Which strategy settles a conflict and what the Resolver refuses (issue 6 §1): the call's
strategy, the product's review policy (high-value → a person only), the integration's
setting; ``shown`` numbers that moved; the seed's conflict list; ids by prefix; bad input.
Real conflicts from a sync against the fake custom source, on both store backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from possync_gui.domain.conflicts import ConflictRecord, ResolutionOutcome
from possync_gui.domain.errors import ValidationError
from possync_gui.domain.events import ConflictsChanged, StockChanged
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from tests.fakes.sync_world import CustomSide
from tests.integration.test_conflict_resolve import KEY, conflicted, open_conflicts

Out = ResolutionOutcome


@pytest.fixture
def side() -> Iterator[CustomSide]:
    made = CustomSide()
    yield made
    made.fake.stop()


def resolve(facade: InventorySyncService, items: list[Any], strategy: str | None, **kw: Any) -> Any:
    return asyncio.run(facade.resolve_sync_conflicts(items, strategy, **kw))


def by_sku(facade: InventorySyncService) -> dict[str, ConflictRecord]:
    return {c.sku: c for c in open_conflicts(facade)}


def test_a_high_value_product_waits_for_a_person(db: Database, side: CustomSide) -> None:
    store, facade = conflicted(db, side, "EH", manual="H")
    ids = [c.id for c in open_conflicts(facade)]

    automatic = resolve(facade, ids, "pos_wins")  # the seed's API from a script: no person

    outcome = {d.sku: d.outcome for d in automatic.details}
    assert outcome == {"E": Out.RESOLVED, "H": Out.MANUAL_REVIEW}
    assert (automatic.resolved, automatic.manual_review_required) == (1, 1)
    (waiting,) = [d for d in automatic.details if d.sku == "H"]
    assert "high-value" in waiting.message
    assert (store.on_hand("H"), side.qty("H"), store.base("H")) == (5, 2, 10)  # untouched
    assert by_sku(facade)["H"].review_policy == "manual"

    by_person = resolve(facade, [by_sku(facade)["H"].id], "supplier_wins", actor="ana")

    assert [d.outcome for d in by_person.details] == [Out.RESOLVED]
    assert (store.on_hand("H"), side.qty("H"), store.base("H")) == (5, 5, 5)
    store.assert_ledger()


def test_without_a_strategy_the_policy_then_the_integration_decides(
    db: Database, side: CustomSide
) -> None:
    store, facade = conflicted(db, side, "EH", manual="H")
    ids = [c.id for c in open_conflicts(facade)]

    waiting = resolve(facade, ids, None, actor="ana")  # the integration says manual_review
    assert {d.sku: d.outcome for d in waiting.details} == {
        "E": Out.MANUAL_REVIEW,
        "H": Out.MANUAL_REVIEW,
    }
    assert (
        "integration's setting (manual_review)"
        in waiting.details[0].message + waiting.details[1].message
    )

    store.set_settings(KEY, conflictResolution="pos_wins")
    settled = resolve(facade, ids, None, actor="ana")

    assert {d.sku: d.outcome for d in settled.details} == {
        "E": Out.RESOLVED,
        "H": Out.MANUAL_REVIEW,
    }
    (h,) = [d for d in settled.details if d.sku == "H"]
    assert "review policy" in h.message
    assert (store.on_hand("E"), side.qty("E")) == (2, 2)
    assert (store.on_hand("H"), side.qty("H")) == (5, 2)


def test_a_conflict_that_changed_since_it_was_shown_is_not_applied(
    db: Database, side: CustomSide
) -> None:
    store, facade = conflicted(db, side)
    (shown,) = open_conflicts(facade)
    side.set("E", 1)  # the POS moves again; the next sync updates the conflict
    store.move("E", 1)
    asyncio.run(facade.sync_inventory_levels(KEY))
    (now,) = open_conflicts(facade)
    assert (now.id, now.pos_value, now.system_value) == (shown.id, 1, 6)

    # A record as the tab showed it carries its numbers; so does ``shown``.
    for items, kw in (([shown], {}), ([shown.id], {"shown": {shown.id: (2, 5)}})):
        result = resolve(facade, items, "supplier_wins", actor="ana", **kw)
        (detail,) = result.details
        assert detail.outcome is Out.STALE
        assert "POS 2 → 1" in detail.message and "warehouse 5 → 6" in detail.message
        assert (store.on_hand("E"), side.qty("E")) == (6, 1)
    kinds = [e.kind for e in asyncio.run(facade.conflict_detail(shown.id)).history]
    assert kinds == ["detected", "updated", "stale", "stale"]

    fresh = resolve(facade, [now], "supplier_wins", actor="ana")
    assert [d.outcome for d in fresh.details] == [Out.RESOLVED]
    assert (store.on_hand("E"), side.qty("E"), store.base("E")) == (6, 6, 6)


def test_the_seeds_conflict_list(db: Database, side: CustomSide) -> None:
    store, facade = conflicted(db, side, "EFG")
    conflicts = by_sku(facade)
    seed = [
        {"productId": "E", "productCode": "E", "posValue": 2, "systemValue": 5,
         "lastUpdated": "2026-12-07T10:00:00Z"},
        {"productId": str(conflicts["F"].product_id), "posValue": 2, "systemValue": 5},
        {"productCode": "G", "posValue": 3, "systemValue": 5},  # not what is stored
        {"productCode": "NOPE", "posValue": 1, "systemValue": 1},
    ]  # fmt: skip

    result = resolve(facade, seed, "pos_wins")

    assert [(d.sku, d.outcome) for d in result.details] == [
        ("E", Out.RESOLVED), ("F", Out.RESOLVED), ("G", Out.STALE), ("NOPE", Out.NOT_FOUND),
    ]  # fmt: skip
    assert (result.resolved, result.manual_review_required) == (2, 2)
    assert "No product NOPE" in result.details[3].message
    again = resolve(facade, seed[:1], "pos_wins")
    assert [(d.outcome, d.message) for d in again.details] == [
        (Out.NOT_FOUND, "E has no open conflict.")
    ]
    assert [store.on_hand(s) for s in "EFG"] == [2, 2, 5]


def test_ids_by_prefix_and_bad_input(db: Database, side: CustomSide) -> None:
    store, facade = conflicted(db, side)
    (conflict,) = open_conflicts(facade)
    with pytest.raises(ValidationError, match="needs a reason"):
        resolve(facade, [conflict.id], "set", value=3)
    with pytest.raises(ValidationError, match="Unknown conflict strategy"):
        resolve(facade, [conflict.id], "store_wins")
    with pytest.raises(ValidationError, match="first 8 characters"):
        resolve(facade, [str(conflict.id)[:5]], "pos_wins")
    missing = resolve(facade, ["00000000-0000"], "pos_wins")
    assert [d.outcome for d in missing.details] == [Out.NOT_FOUND]
    assert open_conflicts(facade) == [conflict]  # nothing happened

    changes: list[object] = []
    facade.subscribe(changes.append)
    result = resolve(
        facade, [str(conflict.id)[:8].upper()], "set", value=3, reason="shelf recount",
        actor="ana",
    )  # fmt: skip

    assert [d.outcome for d in result.details] == [Out.RESOLVED]
    assert (store.on_hand("E"), side.qty("E"), store.base("E")) == (3, 3, 3)
    assert ConflictsChanged(frozenset({conflict.id})) in changes
    assert StockChanged(frozenset({conflict.product_id})) in changes
    row = store.conflict("E")
    assert (row.strategy, row.resolved_value, row.note) == ("set", 3, "Counted 3: shelf recount")
    again = resolve(facade, [conflict.id], "pos_wins", actor="bo")
    (detail,) = again.details
    assert detail.outcome is Out.ALREADY_RESOLVED
    assert "already resolved by ana (set, 3)" in detail.message
