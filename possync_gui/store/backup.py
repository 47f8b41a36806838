"""Backups of the SQLite store, and restoring one (``possync db backup|restore PATH``).

A backup is taken with SQLite's online backup API (``sqlite3.Connection.backup``): it copies
the database page by page under SQLite's own locks, so the copy is consistent even while the
app writes, and it includes what is still only in the write-ahead log — which a plain file
copy of a WAL database would miss. The copy is written beside its destination under a
temporary name and moved into place only when whole and checked, so a failed backup (a full
disk) never leaves a half-written file where a good one was.

A restore checks the file first: an SQLite file, intact (``PRAGMA integrity_check``), with
possync's tables, at a schema revision this app knows (not one from a newer possync). The
database it replaces is first backed up beside itself (``<name>.before-restore-<UTC time>``),
then the backup's pages are copied into it, again with the backup API under SQLite's locks.

PostgreSQL databases are backed up with ``pg_dump`` and restored with ``pg_restore``;
:func:`pg_dump_commands` gives the commands to run, without the password.
"""

from __future__ import annotations

import logging
import os
import shlex
import sqlite3
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL

from possync_gui.domain.errors import DatabaseError

log = logging.getLogger("possync.db")

#: (pages copied, pages in all) after each step of a backup or restore.
Progress = Callable[[int, int], None]
#: Pages copied per step: small enough to report progress, large enough to be quick.
PAGES_PER_STEP = 256
SQLITE_HEADER = b"SQLite format 3\x00"
#: Tables every possync database has, whatever its revision.
REQUIRED_TABLES = frozenset({"alembic_version", "products", "warehouses", "stock_movements"})


@dataclass(frozen=True, slots=True)
class BackupResult:
    """A finished backup: where it is, its size and the schema revision it holds."""

    path: Path
    size: int
    revision: str | None


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """A finished restore: the revision restored and where the replaced database was kept."""

    path: Path
    revision: str
    kept: Path | None


def _sqlite_error(err: sqlite3.Error, doing: str) -> DatabaseError:
    text = str(err).lower()
    if "full" in text:
        return DatabaseError(f"The disk is full: {doing} failed and nothing was changed.")
    if "locked" in text or "busy" in text:
        return DatabaseError(
            f"The database is busy (another possync is writing): {doing} did not run. "
            "Try again in a moment.",
            retryable=True,
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseError(f"The destination is read-only: {doing} failed.")
    return DatabaseError(f"{doing.capitalize()} failed: {str(err).splitlines()[0]}.")


def _copy(
    source: sqlite3.Connection, target: sqlite3.Connection, progress: Progress | None
) -> None:
    def step(_status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=step)


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(OSError):
            leftover.unlink()


def backup_sqlite(
    source: Path, destination: Path, progress: Progress | None = None
) -> BackupResult:
    """Copy the SQLite database ``source`` to ``destination`` (replacing it) consistently."""
    if not source.is_file():
        raise DatabaseError(f"There is no database file at {source}.")
    if destination.is_dir():
        raise DatabaseError(f"{destination} is a folder: give the backup's file name.")
    if destination.resolve() == source.resolve():
        raise DatabaseError("The backup cannot be the database file itself.")
    if not destination.parent.is_dir():
        raise DatabaseError(f"The folder {destination.parent} does not exist.")
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    _remove(partial)
    try:
        read_only = not os.access(source, os.W_OK)  # a read-only database can be backed up
        with (
            closing(_connect(source, read_only=read_only, immutable=read_only)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            _copy(src, dst, progress)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            revision = _check(dst, partial)
        os.replace(partial, destination)
    except sqlite3.Error as err:
        raise _sqlite_error(err, "the backup") from None
    except OSError as err:
        raise DatabaseError(f"Cannot write the backup {destination}: {err.strerror}.") from None
    finally:
        _remove(partial)
    log.info("backed up %s to %s (revision %s)", source, destination, revision)
    return BackupResult(destination, destination.stat().st_size, revision)


def _connect(path: Path, *, read_only: bool, immutable: bool = False) -> sqlite3.Connection:
    mode = "ro" if read_only else "rw"
    # A WAL database on a read-only disk cannot be opened even with mode=ro (SQLite wants
    # to create its -shm file); nothing can write it there, so it is read as immutable.
    flags = "immutable=1" if immutable else f"mode={mode}"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=5)
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def _check(conn: sqlite3.Connection, path: Path) -> str | None:
    """The revision of an intact possync database (DatabaseError otherwise)."""
    row = conn.execute("PRAGMA integrity_check").fetchone()
    if row is None or row[0] != "ok":
        raise DatabaseError(f"{path} is damaged (SQLite integrity check: {row and row[0]}).")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables >= REQUIRED_TABLES:
        raise DatabaseError(f"{path} is not a possync database (it lacks possync's tables).")
    found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(found[0]) if found else None


def inspect_backup(path: Path) -> str:
    """The schema revision of the possync backup at ``path``; DatabaseError when it is not
    one (not SQLite, damaged, another program's database, no revision)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as err:
        raise DatabaseError(f"Cannot read {path}: {err.strerror}.") from None
    if head != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a possync database (not an SQLite file).")
    try:
        with closing(_connect(path, read_only=True)) as conn:
            revision = _check(conn, path)
    except sqlite3.Error as err:
        message = f"{path} is damaged: it cannot be read as a database ({err})."
        raise DatabaseError(message) from None
    if revision is None:
        raise DatabaseError(f"{path} is not a possync database (it has no schema revision).")
    return revision


def restore_sqlite(
    backup: Path, target: Path, known: set[str], progress: Progress | None = None
) -> RestoreResult:
    """Replace the database ``target`` with the backup's contents. ``known``: the schema
    revisions this app has; a backup at another one (a newer possync's) is refused."""
    if backup.resolve() == target.resolve():
        raise DatabaseError("That backup is the database itself: nothing to restore.")
    revision = inspect_backup(backup)
    if revision not in known:
        raise DatabaseError(
            f"{backup} was written by a newer possync (schema {revision}); install a newer "
            "version to restore it."
        )
    kept = None
    if target.exists() and target.stat().st_size > 0:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        kept = backup_sqlite(target, aside).path
    try:
        with (
            closing(_connect(backup, read_only=True)) as src,
            closing(sqlite3.connect(target, timeout=5)) as dst,
        ):
            dst.execute("PRAGMA busy_timeout=5000")
            _copy(src, dst, progress)
            _check(dst, target)
    except sqlite3.Error as err:
        where = f"; the database as it was is kept in {kept}" if kept else ""
        raise _sqlite_error(err, f"the restore{where}") from None
    log.info("restored %s from %s (revision %s)", target, backup, revision)
    return RestoreResult(target, revision, kept)


def pg_dump_commands(url: URL, path: str) -> tuple[str, str]:
    """The ``pg_dump`` and ``pg_restore`` commands for the PostgreSQL database at ``url``
    (libpq's form of the URL, without the password: give it with PGPASSWORD or ~/.pgpass)."""
    bare = URL.create(  # URL.set(password=None) would keep the password
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )
    libpq = bare.render_as_string(hide_password=False)
    quoted = f"'{libpq}'"
    file = shlex.quote(path)
    dump = f"pg_dump --format=custom --no-owner --file {file} {quoted}"
    restore = f"pg_restore --clean --if-exists --no-owner --dbname {quoted} {file}"
    return dump, restore
