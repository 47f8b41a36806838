"""The GUI entry point as people and CI start it: a separate process, like a real launch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_first_start_seeds_the_demo_store_and_smoke_reports_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'first.sqlite3'}"
    result = _start("--db", url, "--smoke")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert "tabs: Inventory, Alerts, Purchase Orders, Receiving, Conflicts, Integrations" in lines
    rows = next(line for line in lines if line.startswith("inventory rows: "))
    assert int(rows.split(": ")[1]) >= 4000  # about 2,000 products in 2 warehouses
    command = ["po", "list", "--status", "sent", "--json"]  # goods on their way to receive
    listing = subprocess.run(
        [sys.executable, "-m", "possync_gui", "--db", url, *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    orders = json.loads(listing.stdout)
    assert len({o["supplier_code"] for o in orders}) == 2
    assert all(o["ordered_units"] > 0 and o["received_units"] == 0 for o in orders)
    shot = tmp_path / "shot.png"
    again = _start("--db", url, "--screenshot", str(shot), "--tab", "Integrations")
    assert again.returncode == 0, again.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_a_bad_database_url_gives_one_clear_line(tmp_path: Path) -> None:
    result = _start("--db", "mysql://nobody@nowhere/db", "--smoke")
    assert result.returncode == 1
    assert "possync: error: Unsupported database 'mysql'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.sqlite3"
    junk.write_text("these are my shopping notes, not a database\n" * 10)
    result = _start("--db", f"sqlite:///{junk}", "--smoke")
    assert result.returncode == 1
    assert "is not a possync database" in result.stderr
    assert "Traceback" not in result.stderr
    assert junk.read_text().startswith("these are my shopping notes")


def test_an_unknown_tab_name_is_refused(tmp_path: Path) -> None:
    result = _start(
        "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "--no-demo", "--smoke", "--tab", "Reports"
    )
    assert result.returncode == 1
    assert "No tab named 'Reports'" in result.stderr
