"""One sync per integration at a time, across threads and processes (DESIGN.md §8).

:class:`SyncLockManager` takes, refreshes and gives back the lock of one integration. The
two backends keep it differently, because they can offer different guarantees:

SQLite
    There is no server that could notice a process dying, so the lock is the row in
    ``sync_locks`` (owner, ``acquired_at``, ``heartbeat_at``). It is taken with one atomic
    statement, ``INSERT … ON CONFLICT (integration_id) DO UPDATE … WHERE heartbeat_at < cutoff
    OR owner = me``; the statement's row count says whether we got it. A holder must call
    :meth:`SyncLockManager.heartbeat` more often than ``stale_after`` (``hold`` does so in a
    background thread); a row whose heartbeat is older than that belongs to a process that
    died and is taken over. Every step is its own short transaction, so no write lock on the
    file is held between steps and other possync windows keep working.

PostgreSQL
    The server ends a session when its client goes away, and a session-level advisory lock
    (``pg_try_advisory_lock``) ends with it. So the lock is such an advisory lock, held on a
    dedicated connection that stays open for as long as the lock is held: a killed process
    frees it at once, with no waiting for a heartbeat to go stale. The key is derived stably
    from the integration's UUID (its first 8 bytes as a signed 64-bit integer), so every
    process computes the same key. The ``sync_locks`` row is written too, only so the UI can
    show who holds the lock and since when; the advisory lock is the authority, and a row
    left by a dead process is simply overwritten by the next owner.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, delete, exc, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from possync_gui.domain.errors import (
    DatabaseConnectionLostError,
    DatabaseError,
    SyncInProgressError,
)
from possync_gui.store.database import Database
from possync_gui.store.models import SyncLock

log = logging.getLogger("possync.locks")

Clock = Callable[[], datetime]

_OWNER_MAX = 200  # the width of sync_locks.owner
_TABLE = cast(Table, SyncLock.__table__)


def default_owner() -> str:
    """``host:pid:random`` — unique per manager, readable for a person looking at the UI."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[-_OWNER_MAX:]


def _dead_here(owner: str) -> bool:
    """True when ``owner`` (``host:pid:…``) names a process of this machine that has ended."""
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl+C there: wait for staleness
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def advisory_key(integration_id: uuid.UUID) -> int:
    """The PostgreSQL advisory lock key of an integration: a stable signed int64."""
    return int.from_bytes(integration_id.bytes[:8], "big", signed=True)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SyncLockManager:
    """Acquire, heartbeat and release the per-integration sync lock on either backend."""

    def __init__(
        self,
        db: Database,
        *,
        owner: str | None = None,
        stale_after: timedelta = timedelta(minutes=2),
        clock: Clock = _utc_now,
    ) -> None:
        if stale_after <= timedelta(0):
            raise ValueError("stale_after must be positive")
        self.db = db
        self.owner = (owner or default_owner())[:_OWNER_MAX]
        self.stale_after = stale_after
        self.clock = clock
        self._is_pg = db.backend == "postgresql"
        #: PostgreSQL only: the connection holding each integration's advisory lock.
        self._connections: dict[uuid.UUID, Connection] = {}
        self._guard = threading.Lock()

    # -- public API ---------------------------------------------------------------------

    def acquire(self, integration_id: uuid.UUID) -> None:
        """Take the lock, or raise :class:`SyncInProgressError` if a live owner holds it.

        Acquiring a lock this manager already holds only refreshes its heartbeat.
        """
        if self._is_pg:
            self._acquire_pg(integration_id)
        else:
            self._acquire_sqlite(integration_id)
        log.debug("sync lock %s acquired by %s", integration_id, self.owner)

    def heartbeat(self, integration_id: uuid.UUID) -> None:
        """Say the owner is still alive. Raises :class:`SyncInProgressError` if the lock was
        lost (on SQLite: taken over after this owner let it go stale)."""
        if self._is_pg:
            conn = self._connections.get(integration_id)
            if conn is None:
                raise SyncInProgressError()
            try:
                conn.exec_driver_sql("SELECT 1")
            except (exc.DBAPIError, DatabaseConnectionLostError):
                self._drop_connection(integration_id)
                raise DatabaseError(
                    "Lost the database connection holding the sync lock.", retryable=True
                ) from None
        with self.db.session() as session:
            result = session.execute(
                update(SyncLock)
                .where(SyncLock.integration_id == integration_id, SyncLock.owner == self.owner)
                .values(heartbeat_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            touched = result.rowcount  # type: ignore[attr-defined]
        if touched == 0 and not self._is_pg:
            raise SyncInProgressError()

    def release(self, integration_id: uuid.UUID) -> None:
        """Give the lock back. Only this manager's own lock is touched; releasing a lock it
        does not hold does nothing."""
        try:
            with self.db.session() as session:
                session.execute(
                    delete(SyncLock)
                    .where(SyncLock.integration_id == integration_id, SyncLock.owner == self.owner)
                    .execution_options(synchronize_session=False)
                )
        finally:
            if self._is_pg:
                self._drop_connection(integration_id, unlock=True)
        log.debug("sync lock %s released by %s", integration_id, self.owner)

    @contextmanager
    def hold(self, integration_id: uuid.UUID, *, auto_heartbeat: bool = True) -> Iterator[None]:
        """Hold the lock for a ``with`` block, heartbeating in the background (every quarter
        of ``stale_after``) unless ``auto_heartbeat`` is off."""
        self.acquire(integration_id)
        stop = threading.Event()
        beater: threading.Thread | None = None
        if auto_heartbeat:
            beater = threading.Thread(
                target=self._beat, args=(integration_id, stop), name="possync-lock-heartbeat"
            )
            beater.daemon = True
            beater.start()
        try:
            yield
        finally:
            stop.set()
            if beater is not None:
                beater.join()
            self.release(integration_id)

    # -- SQLite -------------------------------------------------------------------------

    def _acquire_sqlite(self, integration_id: uuid.UUID) -> None:
        now = self.clock()
        cutoff = now - self.stale_after
        table = _TABLE
        stmt = sqlite_insert(table).values(
            integration_id=integration_id, owner=self.owner, acquired_at=now, heartbeat_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.integration_id],
            set_={"owner": self.owner, "acquired_at": now, "heartbeat_at": now},
            where=or_(table.c.heartbeat_at < cutoff, table.c.owner == self.owner),
        )
        with self.db.session() as session:
            got = session.execute(stmt).rowcount  # type: ignore[attr-defined]
        if got != 1 and self._clear_dead_owner(integration_id):
            with self.db.session() as session:
                got = session.execute(stmt).rowcount  # type: ignore[attr-defined]
        if got != 1:
            raise SyncInProgressError()

    def _clear_dead_owner(self, integration_id: uuid.UUID) -> bool:
        """Drop the lock of an owner on this machine whose process has died (a killed sync),
        without waiting for its heartbeat to go stale. True when one was dropped."""
        table = _TABLE
        with self.db.session() as session:
            owner = session.scalar(
                select(table.c.owner).where(table.c.integration_id == integration_id)
            )
            if owner is None or not _dead_here(owner):
                return False
            session.execute(
                delete(table).where(
                    table.c.integration_id == integration_id, table.c.owner == owner
                )
            )
        log.warning("sync lock of %s dropped: its process %s has ended", integration_id, owner)
        return True

    # -- PostgreSQL ---------------------------------------------------------------------

    def _acquire_pg(self, integration_id: uuid.UUID) -> None:
        with self._guard:
            if integration_id in self._connections:
                held = True
            else:
                held = False
                conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                try:
                    got = conn.execute(
                        text("SELECT pg_try_advisory_lock(:key)"),
                        {"key": advisory_key(integration_id)},
                    ).scalar_one()
                except BaseException:
                    conn.invalidate()
                    conn.close()
                    raise
                if not got:
                    conn.close()
                    raise SyncInProgressError()
                self._connections[integration_id] = conn
        if held:
            self.heartbeat(integration_id)
            return
        try:
            self._write_pg_row(integration_id)
        except BaseException:
            self._drop_connection(integration_id, unlock=True)
            raise

    def _write_pg_row(self, integration_id: uuid.UUID) -> None:
        now = self.clock()
        table = _TABLE
        stmt = pg_insert(table).values(
            integration_id=integration_id, owner=self.owner, acquired_at=now, heartbeat_at=now
        )
        # We hold the advisory lock, so any existing row was left by an owner that is gone.
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.integration_id],
            set_={"owner": self.owner, "acquired_at": now, "heartbeat_at": now},
        )
        with self.db.session() as session:
            session.execute(stmt)

    def _drop_connection(self, integration_id: uuid.UUID, *, unlock: bool = False) -> None:
        with self._guard:
            conn = self._connections.pop(integration_id, None)
        if conn is None:
            return
        try:
            if unlock:
                conn.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(integration_id)}
                )
        except (exc.DBAPIError, DatabaseConnectionLostError):
            log.warning("could not unlock sync lock %s; closing its connection", integration_id)
        finally:
            # Never hand a connection that may still hold the lock back to the pool: closing
            # the DBAPI connection ends the session and with it any advisory lock.
            conn.invalidate()
            conn.close()

    # -- background heartbeat -----------------------------------------------------------

    def _beat(self, integration_id: uuid.UUID, stop: threading.Event) -> None:
        interval = self.stale_after.total_seconds() / 4
        while not stop.wait(interval):
            try:
                self.heartbeat(integration_id)
            except Exception:  # the sync itself will notice; keep trying until told to stop
                log.warning("sync lock %s heartbeat failed", integration_id, exc_info=True)
