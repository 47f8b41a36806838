"""When each integration syncs next: the rules of the schedule, and the rows they read.

``real_time``: incremental every ``real_time_interval`` (30 s); ``every_5_minutes`` and
``hourly``: incremental; ``daily``: full. An integration never synced (successfully or
partially) syncs in full now. The interval counts from the start of the last run that
succeeded or was partial; after a failed or cancelled run the next try waits
``min(interval, 5 min)`` from its end, so a POS that is down is not hammered and a failed
daily sync is soon tried again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from possync_gui.domain.enums import IntegrationType, SyncFrequency
from possync_gui.domain.errors import PossyncError, ValidationError
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.base import POSAdapter
from possync_gui.store.database import Database
from possync_gui.store.models import IntegrationSyncLog, POSIntegration, SyncLock

Clock = Callable[[], datetime]
AdapterFactory = Callable[[IntegrationRecord], POSAdapter]

#: After a failed run, the next try waits at most this long (less for shorter intervals).
RETRY_AFTER_FAILURE = timedelta(minutes=5)
_NOT_SYNCED = ("failed", "cancelled")
_INTERVALS = {
    SyncFrequency.EVERY_5_MINUTES: timedelta(minutes=5),
    SyncFrequency.HOURLY: timedelta(hours=1),
    SyncFrequency.DAILY: timedelta(days=1),
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def sync_interval(
    frequency: str, real_time_interval: timedelta = timedelta(seconds=30)
) -> timedelta:
    """The time between two syncs of an integration with this ``sync_frequency``."""
    if frequency == SyncFrequency.REAL_TIME:
        return real_time_interval
    try:
        return _INTERVALS[SyncFrequency(frequency)]
    except ValueError:
        known = ", ".join(str(f) for f in SyncFrequency)
        raise ValidationError(
            f"Unknown sync frequency {frequency!r}; it must be one of {known}."
        ) from None


def next_sync_at(
    frequency: str,
    last_sync_at: datetime | None,
    now: datetime,
    *,
    real_time_interval: timedelta = timedelta(seconds=30),
) -> datetime:
    """When the next sync is due: ``now`` for an integration never synced, else one interval
    after the last sync (in the past when it is overdue)."""
    if last_sync_at is None:
        return now
    return last_sync_at + sync_interval(frequency, real_time_interval)


@dataclass(frozen=True, slots=True)
class Run:
    """One sync run, as the schedule and the health checks see it."""

    status: str
    started_at: datetime
    ended_at: datetime
    first_error: str | None


@dataclass(frozen=True, slots=True)
class Planned:
    """What scheduling needs of one integration."""

    id: uuid.UUID
    name: str
    type: str
    status: str
    frequency: str
    last_sync_at: datetime | None
    last_run: Run | None
    lock_heartbeat: datetime | None = None

    def plan(self, now: datetime, real_time_interval: timedelta) -> tuple[datetime, str]:
        """When this integration's next sync is due, and whether it is full or incremental."""
        when = next_sync_at(
            self.frequency, self.last_sync_at, now, real_time_interval=real_time_interval
        )
        run = self.last_run
        if run is not None and run.status in _NOT_SYNCED:
            pause = min(sync_interval(self.frequency, real_time_interval), RETRY_AFTER_FAILURE)
            when = max(when, run.ended_at + pause)
        full = self.last_sync_at is None or self.frequency == SyncFrequency.DAILY
        return when, "full" if full else "incremental"


def newest_runs(session: Session, *where: ColumnElement[bool]) -> dict[uuid.UUID, Run]:
    """The newest sync run of each integration (among those ``where`` allows)."""
    log_ = IntegrationSyncLog
    newest = (
        select(log_.integration_id, func.max(log_.started_at).label("at"))
        .where(log_.integration_id.is_not(None), *where)
        .group_by(log_.integration_id)
        .subquery()
    )
    rows = session.scalars(
        select(log_).join(
            newest,
            and_(log_.integration_id == newest.c.integration_id, log_.started_at == newest.c.at),
        )
    )
    return {
        r.integration_id: Run(
            r.status, r.started_at, r.completed_at or r.started_at, _first_line(r.error_details)
        )
        for r in rows
        if r.integration_id is not None
    }


def _first_line(errors: Iterable[object] | None) -> str | None:
    for error in errors or ():
        text = " ".join(str(error).split())
        if text:
            return text if len(text) <= 200 else text[:199] + "…"
    return None


def planned_rows(session: Session, integration_id: uuid.UUID | None = None) -> list[Planned]:
    query = select(POSIntegration).order_by(POSIntegration.name)
    if integration_id is not None:
        query = query.where(POSIntegration.id == integration_id)
    runs = newest_runs(session)
    locks = dict(session.execute(select(SyncLock.integration_id, SyncLock.heartbeat_at)).all())
    return [
        Planned(
            id=row.id,
            name=row.name,
            type=row.type,
            status=row.status,
            frequency=row.sync_frequency,
            last_sync_at=row.last_sync_at,
            last_run=runs.get(row.id),
            lock_heartbeat=locks.get(row.id),
        )
        for row in session.scalars(query)
    ]


def to_record(row: POSIntegration) -> IntegrationRecord:
    return IntegrationRecord(
        id=row.id,
        name=row.name,
        type=row.type,
        configuration=dict(row.configuration or {}),
        sync_settings=dict(row.sync_settings or {}),
        external_key=row.external_key,
        last_sync_at=row.last_sync_at,
    )


def demo_records(db: Database) -> list[IntegrationRecord]:
    with db.session() as session:
        query = select(POSIntegration).where(POSIntegration.type == IntegrationType.DEMO)
        return [to_record(r) for r in session.scalars(query)]


async def can_make_adapter(factory: AdapterFactory, record: IntegrationRecord) -> bool:
    """Whether ``factory`` builds an adapter for ``record`` (no network: it is closed unused)."""
    try:
        adapter = factory(record)
    except PossyncError:
        return False
    await adapter.aclose()
    return True
