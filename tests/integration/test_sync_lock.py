"""Only one sync per integration at a time, across processes too (DESIGN.md §8): a second
owner gets SyncInProgressError; a released lock can be taken again; a dead owner's lock is
taken over (SQLite: once its heartbeat is stale; PostgreSQL: at once, the advisory lock dies
with the connection)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from possync_gui.domain.errors import SyncInProgressError
from possync_gui.store.database import Database
from possync_gui.store.locks import SyncLockManager, advisory_key
from possync_gui.store.models import POSIntegration, SyncLock

MESSAGE = "Sync already in progress for this integration"
REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import sys, time, uuid
    from datetime import timedelta
    from possync_gui.domain.errors import SyncInProgressError
    from possync_gui.store.database import create_database
    from possync_gui.store.locks import SyncLockManager

    url, iid, mode = sys.argv[1], uuid.UUID(sys.argv[2]), sys.argv[3]
    db = create_database(url)
    # Generous: a loaded machine may take seconds to start this process.
    locks = SyncLockManager(db, stale_after=timedelta(seconds=60))
    try:
        locks.acquire(iid)
    except SyncInProgressError as err:
        print("BUSY", err, flush=True)
        sys.exit(0)
    print("ACQUIRED", flush=True)
    if mode == "hold":
        time.sleep(120)
    locks.release(iid)
    """
)


@pytest.fixture
def integration_id(db: Database) -> uuid.UUID:
    with db.session() as s:
        integration = POSIntegration(name="Main till", type="square")
        s.add(integration)
        s.flush()
        return integration.id


@pytest.fixture
def managers(db: Database) -> Iterator[list[SyncLockManager]]:
    """Managers made by a test; whatever they still hold is released afterwards."""
    made: list[SyncLockManager] = []
    yield made
    for manager in made:
        for iid in list(manager._connections):
            manager.release(iid)


def _manager(db: Database, made: list[SyncLockManager], **kwargs: object) -> SyncLockManager:
    manager = SyncLockManager(db, **kwargs)  # type: ignore[arg-type]
    made.append(manager)
    return manager


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _child(db: Database, iid: uuid.UUID, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, _url(db), str(iid), mode],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _lock_row(db: Database, iid: uuid.UUID) -> SyncLock | None:
    with db.session() as s:
        return s.scalars(select(SyncLock).where(SyncLock.integration_id == iid)).one_or_none()


def test_second_owner_is_refused(
    db: Database, integration_id: uuid.UUID, managers: list[SyncLockManager]
) -> None:
    first = _manager(db, managers, owner="first")
    second = _manager(db, managers, owner="second")
    first.acquire(integration_id)

    with pytest.raises(SyncInProgressError) as caught:
        second.acquire(integration_id)
    assert str(caught.value) == MESSAGE

    row = _lock_row(db, integration_id)
    assert row is not None
    assert row.owner == "first"
    first.acquire(integration_id)  # re-acquiring one's own lock is fine
    first.heartbeat(integration_id)


def test_release_then_acquire(
    db: Database, integration_id: uuid.UUID, managers: list[SyncLockManager]
) -> None:
    first = _manager(db, managers, owner="first")
    second = _manager(db, managers, owner="second")
    first.acquire(integration_id)
    second.release(integration_id)  # not its lock: nothing happens
    with pytest.raises(SyncInProgressError):
        second.acquire(integration_id)

    first.release(integration_id)
    assert _lock_row(db, integration_id) is None
    second.acquire(integration_id)
    row = _lock_row(db, integration_id)
    assert row is not None
    assert row.owner == "second"
    second.release(integration_id)
    assert _lock_row(db, integration_id) is None


def test_hold_context_manager(
    db: Database, integration_id: uuid.UUID, managers: list[SyncLockManager]
) -> None:
    holder = _manager(db, managers, stale_after=timedelta(seconds=0.2))
    other = _manager(db, managers)
    with holder.hold(integration_id):
        time.sleep(0.3)  # longer than stale_after: the background heartbeat keeps it alive
        with pytest.raises(SyncInProgressError):
            other.acquire(integration_id)
    other.acquire(integration_id)
    other.release(integration_id)


def test_stale_lock_is_taken_over(
    db: Database, integration_id: uuid.UUID, managers: list[SyncLockManager]
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    dead = _manager(db, managers, owner="dead", clock=lambda: long_ago)
    dead.acquire(integration_id)
    alive = _manager(db, managers, owner="alive")

    if db.backend == "sqlite":
        alive.acquire(integration_id)
        row = _lock_row(db, integration_id)
        assert row is not None
        assert row.owner == "alive"
        with pytest.raises(SyncInProgressError):
            dead.heartbeat(integration_id)  # it has lost the lock and is told so
        dead.release(integration_id)  # and cannot release someone else's
        assert _lock_row(db, integration_id) is not None
    else:
        # The advisory lock, not the heartbeat, decides: its session is still open.
        with pytest.raises(SyncInProgressError):
            alive.acquire(integration_id)


def test_other_process_cannot_acquire_while_held(
    db: Database, integration_id: uuid.UUID, managers: list[SyncLockManager]
) -> None:
    holder = _manager(db, managers)
    holder.acquire(integration_id)
    child = _child(db, integration_id, "once")
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    assert out.strip() == f"BUSY {MESSAGE}"

    holder.release(integration_id)
    child = _child(db, integration_id, "once")
    out, _ = child.communicate(timeout=60)
    assert out.strip() == "ACQUIRED"


def test_killed_holder_frees_the_lock(
    db: Database, integration_id: uuid.UUID, managers: list[SyncLockManager]
) -> None:
    child = _child(db, integration_id, "hold")
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ACQUIRED"
        waiter = _manager(db, managers, stale_after=timedelta(seconds=1))
        with pytest.raises(SyncInProgressError):
            waiter.acquire(integration_id)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    if db.backend == "sqlite":
        # The row is still there with a fresh heartbeat, but its owner's process on this
        # machine has ended: the lock is taken over at once.
        waiter.acquire(integration_id)
    else:
        # The server ends the dead client's session and its advisory lock with it; allow it
        # the moment it takes to notice the closed socket.
        deadline = time.monotonic() + 5
        while True:
            try:
                waiter.acquire(integration_id)
                break
            except SyncInProgressError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    row = _lock_row(db, integration_id)
    assert row is not None
    assert row.owner == waiter.owner
    waiter.release(integration_id)


def test_lock_of_another_machine_waits_for_its_heartbeat_to_go_stale(
    sqlite_db: Database, managers: list[SyncLockManager]
) -> None:
    """A process on another desktop cannot be checked for life: its lock expires only when
    its heartbeat stops for ``stale_after``."""
    with sqlite_db.session() as s:
        integration = POSIntegration(name="Shared till", type="square")
        s.add(integration)
        s.flush()
        iid = integration.id
    other = _manager(sqlite_db, managers, owner="another-desk:4242:abcd")
    other.acquire(iid)
    waiter = _manager(sqlite_db, managers, stale_after=timedelta(seconds=1))
    with pytest.raises(SyncInProgressError):
        waiter.acquire(iid)
    time.sleep(1.2)
    waiter.acquire(iid)
    row = _lock_row(sqlite_db, iid)
    assert row is not None and row.owner == waiter.owner
    waiter.release(iid)


def test_advisory_key_is_stable_signed_int64() -> None:
    iid = uuid.UUID("ffffffff-ffff-ffff-0000-000000000000")
    assert advisory_key(iid) == -1
    assert advisory_key(uuid.UUID(int=1 << 64)) == 1
    for _ in range(100):
        assert -(2**63) <= advisory_key(uuid.uuid4()) < 2**63
