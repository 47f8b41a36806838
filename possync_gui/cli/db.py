"""``possync db backup PATH`` and ``possync db restore PATH`` (the SQLite store).

Both work on the database file itself, without opening it through the app (a backup of a
database that a newer possync wrote still works; a restore replaces a database that cannot
be opened). A PostgreSQL database is backed up with ``pg_dump``: the commands print the
``pg_dump`` / ``pg_restore`` lines to run and exit 2, as nothing was backed up.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from possync_gui.cli.commands import Command
from possync_gui.cli.output import Progress
from possync_gui.domain.errors import DatabaseError
from possync_gui.store.backup import backup_sqlite, pg_dump_commands, restore_sqlite
from possync_gui.store.database import describe_url, open_database, parse_url, resolve_url
from possync_gui.store.migrate import current_revision, known_revisions

#: Not done by possync (PostgreSQL: run the printed commands yourself).
EXIT_NOT_DONE = 2


def add_backup_commands(db_group: Any) -> None:
    """Add ``backup`` and ``restore`` to the ``db`` group of ``build_parser``."""
    from possync_gui.cli.parser import _command  # noqa: PLC0415  (parser imports us)

    backup = _command(
        db_group,
        "backup",
        db_backup,
        "copy the SQLite database to PATH, consistently even while the app runs "
        "(PostgreSQL: prints the pg_dump command)",
    )
    backup.add_argument("path", metavar="PATH", help="the backup file to write")
    restore = _command(
        db_group,
        "restore",
        db_restore,
        "replace the SQLite database with the backup at PATH, keeping a copy of the one it "
        "replaces (PostgreSQL: prints the pg_restore command)",
    )
    restore.add_argument("path", metavar="PATH", help="a file written by possync db backup")


def _sqlite_file(cmd: Command) -> Path | None:
    """The database file the command works on; None for PostgreSQL."""
    url = parse_url(resolve_url(cmd.args.db))
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise DatabaseError("An in-memory database has nothing to back up or restore.")
    return Path(url.database)


def _postgres(cmd: Command, path: str, restoring: bool) -> int:
    url = parse_url(resolve_url(cmd.args.db))
    dump, restore = pg_dump_commands(url, path)
    print(
        f"possync does not copy a PostgreSQL database itself ({describe_url(url)}); "
        f"run {'pg_restore' if restoring else 'pg_dump'} (the password from PGPASSWORD or "
        "~/.pgpass):",
        file=sys.stderr,
    )
    print(restore if restoring else dump)
    if not restoring:
        print(f"# to restore it later:\n{restore}")
    return EXIT_NOT_DONE


def _progress(label: str) -> Progress:
    return Progress(label, sys.stderr)


def db_backup(cmd: Command) -> int:
    """Back the database up to ``PATH``."""
    source = _sqlite_file(cmd)
    if source is None:
        return _postgres(cmd, cmd.args.path, restoring=False)
    progress = _progress("Backing up")
    try:
        result = backup_sqlite(source, Path(cmd.args.path), progress)
    finally:
        progress.finish()
    print(
        f"Backed up {source} to {result.path} ({result.size:,} bytes, schema "
        f"{result.revision or 'empty'})."
    )
    return 0


def db_restore(cmd: Command) -> int:
    """Replace the database with the backup at ``PATH``, then bring it to this schema."""
    target = _sqlite_file(cmd)
    if target is None:
        return _postgres(cmd, cmd.args.path, restoring=True)
    url = resolve_url(cmd.args.db)
    progress = _progress("Restoring")
    try:
        result = restore_sqlite(Path(cmd.args.path), target, known_revisions(), progress)
    finally:
        progress.finish()
    restored = open_database(url)  # an older backup is upgraded now, with its own .bak copy
    try:
        now = current_revision(restored)
    finally:
        restored.dispose()
    print(f"Restored {target} from {cmd.args.path} (schema {result.revision}).")
    if now != result.revision:
        print(f"Upgraded it to schema {now}.")
    if result.kept is not None:
        print(f"The database it replaced is kept in {result.kept}.")
    return 0
