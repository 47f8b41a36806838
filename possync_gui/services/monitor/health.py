"""Health checks of the POS integrations.

One check is one timed ``adapter.ping()`` (a cheap authenticated call), written to
``integration_health_checks``. Its status:

- ``offline``: the POS could not be reached — :class:`POSSystemUnavailableError` (connection
  refused, timeouts, 5xx or 429 still failing after the adapter's retries). No response time.
- ``error``: the POS answered but cannot be used — any other known error (401/403 for bad
  credentials, other 4xx, an answer that is not JSON), or no adapter can be built for it
  (e.g. no credentials stored). The message is the POS's own, which the HTTP layer keeps free
  of secrets.
- ``warning``: reachable, but slow (``response_time_ms > slow_ms``), or the newest sync run in
  the window failed or was partial, or more than 20 % of the window's runs did.
- ``healthy``: reachable, and none of the above.
- ``unknown``: never checked; or a Demo POS the adapter factory cannot make (the message
  says why).

``health()`` reads the last check of each integration without any network: whether the POS
was reachable, and how fast, come from that check; the sync-log part of ``warning`` is
worked out when read, so a sync that failed after the last check shows at once.
``uptime`` is the share of the window's checks that were neither offline nor error
(``unknown`` checks are not counted); ``error_rate`` the share of the window's sync runs that
failed or were partial (cancelled runs say nothing about the POS and are not counted). Both
are None when the window holds nothing to count. Checks older than ``keep_checks`` are
deleted as new ones are written.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.orm import Session

from possync_gui.domain.enums import IntegrationStatus, IntegrationType
from possync_gui.domain.errors import (
    NotFoundError,
    PossyncError,
    POSSystemUnavailableError,
    ValidationError,
)
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.services.monitor.schedule import (
    AdapterFactory,
    Clock,
    Planned,
    Run,
    can_make_adapter,
    demo_records,
    newest_runs,
    planned_rows,
    to_record,
    utc_now,
)
from possync_gui.store.database import Database
from possync_gui.store.models import IntegrationHealthCheck, IntegrationSyncLog, POSIntegration

log = logging.getLogger("possync.monitor")

HEALTHY = "healthy"
WARNING = "warning"
ERROR = "error"
OFFLINE = "offline"
UNKNOWN = "unknown"

#: More than this share of failed or partial runs in the window is a warning.
ERROR_RATE_WARNING = 0.2
_BAD_RUNS = ("failed", "partial")
_CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The health of one integration: its last check, uptime, error rate and sync times."""

    integration_id: uuid.UUID
    name: str
    type: str
    #: ``healthy`` | ``warning`` | ``error`` | ``offline`` | ``unknown`` (never checked)
    status: str
    response_time_ms: int | None
    checked_at: datetime | None
    #: What is wrong (error, offline) or worth a look (warning); None when healthy.
    error: str | None
    #: Share of the window's checks that were not offline/error, 0..1.
    uptime: float | None
    #: Share of the window's sync runs that failed or were partial, 0..1.
    error_rate: float | None
    last_sync_at: datetime | None
    last_sync_status: str | None
    next_sync_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Probe:
    """What one ping found: HEALTHY (reachable), ERROR, OFFLINE or UNKNOWN."""

    status: str
    response_time_ms: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class _SyncStats:
    runs: int = 0
    bad: int = 0
    last_in_window: Run | None = None

    @property
    def error_rate(self) -> float | None:
        return self.bad / self.runs if self.runs else None


def _span(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    if hours >= 48 and hours % 24 == 0:
        return f"{hours / 24:g} days"
    return f"{hours:g} hours" if hours >= 1 else f"{window.total_seconds() / 60:g} minutes"


class IntegrationMonitor:
    """Health checks of the POS integrations (see the module docstring for the rules)."""

    def __init__(
        self,
        db: Database,
        adapter_factory: AdapterFactory,
        *,
        clock: Clock = utc_now,
        window: timedelta = timedelta(hours=24),
        slow_ms: int = 2000,
        real_time_interval: timedelta = timedelta(seconds=30),
        keep_checks: timedelta = timedelta(days=30),
    ) -> None:
        self._db = db
        self._factory = adapter_factory
        self._clock = clock
        self.window = window
        self.slow_ms = slow_ms
        self._real_time_interval = real_time_interval
        self._keep_checks = max(keep_checks, window)
        self._demo_syncable: dict[uuid.UUID, bool] = {}

    async def check_integration_health(self, integration_id: uuid.UUID) -> HealthReport:
        """Ping the POS (timed), store the check and return the integration's report."""
        record = await asyncio.to_thread(self._load_record, integration_id)
        probe = await self._ping(record)
        await self._learn_demos([record])
        return await asyncio.to_thread(self._store, integration_id, probe, self._clock())

    async def health(self) -> list[HealthReport]:
        """The last known health of every integration, from the database only (no network);
        integrations never checked are ``unknown``."""
        demos = await asyncio.to_thread(demo_records, self._db)
        await self._learn_demos(demos)
        return await asyncio.to_thread(self._reports, None, self._clock())

    # -- the check ---------------------------------------------------------------------------
    async def _ping(self, record: IntegrationRecord) -> _Probe:
        try:
            adapter = self._factory(record)
        except PossyncError as err:
            if record.type == IntegrationType.DEMO and isinstance(err, ValidationError):
                return _Probe(UNKNOWN, None, str(err))
            return _Probe(ERROR, None, str(err))
        started = time.perf_counter()
        try:
            await adapter.ping()
            return _Probe(HEALTHY, _elapsed_ms(started), None)
        except POSSystemUnavailableError as err:
            return _Probe(OFFLINE, None, str(err))
        except PossyncError as err:  # it answered, and refused
            return _Probe(ERROR, _elapsed_ms(started), str(err))
        finally:
            await adapter.aclose()

    async def _learn_demos(self, records: Iterable[IntegrationRecord]) -> None:
        for record in records:
            if record.type == IntegrationType.DEMO and record.id not in self._demo_syncable:
                self._demo_syncable[record.id] = await can_make_adapter(self._factory, record)

    # -- database work (worker threads) ------------------------------------------------------
    def _load_record(self, integration_id: uuid.UUID) -> IntegrationRecord:
        with self._db.session() as session:
            row = session.get(POSIntegration, integration_id)
            if row is None:
                raise NotFoundError(f"No POS integration {integration_id}.")
            return to_record(row)

    def _store(self, integration_id: uuid.UUID, probe: _Probe, now: datetime) -> HealthReport:
        with self._db.session() as session:
            stats = self._sync_stats(session, now, integration_id).get(integration_id)
            status, error = self._classify(probe, stats or _SyncStats())
            session.add(
                IntegrationHealthCheck(
                    integration_id=integration_id,
                    at=now,
                    status=status,
                    response_time_ms=probe.response_time_ms,
                    error=error,
                )
            )
            session.execute(
                delete(IntegrationHealthCheck).where(
                    IntegrationHealthCheck.integration_id == integration_id,
                    IntegrationHealthCheck.at < now - self._keep_checks,
                )
            )
        [report] = self._reports(integration_id, now)
        log.info("health of %s: %s %s", integration_id, report.status, report.error or "")
        return report

    def _reports(self, integration_id: uuid.UUID | None, now: datetime) -> list[HealthReport]:
        with self._db.session() as session:
            planned = planned_rows(session, integration_id)
            checks = self._latest_checks(session, integration_id)
            uptime = self._uptime(session, now, integration_id)
            stats = self._sync_stats(session, now, integration_id)
        return [
            self._report(p, checks.get(p.id), uptime.get(p.id), stats.get(p.id), now)
            for p in planned
        ]

    def _report(
        self,
        planned: Planned,
        check: IntegrationHealthCheck | None,
        uptime: float | None,
        stats: _SyncStats | None,
        now: datetime,
    ) -> HealthReport:
        stats = stats or _SyncStats()
        if check is None:
            status, error = UNKNOWN, None
        else:
            # A stored warning was a reachable POS: classify it again with today's sync log.
            reached = HEALTHY if check.status == WARNING else check.status
            probe = _Probe(reached, check.response_time_ms, check.error)
            status, error = self._classify(probe, stats)
        run = planned.last_run
        return HealthReport(
            integration_id=planned.id,
            name=planned.name,
            type=planned.type,
            status=status,
            response_time_ms=check.response_time_ms if check else None,
            checked_at=check.at if check else None,
            error=error,
            uptime=uptime,
            error_rate=stats.error_rate,
            last_sync_at=run.ended_at if run else planned.last_sync_at,
            last_sync_status=run.status if run else None,
            next_sync_at=self._next_sync(planned, now),
        )

    def _next_sync(self, planned: Planned, now: datetime) -> datetime | None:
        if planned.status != IntegrationStatus.ACTIVE:
            return None
        if planned.type == IntegrationType.DEMO and not self._demo_syncable.get(planned.id):
            return None
        try:
            return planned.plan(now, self._real_time_interval)[0]
        except ValidationError:
            return None

    def _classify(self, probe: _Probe, stats: _SyncStats) -> tuple[str, str | None]:
        if probe.status != HEALTHY:
            return probe.status, probe.error
        reasons = []
        if probe.response_time_ms is not None and probe.response_time_ms > self.slow_ms:
            reasons.append(
                f"Slow: the POS answered in {probe.response_time_ms:,} ms "
                f"(more than {self.slow_ms:,} ms)."
            )
        last = stats.last_in_window
        if last is not None and last.status in _BAD_RUNS:
            detail = last.first_error
            reasons.append(f"The last sync {last.status}" + (f": {detail}" if detail else "."))
        rate = stats.error_rate
        if rate is not None and rate > ERROR_RATE_WARNING:
            reasons.append(
                f"{rate:.0%} of the syncs in the last {_span(self.window)} failed or were partial."
            )
        return (WARNING, " ".join(reasons)) if reasons else (HEALTHY, None)

    @staticmethod
    def _latest_checks(
        session: Session, integration_id: uuid.UUID | None
    ) -> dict[uuid.UUID, IntegrationHealthCheck]:
        check = IntegrationHealthCheck
        newest = select(check.integration_id, func.max(check.at).label("at"))
        if integration_id is not None:
            newest = newest.where(check.integration_id == integration_id)
        sub = newest.group_by(check.integration_id).subquery()
        rows = session.scalars(
            select(check).join(
                sub, and_(check.integration_id == sub.c.integration_id, check.at == sub.c.at)
            )
        )
        return {r.integration_id: r for r in rows}

    def _uptime(
        self, session: Session, now: datetime, integration_id: uuid.UUID | None
    ) -> dict[uuid.UUID, float]:
        check = IntegrationHealthCheck
        up = func.sum(case((check.status.in_((HEALTHY, WARNING)), 1), else_=0))
        query = (
            select(check.integration_id, func.count(), up)
            .where(check.at >= now - self.window, check.status != UNKNOWN)
            .group_by(check.integration_id)
        )
        if integration_id is not None:
            query = query.where(check.integration_id == integration_id)
        return {i: int(u or 0) / n for i, n, u in session.execute(query).all() if n}

    def _sync_stats(
        self, session: Session, now: datetime, integration_id: uuid.UUID | None
    ) -> dict[uuid.UUID, _SyncStats]:
        run = IntegrationSyncLog
        where = [run.started_at >= now - self.window, run.status != _CANCELLED]
        if integration_id is not None:
            where.append(run.integration_id == integration_id)
        bad = func.sum(case((run.status.in_(_BAD_RUNS), 1), else_=0))
        counts = session.execute(
            select(run.integration_id, func.count(), bad)
            .where(run.integration_id.is_not(None), *where)
            .group_by(run.integration_id)
        ).all()
        last = newest_runs(session, *where)
        return {
            i: _SyncStats(runs=n, bad=int(b or 0), last_in_window=last.get(i))
            for i, n, b in counts
            if i is not None
        }


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
