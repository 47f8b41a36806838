"""Bad environments: a database from a newer possync, a read-only database file, a full
disk. Each gives one clear sentence (in the CLI, the service layer and the window's start)
and leaves the database exactly as it was.

The read-only and full disks are small tmpfs mounts (root or CAP_SYS_ADMIN, as CI runs);
without them those tests skip and say why. Read-only is also tried with file permissions
where they bind (not as root)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from possync_gui.domain.errors import DatabaseError
from possync_gui.services.facade import InventorySyncService
from possync_gui.store import models as m
from possync_gui.store.database import DISK_FULL, Database, open_database
from tests.faults.robust_helpers import (
    can_mount,
    file_digest,
    fill_disk,
    integrity,
    remount_read_only,
    run_cli,
    sqlite_counts,
    tmpfs,
)

Capsys = pytest.CaptureFixture[str]
REPO = Path(__file__).resolve().parents[2]
FUTURE = "9999_from_a_newer_possync"
NEWER = (
    f"This database was written by a newer possync (schema {FUTURE}); install a newer "
    "version or restore a backup."
)


def _seed(db: Database, code: str = "MAIN") -> None:
    with db.session() as s:
        s.add(m.Warehouse(id=uuid.uuid4(), code=code, name=f"Warehouse {code}"))
        s.add(m.Product(id=uuid.uuid4(), sku=f"SKU-{code}", name=f"Product {code}"))


def _state(url: str) -> object:
    """What must not change: the file's bytes (SQLite) or the rows and revision (PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return file_digest(Path(str(parsed.database)))
    db = open_database(url, migrate=False)
    try:
        with db.session() as s:
            revision = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            counts = [
                s.scalar(select(func.count()).select_from(t))
                for t in (m.Product, m.Warehouse, m.StockMovement)
            ]
        return revision, counts
    finally:
        db.dispose()


def _make_newer(url: str) -> str:
    """``url`` made a store with data whose schema a newer possync has moved on from."""
    db = open_database(url)
    _seed(db)
    with db.session() as s:
        s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    db.dispose()
    return url


@pytest.fixture
def newer_db(db_url: str) -> str:
    """A newer possync's store, on each backend."""
    return _make_newer(db_url)


def test_a_newer_possyncs_database_is_refused_and_left_alone(
    capsys: Capsys, newer_db: str, tmp_path: Path
) -> None:
    before = _state(newer_db)
    with pytest.raises(DatabaseError) as caught:
        open_database(newer_db)
    assert str(caught.value) == NEWER
    code, out, err = run_cli(capsys, "--db", newer_db, "stock")
    assert (code, out) == (1, "")
    assert err == f"possync: error: {NEWER}\n"
    assert _state(newer_db) == before
    if make_url(newer_db).get_backend_name() == "sqlite":
        folder = Path(str(make_url(newer_db).database)).parent
        assert not [p for p in folder.iterdir() if ".bak-" in p.name]  # not even a copy
        # It can still be backed up, to take to the newer possync.
        code, out, err = run_cli(
            capsys, "--db", newer_db, "db", "backup", str(tmp_path / "take-along.sqlite3")
        )
        assert code == 0 and f"schema {FUTURE}" in out, err


@pytest.mark.slow  # a whole app start in a child process
def test_the_window_says_so_at_start(sqlite_url: str) -> None:
    """The message is the same on both backends (the test above): one start is enough."""
    newer_db = _make_newer(sqlite_url)
    done = subprocess.run(
        [sys.executable, "main.py", "--db", newer_db, "--smoke", "--no-demo"],
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert f"possync: error: {NEWER}" in done.stderr
    assert "Traceback" not in done.stderr


# -- a read-only database ------------------------------------------------------------------------
def _made_read_only(folder: Path) -> Path:
    """A store with data in ``folder``, closed; returns its file."""
    url = f"sqlite:///{folder / 'possync.sqlite3'}"
    db = open_database(url)
    _seed(db)
    db.dispose()
    return folder / "possync.sqlite3"


def _check_read_only_refusal(capsys: Capsys, path: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{path}"
    before = file_digest(path)
    code, out, err = run_cli(capsys, "--db", url, "warehouses", "add", "NORTH")
    assert (code, out) == (1, "")
    assert err.startswith(f"possync: error: The database file {path} is read-only"), err
    assert "nothing was changed" in err and "Traceback" not in err
    assert file_digest(path) == before
    # What is in it can still be saved elsewhere.
    copy = tmp_path / "copy.sqlite3"
    code, _, err = run_cli(capsys, "--db", url, "db", "backup", str(copy))
    assert code == 0, err
    assert sqlite_counts(copy)["warehouses"] == 1
    assert file_digest(path) == before


def test_a_read_only_disk_gives_a_clear_message_and_no_damage(
    capsys: Capsys, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "disk") as disk:
        path = _made_read_only(disk)
        remount_read_only(disk)
        _check_read_only_refusal(capsys, path, tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a file whatever its mode")
def test_a_read_only_file_gives_a_clear_message_and_no_damage(
    capsys: Capsys, tmp_path: Path
) -> None:
    path = _made_read_only(tmp_path / "store")
    path.chmod(0o444)
    try:
        _check_read_only_refusal(capsys, path, tmp_path)
    finally:
        path.chmod(0o644)


# -- a full disk -----------------------------------------------------------------------------------
def _catalog(path: Path, lines: int = 400) -> Path:
    rows = ["sku,name,warehouse,on_hand"]
    rows += [f"BIG-{i:05d},{'A long product name ' * 10}{i},MAIN,5" for i in range(lines)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.skipif(can_mount() is not None, reason=str(can_mount()))
def test_a_full_disk_saves_nothing_and_says_so(capsys: Capsys, tmp_path: Path) -> None:
    big = _catalog(tmp_path / "catalog.csv")
    with tmpfs(tmp_path / "disk", size="2m") as disk:
        path = disk / "possync.sqlite3"
        url = f"sqlite:///{path}"
        db = open_database(url)
        try:
            _seed(db)
            facade = InventorySyncService(db)
            before = sqlite_counts(path)
            filler = fill_disk(disk)
            # The app, open while the disk fills: an import of 400 products.
            with pytest.raises(DatabaseError) as caught:
                asyncio.run(facade.import_catalog(big, "dock-anna"))
            assert str(caught.value) == DISK_FULL
        finally:
            db.dispose()
        # A command started on the full disk.
        code, out, err = run_cli(capsys, "--db", url, "warehouses", "add", "NORTH")
        assert (code, out, err) == (1, "", f"possync: error: {DISK_FULL}\n")
        filler.unlink()
        assert integrity(path) == "ok"
        assert sqlite_counts(path) == before
        # Space again: the same import goes through.
        code, out, err = run_cli(capsys, "--db", url, "products", "import", str(big))
        assert code == 0, err
        assert sqlite_counts(path)["products"] == before["products"] + 400
