"""``possync db backup PATH`` / ``possync db restore PATH`` and the copy kept before a
migration: consistent copies of a database the app is writing (rows still only in the WAL,
a reader holding an old snapshot), a restore that keeps the database it replaces, refuses
anything that is not an intact possync database of a schema this app knows (changing
nothing), upgrades an older backup, and PostgreSQL's pg_dump / pg_restore lines — which work
as printed against the test server."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from possync_gui.store import migrate
from possync_gui.store import models as m
from possync_gui.store.database import Database, open_database
from tests.faults.robust_helpers import file_digest, integrity, run_cli, sqlite_counts

Capsys = pytest.CaptureFixture[str]


def _path(url: str) -> Path:
    return Path(str(make_url(url).database))


def _add(db: Database, code: str) -> None:
    with db.session() as s:
        s.add(m.Warehouse(id=uuid.uuid4(), code=code, name=f"Warehouse {code}"))
        s.add(m.Product(id=uuid.uuid4(), sku=f"SKU-{code}", name=f"Product of {code}"))


def _codes(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(m.Warehouse.code)))


@pytest.fixture
def live(sqlite_url: str) -> Iterator[Database]:
    """An open store (as the running app holds it) with one warehouse, still in the WAL."""
    db = open_database(sqlite_url)
    _add(db, "MAIN")
    yield db
    db.dispose()


def test_a_backup_of_a_database_in_use_holds_every_committed_row(
    capsys: Capsys, live: Database, sqlite_url: str, tmp_path: Path
) -> None:
    path = _path(sqlite_url)
    # Another desktop's reader holds a snapshot from before the next rows: no checkpoint can
    # move them into the main file, so a plain file copy would miss them.
    with closing(sqlite3.connect(path)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM warehouses").fetchone()
        _add(live, "NORTH")
        assert Path(f"{path}-wal").stat().st_size > 0
        target = tmp_path / "backups" / "monday.sqlite3"
        target.parent.mkdir()
        code, out, err = run_cli(capsys, "--db", sqlite_url, "db", "backup", str(target))
        reader.rollback()
    assert code == 0, err
    assert f"Backed up {path} to {target}" in out
    assert f"schema {migrate.head_revision(live)}" in out
    assert integrity(target) == "ok"
    assert sqlite_counts(target) == sqlite_counts(path)
    assert sqlite_counts(target)["warehouses"] == 2
    # One self-contained file, and no temporary file left beside it.
    assert sorted(p.name for p in target.parent.iterdir()) == ["monday.sqlite3"]


def test_restore_brings_the_backup_back_and_keeps_the_database_it_replaced(
    capsys: Capsys, live: Database, sqlite_url: str, tmp_path: Path
) -> None:
    backup = tmp_path / "before.sqlite3"
    assert run_cli(capsys, "--db", sqlite_url, "db", "backup", str(backup))[0] == 0
    _add(live, "NORTH")  # work done after the backup
    live.dispose()

    code, out, err = run_cli(capsys, "--db", sqlite_url, "db", "restore", str(backup))
    assert code == 0, err
    assert f"Restored {_path(sqlite_url)} from {backup}" in out
    kept = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and str(kept[0]) in out
    assert sqlite_counts(kept[0])["warehouses"] == 2  # nothing is lost by a restore
    again = open_database(sqlite_url)
    try:
        assert _codes(again) == ["MAIN"]
    finally:
        again.dispose()
    code, out, _ = run_cli(capsys, "--db", sqlite_url, "warehouses", "list", "--json")
    assert code == 0 and '"NORTH"' not in out and '"MAIN"' in out


def _another_programs_database(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.commit()


def _newer_possyncs_backup(path: Path, source: Path) -> None:
    shutil.copy(source, path)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        conn.commit()


def _damaged(path: Path, source: Path) -> None:
    data = bytearray(source.read_bytes())
    data[4096 * 3 : 4096 * 6] = os.urandom(4096 * 3)  # pages of the schema's tables
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("text", "is not a possync database (not an SQLite file)"),
        ("other", "is not a possync database (it lacks possync's tables)"),
        ("newer", "was written by a newer possync (schema 9999_from_the_future)"),
        ("damaged", "damaged"),
        ("missing", "Cannot read"),
        ("itself", "is the database itself"),
    ],
)
def test_restore_refuses_what_is_not_an_intact_possync_backup_and_changes_nothing(
    capsys: Capsys, live: Database, sqlite_url: str, tmp_path: Path, kind: str, words: str
) -> None:
    path = _path(sqlite_url)
    clean = tmp_path / "clean.sqlite3"
    assert run_cli(capsys, "--db", sqlite_url, "db", "backup", str(clean))[0] == 0
    live.dispose()
    bad = tmp_path / "bad.sqlite3"
    if kind == "text":
        bad.write_text("deliveryId,supplierId\nDEL-1,ACME\n")
    elif kind == "other":
        _another_programs_database(bad)
    elif kind == "newer":
        _newer_possyncs_backup(bad, clean)
    elif kind == "damaged":
        _damaged(bad, clean)
    elif kind == "itself":
        bad = path
    before = file_digest(path)

    code, out, err = run_cli(capsys, "--db", sqlite_url, "db", "restore", str(bad))

    assert code == 1 and out == ""
    assert err.startswith("possync: error: ") and words in err, err
    assert "Traceback" not in err
    assert file_digest(path) == before
    assert not [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]


def _script() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


def test_an_older_backup_is_upgraded_when_restored(
    capsys: Capsys, sqlite_url: str, tmp_path: Path
) -> None:
    script = _script()
    head = script.get_current_head()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    old_url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old = open_database(old_url, migrate=False)
    try:
        migrate.upgrade(old, previous)
        _add(old, "OLD")
    finally:
        old.dispose()
    backup = tmp_path / "old-backup.sqlite3"
    assert run_cli(capsys, "--db", old_url, "db", "backup", str(backup))[0] == 0

    code, out, err = run_cli(capsys, "--db", sqlite_url, "db", "restore", str(backup))
    assert code == 0, err
    assert f"(schema {previous})" in out and f"Upgraded it to schema {head}." in out
    restored = open_database(sqlite_url)
    try:
        assert _codes(restored) == ["OLD"]
        assert migrate.current_revision(restored) == head
    finally:
        restored.dispose()


# -- the copy kept before a migration --------------------------------------------------------
_PROBE = '''
"""test only: a later release's revision"""

import sqlalchemy as sa
from alembic import op

revision = "9999_probe"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.alter_column("name", type_=sa.String(300), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.alter_column("name", type_=sa.String(255), existing_nullable=False)
'''


def test_the_copy_before_a_migration_is_consistent_while_another_desktop_reads(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = _script().get_current_head()
    db = open_database(sqlite_url)
    path = _path(sqlite_url)
    try:
        with closing(sqlite3.connect(path)) as reader:
            reader.execute("BEGIN")  # an old snapshot: the WAL cannot be checkpointed past it
            reader.execute("SELECT count(*) FROM products").fetchone()
            for code in ("A", "B", "C"):
                _add(db, code)
            # A later release arrives: its revision on top of this one's.
            scripts = tmp_path / "migrations"
            shutil.copytree(
                migrate.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__")
            )
            body = textwrap.dedent(_PROBE).format(head=head)
            (scripts / "versions" / "9999_probe.py").write_text(body)
            monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
            migrate.upgrade(db)
            reader.rollback()
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(m.Product)) == 3
    finally:
        db.dispose()
    copy = path.with_name(f"{path.name}.bak-{head}")
    assert integrity(copy) == "ok"
    assert sqlite_counts(copy)["products"] == 3
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)


# -- PostgreSQL --------------------------------------------------------------------------------
def test_postgres_backup_and_restore_print_the_pg_commands_without_the_password(
    capsys: Capsys, tmp_path: Path
) -> None:
    url = "postgresql+psycopg://anna:s3cret-pw@db.example:5433/shop"
    dump = tmp_path / "shop.dump"
    code, out, err = run_cli(capsys, "--db", url, "db", "backup", str(dump))
    assert code == 2  # nothing was backed up by possync itself
    assert "possync does not copy a PostgreSQL database itself" in err
    assert (
        f"pg_dump --format=custom --no-owner --file {dump} 'postgresql://anna@db.example:5433/shop'"
        in out
    )
    assert "pg_restore --clean --if-exists --no-owner" in out
    code, out2, err2 = run_cli(capsys, "--db", url, "db", "restore", str(dump))
    assert code == 2 and out2.startswith("pg_restore ")
    assert "s3cret-pw" not in out + err + out2 + err2
    assert not dump.exists()


def _pg_bin() -> str | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "pg_dump").exists():
            return str(folder)
    return os.path.dirname(shutil.which("pg_dump") or "") or None


@pytest.mark.postgres
def test_the_printed_pg_lines_back_up_and_restore_the_test_server(
    capsys: Capsys, pg_url: str, tmp_path: Path
) -> None:
    db_url = pg_url
    pg_bin = _pg_bin()
    assert pg_bin is not None, "pg_dump is not installed beside the PostgreSQL server"
    db = open_database(db_url)
    try:
        _add(db, "MAIN")
        dump = tmp_path / "shop.dump"
        code, out, _ = run_cli(capsys, "--db", db_url, "db", "backup", str(dump))
        assert code == 2
        dump_line, restore_line = out.splitlines()[0], out.splitlines()[-1]
        env = {**os.environ, "PATH": f"{pg_bin}:{os.environ.get('PATH', '')}"}
        subprocess.run(dump_line, shell=True, check=True, env=env, capture_output=True)
        assert dump.stat().st_size > 0
        _add(db, "AFTER")
        db.dispose()
        subprocess.run(restore_line, shell=True, check=True, env=env, capture_output=True)
        assert _codes(db) == ["MAIN"]
    finally:
        db.dispose()
