"""Alembic, driven from code: the migrations ship inside the package (``store/migrations``).

Before upgrading a SQLite file that already holds data, a copy is kept beside it
(``possync.sqlite3.bak-<revision>``) so a failed migration never costs a store.

On SQLite, migrations run with foreign keys off: batch mode rebuilds a table by copy, drop
and rename, and with foreign keys on, dropping the old ``products`` would cascade-delete
every stock level and movement. Integrity is checked once the migration is done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from possync_gui.domain.errors import DatabaseError
from possync_gui.store.backup import backup_sqlite
from possync_gui.store.database import Database

log = logging.getLogger("possync.db")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(db: Database, engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine if engine is not None else db.engine
    return cfg


def _sqlite_migration_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=OFF")  # must be set outside a transaction
    cur.close()


def _migration_engine(db: Database) -> Engine:
    """The engine migrations run on: the app's own, or for SQLite one with foreign keys off."""
    if db.backend != "sqlite":
        return db.engine
    engine = create_engine(db.engine.url, poolclass=NullPool, connect_args={"timeout": 5})
    event.listen(engine, "connect", _sqlite_migration_pragmas)
    return engine


def _check_foreign_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise DatabaseError(
            f"The database upgrade left {len(broken)} broken references in "
            f"{', '.join(tables)}; restore the .bak copy beside the database file."
        )


def _run(db: Database, action: Callable[[Config, str], None], revision: str) -> None:
    engine = _migration_engine(db)
    try:
        action(alembic_config(db, engine), revision)
        if engine is not db.engine:
            _check_foreign_keys(engine)
    finally:
        if engine is not db.engine:
            engine.dispose()


def head_revision(db: Database) -> str:
    script = ScriptDirectory.from_config(alembic_config(db))
    head = script.get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every schema revision this version of possync ships."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def check_not_newer(current: str | None) -> None:
    """Refuse, changing nothing, a database that a newer possync has upgraded."""
    if current is not None and current not in known_revisions():
        raise DatabaseError(
            f"This database was written by a newer possync (schema {current}); install a "
            "newer version or restore a backup."
        )


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _backup_sqlite(db: Database, revision: str) -> Path | None:
    path = db.engine.url.database
    if db.backend != "sqlite" or not path or path == ":memory:":
        return None
    src = Path(path)
    if not src.exists() or src.stat().st_size == 0:
        return None
    dst = src.with_name(f"{src.name}.bak-{revision}")
    # The online backup API, not a file copy: it copies under SQLite's locks and includes
    # what is still only in the write-ahead log, so the copy is consistent.
    backup_sqlite(src, dst)
    log.info("backed up %s to %s before migrating", src, dst)
    return dst


def upgrade(db: Database, revision: str = "head") -> None:
    current = current_revision(db)
    if current is not None and current == head_revision(db) and revision == "head":
        return
    check_not_newer(current)
    if current is not None:
        _backup_sqlite(db, current)
    log.info("migrating database from %s to %s", current or "empty", revision)
    _run(db, command.upgrade, revision)


def downgrade(db: Database, revision: str) -> None:
    _run(db, command.downgrade, revision)
