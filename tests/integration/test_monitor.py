"""The Integration Monitor and the sync scheduler against a fake Square over loopback HTTP,
on both store backends."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from possync_gui.domain.errors import ValidationError
from possync_gui.domain.sync import IntegrationRecord
from possync_gui.pos.base import POSAdapter
from possync_gui.pos.square import SquareAdapter
from possync_gui.services.facade import InventorySyncService
from possync_gui.services.monitor import (
    HealthReport,
    IntegrationMonitor,
    SyncScheduler,
    next_sync_at,
)
from possync_gui.store.database import Database
from possync_gui.store.locks import SyncLockManager
from possync_gui.store.models import (
    IntegrationHealthCheck,
    IntegrationSyncLog,
    POSIntegration,
    Product,
    Warehouse,
)
from tests.fakes.server import Reply
from tests.fakes.square import UNAUTHORIZED_TEXT, FakeSquare

TOKEN = "EAAAl-monitor-test-token"
WRONG_TOKEN = "EAAAl-monitor-wrong-token"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEMO_MESSAGE = "The Demo POS sells by itself; it is not synced"


async def _no_sleep(_seconds: float) -> None:
    return None


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.add_location("L1", "Main Street")
    with server:
        yield server


def _integration(
    db: Database,
    name: str = "Square main",
    *,
    type_: str = "square",
    frequency: str = "hourly",
    status: str = "active",
    last_sync_at: datetime | None = None,
) -> uuid.UUID:
    with db.session() as s:
        if s.scalar(select(Warehouse.id).where(Warehouse.code == "MAIN")) is None:
            s.add(Warehouse(id=uuid.uuid4(), code="MAIN", name="Main"))
        row = POSIntegration(
            id=uuid.uuid4(),
            name=name,
            type=type_,
            configuration={"locationMap": {"L1": "MAIN"}},
            sync_frequency=frequency,
            status=status,
            last_sync_at=last_sync_at,
        )
        s.add(row)
        return row.id


def _run(
    db: Database,
    integration_id: uuid.UUID,
    status: str,
    at: datetime,
    errors: list[str] | None = None,
) -> None:
    with db.session() as s:
        s.add(
            IntegrationSyncLog(
                integration_id=integration_id,
                integration_type="square",
                sync_type="full",
                status=status,
                error_details=errors or [],
                errors_count=len(errors or []),
                started_at=at,
                completed_at=at + timedelta(seconds=10),
            )
        )


def _check(db: Database, integration_id: uuid.UUID, status: str, at: datetime) -> None:
    with db.session() as s:
        s.add(
            IntegrationHealthCheck(
                integration_id=integration_id, at=at, status=status, response_time_ms=40
            )
        )


def _square(url: str, token: str = TOKEN) -> POSAdapter:
    return SquareAdapter(url, {"access_token": token}, max_attempts=2, sleep=_no_sleep, timeout=5.0)


def _factory(url: str, token: str = TOKEN) -> Callable[[IntegrationRecord], POSAdapter]:
    def make(record: IntegrationRecord) -> POSAdapter:
        if record.type == "demo":
            raise ValidationError(DEMO_MESSAGE)
        return _square(url, token)

    return make


def _report(reports: list[HealthReport], integration_id: uuid.UUID) -> HealthReport:
    [found] = [r for r in reports if r.integration_id == integration_id]
    return found


def _stored(db: Database, integration_id: uuid.UUID) -> list[IntegrationHealthCheck]:
    with db.session() as s:
        query = select(IntegrationHealthCheck).where(
            IntegrationHealthCheck.integration_id == integration_id
        )
        return list(s.scalars(query.order_by(IntegrationHealthCheck.at)))


# -- health ------------------------------------------------------------------------------------
def test_healthy_pos(db: Database, fake: FakeSquare) -> None:
    checked = _integration(db)
    never = _integration(db, "Square back office")
    monitor = IntegrationMonitor(db, _factory(fake.url), clock=Clock(), slow_ms=60_000)

    report = asyncio.run(monitor.check_integration_health(checked))

    assert report.status == "healthy"
    assert report.error is None
    assert report.response_time_ms is not None and report.response_time_ms >= 0
    assert report.checked_at == T0
    assert report.uptime == 1.0
    assert report.error_rate is None  # no sync in the window
    assert report.next_sync_at == T0  # never synced: a full sync is due now
    assert fake.requests_to("/v2/locations")
    [row] = _stored(db, checked)
    assert (row.status, row.at, row.error) == ("healthy", T0, None)

    reports = asyncio.run(monitor.health())
    assert [r.name for r in reports] == ["Square back office", "Square main"]
    assert _report(reports, checked) == report
    unknown = _report(reports, never)
    assert (unknown.status, unknown.checked_at, unknown.uptime) == ("unknown", None, None)


def test_refused_credentials_are_an_error_without_the_token(db: Database, fake: FakeSquare) -> None:
    integration = _integration(db)
    monitor = IntegrationMonitor(db, _factory(fake.url, WRONG_TOKEN), clock=Clock())

    report = asyncio.run(monitor.check_integration_health(integration))

    assert report.status == "error"
    assert report.error is not None
    assert UNAUTHORIZED_TEXT in report.error
    assert "401" in report.error
    assert WRONG_TOKEN not in report.error
    assert report.uptime == 0.0
    [row] = _stored(db, integration)
    assert row.status == "error"
    assert WRONG_TOKEN not in (row.error or "")


@pytest.mark.parametrize("how", ["stopped", "server errors"])
def test_unreachable_pos_is_offline(db: Database, fake: FakeSquare, how: str) -> None:
    integration = _integration(db)
    url = fake.url
    if how == "stopped":
        fake.stop()
    else:
        fake.inject(Reply(503, {"errors": [{"detail": "maintenance"}]}), times=2)
    monitor = IntegrationMonitor(db, _factory(url), clock=Clock())

    report = asyncio.run(monitor.check_integration_health(integration))

    assert report.status == "offline"
    assert report.response_time_ms is None
    assert report.error is not None and "unavailable" in report.error
    assert [r.status for r in _stored(db, integration)] == ["offline"]


def test_slow_pos_is_a_warning(db: Database, fake: FakeSquare) -> None:
    integration = _integration(db)
    fake.inject(Reply(200, {"locations": []}, delay=0.3), "/v2/locations")
    monitor = IntegrationMonitor(db, _factory(fake.url), clock=Clock(), slow_ms=100)

    report = asyncio.run(monitor.check_integration_health(integration))

    assert report.status == "warning"
    assert report.response_time_ms is not None and report.response_time_ms > 100
    assert report.error is not None and report.error.startswith("Slow")
    assert report.uptime == 1.0  # slow is still up


def test_uptime_and_error_rate_over_the_window(db: Database, fake: FakeSquare) -> None:
    integration = _integration(db, frequency="hourly", last_sync_at=T0 - timedelta(minutes=30))
    clock = Clock(T0)
    # Checks: two older than the 24 h window, then 3 up and 1 offline inside it.
    _check(db, integration, "offline", T0 - timedelta(hours=30))
    _check(db, integration, "error", T0 - timedelta(hours=25))
    _check(db, integration, "healthy", T0 - timedelta(hours=20))
    _check(db, integration, "offline", T0 - timedelta(hours=10))
    _check(db, integration, "warning", T0 - timedelta(hours=5))
    _check(db, integration, "unknown", T0 - timedelta(hours=4))  # not counted
    _check(db, integration, "healthy", T0 - timedelta(hours=1))
    # Runs: an old failure outside the window; inside it 1 failed, 1 partial, 6 ok, and a
    # cancelled one that is not counted.
    _run(db, integration, "failed", T0 - timedelta(hours=26))
    _run(db, integration, "failed", T0 - timedelta(hours=12), ["Square refused (401)"])
    _run(db, integration, "partial", T0 - timedelta(hours=11))
    for hours in range(6, 0, -1):
        _run(db, integration, "success", T0 - timedelta(hours=hours))
    _run(db, integration, "cancelled", T0 - timedelta(minutes=30))
    monitor = IntegrationMonitor(db, _factory(fake.url), clock=clock)

    [report] = asyncio.run(monitor.health())

    assert report.uptime == pytest.approx(3 / 4)
    assert report.error_rate == pytest.approx(2 / 8)
    # More than 20 % of the runs failed or were partial: a warning, though the POS answers.
    assert report.status == "warning"
    assert report.error is not None and "25% of the syncs in the last 24 hours" in report.error
    assert report.checked_at == T0 - timedelta(hours=1)
    assert report.last_sync_status == "cancelled"
    assert report.next_sync_at == T0 - timedelta(minutes=30) + timedelta(hours=1)

    # Later the bad runs have left the window, and a sync that failed after the last check
    # shows at once, with its message (1 of 8 runs is under the 20 % mark).
    clock.now = T0 + timedelta(hours=14)
    _run(db, integration, "success", T0 + timedelta(hours=11))
    _run(db, integration, "failed", T0 + timedelta(hours=12), ["Square is down for upkeep"])
    [report] = asyncio.run(monitor.health())
    assert report.status == "warning"
    assert report.error == "The last sync failed: Square is down for upkeep"
    assert report.uptime == pytest.approx(2 / 3)


def test_demo_pos_the_factory_cannot_make_is_unknown(db: Database, fake: FakeSquare) -> None:
    demo = _integration(db, "Demo store", type_="demo", frequency="real_time")
    monitor = IntegrationMonitor(db, _factory(fake.url), clock=Clock())

    report = asyncio.run(monitor.check_integration_health(demo))

    assert (report.status, report.error) == ("unknown", DEMO_MESSAGE)
    assert report.next_sync_at is None  # the scheduler leaves it alone
    assert not fake.requests


# -- the schedule ------------------------------------------------------------------------------
DUE_CASES = [
    ("real_time", timedelta(seconds=29), None),
    ("real_time", timedelta(seconds=30), "incremental"),
    ("every_5_minutes", timedelta(minutes=4, seconds=59), None),
    ("every_5_minutes", timedelta(minutes=5), "incremental"),
    ("hourly", timedelta(minutes=59), None),
    ("hourly", timedelta(minutes=61), "incremental"),
    ("daily", timedelta(hours=23), None),
    ("daily", timedelta(hours=24), "full"),
    ("hourly", None, "full"),  # never synced
    ("real_time", None, "full"),
]


def test_due_by_frequency(db: Database) -> None:
    expected = {}
    for n, (frequency, ago, kind) in enumerate(DUE_CASES):
        last = None if ago is None else T0 - ago
        integration = _integration(db, f"{n} {frequency}", frequency=frequency, last_sync_at=last)
        if kind is not None:
            expected[integration] = kind
    scheduler = SyncScheduler(db, _never_called, clock=Clock())

    assert dict(scheduler.due(T0)) == expected


def test_next_sync_at() -> None:
    assert next_sync_at("real_time", T0, T0) == T0 + timedelta(seconds=30)
    assert next_sync_at(
        "real_time", T0, T0, real_time_interval=timedelta(seconds=10)
    ) == T0 + timedelta(seconds=10)
    assert next_sync_at("every_5_minutes", T0, T0) == T0 + timedelta(minutes=5)
    assert next_sync_at("hourly", T0, T0) == T0 + timedelta(hours=1)
    assert next_sync_at("daily", T0, T0) == T0 + timedelta(days=1)
    assert next_sync_at("daily", None, T0) == T0
    with pytest.raises(ValidationError, match="Unknown sync frequency 'weekly'"):
        next_sync_at("weekly", T0, T0)


def test_inactive_is_not_scheduled_and_a_failed_run_waits(db: Database) -> None:
    _integration(db, "Paused", status="inactive")
    failed = _integration(db, "Failing", frequency="hourly")
    _run(db, failed, "failed", T0 - timedelta(minutes=2))  # ended 1 min 50 s before T0
    synced = _integration(db, "Synced", frequency="real_time", last_sync_at=T0 - timedelta(hours=1))
    _run(db, synced, "success", T0 - timedelta(hours=1))
    _run(db, synced, "failed", T0 - timedelta(seconds=20))
    scheduler = SyncScheduler(db, _never_called, clock=Clock())

    # Not at every tick: a failed first sync is tried again 5 minutes after it ended, and a
    # failing real-time one after its interval from the failure.
    assert scheduler.due(T0) == []
    assert scheduler.due(T0 + timedelta(seconds=20)) == [(synced, "incremental")]
    assert scheduler.due(T0 + timedelta(minutes=3, seconds=10)) == [
        (failed, "full"),
        (synced, "incremental"),
    ]


def test_a_live_sync_lock_holds_the_schedule_back(db: Database) -> None:
    locked = _integration(db, "Locked")
    scheduler = SyncScheduler(db, _never_called)

    with SyncLockManager(db).hold(locked, auto_heartbeat=False):
        now = datetime.now(UTC)
        assert scheduler.due(now) == []
        # A holder whose heartbeat stopped for good (a dead process) holds nothing back.
        assert scheduler.due(now + timedelta(minutes=3)) == [(locked, "full")]
    assert scheduler.due(datetime.now(UTC)) == [(locked, "full")]


def test_demo_pos_is_scheduled_only_when_the_factory_can_make_it(db: Database) -> None:
    demo = _integration(db, "Demo store", type_="demo", frequency="every_5_minutes")
    calls: list[tuple[uuid.UUID, str]] = []

    async def record_sync(integration_id: uuid.UUID, sync_type: str) -> None:
        calls.append((integration_id, sync_type))

    def can(record: IntegrationRecord) -> POSAdapter:
        return _square("http://127.0.0.1:9")  # built and closed, never contacted

    for factory in (None, _factory("http://127.0.0.1:9")):
        scheduler = SyncScheduler(db, record_sync, clock=Clock(), adapter_factory=factory)
        assert asyncio.run(scheduler.run_due()) == []
    scheduler = SyncScheduler(db, record_sync, clock=Clock(), adapter_factory=can)
    assert asyncio.run(scheduler.run_due()) == [demo]
    assert calls == [(demo, "full")]


async def _never_called(_integration_id: uuid.UUID, _sync_type: str) -> None:
    raise AssertionError("no sync expected")


def test_run_due_never_overlaps(db: Database) -> None:
    integration = _integration(db, frequency="real_time")
    calls: list[tuple[uuid.UUID, str]] = []

    async def main() -> tuple[list[uuid.UUID], list[uuid.UUID], list[uuid.UUID]]:
        release = asyncio.Event()

        async def slow_sync(integration_id: uuid.UUID, sync_type: str) -> None:
            calls.append((integration_id, sync_type))
            await release.wait()

        scheduler = SyncScheduler(db, slow_sync, clock=Clock())
        first = asyncio.ensure_future(scheduler.run_due())
        second = asyncio.ensure_future(scheduler.run_due())
        # One sweep starts the run; the other finds it going and returns at once.
        await asyncio.wait([first, second], return_when=asyncio.FIRST_COMPLETED)
        assert scheduler.running == {integration}
        release.set()
        a, b = await asyncio.gather(first, second)
        assert scheduler.running == frozenset()
        # Once it has finished it may run again (the stand-in sync wrote no log: still due).
        return a, b, await scheduler.run_due()

    a, b, again = asyncio.run(main())

    assert sorted([a, b], key=len) == [[], [integration]]
    assert again == [integration]
    assert calls == [(integration, "full"), (integration, "full")]


def test_sync_in_progress_elsewhere_is_skipped(
    db: Database, fake: FakeSquare, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="possync.monitor")
    facade = InventorySyncService(db)
    record = asyncio.run(
        facade.add_integration_from_json(
            {
                "id": "pos-square-main",
                "name": "Square main",
                "type": "square",
                "configuration": {
                    "baseUrl": fake.url,
                    "credentials": {"accessToken": TOKEN},
                    "locationMap": {},
                },
                "syncFrequency": "real_time",
            }
        )
    )
    # Later than the lock's heartbeat by more than its staleness: the scheduler tries, and
    # the lock (held live by "another process") refuses.
    clock = Clock(datetime.now(UTC) + timedelta(hours=1))

    async def run_sync(integration_id: uuid.UUID, sync_type: str) -> object:
        return await facade.sync_inventory_levels(integration_id, sync_type)

    scheduler = SyncScheduler(db, run_sync, clock=clock)
    with SyncLockManager(db).hold(record.id):
        assert asyncio.run(scheduler.run_due()) == [record.id]
    assert "skipped: it is syncing elsewhere" in caplog.text
    assert _runs(db) == []
    assert not fake.requests


def test_facade_scheduler_syncs_while_started(db: Database, fake: FakeSquare) -> None:
    fake.add_item("I1", "Apple", [{"id": "V1", "sku": "A-1"}])
    fake.set_count("V1", "L1", 7)
    with db.session() as s:
        s.add(Warehouse(id=uuid.uuid4(), code="MAIN", name="Main"))
        s.add(Product(id=uuid.uuid4(), sku="A-1", name="Apple"))
    facade = InventorySyncService(db)
    record = asyncio.run(
        facade.add_integration_from_json(
            {
                "name": "Square main",
                "type": "square",
                "configuration": {
                    "baseUrl": fake.url,
                    "credentials": {"accessToken": TOKEN},
                    "locationMap": {"L1": "MAIN"},
                },
                "syncFrequency": "daily",
            }
        )
    )

    async def main() -> list[IntegrationSyncLog]:
        scheduler = facade.make_scheduler()
        scheduler.start()
        try:
            for _ in range(500):  # wait for the first run, whatever the machine's speed
                rows = await asyncio.to_thread(_runs, db)
                if rows:
                    return rows
                await asyncio.sleep(0.02)
            raise AssertionError("the scheduler started no sync")
        finally:
            await scheduler.stop()

    [run] = asyncio.run(main())
    assert (run.integration_id, run.sync_type) == (record.id, "full")
    assert run.status == "success"
    health = asyncio.run(facade.check_integration_health(record.id))
    assert (health.status, health.last_sync_status, health.error_rate) == ("healthy", "success", 0)
    assert [h.status for h in asyncio.run(facade.integration_health())] == ["healthy"]


def _runs(db: Database) -> list[IntegrationSyncLog]:
    with db.session() as s:
        return list(s.scalars(select(IntegrationSyncLog)))
