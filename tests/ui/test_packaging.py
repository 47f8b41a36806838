"""What the installable builds rely on: the window icon, the .desktop file, and ``--smoke``
on a database of its own. (packaging/build.sh builds the bundle and smoke-starts it; CI runs it.)
"""

from __future__ import annotations

import configparser
import tempfile
import tomllib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from possync_gui.app import ICON_DIR, parse_args, set_app_icon, smoke_database
from possync_gui.store.database import default_sqlite_path

ROOT = Path(__file__).resolve().parents[2]
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def test_the_window_icon_is_drawn_at_every_size(qapp: QApplication) -> None:
    set_app_icon(qapp)
    sizes = {(s.width(), s.height()) for s in qapp.windowIcon().availableSizes()}
    assert sizes == {(n, n) for n in ICON_SIZES}
    assert qapp.desktopFileName() == "possync"


def test_the_desktop_file_starts_the_installed_window_with_its_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    entry.read(ROOT / "packaging" / "possync.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert desktop["Exec"] in project["gui-scripts"]  # the command `pip install .` makes
    assert desktop["Type"] == "Application"
    assert "Office" in desktop["Categories"].split(";")
    # Icon=possync names the PNG the README installs into the icon theme.
    assert desktop["Icon"] == "possync"
    assert (ICON_DIR / "possync-256.png").read_bytes().startswith(b"\x89PNG")


def test_smoke_without_a_database_runs_on_a_temporary_one_removed_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    args = parse_args(["--smoke"])
    with smoke_database(args):
        assert args.db is not None and args.db.startswith("sqlite:///")
        db_file = Path(args.db.removeprefix("sqlite:///"))
        assert db_file.parent.parent == tmp_path
        assert db_file != default_sqlite_path()
        db_file.write_bytes(b"")  # what opening the database would create
    assert list(tmp_path.iterdir()) == []  # the whole temporary folder is gone
    assert not default_sqlite_path().exists()


def test_smoke_keeps_a_database_that_was_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = f"sqlite:///{tmp_path / 'mine.sqlite3'}"
    args = parse_args(["--smoke", "--db", named])
    with smoke_database(args):
        assert args.db == named
    monkeypatch.setenv("POSSYNC_DB_URL", named)
    args = parse_args(["--smoke"])
    with smoke_database(args):
        assert args.db is None  # resolve_url then takes POSSYNC_DB_URL
    args = parse_args([])  # a normal start opens the user's own database
    monkeypatch.delenv("POSSYNC_DB_URL")
    with smoke_database(args):
        assert args.db is None
