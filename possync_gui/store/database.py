"""Engine and session setup, URL resolution and start-up checks.

``open_database`` turns a URL (or the default SQLite file in the platform's user data
folder) into a ready :class:`Database`: connected, migrated to the newest schema, with
SQLite's WAL, foreign keys and busy timeout on. Every failure a user can cause (a bad URL,
an unreadable file, a server that refuses) becomes a :class:`DatabaseError` with one clear
sentence and no password in it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from possync_gui.domain.errors import DatabaseConnectionLostError, DatabaseError

log = logging.getLogger("possync.db")

ENV_DB_URL = "POSSYNC_DB_URL"
APP_NAME = "possync"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def default_sqlite_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "possync.sqlite3"


def resolve_url(cli_url: str | None = None) -> str:
    """``--db`` wins, then ``POSSYNC_DB_URL``, then the per-user SQLite file."""
    if cli_url:
        return cli_url
    env = os.environ.get(ENV_DB_URL)
    if env:
        return env
    return f"sqlite:///{default_sqlite_path()}"


def describe_url(url: str | URL) -> str:
    """The URL as it may be shown to a person: never with a password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<unparseable database URL>"


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise DatabaseError(
            f"Not a database URL: {url!r}. Use a path like sqlite:///C:/data/possync.sqlite3 "
            "or postgresql+psycopg://user@host/dbname."
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            f"Unsupported database {parsed.get_backend_name()!r} in {describe_url(parsed)}: "
            "possync works with sqlite and postgresql."
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


#: Per connection: the page cache (KiB) and the memory-mapped window (bytes) of SQLite.
SQLITE_CACHE_KIB = 65_536
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
SQLITE_CHECKPOINT_PAGES = 10_000


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    # SQLite's default page cache is 2 MB per connection: a sync page or an alert batch over
    # a store of 100,000+ levels then re-reads its index pages from the file on every
    # statement. 64 MB (allocated as used) and memory-mapped reads keep them at hand.
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cur.execute("PRAGMA temp_store=MEMORY")
    # A checkpoint (which does fsync) every 1,000 WAL pages by default: an incremental sync
    # writing ~1,500 pages paid one in its commit. Every 10,000 pages (40 MB of WAL) is ten
    # times fewer fsyncs for the same pages copied.
    cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    row = cur.execute("PRAGMA journal_mode").fetchone()
    if row and str(row[0]).lower() not in ("wal", "memory"):
        cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _check_sqlite_path(url: URL) -> None:
    db = url.database
    if not db or db == ":memory:":
        return
    path = Path(db)
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"The database path {path} is a folder, not a file.")
        if not os.access(path, os.R_OK | os.W_OK):
            raise DatabaseError(
                f"The database file {path} is read-only: possync cannot read and write it "
                "(check its permissions, or the disk it is on); nothing was changed."
            )
        with path.open("rb") as fh:
            head = fh.read(16)
        if head and head != b"SQLite format 3\x00":
            raise DatabaseError(f"{path} is not a possync database (not an SQLite file).")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatabaseError(f"Cannot create the folder for {path}: {err.strerror}.") from None
    if not os.access(path.parent, os.W_OK):
        raise DatabaseError(
            f"Cannot create the database file in {path.parent}: no write permission."
        )


@dataclass
class Database:
    """An engine and its session factory. One per process; sessions are per unit of work."""

    engine: Engine
    sessions: sessionmaker[Session]
    #: This process's name on a PostgreSQL server (``application_name``): the change feed
    #: ignores notifications carrying it, which are this Database's own (issue 7).
    client_name: str = ""

    @property
    def url_for_display(self) -> str:
        return describe_url(self.engine.url)

    @property
    def backend(self) -> str:
        return self.engine.url.get_backend_name()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one unit of work: committed on success, rolled back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except exc.OperationalError as err:
                session.rollback()
                raise map_operational_error(err, self.engine.url) from err
            except exc.InterfaceError as err:  # a connection closed under the session
                session.rollback()
                raise DatabaseConnectionLostError() from err
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


#: What libpq and psycopg say when the server is away (SQLSTATE class 08 and 57P0x too).
_CONNECTION_WORDS = (
    "connection refused",
    "connection failed",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection to server",
    "could not connect",
    "consuming input failed",
    "no connection to the server",
    "the database system is shutting down",
    "the database system is starting up",
    "does not allow connections",
    "timeout expired",
)


def is_connection_lost(err: exc.DBAPIError) -> bool:
    """True when ``err`` says the server cannot be reached, not that a statement failed."""
    if err.connection_invalidated:
        return True
    sqlstate = str(getattr(err.orig, "sqlstate", None) or "")
    if sqlstate.startswith(("08", "57P0")):
        return True
    low = str(err.orig if err.orig is not None else err).lower()
    return any(word in low for word in _CONNECTION_WORDS)


DISK_FULL = "The disk holding the database is full; nothing was saved."
#: Less free space than this beside a SQLite file that failed with an I/O error: a full disk.
DISK_NEARLY_FULL_BYTES = 256 * 1024


def _sqlite_disk_full(url: URL | None) -> bool:
    """True when the disk holding ``url``'s SQLite file has (next to) no space left: SQLite
    reports a full disk as "disk I/O error" when it cannot even create its -shm file."""
    if url is None or url.get_backend_name() != "sqlite" or not url.database:
        return False
    folder = Path(url.database).parent
    try:
        return shutil.disk_usage(folder).free < DISK_NEARLY_FULL_BYTES
    except OSError:
        return False


def map_operational_error(err: exc.OperationalError, url: URL | None = None) -> DatabaseError:
    """The clear message for a database failure; ``url`` lets a SQLite I/O error on a full
    disk be told apart."""
    text = str(err.orig) if err.orig is not None else str(err)
    low = text.lower()
    if is_connection_lost(err):
        return DatabaseConnectionLostError()
    if "database is locked" in low:
        return DatabaseError(
            "The database is busy (another possync is writing). Try again in a moment.",
            retryable=True,
        )
    if "disk is full" in low or "no space left" in low:
        return DatabaseError(DISK_FULL)
    if "disk i/o error" in low and _sqlite_disk_full(url):
        return DatabaseError(DISK_FULL)
    if "readonly" in low or "read-only" in low:
        return DatabaseError("The database is read-only; nothing was saved.")
    return DatabaseError(f"Database error: {text.splitlines()[0]}")


def create_database(url: str, *, echo: bool = False) -> Database:
    """Create the engine for ``url`` without touching the schema."""
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    client_name = ""
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_path(parsed)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
    else:
        kwargs["pool_pre_ping"] = True
        client_name = new_client_name()
        kwargs["connect_args"] = {"connect_timeout": 10, "application_name": client_name}
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except exc.DBAPIError as err:
        engine.dispose()
        if _sqlite_disk_full(parsed):
            raise DatabaseError(DISK_FULL) from None
        orig = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
        raise DatabaseError(f"Cannot open the database {describe_url(parsed)}: {orig}") from None
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "handle_error", _connection_lost_as_known_error)
    return Database(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        client_name=client_name,
    )


def _connection_lost_as_known_error(ctx: ExceptionContext) -> None:
    """A statement or a connect that fails because the server is away raises
    :class:`DatabaseConnectionLostError` wherever it ran (a session, ``engine.connect()``, a
    worker thread), so no caller sees a driver error and none shows a traceback. The pool's
    own pre-ping is left alone: it reconnects by itself when it can."""
    if ctx.is_pre_ping:
        return
    err = ctx.sqlalchemy_exception
    if ctx.is_disconnect or (isinstance(err, exc.DBAPIError) and is_connection_lost(err)):
        raise DatabaseConnectionLostError()


def new_client_name() -> str:
    """``possync-<pid>-<random>``: unique per Database, readable in ``pg_stat_activity``
    (PostgreSQL keeps 63 characters of it)."""
    return f"possync-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def open_database(url: str, *, migrate: bool = True, echo: bool = False) -> Database:
    """Open ``url`` and bring its schema to the newest revision."""
    from possync_gui.store.migrate import upgrade  # noqa: PLC0415 - alembic is slow to import

    db = create_database(url, echo=echo)
    if migrate:
        try:
            upgrade(db)
        except exc.DBAPIError as err:
            db.dispose()
            orig = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise DatabaseError(
                f"Cannot prepare the database {describe_url(db.engine.url)}: {orig}"
            ) from None
        except DatabaseError:  # a newer possync's database, a failed backup: nothing changed
            db.dispose()
            raise
    return db
