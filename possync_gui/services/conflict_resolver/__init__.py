"""The Conflict Resolver (DESIGN.md §1, §4; issue 6): lists sync conflicts with their
history and evidence, settles them by a strategy or a person's count — on the POS first,
then in the store, never one without the other — and reports on them.

``resolver`` holds the rule and the apply steps, ``inputs`` turns what callers pass (ids,
prefixes, records, the seed's dicts) into conflicts, ``report`` the report and its CSV.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from possync_gui.domain.conflicts import (
    ConflictDetail,
    ConflictQuery,
    ConflictRecord,
    ConflictReport,
    ConflictResolutionDetail,
    ConflictResolutionResult,
    ResolutionOutcome,
    ResolutionStrategy,
)
from possync_gui.domain.errors import NotFoundError, PossyncError, SyncInProgressError
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.base import POSAdapter
from possync_gui.services.conflict_resolver import inputs, report
from possync_gui.services.conflict_resolver.resolver import (
    AdapterFactory,
    Applier,
    Clock,
    Plan,
    choose,
    hold_lock,
    settle,
)
from possync_gui.services.threads import in_thread
from possync_gui.store import conflicts as store
from possync_gui.store.database import Database
from possync_gui.store.locks import SyncLockManager, default_owner

__all__ = ["AdapterFactory", "ConflictResolver", "choose"]

Detail = ConflictResolutionDetail
Outcome = ResolutionOutcome


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ConflictResolver:
    """Lists, explains, settles and reports sync conflicts.

    ``adapter_factory`` builds a POS adapter for an integration as the Sync Manager's does;
    ``owner`` names this desktop in claims (default ``host:pid:random``); ``lock_wait`` is
    how long a resolution waits for a running sync of the same integration."""

    def __init__(
        self,
        db: Database,
        adapter_factory: AdapterFactory,
        *,
        owner: str | None = None,
        clock: Clock = _utc_now,
        claim_timeout: timedelta = timedelta(minutes=2),
        lock_wait: timedelta = timedelta(seconds=30),
        locks: SyncLockManager | None = None,
    ) -> None:
        self._db = db
        self._factory = adapter_factory
        self.owner = (owner or default_owner())[:200]
        self._clock = clock
        self._lock_wait = lock_wait
        self._locks = locks or SyncLockManager(db, owner=self.owner)
        self._applier = Applier(db, self.owner, clock, claim_timeout)

    # -- reading ----------------------------------------------------------------------------
    def _read(self, fn: Any, *args: Any) -> Any:
        with self._db.session() as session:
            return fn(session, *args)

    async def list_conflicts(self, query: ConflictQuery | None = None) -> list[ConflictRecord]:
        found: list[ConflictRecord] = await in_thread(
            self._read, store.list_conflicts, query or ConflictQuery()
        )
        return found

    async def detail(self, conflict_id: uuid.UUID | str) -> ConflictDetail:
        """A conflict (UUID, its text or a unique prefix) with its history and the movements
        on each side since the base."""
        return await in_thread(self._detail, str(conflict_id))

    def _detail(self, ref: str) -> ConflictDetail:
        with self._db.session() as session:
            ids = store.find_ids(session, ref)
            if len(ids) != 1:
                raise NotFoundError(
                    f"No conflict {ref!r}." if not ids else f"{ref!r} starts {len(ids)} ids."
                )
            record = store.get_record(session, ids[0])
            assert record is not None
            return ConflictDetail(
                record, store.history(session, record.id), store.side_movements(session, record)
            )

    async def report(self) -> ConflictReport:
        return await in_thread(self._report)

    def _report(self) -> ConflictReport:
        with self._db.session() as session:
            return report.build_report(
                store.open_counts(session),
                store.resolved_rows(session),
                store.integration_names(session),
            )

    async def export_report(self, path: Path) -> int:
        """Write the report as CSV; returns the rows written."""
        made = await self.report()
        return await in_thread(report.write_csv, made, path)

    # -- resolving --------------------------------------------------------------------------
    async def resolve(
        self,
        conflicts: Iterable[Any],
        strategy: str | None = None,
        *,
        actor: str | None = None,
        value: int | None = None,
        reason: str | None = None,
        shown: dict[uuid.UUID, tuple[int, int]] | None = None,
    ) -> ConflictResolutionResult:
        """Settle ``conflicts`` (see :mod:`.inputs`); the detail per conflict is in the order
        given. Raises :class:`ValidationError` for a bad strategy or argument."""
        chosen = inputs.check_strategy(strategy, value, reason)
        person = actor is not None or shown is not None or chosen is ResolutionStrategy.SET
        plan = Plan(chosen, person, actor or "possync", value, reason)
        items = list(conflicts)
        targets: list[inputs.Target] = await in_thread(
            self._read, inputs.targets, items, dict(shown or {})
        )
        details: list[Detail | None] = [None] * len(targets)
        groups: dict[uuid.UUID | None, list[int]] = {}
        integration_of = await in_thread(self._integrations_of, targets)
        for n, target in enumerate(targets):
            if target.conflict_id is None:
                message = target.problem or "No such conflict."
                details[n] = Detail(None, target.sku, Outcome.NOT_FOUND, None, message)
                continue
            groups.setdefault(integration_of.get(target.conflict_id), []).append(n)
        for integration_id, indexes in groups.items():
            done = await self._resolve_group(integration_id, [targets[i] for i in indexes], plan)
            for i, detail in zip(indexes, done, strict=True):
                details[i] = detail
        final = tuple(d for d in details if d is not None)
        return ConflictResolutionResult(
            resolved=sum(d.outcome is Outcome.RESOLVED for d in final),
            manual_review_required=sum(d.outcome is not Outcome.RESOLVED for d in final),
            details=final,
        )

    def _integrations_of(self, targets: list[inputs.Target]) -> dict[uuid.UUID, uuid.UUID | None]:
        found: dict[uuid.UUID, uuid.UUID | None] = {}
        with self._db.session() as session:
            for t in targets:
                if t.conflict_id is not None and t.conflict_id not in found:
                    record = store.get_record(session, t.conflict_id)
                    found[t.conflict_id] = record.integration_id if record else None
        return found

    async def _resolve_group(
        self, integration_id: uuid.UUID | None, targets: list[inputs.Target], plan: Plan
    ) -> list[Detail]:
        ids = [(t.conflict_id, t.expect) for t in targets if t.conflict_id is not None]
        # Decided without the lock first: what waits for a person, is stale or already
        # resolved needs neither the lock nor the POS.
        first = [await in_thread(self._applier.peek, cid, expect, plan) for cid, expect in ids]
        if all(d is not None for d in first) or integration_id is None:
            return [d or self._orphan(cid) for d, (cid, _e) in zip(first, ids, strict=True)]
        record = await in_thread(self._integration, integration_id)
        try:
            await hold_lock(self._locks, integration_id, self._lock_wait)
        except SyncInProgressError:
            why = f"a sync of {record.name} is running; try again when it has finished"
            return [d or self._failed(cid, why) for d, (cid, _e) in zip(first, ids, strict=True)]
        try:
            return await self._with_adapter(record, ids, first, plan)
        finally:
            await in_thread(self._locks.release, integration_id)

    async def _with_adapter(
        self,
        record: IntegrationRecord,
        ids: list[tuple[uuid.UUID, tuple[int, int] | None]],
        first: list[Detail | None],
        plan: Plan,
    ) -> list[Detail]:
        wanted = [pair for pair, d in zip(ids, first, strict=True) if d is None]
        adapter: POSAdapter | None = None
        try:
            adapter = await in_thread(self._factory, record)
            beat = partial(self._locks.heartbeat, record.id)
            settled = iter(await settle(self._applier, adapter, wanted, plan, beat))
        except PossyncError as err:
            why = f"the POS could not be used ({err})"
            settled = iter([self._failed(cid, why) for cid, _e in wanted])
        finally:
            if adapter is not None:
                await adapter.aclose()
        return [d if d is not None else next(settled) for d in first]

    def _integration(self, integration_id: uuid.UUID) -> IntegrationRecord:
        with self._db.session() as session:
            record = store.integration_record(session, integration_id)
        if record is None:
            raise NotFoundError(f"No POS integration {integration_id}.")
        return record

    @staticmethod
    def _failed(conflict_id: uuid.UUID, why: str) -> Detail:
        return Detail(conflict_id, None, Outcome.FAILED, None, f"{why}; nothing was changed.")

    @staticmethod
    def _orphan(conflict_id: uuid.UUID) -> Detail:
        return Detail(
            conflict_id,
            None,
            Outcome.FAILED,
            None,
            "Its POS integration was removed, so the POS side cannot be changed; nothing "
            "was changed.",
        )
