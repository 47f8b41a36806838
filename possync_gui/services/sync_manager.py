"""The Sync Manager: one three-way sync of one integration (DESIGN.md §4, §8).

A run holds the integration's sync lock and works in phases, each switched by the
integration's ``syncSettings``:

1. **Queued pushes** left by an earlier run (the process died between committing a batch and
   hearing back from the POS, or the POS stopped answering) are sent again under their own
   idempotency keys, so the POS applies each once; then their bases move.
2. **Counts** (``syncInventory``, on by default): the POS counts page by page; for each
   mapped (item, location) :func:`~possync_gui.domain.merge.decide` says what to pull into
   the store and what to push. A page is one transaction — movements, conflicts, new
   mappings, moved bases and the queued pushes — committed before the pushes are sent. A
   base moves to the agreed quantity only once the POS accepted its push (in the next
   page's transaction, or one at the end). The database compares the page with the store
   (:mod:`possync_gui.store.sync_pages`), so only the counts that moved reach Python, and
   the next page is fetched while this one is written. An incremental run then pushes the
   store's own changes since the last sync, looked up while the counts were read.
3. **Sales** (``syncSales``): units sold per item, location and day into ``sales_daily``.
4. **Products** (``syncProducts``): names and barcodes of mapped products kept current.

Cancelling a run (``asyncio`` cancellation) lets the batch being written finish, then
stops: what committed stays, queued pushes wait for the next run.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    String,
    delete,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import (
    ConflictStatus,
    ConflictStrategy,
    MovementReason,
    ReviewPolicy,
)
from possync_gui.domain.errors import NotFoundError, SyncInProgressError, ValidationError
from possync_gui.domain.merge import Decision, MergeInput, decide, decide_open_conflict
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import IntegrationRecord, InventorySyncResult, SyncStatus
from possync_gui.pos.base import (
    Page,
    POSAdapter,
    POSAdjustment,
    POSCount,
    POSItem,
    PushOutcome,
)
from possync_gui.services.threads import in_thread
from possync_gui.store.conflicts import add_event
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_deltas
from possync_gui.store.locks import SyncLockManager
from possync_gui.store.models import (
    IntegrationSyncLog,
    PendingPush,
    POSIntegration,
    POSMapping,
    Product,
    SalesDaily,
    StockLevel,
    SyncConflict,
    Warehouse,
)
from possync_gui.store.sync_pages import (
    MappedRow,
    MovedLevel,
    QueuedPush,
    levels_moved_since,
    move_bases,
    queue_pushes,
    read_page,
)

log = logging.getLogger("possync.sync")

T = TypeVar("T")
AdapterFactory = Callable[[IntegrationRecord], POSAdapter]
Clock = Callable[[], datetime]

SYNC_TYPES = ("full", "incremental")
#: Incremental syncs re-read this much before the last sync (DESIGN.md §4's overlap window).
OVERLAP = timedelta(minutes=5)
#: How far back the first sales pull of an integration reaches.
SALES_HISTORY = timedelta(days=30)
#: Store-side changes pushed per transaction by an incremental run.
STORE_SIDE_BATCH = 1000
#: Runs kept in the sync log per integration (older ones are dropped as new ones land).
LOG_KEEP = 1000
#: Status written to the sync log for a run a person cancelled.
CANCELLED = "cancelled"
#: The strategy (and history event) of a conflict closed because its sides agree again.
CLOSED_BY_SYNC = "closed_by_sync"


def _utc_now() -> datetime:
    return datetime.now(UTC)


_COUNTERS: tuple[str, ...] = ("pulled", "pushed", "push_failed", "conflicts", "conflicts_open")
_COUNTERS += ("mappings_created", "unmatched", "requeued", "sales_days", "products_renamed")
_COUNTERS += ("conflicts_closed",)


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """Where a run is, for a progress bar: the phase and how many records it has handled."""

    phase: str
    processed: int
    pages: int = 0

    @property
    def text(self) -> str:
        return f"{self.phase}: {self.processed:,} handled"


ProgressCallback = Callable[[SyncProgress], None]


def sync_settings(settings: dict[str, Any]) -> dict[str, bool]:
    """The seed's ``POSSyncSettings`` switches with their defaults (only counts are on)."""
    return {
        "syncInventory": bool(settings.get("syncInventory", True)),
        "syncSales": bool(settings.get("syncSales", False)),
        "syncProducts": bool(settings.get("syncProducts", False)),
        "syncCustomers": bool(settings.get("syncCustomers", False)),
        "autoCreatePurchaseOrders": bool(settings.get("autoCreatePurchaseOrders", False)),
    }


@dataclass(frozen=True, slots=True)
class _Push:
    mapping_id: uuid.UUID
    adjustment: POSAdjustment
    new_base: int


@dataclass(slots=True)
class _Map:
    """The part of a ``pos_mappings`` row a batch needs. Ids stay as the database's text
    (``_raw``) until a row needs writing: most rows of a full sync change nothing, and
    making 3 UUID objects per row was a quarter of a full sync's time."""

    raw_id: str
    raw_product: str
    raw_warehouse: str
    base: int | None
    policy: str = ReviewPolicy.AUTO.value
    on_hand: int = 0
    has_level: bool = False

    @classmethod
    def of(cls, row: MappedRow) -> _Map:
        on_hand = row.on_hand
        return cls(
            row.raw_id,
            row.raw_product,
            row.raw_warehouse,
            row.base,
            row.policy,
            on_hand or 0,
            on_hand is not None,
        )

    @property
    def level(self) -> tuple[str, str]:
        return (self.raw_product, self.raw_warehouse)

    # Plain properties, not functools.cached_property: its per-class lock cost more than
    # the UUID it saved, and a row is written at most twice.
    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(self.raw_id)

    @property
    def product_id(self) -> uuid.UUID:
        return uuid.UUID(self.raw_product)

    @property
    def warehouse_id(self) -> uuid.UUID:
        return uuid.UUID(self.raw_warehouse)


def _raw(column: Any) -> Any:
    """A UUID column read as text (hex on SQLite, dashed on PostgreSQL; UUID() reads both)."""
    return sql_cast(column, String)


@dataclass
class _Run:
    """What one run has done so far."""

    id: uuid.UUID
    integration: IntegrationRecord
    strategy: ConflictStrategy
    progress: ProgressCallback | None = None
    errors: list[str] = field(default_factory=list)
    processed: int = 0
    pages: int = 0
    updated: set[tuple[str, str]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTERS, 0))
    seen: set[tuple[str, str]] = field(default_factory=set)
    warned_locations: set[str] = field(default_factory=set)
    #: (product, warehouse) levels whose conflict waits for a person: their base is stale.
    open_conflicts: set[tuple[str, str]] = field(default_factory=set)
    #: Warehouse code -> id for the location map, read on the first page.
    warehouses: dict[str, uuid.UUID] | None = None
    #: POS location -> warehouse (None: not mapped, reported once).
    locations: dict[str, uuid.UUID | None] = field(default_factory=dict)
    #: A page held a count whose level another mapping of the integration moves too.
    shared_levels: bool = False
    #: Warehouse ids as the database's text -> UUID (a run sees a handful of warehouses).
    _warehouse_uuids: dict[str, uuid.UUID] = field(default_factory=dict)

    def warehouse_uuid(self, raw: str) -> uuid.UUID:
        """The UUID of a warehouse id read as text, parsed once per run."""
        found = self._warehouse_uuids.get(raw)
        if found is None:
            found = self._warehouse_uuids[raw] = uuid.UUID(raw)
        return found

    def report(self, phase: str, processed: int | None = None) -> None:
        if self.progress is not None:
            done = self.processed if processed is None else processed
            self.progress(SyncProgress(phase, done, self.pages))


#: Push requests the POS answered: the pushes sent, and its answer to each.
Answered = list[tuple[list[_Push], list[PushOutcome]]]


@dataclass
class _Settled:
    """What settling some answered pushes did, for the run's figures once committed."""

    pushed: list[tuple[str, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def note(self, run: _Run) -> None:
        run.counts["pushed"] += len(self.pushed)
        run.updated.update(self.pushed)
        run.counts["push_failed"] += len(self.failed)
        run.errors.extend(self.failed)


class _PushQueue:
    """A page's pushes run while the next pages are read and written, a few at a time. Each
    push was queued (``pos_pending_pushes``) with its page, so one cut short by a failure or
    a cancellation is sent again by the next run. What the POS answered is settled (bases
    moved, queue rows dropped) in the transaction of the next page written, or at the end
    by :meth:`settle_rest` — one transaction per page instead of one per push request."""

    LIMIT = 4

    def __init__(self, manager: SyncManager, adapter: POSAdapter, run: _Run) -> None:
        self._manager = manager
        self._adapter = adapter
        self._run = run
        self._tasks: set[asyncio.Task[None]] = set()
        self._answered: Answered = []
        #: The POS catalog once a page needed it to match new items.
        self.items: dict[str, POSItem] | None = None

    async def start(self, pushes: list[_Push]) -> None:
        while len(self._tasks) >= self.LIMIT:
            done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            self._reap(done)
        self._tasks.add(asyncio.ensure_future(self._push(pushes)))

    async def _push(self, pushes: list[_Push]) -> None:
        outcomes = await self._adapter.push_adjustments([p.adjustment for p in pushes])
        self._answered.append((pushes, list(outcomes)))

    def take_answered(self) -> Answered:
        """The pushes the POS answered since the last call, for a page to settle."""
        answered, self._answered = self._answered, []
        return answered

    def put_back(self, answered: Answered) -> None:
        """Pushes a page took but did not settle (its transaction failed)."""
        self._answered[:0] = answered

    def _reap(self, done: set[asyncio.Task[None]]) -> None:
        self._tasks -= done
        for task in done:
            task.result()  # a failed push stops the run, as it did when pushes were awaited

    async def drain(self) -> None:
        if self._tasks:
            done, _ = await asyncio.wait(self._tasks)
            self._reap(done)

    async def settle_rest(self) -> None:
        """Wait for the pushes still running and settle every answer not settled yet."""
        await self.drain()
        answered = self.take_answered()
        if answered:
            await in_thread(self._manager._settle_answered, self._run, answered)

    async def abandon(self) -> None:
        """On the way out after a failure or cancellation: stop what is still running and
        settle what the POS already answered (what it did not stays queued for the next
        run)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        answered = self.take_answered()
        if answered:
            try:
                await in_thread(self._manager._settle_answered, self._run, answered)
            except Exception:  # the run is failing already; those pushes stay queued
                log.warning("could not settle %d answered push requests", len(answered))


async def _read_ahead(pages: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """``pages``, with the next one already asked for while the caller writes this one: the
    POS prepares its answer (and the client reads it) while the database works."""
    pending: asyncio.Future[T] = asyncio.ensure_future(anext(pages))
    try:
        while True:
            try:
                page = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(anext(pages))
            yield page
    finally:
        if not pending.done():
            pending.cancel()
        # Retrieved either way: an error of a page nobody will write is moot.
        await asyncio.gather(pending, return_exceptions=True)
        aclose = getattr(pages, "aclose", None)
        if aclose is not None:
            await aclose()


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
        #: Integrations this process is syncing now: the lock row is per owner, so a second
        #: run in the same process (the scheduler and "Sync now") is refused here.
        self._running: set[uuid.UUID] = set()

    async def sync(
        self,
        integration_id: uuid.UUID,
        sync_type: str = "full",
        *,
        progress: ProgressCallback | None = None,
    ) -> InventorySyncResult:
        """Sync one integration; raises :class:`SyncInProgressError` when it is already
        syncing and re-raises what stopped a run (or its cancellation) after logging it."""
        if sync_type not in SYNC_TYPES:
            raise ValidationError(f"A sync is 'full' or 'incremental', not {sync_type!r}.")
        if integration_id in self._running:
            raise SyncInProgressError()
        self._running.add(integration_id)
        try:
            return await self._sync_locked(integration_id, sync_type, progress)
        finally:
            self._running.discard(integration_id)

    async def _sync_locked(
        self, integration_id: uuid.UUID, sync_type: str, progress: ProgressCallback | None
    ) -> InventorySyncResult:
        with self._locks.hold(integration_id):
            # One read (one worker hop) for all a run starts from.
            integration, queued, waiting = await in_thread(self._run_state, integration_id)
            started = self._clock()
            run = _Run(uuid.uuid4(), integration, _strategy(integration.sync_settings), progress)
            failure: BaseException | None = None
            adapter: POSAdapter | None = None
            try:
                # Off the loop: building a client reads the keyring and TLS settings.
                adapter = await in_thread(self._factory, integration)
                await self._run(adapter, run, sync_type, queued, waiting)
            except asyncio.CancelledError as err:
                failure = err
                run.errors.append("Cancelled by the user; the batches already written are kept.")
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
            cancelled = isinstance(failure, asyncio.CancelledError)
            # Shielded: a cancelled run is still written to the log before the lock goes.
            await asyncio.shield(asyncio.to_thread(self._write_log, run, result, cancelled))
            if failure is not None:
                raise failure
            log.info("sync %s of %s: %s %s", run.id, integration.name, status, run.counts)
            return result

    # -- the run ---------------------------------------------------------------------------

    async def _run(
        self,
        adapter: POSAdapter,
        run: _Run,
        sync_type: str,
        queued: list[_Push],
        open_conflicts: set[tuple[str, str]],
    ) -> None:
        switches = sync_settings(run.integration.sync_settings)
        since = None
        if sync_type == "incremental" and run.integration.last_sync_at is not None:
            since = run.integration.last_sync_at - OVERLAP
        await self._send_queued(adapter, run, queued)
        if switches["syncInventory"]:
            run.open_conflicts = open_conflicts
            if since is None:
                await self._sync_counts(adapter, run, None)
            else:
                await self._sync_both_sides(adapter, run, since)
        if switches["syncSales"]:
            await self._sync_sales(adapter, run)
        if switches["syncProducts"]:
            await self._sync_products(adapter, run, since)

    async def _send_queued(self, adapter: POSAdapter, run: _Run, queued: list[_Push]) -> None:
        if not queued:
            return
        run.report("Sending queued changes", 0)
        outcomes = await adapter.push_adjustments([p.adjustment for p in queued])
        await in_thread(self._settle, run, queued, outcomes)
        run.counts["requeued"] += len(queued)

    async def _sync_both_sides(self, adapter: POSAdapter, run: _Run, since: datetime) -> None:
        """An incremental run: what the POS changed, then what the store changed. The store's
        changes are looked up (a read on a connection of its own) while the POS's are read
        and written; what the counts then decide is left out of them, and a level the store
        writes after the look-up is the next run's (it reads from this run's start on)."""
        moved = asyncio.ensure_future(in_thread(self._store_moved, run, since))
        try:
            await self._sync_counts(adapter, run, since)
        except BaseException:
            moved.cancel()
            await asyncio.gather(moved, return_exceptions=True)
            raise
        found = await moved
        if run.shared_levels:
            # A count moved a level another POS item shares: that item's push is the
            # store's change now, so look again.
            found = await in_thread(self._store_moved, run, since)
        await self._sync_store_side(adapter, run, found)

    async def _sync_counts(self, adapter: POSAdapter, run: _Run, since: datetime | None) -> None:
        run.report("Reading counts")
        items: dict[str, POSItem] | None = None
        pushing = _PushQueue(self, adapter, run)
        try:
            async with aclosing(_read_ahead(adapter.iter_counts(since))) as pages:
                async for page in pages:
                    await self._count_page(adapter, run, page, items, pushing)
                    if pushing.items is not None:
                        items = pushing.items
            await pushing.settle_rest()
        finally:
            await pushing.abandon()

    async def _count_page(
        self,
        adapter: POSAdapter,
        run: _Run,
        page: Page[POSCount],
        items: dict[str, POSItem] | None,
        pushing: _PushQueue,
    ) -> None:
        """Write one page and start its pushes (they overlap the next pages' work)."""
        run.pages += 1
        run.errors.extend(page.skipped)
        counts = self._dedupe(run, page.items)
        if not counts:
            return
        answered = pushing.take_answered()
        try:
            pushes = await in_thread(self._apply_page, run, counts, items, answered)
            if pushes is None:  # unmapped items: read the catalog once to match them
                items = {}
                run.report("Reading the catalog to match new items")
                async for item_page in adapter.iter_items():
                    run.errors.extend(item_page.skipped)
                    items.update((i.external_id, i) for i in item_page.items)
                pushing.items = items
                pushes = await in_thread(self._apply_page, run, counts, items, answered)
                assert pushes is not None
        except BaseException:
            pushing.put_back(answered)
            raise
        run.report("Syncing counts")
        if pushes:
            await pushing.start(pushes)

    async def _sync_store_side(
        self, adapter: POSAdapter, run: _Run, moved: list[MovedLevel]
    ) -> None:
        """Incremental runs read only what the POS changed; the store's own changes since
        the last agreement (deliveries, counts, a push the POS refused) are pushed here, each
        as its delta — the POS's count for them is taken as the agreed one, since it reported
        no change (if it did move, that move arrives with its next change and is pulled).
        ``moved`` are the levels :meth:`_store_moved` found; a push the POS refused earlier
        waits for the next full sync."""
        counts = [
            POSCount(m.external_item_id, m.external_location_id, m.base)
            for m in moved
            if (m.raw_product, m.raw_warehouse) not in run.open_conflicts
        ]
        for start in range(0, len(counts), STORE_SIDE_BATCH):
            chunk = self._dedupe(run, counts[start : start + STORE_SIDE_BATCH])
            if not chunk:
                continue
            pushes = await in_thread(self._apply_page, run, chunk, {})
            run.report("Pushing store changes")
            if pushes:
                outcomes = await adapter.push_adjustments([p.adjustment for p in pushes])
                await in_thread(self._settle, run, pushes, outcomes)

    async def _sync_sales(self, adapter: POSAdapter, run: _Run) -> None:
        now = self._clock()
        last = run.integration.last_sync_at
        start = (last - OVERLAP) if last is not None else now - SALES_HISTORY
        # Whole days only: a day's figure is replaced, so it must be read complete.
        since = datetime.combine(start.date(), time(0), tzinfo=UTC)
        run.report("Reading sales", 0)
        totals: dict[tuple[str, str, date], int] = defaultdict(int)
        async for page in adapter.iter_sales(since, now):
            run.errors.extend(page.skipped)
            for sale in page.items:
                totals[(sale.external_item_id, sale.location_id, sale.day)] += sale.quantity
            run.report("Reading sales", len(totals))
        await in_thread(self._write_sales, run, totals)

    async def _sync_products(self, adapter: POSAdapter, run: _Run, since: datetime | None) -> None:
        run.report("Reading product names and barcodes", 0)
        seen = 0
        async for page in adapter.iter_items(since):
            run.errors.extend(page.skipped)
            seen += len(page.items)
            if page.items:
                await in_thread(self._update_products, run, page.items)
            run.report("Reading product names and barcodes", seen)

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

    def _run_state(
        self, integration_id: uuid.UUID
    ) -> tuple[IntegrationRecord, list[_Push], set[tuple[str, str]]]:
        """What a run starts from, in one read: the integration, the pushes queued by
        earlier runs (oldest first) and the (product, warehouse) levels whose conflict waits
        for a person."""
        with self._db.session() as session:
            row = session.get(POSIntegration, integration_id)
            if row is None:
                raise NotFoundError(f"No POS integration {integration_id}.")
            integration = IntegrationRecord(
                id=row.id,
                name=row.name,
                type=row.type,
                configuration=dict(row.configuration or {}),
                sync_settings=dict(row.sync_settings or {}),
                external_key=row.external_key,
                last_sync_at=row.last_sync_at,
            )
            rows = session.scalars(
                select(PendingPush)
                .where(PendingPush.integration_id == integration_id)
                .order_by(PendingPush.created_at)
            )
            queued = [
                _Push(
                    row.mapping_id,
                    POSAdjustment(
                        external_item_id=row.external_item_id,
                        location_id=row.external_location_id,
                        delta=row.delta,
                        idempotency_key=row.idempotency_key,
                        occurred_at=row.occurred_at,
                        reference=row.reference,
                    ),
                    row.new_base,
                )
                for row in rows
            ]
            waiting = session.execute(
                select(_raw(SyncConflict.product_id), _raw(SyncConflict.warehouse_id)).where(
                    SyncConflict.integration_id == integration_id,
                    SyncConflict.status == ConflictStatus.OPEN.value,
                    SyncConflict.warehouse_id.is_not(None),
                )
            )
            return integration, queued, {(r[0], r[1]) for r in waiting if r[1] is not None}

    def _store_moved(self, run: _Run, since: datetime) -> list[MovedLevel]:
        """Mapped levels written since ``since`` whose store figure differs from the agreed
        one (by index, O(changes): :func:`~possync_gui.store.sync_pages.levels_moved_since`)."""
        with self._db.session() as session:
            return levels_moved_since(session, run.integration.id, since)

    def _mappings(
        self, session: Session, run: _Run, counts: Sequence[POSCount]
    ) -> dict[tuple[str, str], _Map]:
        """The mappings of a page's items with what a decision needs from the store (the
        product's review policy, the level's on-hand), in one query."""
        ids = sorted({c.external_item_id for c in counts})
        level = (StockLevel.product_id == POSMapping.product_id) & (
            StockLevel.warehouse_id == POSMapping.warehouse_id
        )
        # Core, not ORM, execution: a full sync reads every mapping, most to change nothing.
        rows = (
            session.connection()
            .execute(
                select(
                    POSMapping.external_item_id,
                    POSMapping.external_location_id,
                    _raw(POSMapping.id),
                    _raw(POSMapping.product_id),
                    _raw(POSMapping.warehouse_id),
                    POSMapping.last_synced_quantity,
                    Product.review_policy,
                    StockLevel.on_hand,
                )
                .join(Product, Product.id == POSMapping.product_id)
                .outerjoin(StockLevel, level)
                .where(
                    POSMapping.integration_id == run.integration.id,
                    POSMapping.external_item_id.in_(ids),
                )
            )
            .all()
        )  # one fetchall: row-by-row fetching cost a third of a page's time
        return {
            (r[0], r[1]): _Map(r[2], r[3], r[4], r[5], r[6], r[7] or 0, r[7] is not None)
            for r in rows
        }

    def _apply_page(
        self,
        run: _Run,
        counts: Sequence[POSCount],
        items: dict[str, POSItem] | None,
        answered: Answered | None = None,
    ) -> list[_Push] | None:
        """Decide and write one page in one transaction, settling in it the pushes of
        earlier pages the POS ``answered`` (emptied once committed); returns the pushes it
        queued, or None (having written nothing) when it holds unmapped items and ``items``
        (the POS catalog, to match them) has not been read yet."""
        now = self._clock()
        with self._db.session() as session:
            work = self._page_work(session, run, counts, items, now)
            if work is None:
                return None
            pushes = self._apply_counts(session, run, work, now)
            settled = [self._settle_in(session, sent, said, now) for sent, said in answered or ()]
        for done in settled:  # committed: now they count
            done.note(run)
        if answered:
            answered.clear()
        return pushes

    def _page_work(
        self,
        session: Session,
        run: _Run,
        counts: Sequence[POSCount],
        items: dict[str, POSItem] | None,
        now: datetime,
    ) -> list[tuple[POSCount, _Map]] | None:
        """The page's counts that need a decision, with their mappings (creating those of
        new items from ``items``); None when there are new items and no ``items`` yet."""
        located = self._located(session, run, counts)
        read = read_page(
            session,
            run.integration.id,
            [(c.external_item_id, c.location_id, c.quantity) for c, _w in located],
            run.open_conflicts,
        )
        new = [located[i] for i in read.unmapped]
        if new and items is None:
            return None
        work: list[tuple[POSCount, _Map]]
        if any(r.shared for r in read.attention):
            # Two POS items move one level: each count sees what the ones before it in the
            # page pulled, so every mapped count of the page is decided, in order.
            run.shared_levels = True
            mappings = self._mappings(session, run, [c for c, _w in located])
            work = [
                (c, m)
                for c, _w in located
                if (m := mappings.get((c.external_item_id, c.location_id))) is not None
            ]
        else:
            run.processed += read.quiet  # POS, store and base agree: nothing to do
            work = [(located[r.index][0], _Map.of(r)) for r in read.attention]
        if new and items is not None and self._create_mappings(session, run, new, items, now):
            # The new mappings have no base yet, so the same read returns each one created.
            fresh = [c for c, _w in new]
            created = read_page(
                session,
                run.integration.id,
                [(c.external_item_id, c.location_id, c.quantity) for c in fresh],
                run.open_conflicts,
            )
            work += [(fresh[r.index], _Map.of(r)) for r in created.attention]
        return work

    def _located(
        self, session: Session, run: _Run, counts: Sequence[POSCount]
    ) -> list[tuple[POSCount, uuid.UUID]]:
        """The page's counts at locations mapped to a warehouse, with that warehouse (the
        others are reported once per run and left out)."""
        location_map: dict[str, str] = run.integration.configuration.get("locationMap") or {}
        if run.warehouses is None:  # read once per run
            run.warehouses = {
                w.code: w.id
                for w in session.scalars(
                    select(Warehouse).where(Warehouse.code.in_(set(location_map.values())))
                )
            }
        located: list[tuple[POSCount, uuid.UUID]] = []
        by_location = run.locations
        for count in counts:
            loc = count.location_id
            if loc not in by_location:
                by_location[loc] = self._warehouse_for(run, loc, location_map, run.warehouses)
            warehouse_id = by_location[loc]
            if warehouse_id is not None:
                located.append((count, warehouse_id))
        return located

    def _warehouse_for(
        self,
        run: _Run,
        loc: str,
        location_map: dict[str, str],
        warehouses: dict[str, uuid.UUID],
    ) -> uuid.UUID | None:
        code = location_map.get(loc)
        warehouse_id = warehouses.get(code) if code is not None else None
        if warehouse_id is None and loc not in run.warned_locations:
            run.warned_locations.add(loc)
            if code is None:
                run.errors.append(f"POS location {loc} is not mapped to a warehouse")
            else:
                run.errors.append(f"POS location {loc} maps to unknown warehouse {code}")
        return warehouse_id

    def _create_mappings(
        self,
        session: Session,
        run: _Run,
        new: Sequence[tuple[POSCount, uuid.UUID]],
        items: dict[str, POSItem],
        now: datetime,
    ) -> dict[tuple[str, str], _Map]:
        """Match new POS items to products by SKU, then barcode; report the rest."""
        skus = {i.sku for c, _w in new if (i := items.get(c.external_item_id)) and i.sku}
        gtins = {
            g
            for c, _w in new
            if (i := items.get(c.external_item_id))
            and i.barcode
            and (g := normalize_gtin(i.barcode))
        }
        by_sku: dict[str, uuid.UUID] = {}
        by_gtin: dict[str, uuid.UUID] = {}
        if skus:
            by_sku = {
                r[0]: r[1]
                for r in session.execute(
                    select(Product.sku, Product.id).where(Product.sku.in_(sorted(skus)))
                )
            }
        if gtins:
            for gtin, pid in session.execute(
                select(Product.gtin, Product.id).where(Product.gtin.in_(sorted(gtins)))
            ):
                if gtin is not None:
                    by_gtin.setdefault(gtin, pid)
        candidates = set(by_sku.values()) | set(by_gtin.values())
        # One POS item per product and warehouse: two would share (and move) one level.
        taken: dict[tuple[uuid.UUID, uuid.UUID], tuple[str, str]] = {}
        if candidates:
            taken = {
                (r[0], r[1]): (r[2], r[3])
                for r in session.execute(
                    select(
                        POSMapping.product_id,
                        POSMapping.warehouse_id,
                        POSMapping.external_item_id,
                        POSMapping.external_location_id,
                    ).where(
                        POSMapping.integration_id == run.integration.id,
                        POSMapping.product_id.in_(sorted(candidates)),
                    )
                )
            }
        created: dict[tuple[str, str], _Map] = {}
        rows: list[dict[str, Any]] = []
        for count, warehouse_id in new:
            item = items.get(count.external_item_id)
            product_id = by_sku.get(item.sku) if item is not None and item.sku else None
            gtin = normalize_gtin(item.barcode) if item is not None and item.barcode else None
            if product_id is None and gtin is not None:
                product_id = by_gtin.get(gtin)
            sku = item.sku if item is not None else None
            if product_id is None:
                run.errors.append(
                    f"POS item {count.external_item_id} (SKU {sku or '—'}) matches no product"
                )
                run.counts["unmatched"] += 1
                continue
            other = taken.get((product_id, warehouse_id))
            if other is not None:
                run.errors.append(
                    f"POS item {count.external_item_id} at {count.location_id} (SKU "
                    f"{sku or '—'}) matches a product whose stock in that warehouse is already "
                    f"synced with POS item {other[0]} at {other[1]}; it is left out (one POS "
                    "item and location per product and warehouse)"
                )
                run.counts["unmatched"] += 1
                continue
            taken[(product_id, warehouse_id)] = (count.external_item_id, count.location_id)
            mapping_id = uuid.uuid4()
            created[(count.external_item_id, count.location_id)] = _Map(
                str(mapping_id), str(product_id), str(warehouse_id), None
            )
            rows.append(
                {
                    "id": mapping_id,
                    "integration_id": run.integration.id,
                    "product_id": product_id,
                    "warehouse_id": warehouse_id,
                    "external_item_id": count.external_item_id,
                    "external_location_id": count.location_id,
                    "last_synced_quantity": None,
                    "last_synced_at": None,
                }
            )
        if rows:
            session.execute(sa_insert(POSMapping), rows)
            run.counts["mappings_created"] += len(rows)
        return created

    def _apply_counts(
        self,
        session: Session,
        run: _Run,
        work: Sequence[tuple[POSCount, _Map]],
        now: datetime,
    ) -> list[_Push]:
        if not work:
            return []
        movements: list[MovementRequest] = []
        bases: list[tuple[uuid.UUID, int, datetime]] = []
        pulled: dict[tuple[str, str], int] = defaultdict(int)
        existing: set[tuple[uuid.UUID, uuid.UUID]] = set()
        pushes: list[_Push] = []
        open_conflicts = run.open_conflicts
        for count, mapping in work:
            level = mapping.level
            sys = mapping.on_hand + pulled.get(level, 0)  # two POS items may share a level
            if count.quantity == mapping.base == sys and level not in open_conflicts:
                run.processed += 1  # nothing moved: most rows of a full sync
                continue
            inp = MergeInput(mapping.base, count.quantity, sys, ReviewPolicy(mapping.policy))
            waiting = level in run.open_conflicts
            decision = (decide_open_conflict if waiting else decide)(inp, run.strategy)
            if waiting and not decision.conflict:
                self._close_conflict(session, run, mapping, decision, now)
            run.processed += 1
            key = (count.external_item_id, count.location_id)
            if decision.pull_delta:
                pulled[level] += decision.pull_delta
                # Each id parsed once: UUID() runs Python code, and a batch has 1,000 rows.
                product_id = mapping.product_id
                warehouse_id = run.warehouse_uuid(mapping.raw_warehouse)
                if mapping.has_level:
                    existing.add((product_id, warehouse_id))
                movements.append(
                    MovementRequest(
                        product_id=product_id,
                        warehouse_id=warehouse_id,
                        delta=decision.pull_delta,
                        reason=MovementReason.CONFLICT_RESOLUTION
                        if decision.resolved_by_strategy
                        else MovementReason.SYNC_PULL,
                        actor=self._actor,
                        reference=str(run.id),
                        note=decision.reason,
                        at=now,
                    )
                )
                run.counts["pulled"] += 1
                run.updated.add(key)
            if decision.conflict:
                self._record_conflict(session, run, mapping, inp, decision, now)
            if decision.new_base is None:
                continue
            # Until the push lands, both sides agree on the POS's current value after the pull.
            agreed = decision.new_base - decision.push_delta
            mapping_id = mapping.id
            if agreed != mapping.base:
                bases.append((mapping_id, agreed, now))
            if decision.push_delta:
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
                pushes.append(_Push(mapping_id, adjustment, decision.new_base))
        apply_deltas(session, movements, existing=existing)
        move_bases(session, bases)
        queue_pushes(
            session,
            run.integration.id,
            [
                QueuedPush(
                    mapping_id=p.mapping_id,
                    external_item_id=p.adjustment.external_item_id,
                    external_location_id=p.adjustment.location_id,
                    delta=p.adjustment.delta,
                    new_base=p.new_base,
                    idempotency_key=p.adjustment.idempotency_key,
                    occurred_at=p.adjustment.occurred_at,
                    reference=p.adjustment.reference,
                )
                for p in pushes
            ],
            now,
        )
        return pushes

    def _close_conflict(
        self, session: Session, run: _Run, mapping: _Map, decision: Decision, now: datetime
    ) -> None:
        """The sides of a waiting conflict agree again: it closes by itself."""
        run.open_conflicts.discard(mapping.level)
        where = (
            SyncConflict.integration_id == run.integration.id,
            SyncConflict.product_id == mapping.product_id,
            SyncConflict.warehouse_id == mapping.warehouse_id,
            SyncConflict.status == ConflictStatus.OPEN.value,
        )
        closing = session.execute(
            select(SyncConflict.id, SyncConflict.base_value).where(*where)
        ).all()
        session.execute(
            update(SyncConflict)
            .where(*where)
            .values(
                status=ConflictStatus.RESOLVED.value,
                strategy=CLOSED_BY_SYNC,
                resolved_value=decision.new_base,
                resolved_by=self._actor,
                resolved_at=now,
                note=decision.reason,
                claimed_by=None,
                claimed_at=None,
            )
        )
        run.counts["conflicts_closed"] += len(closing)
        for conflict_id, base in closing:  # its history (one row per conflict closed)
            add_event(
                session,
                conflict_id,
                CLOSED_BY_SYNC,
                now,
                pos_value=decision.new_base,
                system_value=decision.new_base,
                base_value=base,
                value=decision.new_base,
                actor=self._actor,
                note=decision.reason,
            )

    def _record_conflict(
        self,
        session: Session,
        run: _Run,
        mapping: _Map,
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
        kind: str | None = "updated"
        if conflict is None:
            kind = "detected"
            conflict = SyncConflict(
                id=uuid.uuid4(),
                integration_id=run.integration.id,
                product_id=mapping.product_id,
                warehouse_id=mapping.warehouse_id,
                detected_at=now,  # kept while it waits: its age is since it first arose
                # When the base was agreed: its evidence is what moved since (one read per
                # new conflict).
                base_at=session.scalar(
                    select(POSMapping.last_synced_at).where(POSMapping.id == mapping.id)
                ),
            )
            session.add(conflict)
        elif (conflict.pos_value, conflict.system_value, conflict.base_value) == (
            inp.pos,
            inp.sys,
            inp.base,
        ):
            kind = None  # seen again unchanged: no history row
        conflict.pos_value = inp.pos
        conflict.system_value = inp.sys
        conflict.base_value = inp.base
        conflict.pos_unverified = False
        conflict.note = decision.reason
        if decision.resolved_by_strategy:
            run.open_conflicts.discard(mapping.level)
            conflict.status = ConflictStatus.RESOLVED.value
            conflict.strategy = run.strategy.value
            conflict.resolved_value = decision.new_base
            conflict.resolved_by = self._actor
            conflict.resolved_at = now
        else:
            run.open_conflicts.add(mapping.level)
            conflict.status = ConflictStatus.OPEN.value
            conflict.strategy = ConflictStrategy.MANUAL_REVIEW.value
            run.counts["conflicts_open"] += 1
        session.flush()
        if kind is not None:
            add_event(
                session, conflict.id, kind, now, pos_value=inp.pos, system_value=inp.sys,
                base_value=inp.base, actor=self._actor, note=decision.reason,
            )  # fmt: skip
        if decision.resolved_by_strategy:
            add_event(
                session, conflict.id, "resolved", now, pos_value=inp.pos, system_value=inp.sys,
                base_value=inp.base, strategy=run.strategy.value, value=decision.new_base,
                actor=self._actor, note=decision.reason,
            )  # fmt: skip

    def _settle(self, run: _Run, pushes: Sequence[_Push], outcomes: Sequence[PushOutcome]) -> None:
        """:meth:`_settle_in` in a transaction of its own."""
        with self._db.session() as session:
            done = self._settle_in(session, pushes, outcomes, self._clock())
        done.note(run)

    def _settle_answered(self, run: _Run, answered: Answered) -> None:
        """Several push requests' answers, settled in one transaction."""
        now = self._clock()
        with self._db.session() as session:
            settled = [self._settle_in(session, sent, said, now) for sent, said in answered]
        for done in settled:
            done.note(run)

    @staticmethod
    def _settle_in(
        session: Session, pushes: Sequence[_Push], outcomes: Sequence[PushOutcome], now: datetime
    ) -> _Settled:
        """Move the bases of the pushes the POS accepted and drop them from the queue; a push
        the POS refused is reported and dropped too (its base did not move, so the next sync
        decides it afresh, under a new idempotency key)."""
        done = _Settled()
        bases: list[tuple[uuid.UUID, int, datetime]] = []
        for push, outcome in zip(pushes, outcomes, strict=True):
            adj = push.adjustment
            if not outcome.ok:
                done.failed.append(
                    f"Push of {adj.delta:+d} for POS item {adj.external_item_id} at "
                    f"{adj.location_id} failed: {outcome.error or 'no reason given'}"
                )
                continue
            bases.append((push.mapping_id, push.new_base, now))
            done.pushed.append((adj.external_item_id, adj.location_id))
        move_bases(session, bases)
        keys = [p.adjustment.idempotency_key for p in pushes]
        session.execute(delete(PendingPush).where(PendingPush.idempotency_key.in_(keys)))
        return done

    def _write_sales(self, run: _Run, totals: dict[tuple[str, str, date], int]) -> None:
        with self._db.session() as session:
            mapped = {
                (r[0], r[1]): (r[2], r[3])
                for r in session.execute(
                    select(
                        POSMapping.external_item_id,
                        POSMapping.external_location_id,
                        POSMapping.product_id,
                        POSMapping.warehouse_id,
                    ).where(POSMapping.integration_id == run.integration.id)
                )
            }
            per_day: dict[tuple[uuid.UUID, uuid.UUID, date], int] = defaultdict(int)
            unmapped = 0
            for (item, loc, day), qty in totals.items():
                target = mapped.get((item, loc))
                if target is None:
                    unmapped += 1
                    continue
                per_day[(target[0], target[1], day)] += qty
            if unmapped:
                run.errors.append(
                    f"Sales of {unmapped} POS item-days were skipped: their items are not "
                    "mapped to products yet (a counts sync maps them)"
                )
            if not per_day:
                return
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            stmt = insert(SalesDaily)
            stmt = stmt.on_conflict_do_update(
                index_elements=["product_id", "warehouse_id", "day"],
                set_={"quantity": stmt.excluded.quantity},
            )
            session.execute(
                stmt,
                [
                    {"product_id": p, "warehouse_id": w, "day": d, "quantity": q}
                    for (p, w, d), q in per_day.items()
                ],
            )
            run.counts["sales_days"] += len(per_day)

    def _update_products(self, run: _Run, items: Sequence[POSItem]) -> None:
        by_id = {i.external_id: i for i in items}
        with self._db.session() as session:
            rows = session.execute(
                select(POSMapping.external_item_id, Product)
                .join(Product, Product.id == POSMapping.product_id)
                .where(
                    POSMapping.integration_id == run.integration.id,
                    POSMapping.external_item_id.in_(sorted(by_id)),
                )
            ).all()
            done: set[uuid.UUID] = set()
            for external_id, product in rows:
                item = by_id[external_id]
                if product.id in done:
                    continue
                done.add(product.id)
                changed = False
                if item.name and item.name != product.name:
                    product.name = item.name[:255]
                    changed = True
                if item.barcode and item.barcode != product.barcode:
                    gtin = normalize_gtin(item.barcode)
                    if gtin is None:
                        run.errors.append(
                            f"POS item {external_id} has barcode {item.barcode!r}, which is not "
                            "a valid GTIN; the product keeps its own"
                        )
                    else:
                        product.barcode = item.barcode
                        product.gtin = gtin
                        changed = True
                if changed:
                    run.counts["products_renamed"] += 1

    def _write_log(self, run: _Run, result: InventorySyncResult, cancelled: bool) -> None:
        with self._db.session() as session:
            session.add(
                IntegrationSyncLog(
                    id=run.id,
                    integration_id=run.integration.id,
                    integration_type=run.integration.type,
                    sync_type=result.sync_type,
                    status=CANCELLED if cancelled else result.status.value,
                    records_processed=result.products_processed,
                    errors_count=len(result.errors),
                    error_details=list(result.errors),
                    summary=_summary(result),
                    started_at=result.started_at,
                    completed_at=result.completed_at,
                )
            )
            session.flush()
            # Bounded: the Demo POS alone syncs every 30 s (2,880 runs a day).
            oldest_kept = session.scalar(
                select(IntegrationSyncLog.started_at)
                .where(IntegrationSyncLog.integration_id == run.integration.id)
                .order_by(IntegrationSyncLog.started_at.desc())
                .offset(LOG_KEEP - 1)
                .limit(1)
            )
            if oldest_kept is not None:
                session.execute(
                    delete(IntegrationSyncLog).where(
                        IntegrationSyncLog.integration_id == run.integration.id,
                        IntegrationSyncLog.started_at < oldest_kept,
                    )
                )
            if result.status is not SyncStatus.FAILED:
                row = session.get(POSIntegration, run.integration.id)
                if row is not None:
                    row.last_sync_at = result.started_at
                    row.sync_cursor = result.started_at.isoformat()


def _summary(result: InventorySyncResult) -> dict[str, Any]:
    return {**result.summary, "products_updated": result.products_updated}


def _strategy(settings: dict[str, Any]) -> ConflictStrategy:
    value = settings.get("conflictResolution") or ConflictStrategy.MANUAL_REVIEW.value
    try:
        return ConflictStrategy(value)
    except ValueError:
        raise ValidationError(f"Unknown conflict strategy {value!r}.") from None
