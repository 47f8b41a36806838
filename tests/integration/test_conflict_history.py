"""A conflict's history and evidence, and the conflict report (issue 6 §1, §2): every
event a sync or a person causes is kept with its numbers; the detail lists the movements on
each side since the base; the report counts open ones, resolutions per strategy and the
mean time to resolve, by integration, and exports as CSV."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from possync_gui.domain.conflicts import ConflictQuery, ResolutionOutcome
from possync_gui.domain.enums import MovementReason
from possync_gui.services.conflict_resolver import ConflictResolver
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.models import SyncConflict
from tests.fakes.sync_world import CustomSide
from tests.integration.test_conflict_resolve import KEY, conflicted, open_conflicts


@pytest.fixture
def side() -> Iterator[CustomSide]:
    made = CustomSide()
    yield made
    made.fake.stop()


def test_every_step_of_a_conflict_is_in_its_history(db: Database, side: CustomSide) -> None:
    store, facade = conflicted(db, side, "EF")
    asyncio.run(facade.sync_inventory_levels(KEY))  # seen again unchanged: no new event
    side.set("E", 1)
    asyncio.run(facade.sync_inventory_levels(KEY))  # E's POS count moved: updated
    side.set("F", 5)  # F's sides agree again: the sync closes it
    asyncio.run(facade.sync_inventory_levels(KEY))
    e = next(c for c in open_conflicts(facade) if c.sku == "E")
    result = asyncio.run(
        facade.resolve_sync_conflicts([e], "set", actor="ana", value=3, reason="shelf count")
    )
    assert [d.outcome for d in result.details] == [ResolutionOutcome.RESOLVED]

    detail = asyncio.run(facade.conflict_detail(str(e.id)[:8]))
    events = [
        (h.kind, h.pos_value, h.system_value, h.base_value, h.strategy, h.value, h.actor, h.note)
        for h in detail.history
    ]
    assert events[0][:4] == ("detected", 2, 5, 10)
    assert "merge would be -3" in (events[0][7] or "")
    assert events[1][:4] == ("updated", 1, 5, 10)
    assert events[2] == ("resolved", 1, 5, 10, "set", 3, "ana", "Counted 3: shelf count")
    assert len(events) == 3
    assert detail.record.status == "resolved" and detail.record.resolved_by == "ana"

    (f,) = asyncio.run(facade.list_conflicts(ConflictQuery(status="resolved", search="f")))
    assert (f.sku, f.strategy, f.resolved_value, f.resolved_by) == (
        "F",
        "closed_by_sync",
        5,
        "sync",
    )
    f_events = asyncio.run(facade.conflict_detail(f.id)).history
    assert [(h.kind, h.value) for h in f_events] == [("detected", None), ("closed_by_sync", 5)]


def test_the_detail_shows_each_sides_movements_since_the_base(
    db: Database, side: CustomSide
) -> None:
    store, facade = conflicted(db, side)
    store.move("E", 2, MovementReason.DELIVERY)  # after the conflict: the warehouse side too
    (e,) = open_conflicts(facade)

    detail = asyncio.run(facade.conflict_detail(e.id))

    moves = [(m.side, m.delta, m.reason, m.actor) for m in detail.movements]
    # The opening stock and the first sync are before the base; they are not listed.
    assert moves[:2] == [
        ("warehouse", -5, "damage", "clerk"),
        ("warehouse", 2, "delivery", "clerk"),
    ]
    assert moves[2][:2] == ("pos", -8)  # the POS's count against the base of 10
    assert len(moves) == 3
    assert detail.record.difference == 2 - 5

    # The warehouse moved since the conflict was read: re-opened with its new number.
    stale = asyncio.run(
        facade.resolve_sync_conflicts([e], "set", actor="ana", value=4, reason="count")
    )
    assert [d.outcome for d in stale.details] == [ResolutionOutcome.STALE]
    assert "warehouse moved to 7" in stale.details[0].message
    (e,) = open_conflicts(facade)
    assert (e.pos_value, e.system_value, side.qty("E"), store.on_hand("E")) == (2, 7, 2, 7)
    done = asyncio.run(
        facade.resolve_sync_conflicts([e], "set", actor="ana", value=4, reason="count")
    )
    assert [d.outcome for d in done.details] == [ResolutionOutcome.RESOLVED]

    settled = asyncio.run(facade.conflict_detail(e.id))
    # Still the evidence since the old base, now with what the resolution wrote.
    assert [(m.side, m.delta, m.reason) for m in settled.movements] == [
        ("warehouse", -5, "damage"),
        ("warehouse", 2, "delivery"),
        ("warehouse", -3, "conflict_resolution"),
        ("pos", -8, "POS count against the base (the POS's own movements are not itemised)"),
    ]
    kinds = [h.kind for h in settled.history]
    assert kinds == ["detected", "reopened", "resolved"]


def test_the_report_counts_and_exports(db: Database, side: CustomSide, tmp_path: Path) -> None:
    store, facade = conflicted(db, side, "EFG")
    t0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with db.session() as s:
        s.execute(update(SyncConflict).values(detected_at=t0))
    ids = {c.sku: c.id for c in open_conflicts(facade)}

    def at(hours: int) -> InventorySyncService:
        clock = lambda: t0 + timedelta(hours=hours)  # noqa: E731
        return InventorySyncService(
            db, conflicts=ConflictResolver(db, facade.conflicts._factory, clock=clock)
        )

    asyncio.run(at(1).resolve_sync_conflicts([ids["E"]], "pos_wins", actor="ana"))
    asyncio.run(
        at(3).resolve_sync_conflicts([ids["F"]], "set", actor="bo", value=4, reason="count")
    )

    report = asyncio.run(facade.conflict_report())

    assert report.open_count == 1
    assert report.resolved_by_strategy == {"pos_wins": 1, "set": 1}
    assert report.mean_time_to_resolve == timedelta(hours=2)
    (line,) = report.by_integration
    assert (line.name, line.open, line.resolved, line.mean_time_to_resolve) == (
        "custom test shop", 1, 2, timedelta(hours=2),
    )  # fmt: skip

    path = tmp_path / "conflicts.csv"
    assert asyncio.run(facade.export_conflict_report(path)) == 4
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["scope", "name", "open", "resolved", "mean_hours_to_resolve"],
        ["all", "All integrations", "1", "2", "2.00"],
        ["integration", "custom test shop", "1", "2", "2.00"],
        ["strategy", "pos_wins", "", "1", ""],
        ["strategy", "set", "", "1", ""],
    ]
