"""Seeing what other desktops commit: a watcher per backend (issue 7 §1).

PostgreSQL
    A dedicated connection (autocommit, TCP keepalives, outside the pool) ``LISTEN``\\ s on
    ``possync_changes``, which migration 0007's statement-level triggers notify with
    ``<table> <application_name>``. Notifications carrying this Database's own
    ``client_name`` are its own writes and are dropped. A quiet connection is pinged every
    few seconds, so a server that went away is noticed even when nobody writes.

SQLite
    Several processes may open one file. ``PRAGMA data_version`` on a dedicated connection
    changes when any *other* connection committed, our own pool's included; so each commit
    of this Database's engine reads it just before and just after committing (under a lock,
    while the commit holds SQLite's write lock, so no other writer can commit in between):
    a change seen before is someone else's, the change across our commit is ours. SQLite
    cannot say which tables changed: the watcher reports :data:`ALL`.

Both raise :class:`DatabaseConnectionLostError` when the database cannot be reached; the
caller (``services/change_feed.py``) reconnects with backoff.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
from sqlalchemy.engine import Engine

from possync_gui.domain.errors import DatabaseConnectionLostError
from possync_gui.store.database import Database

log = logging.getLogger("possync.db")

CHANNEL = "possync_changes"
#: "Some table changed" (SQLite cannot say which).
ALL = "*"
#: A quiet PostgreSQL listener pings the server this often (seconds).
PING_AFTER_S = 5.0


class Watcher(Protocol):
    """What the change feed needs of a backend."""

    def connect(self) -> None:
        """Open the watcher's own connection (raises DatabaseConnectionLostError)."""

    def wait(self, timeout: float) -> set[str]:
        """The tables others changed, as soon as some are known, or an empty set after
        ``timeout`` seconds (raises DatabaseConnectionLostError)."""
        ...

    def close(self) -> None:
        """Close the connection; a ``wait`` in progress returns soon after."""


def make_watcher(db: Database) -> Watcher | None:
    """The watcher for ``db``'s backend; None for an in-memory SQLite (no one else sees it)."""
    if db.backend == "postgresql":
        return PgWatcher(db)
    path = db.engine.url.database
    if not path or path == ":memory:":
        return None
    return SqliteWatcher(db.engine, path)


def _lost(err: BaseException) -> DatabaseConnectionLostError:
    reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return DatabaseConnectionLostError(f"The connection to the database is lost: {reason}")


class PgWatcher:
    """``LISTEN possync_changes`` on a connection of its own."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: psycopg.Connection[Any] | None = None
        self._heard_at = time.monotonic()

    def connect(self) -> None:
        _args, params = self._db.engine.dialect.create_connect_args(self._db.engine.url)
        params.update(
            autocommit=True,
            connect_timeout=5,
            application_name=f"{self._db.client_name}-feed"[:63],
            # A pulled cable is noticed within ~15 s instead of the kernel's two hours.
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
            tcp_user_timeout=10_000,
        )
        try:
            conn = psycopg.connect(**params)
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as err:
            raise _lost(err) from None
        self._conn = conn
        self._heard_at = time.monotonic()

    def wait(self, timeout: float) -> set[str]:
        conn = self._conn
        if conn is None or conn.closed:
            raise DatabaseConnectionLostError()
        tables: set[str] = set()
        try:
            heard = False
            for note in conn.notifies(timeout=timeout, stop_after=1):
                heard = self._take(note.payload, tables)
            if heard:  # gather the rest of the burst (other tables of the same commits)
                for more in conn.notifies(timeout=0.05):
                    self._take(more.payload, tables)
            if time.monotonic() - self._heard_at > PING_AFTER_S:
                conn.execute("SELECT 1")
                self._heard_at = time.monotonic()
        except psycopg.Error as err:
            self.close()
            raise _lost(err) from None
        return tables

    def _take(self, payload: str, tables: set[str]) -> bool:
        self._heard_at = time.monotonic()
        table, _, sender = payload.partition(" ")
        if sender != self._db.client_name:
            tables.add(table)
        return True

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:  # already broken: nothing to give back
                log.debug("change feed: closing a broken connection", exc_info=True)


class SqliteWatcher:
    """``PRAGMA data_version`` on a connection of its own; our own commits are told apart
    by reading it around each of them (see the module's docstring)."""

    def __init__(self, engine: Engine, path: str) -> None:
        self._engine = engine
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._seen = 0
        self._foreign = False
        self._closed = threading.Event()
        self._original_commit: Callable[[Any], None] | None = None

    def connect(self) -> None:
        try:
            conn = sqlite3.connect(
                self._path, isolation_level=None, check_same_thread=False, timeout=5
            )
            seen = int(conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error as err:
            raise _lost(err) from None
        with self._lock:
            self._conn, self._seen, self._foreign = conn, seen, False
        self._closed.clear()
        if self._original_commit is None:
            self._original_commit = self._engine.dialect.do_commit
            # The dialect instance is this engine's own: only its commits pass through here.
            setattr(self._engine.dialect, "do_commit", self._own_commit)  # noqa: B010

    def _version(self) -> int:
        assert self._conn is not None
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _absorb(self) -> None:
        """Under the lock: a version moved since last seen means another's commit."""
        version = self._version()
        if version != self._seen:
            self._seen, self._foreign = version, True

    def _own_commit(self, dbapi_connection: Any) -> None:
        original = self._original_commit
        assert original is not None
        with self._lock:
            if self._conn is None:
                original(dbapi_connection)
                return
            try:
                self._absorb()
            except sqlite3.Error:  # the watcher's own trouble never fails a commit
                log.debug("change feed: data_version before a commit", exc_info=True)
            try:
                original(dbapi_connection)
            finally:
                try:
                    self._seen = self._version()
                except sqlite3.Error:
                    log.debug("change feed: data_version after a commit", exc_info=True)

    def wait(self, timeout: float) -> set[str]:
        if self._closed.wait(timeout) or self._conn is None:
            return set()
        try:
            with self._lock:
                self._absorb()
                foreign, self._foreign = self._foreign, False
        except sqlite3.Error as err:
            raise _lost(err) from None
        return {ALL} if foreign else set()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            conn, self._conn = self._conn, None
            if self._original_commit is not None:
                setattr(self._engine.dialect, "do_commit", self._original_commit)  # noqa: B010
                self._original_commit = None
        if conn is not None:
            conn.close()
