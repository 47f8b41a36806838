"""What the About box and the Settings dialog ask of the store: versions, the schema
revision, a database URL tried before it is saved, the SQLite file copied elsewhere.

Plain functions over a :class:`Database`, run off the GUI loop by the facade.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import sqlalchemy

from possync_gui import __version__
from possync_gui.domain.errors import DatabaseError
from possync_gui.store.database import Database, create_database, describe_url


@dataclass(frozen=True, slots=True)
class AboutInfo:
    """The versions and the database as the About box shows them."""

    app_version: str
    python_version: str
    sqlalchemy_version: str
    alembic_version: str
    platform: str
    backend: str
    database: str  # the URL without its password
    sqlite_path: Path | None  # the file, when the database is SQLite
    schema_current: str | None
    schema_head: str

    @property
    def schema_up_to_date(self) -> bool:
        return self.schema_current == self.schema_head


def sqlite_path(db: Database) -> Path | None:
    """The SQLite file behind ``db`` (None for PostgreSQL or an in-memory database)."""
    name = db.engine.url.database
    if db.backend != "sqlite" or not name or name == ":memory:":
        return None
    return Path(name).resolve()


def about(db: Database) -> AboutInfo:
    """Versions and the schema revision (alembic's current against the migrations' head)."""
    from possync_gui.store.migrate import current_revision, head_revision  # noqa: PLC0415

    return AboutInfo(
        app_version=__version__,
        python_version=platform.python_version(),
        sqlalchemy_version=sqlalchemy.__version__,
        alembic_version=metadata.version("alembic"),
        platform=f"{platform.system()} {platform.release()} ({sys.platform})",
        backend=db.backend,
        database=db.url_for_display,
        sqlite_path=sqlite_path(db),
        schema_current=current_revision(db),
        schema_head=head_revision(db),
    )


def try_database(url: str) -> str:
    """Connect to ``url`` and say what is there, without changing anything; raises
    :class:`DatabaseError` with one clear sentence (never the password)."""
    from possync_gui.store.migrate import current_revision, head_revision  # noqa: PLC0415

    db = create_database(url)
    try:
        current, head = current_revision(db), head_revision(db)
    finally:
        db.dispose()
    where = describe_url(url)
    if current is None:
        return f"Connected to {where}: an empty database; possync sets it up at the next start."
    if current == head:
        return f"Connected to {where}: a possync database, schema up to date ({current})."
    return (
        f"Connected to {where}: a possync database at schema {current}; it is upgraded to "
        f"{head} at the next start."
    )


def copy_sqlite(db: Database, folder: Path, file_name: str) -> Path:
    """Copy the SQLite database, consistent while it is in use, to ``folder/file_name``;
    refuses to overwrite a file already there."""
    if sqlite_path(db) is None:
        raise DatabaseError("Only an SQLite database can be copied to a folder.")
    target = folder / file_name
    if target.exists():
        raise DatabaseError(f"{target} already exists; nothing was copied.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatabaseError(f"Cannot create the folder {folder}: {err.strerror}.") from None
    # VACUUM INTO writes a consistent, compacted copy while other connections keep working.
    with db.engine.connect() as conn:
        conn.exec_driver_sql("VACUUM INTO ?", (str(target),))
    return target
