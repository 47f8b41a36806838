"""Helpers for the bad-input, bad-environment, backup and security tests: the CLI run
in-process, a small tmpfs (a full or read-only disk), and fingerprints of a database file
to prove that nothing in it changed."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from possync_gui.cli import main

#: Table row counts that say whether a store changed.
TABLES = ("products", "warehouses", "stock_levels", "stock_movements", "pos_integrations")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``possync argv…`` in this process → (exit status, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def file_digest(path: Path) -> str:
    """The SHA-256 of the database file and its WAL, if any: equal digests, same bytes."""
    digest = hashlib.sha256()
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()


def sqlite_counts(path: Path) -> dict[str, int]:
    """Rows per table of :data:`TABLES`, read with plain sqlite3 (read-only)."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def can_mount() -> str | None:
    """None when this process may mount a tmpfs; else why not (the test is then skipped)."""
    if os.geteuid() != 0:
        return "needs root (CAP_SYS_ADMIN) to mount a small tmpfs; CI runs these as root"
    if shutil.which("mount") is None:
        return "no mount command on this machine"
    return None


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` for the block (skips without root)."""
    reason = can_mount()
    if reason:
        pytest.skip(reason)
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


def fill_disk(folder: Path) -> Path:
    """Write a file in ``folder`` until the disk holding it is full; returns the file."""
    filler = folder / f"filler-{uuid.uuid4().hex[:6]}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65_536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size) > 0:
                    pass
    finally:
        os.close(fd)
    return filler
