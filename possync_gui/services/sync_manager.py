"""The Sync Manager: one three-way sync of one integration (DESIGN.md §4, §8).

A run holds the integration's sync lock, reads the POS counts page by page and, for each
mapped (item, location), lets :func:`~possync_gui.domain.merge.decide` say what to pull into
the store and what to push to the POS. Each page is one transaction, committed before the
page's pushes are sent; a mapping's base moves to the agreed quantity only once its push
succeeded, so a failed push is retried (as the same delta) by the next sync.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import (
    ConflictStatus,
    ConflictStrategy,
    MovementReason,
    ReviewPolicy,
)
from possync_gui.domain.errors import NotFoundError, ValidationError
from possync_gui.domain.merge import Decision, MergeInput, decide
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.pos.base import POSAdapter, POSAdjustment, POSCount, POSItem, PushOutcome
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_movements
from possync_gui.store.locks import SyncLockManager
from possync_gui.store.models import (
    IntegrationSyncLog,
    POSIntegration,
    POSMapping,
    Product,
    StockLevel,
    SyncConflict,
    Warehouse,
)

log = logging.getLogger("possync.sync")

AdapterFactory = Callable[[IntegrationRecord], POSAdapter]
Clock = Callable[[], datetime]

SYNC_TYPES = ("full", "incremental")
#: Incremental syncs re-read this much before the last sync (DESIGN.md §4's overlap window).
OVERLAP = timedelta(minutes=5)


def _utc_now() -> datetime:
    return datetime.now(UTC)


_COUNTERS: tuple[str, ...] = ("pulled", "pushed", "push_failed", "conflicts", "conflicts_open")
_COUNTERS += ("mappings_created", "unmatched")


@dataclass(frozen=True, slots=True)
class _Push:
    mapping_id: uuid.UUID
    adjustment: POSAdjustment
    new_base: int


@dataclass
class _Run:
    """What one run has done so far."""

    id: uuid.UUID
    integration: IntegrationRecord
    strategy: ConflictStrategy
    errors: list[str] = field(default_factory=list)
    processed: int = 0
    updated: set[tuple[str, str]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTERS, 0))
    seen: set[tuple[str, str]] = field(default_factory=set)
    warned_locations: set[str] = field(default_factory=set)


class SyncManager:
    """Runs syncs of POS integrations against the store."""

    def __init__(
        self,
        db: Database,
        adapter_factory: AdapterFactory,
        *,
        actor: str = "sync",
        clock: Clock = _utc_now,
        locks: SyncLockManager | None = None,
    ) -> None:
        self._db = db
        self._factory = adapter_factory
        self._actor = actor
        self._clock = clock
        self._locks = locks or SyncLockManager(db)

    async def sync(self, integration_id: uuid.UUID, sync_type: str = "full") -> InventorySyncResult:
        """Sync one integration; raises :class:`SyncInProgressError` when it is already
        syncing and re-raises what stopped a run after logging it as failed."""
        if sync_type not in SYNC_TYPES:
            raise ValidationError(f"A sync is 'full' or 'incremental', not {sync_type!r}.")
        with self._locks.hold(integration_id):
            integration = await asyncio.to_thread(self._load_integration, integration_id)
            started = self._clock()
            run = _Run(uuid.uuid4(), integration, _strategy(integration.sync_settings))
            failure: BaseException | None = None
            adapter: POSAdapter | None = None
            try:
                adapter = self._factory(integration)
                await self._run(adapter, run, sync_type)
            except Exception as err:  # logged as a failed run below, then re-raised
                failure = err
                run.errors.append(str(err) or type(err).__name__)
            finally:
                if adapter is not None:
                    await adapter.aclose()
            if failure is not None:
                status = SyncStatus.FAILED
            else:
                status = SyncStatus.PARTIAL if run.errors else SyncStatus.SUCCESS
            result = InventorySyncResult(
                id=run.id,
                integration_id=integration_id,
                sync_type=sync_type,
                status=status,
                started_at=started,
                completed_at=self._clock(),
                products_processed=run.processed,
                products_updated=len(run.updated),
                errors=tuple(run.errors),
                summary=dict(run.counts),
            )
            await asyncio.to_thread(self._write_log, run, result)
            if failure is not None:
                raise failure
            log.info("sync %s of %s: %s %s", run.id, integration.name, status, run.counts)
            return result

    # -- the run ---------------------------------------------------------------------------

    async def _run(self, adapter: POSAdapter, run: _Run, sync_type: str) -> None:
        since = None
        if sync_type == "incremental" and run.integration.last_sync_at is not None:
            since = run.integration.last_sync_at - OVERLAP
        items: dict[str, POSItem] | None = None
        async for page in adapter.iter_counts(since):
            run.errors.extend(page.skipped)
            counts = self._dedupe(run, page.items)
            if not counts:
                continue
            if items is None and await asyncio.to_thread(self._has_unmapped, run, counts):
                items = {}
                async for item_page in adapter.iter_items():
                    run.errors.extend(item_page.skipped)
                    items.update((i.external_id, i) for i in item_page.items)
            pushes = await asyncio.to_thread(self._apply_page, run, counts, items or {})
            if pushes:
                outcomes = await adapter.push_adjustments([p.adjustment for p in pushes])
                await asyncio.to_thread(self._settle, run, pushes, outcomes)

    @staticmethod
    def _dedupe(run: _Run, counts: Sequence[POSCount]) -> list[POSCount]:
        """Each (item, location) once per run (incremental reads overlap)."""
        fresh = []
        for count in counts:
            key = (count.external_item_id, count.location_id)
            if key not in run.seen:
                run.seen.add(key)
                fresh.append(count)
        return fresh

    # -- database work (in a worker thread, one transaction each) ---------------------------

    def _load_integration(self, integration_id: uuid.UUID) -> IntegrationRecord:
        with self._db.session() as session:
            row = session.get(POSIntegration, integration_id)
            if row is None:
                raise NotFoundError(f"No POS integration {integration_id}.")
            return IntegrationRecord(
                id=row.id,
                name=row.name,
                type=row.type,
                configuration=dict(row.configuration or {}),
                sync_settings=dict(row.sync_settings or {}),
                external_key=row.external_key,
                last_sync_at=row.last_sync_at,
            )

    def _mappings(
        self, session: Session, run: _Run, counts: Sequence[POSCount]
    ) -> dict[tuple[str, str], POSMapping]:
        ids = sorted({c.external_item_id for c in counts})
        rows = session.scalars(
            select(POSMapping).where(
                POSMapping.integration_id == run.integration.id,
                POSMapping.external_item_id.in_(ids),
            )
        )
        return {(m.external_item_id, m.external_location_id): m for m in rows}

    def _has_unmapped(self, run: _Run, counts: Sequence[POSCount]) -> bool:
        with self._db.session() as session:
            mapped = self._mappings(session, run, counts)
        return any((c.external_item_id, c.location_id) not in mapped for c in counts)

    def _apply_page(
        self, run: _Run, counts: Sequence[POSCount], items: dict[str, POSItem]
    ) -> list[_Push]:
        location_map: dict[str, str] = run.integration.configuration.get("locationMap") or {}
        now = self._clock()
        pushes: list[_Push] = []
        with self._db.session() as session:
            warehouses = {
                w.code: w.id
                for w in session.scalars(
                    select(Warehouse).where(Warehouse.code.in_(set(location_map.values())))
                )
            }
            mappings = self._mappings(session, run, counts)
            for count in counts:
                warehouse_id = self._warehouse_for(run, count, location_map, warehouses)
                if warehouse_id is None:
                    continue
                key = (count.external_item_id, count.location_id)
                mapping = mappings.get(key)
                if mapping is None:
                    mapping = self._create_mapping(session, run, count, warehouse_id, items)
                    if mapping is None:
                        continue
                    mappings[key] = mapping
                push = self._apply_count(session, run, mapping, count, now)
                if push is not None:
                    pushes.append(push)
        return pushes

    def _warehouse_for(
        self,
        run: _Run,
        count: POSCount,
        location_map: dict[str, str],
        warehouses: dict[str, uuid.UUID],
    ) -> uuid.UUID | None:
        loc = count.location_id
        code = location_map.get(loc)
        warehouse_id = warehouses.get(code) if code is not None else None
        if warehouse_id is None and loc not in run.warned_locations:
            run.warned_locations.add(loc)
            if code is None:
                run.errors.append(f"POS location {loc} is not mapped to a warehouse")
            else:
                run.errors.append(f"POS location {loc} maps to unknown warehouse {code}")
        return warehouse_id

    def _create_mapping(
        self,
        session: Session,
        run: _Run,
        count: POSCount,
        warehouse_id: uuid.UUID,
        items: dict[str, POSItem],
    ) -> POSMapping | None:
        item = items.get(count.external_item_id)
        product_id = None
        if item is not None and item.sku:
            product_id = session.scalar(select(Product.id).where(Product.sku == item.sku))
        gtin = normalize_gtin(item.barcode) if item is not None and item.barcode else None
        if product_id is None and gtin is not None:
            product_id = session.scalar(select(Product.id).where(Product.gtin == gtin).limit(1))
        if product_id is None:
            sku = item.sku if item is not None else None
            run.errors.append(
                f"POS item {count.external_item_id} (SKU {sku or '—'}) matches no product"
            )
            run.counts["unmatched"] += 1
            return None
        mapping = POSMapping(
            id=uuid.uuid4(),
            integration_id=run.integration.id,
            product_id=product_id,
            warehouse_id=warehouse_id,
            external_item_id=count.external_item_id,
            external_location_id=count.location_id,
            last_synced_quantity=None,
        )
        session.add(mapping)
        session.flush()
        run.counts["mappings_created"] += 1
        return mapping

    def _apply_count(
        self, session: Session, run: _Run, mapping: POSMapping, count: POSCount, now: datetime
    ) -> _Push | None:
        product = session.get(Product, mapping.product_id)
        assert product is not None  # the mapping's foreign key cascades
        sys = session.scalar(
            select(StockLevel.on_hand).where(
                StockLevel.product_id == mapping.product_id,
                StockLevel.warehouse_id == mapping.warehouse_id,
            )
        )
        base = mapping.last_synced_quantity
        inp = MergeInput(base, count.quantity, sys or 0, ReviewPolicy(product.review_policy))
        decision = decide(inp, run.strategy)
        run.processed += 1
        key = (count.external_item_id, count.location_id)
        if decision.pull_delta:
            reason = (
                MovementReason.CONFLICT_RESOLUTION
                if decision.resolved_by_strategy
                else MovementReason.SYNC_PULL
            )
            request = MovementRequest(
                product_id=mapping.product_id,
                warehouse_id=mapping.warehouse_id,
                delta=decision.pull_delta,
                reason=reason,
                actor=self._actor,
                reference=str(run.id),
                note=decision.reason,
                at=now,
            )
            apply_movements(session, [request])
            run.counts["pulled"] += 1
            run.updated.add(key)
        if decision.conflict:
            self._record_conflict(session, run, mapping, inp, decision, now)
        if decision.new_base is None:
            return None
        # Until the push lands, both sides agree on the POS's current value after the pull.
        mapping.last_synced_quantity = decision.new_base - decision.push_delta
        mapping.last_synced_at = now
        if not decision.push_delta:
            return None
        adjustment = POSAdjustment(
            external_item_id=count.external_item_id,
            location_id=count.location_id,
            delta=decision.push_delta,
            idempotency_key=str(
                uuid.uuid5(run.id, f"{count.external_item_id}\x1f{count.location_id}")
            ),
            occurred_at=now,
            reference=str(run.id),
        )
        return _Push(mapping.id, adjustment, decision.new_base)

    def _record_conflict(
        self,
        session: Session,
        run: _Run,
        mapping: POSMapping,
        inp: MergeInput,
        decision: Decision,
        now: datetime,
    ) -> None:
        run.counts["conflicts"] += 1
        where = (
            SyncConflict.integration_id == run.integration.id,
            SyncConflict.product_id == mapping.product_id,
            SyncConflict.warehouse_id == mapping.warehouse_id,
            SyncConflict.status == ConflictStatus.OPEN.value,
        )
        conflict = session.scalars(select(SyncConflict).where(*where).limit(1)).first()
        if conflict is None:
            conflict = SyncConflict(
                id=uuid.uuid4(),
                integration_id=run.integration.id,
                product_id=mapping.product_id,
                warehouse_id=mapping.warehouse_id,
            )
            session.add(conflict)
        conflict.pos_value = inp.pos
        conflict.system_value = inp.sys
        conflict.base_value = inp.base
        conflict.detected_at = now
        conflict.note = decision.reason
        if decision.resolved_by_strategy:
            conflict.status = ConflictStatus.RESOLVED.value
            conflict.strategy = run.strategy.value
            conflict.resolved_value = decision.new_base
            conflict.resolved_by = self._actor
            conflict.resolved_at = now
        else:
            conflict.status = ConflictStatus.OPEN.value
            conflict.strategy = ConflictStrategy.MANUAL_REVIEW.value
            run.counts["conflicts_open"] += 1

    def _settle(self, run: _Run, pushes: Sequence[_Push], outcomes: Sequence[PushOutcome]) -> None:
        """Move the bases of the pushes the POS accepted; report the others."""
        now = self._clock()
        with self._db.session() as session:
            for push, outcome in zip(pushes, outcomes, strict=True):
                adj = push.adjustment
                if not outcome.ok:
                    run.counts["push_failed"] += 1
                    run.errors.append(
                        f"Push of {adj.delta:+d} for POS item {adj.external_item_id} at "
                        f"{adj.location_id} failed: {outcome.error or 'no reason given'}"
                    )
                    continue
                mapping = session.get(POSMapping, push.mapping_id)
                if mapping is not None:
                    mapping.last_synced_quantity = push.new_base
                    mapping.last_synced_at = now
                run.counts["pushed"] += 1
                run.updated.add((adj.external_item_id, adj.location_id))

    def _write_log(self, run: _Run, result: InventorySyncResult) -> None:
        with self._db.session() as session:
            session.add(
                IntegrationSyncLog(
                    id=run.id,
                    integration_id=run.integration.id,
                    integration_type=run.integration.type,
                    sync_type=result.sync_type,
                    status=result.status.value,
                    records_processed=result.products_processed,
                    errors_count=len(result.errors),
                    error_details=list(result.errors),
                    summary=_summary(result),
                    started_at=result.started_at,
                    completed_at=result.completed_at,
                )
            )
            if result.status is not SyncStatus.FAILED:
                row = session.get(POSIntegration, run.integration.id)
                if row is not None:
                    row.last_sync_at = result.started_at


def _summary(result: InventorySyncResult) -> dict[str, Any]:
    return {**result.summary, "products_updated": result.products_updated}


def _strategy(settings: dict[str, Any]) -> ConflictStrategy:
    value = settings.get("conflictResolution") or ConflictStrategy.MANUAL_REVIEW.value
    try:
        return ConflictStrategy(value)
    except ValueError:
        raise ValidationError(f"Unknown conflict strategy {value!r}.") from None
