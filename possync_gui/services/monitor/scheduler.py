"""The sync scheduler: runs each active integration's syncs by its ``sync_frequency`` while
the app is open (the rules are in :mod:`.schedule`).

Inactive integrations are not scheduled; a Demo POS only when the adapter factory can make
its adapter. Runs never overlap: the scheduler starts no run of an integration while one of
its own is going, nor while the integration's sync lock shows a live holder (another window,
another process); a run that still loses the race ends with :class:`SyncInProgressError`,
which is logged and skipped.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from possync_gui.domain.enums import IntegrationStatus, IntegrationType
from possync_gui.domain.errors import PossyncError, SyncInProgressError, ValidationError
from possync_gui.services.monitor.schedule import (
    AdapterFactory,
    Clock,
    can_make_adapter,
    demo_records,
    planned_rows,
    utc_now,
)
from possync_gui.store.database import Database

log = logging.getLogger("possync.monitor")

RunSync = Callable[[uuid.UUID, str], Awaitable[object]]
#: A sync lock whose heartbeat is older than this belongs to a process that died
#: (SyncLockManager's default ``stale_after``).
LOCK_STALE_AFTER = timedelta(minutes=2)


class SyncScheduler:
    """Runs syncs by each active integration's sync_frequency while the app is open; never two
    at once for one integration, and a run that is still going is not started again."""

    def __init__(
        self,
        db: Database,
        run_sync: RunSync,
        *,
        clock: Clock = utc_now,
        real_time_interval: timedelta = timedelta(seconds=30),
        tick: timedelta = timedelta(seconds=5),
        adapter_factory: AdapterFactory | None = None,
    ) -> None:
        self._db = db
        self._run_sync = run_sync
        self._clock = clock
        self._real_time_interval = real_time_interval
        self._tick = tick
        #: Decides whether Demo POS integrations are scheduled; without it they are not.
        self._factory = adapter_factory
        self._demo_syncable: dict[uuid.UUID, bool] = {}
        self._running: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._loop: asyncio.Task[None] | None = None
        self._warned: set[tuple[uuid.UUID, str]] = set()

    @property
    def running(self) -> frozenset[uuid.UUID]:
        """The integrations whose scheduled sync is going now."""
        return frozenset(self._running)

    def due(self, now: datetime) -> list[tuple[uuid.UUID, str]]:
        """The integrations due for a sync at ``now`` and the kind of sync each needs (a Demo
        POS once :meth:`run_due` has found that the adapter factory can make its adapter)."""
        with self._db.session() as session:
            planned = planned_rows(session)
        due: list[tuple[uuid.UUID, str]] = []
        for p in planned:
            if p.status != IntegrationStatus.ACTIVE:
                continue
            if p.type == IntegrationType.DEMO and not self._demo_syncable.get(p.id):
                continue
            if p.lock_heartbeat is not None and p.lock_heartbeat > now - LOCK_STALE_AFTER:
                continue  # syncing elsewhere right now
            try:
                when, kind = p.plan(now, self._real_time_interval)
            except ValidationError as err:
                self._warn_once(p.id, str(err))
                continue
            if when <= now:
                due.append((p.id, kind))
        return due

    async def run_due(self) -> list[uuid.UUID]:
        """Start the syncs due now, skipping integrations already syncing, and wait for them.
        Returns the integrations started. Never raises: failures are logged."""
        tasks = await self._start_due()
        if tasks:
            await asyncio.gather(*tasks.values())
        return list(tasks)

    def start(self) -> None:
        """Run due syncs every tick until :meth:`stop` (call it on a running loop)."""
        if self._loop is None or self._loop.done():
            self._loop = asyncio.ensure_future(self._every_tick())

    async def stop(self) -> None:
        """Stop scheduling and cancel the runs going now (what they committed stays)."""
        tasks = [t for t in (self._loop, *self._running.values()) if t is not None]
        self._loop = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _every_tick(self) -> None:
        while True:
            await self._start_due()
            await asyncio.sleep(self._tick.total_seconds())

    async def _start_due(self) -> dict[uuid.UUID, asyncio.Task[None]]:
        try:
            await self._learn_demos()
            due = await asyncio.to_thread(self.due, self._clock())
        except PossyncError as err:
            log.warning("sync schedule not read: %s", err)
            return {}
        except Exception:
            log.exception("sync schedule not read")
            return {}
        started: dict[uuid.UUID, asyncio.Task[None]] = {}
        # No await from the check to the registration: two sweeps never start one run twice.
        for integration_id, sync_type in due:
            if integration_id in self._running:
                continue
            task = asyncio.ensure_future(self._run_one(integration_id, sync_type))
            self._running[integration_id] = started[integration_id] = task
        return started

    async def _run_one(self, integration_id: uuid.UUID, sync_type: str) -> None:
        log.info("scheduled %s sync of %s", sync_type, integration_id)
        try:
            await self._run_sync(integration_id, sync_type)
        except SyncInProgressError:
            log.info("scheduled sync of %s skipped: it is syncing elsewhere", integration_id)
        except PossyncError as err:
            log.warning("scheduled sync of %s failed: %s", integration_id, err)
        except Exception:
            log.exception("scheduled sync of %s failed", integration_id)
        finally:
            self._running.pop(integration_id, None)

    async def _learn_demos(self) -> None:
        if self._factory is None:
            return
        records = await asyncio.to_thread(demo_records, self._db)
        for record in records:
            if record.id not in self._demo_syncable:
                self._demo_syncable[record.id] = await can_make_adapter(self._factory, record)

    def _warn_once(self, integration_id: uuid.UUID, message: str) -> None:
        if (integration_id, message) not in self._warned:
            self._warned.add((integration_id, message))
            log.warning("integration %s not scheduled: %s", integration_id, message)
