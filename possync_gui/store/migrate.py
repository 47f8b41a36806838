"""Alembic, driven from code: the migrations ship inside the package (``store/migrations``).

Before upgrading a SQLite file that already holds data, a copy is kept beside it
(``possync.sqlite3.bak-<revision>``) so a failed migration never costs a store.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from possync_gui.store.database import Database

log = logging.getLogger("possync.db")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = db.engine
    return cfg


def head_revision(db: Database) -> str:
    script = ScriptDirectory.from_config(alembic_config(db))
    head = script.get_current_head()
    assert head is not None
    return head


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
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(src, dst)
    log.info("backed up %s to %s before migrating", src, dst)
    return dst


def upgrade(db: Database, revision: str = "head") -> None:
    current = current_revision(db)
    if current is not None and current == head_revision(db) and revision == "head":
        return
    if current is not None:
        _backup_sqlite(db, current)
    log.info("migrating database from %s to %s", current or "empty", revision)
    command.upgrade(alembic_config(db), revision)


def downgrade(db: Database, revision: str) -> None:
    command.downgrade(alembic_config(db), revision)
