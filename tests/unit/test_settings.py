"""The desktop's settings: each value checked with a message a person can act on, saved
and read back, damaged files and values replaced by defaults, the database URL chosen."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from possync_gui.services.settings import (
    Settings,
    check,
    describe,
    load_settings,
    needs_restart,
    resolve_database_url,
    save_settings,
)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("currency", " eur ", "EUR"),
        ("alert_window_days", "14", 14),
        ("alert_window_days", 365, 365),
        ("safety_stock_default", "0", 0),
        ("safety_stock_default", 12, 12),
        ("approval_threshold", "2,500.5", Decimal("2500.50")),
        ("over_receipt_tolerance", "0.25", Decimal("0.25")),
        ("theme", "Dark", "dark"),
        ("operator_name", "  Sam   Rivera ", "Sam Rivera"),
        ("operator_name", "   ", None),
        ("database_url", "", None),
        ("database_url", "postgresql+psycopg://possync@db.example/stock", None),
    ],
)
def test_good_values_are_taken_as_typed(name: str, value: object, expected: object) -> None:
    got = check(name, value)
    if name == "database_url" and value:
        expected = value
    assert got == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("currency", "dollars", "three-letter ISO 4217 code"),
        ("currency", "U1D", "three-letter ISO 4217 code"),
        ("alert_window_days", "0", "between 1 and 365 days"),
        ("alert_window_days", "400", "between 1 and 365 days"),
        ("alert_window_days", "2.5", "whole number of days"),
        ("alert_window_days", True, "whole number of days"),
        ("safety_stock_default", "-1", "between 0 and 1,000,000 units"),
        ("safety_stock_default", "lots", "whole number of units"),
        ("approval_threshold", "-5", "0 or more"),
        ("approval_threshold", "abc", "a number like 1000.00"),
        ("over_receipt_tolerance", "11", "between 0 and 10"),
        ("theme", "purple", "system, light, dark"),
        ("operator_name", "x" * 81, "at most 80 characters"),
        ("data_folder", "relative/folder", "full path"),
        ("database_url", "not a url", "not a database URL"),
        ("database_url", "mysql://me@host/db", "possync works with postgresql"),
        ("database_url", "postgresql+psycopg://me:hunter2@host/db", "must not contain a password"),
    ],
)
def test_bad_values_are_refused_with_a_reason(name: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        check(name, value)
    assert "hunter2" not in str(caught.value)


def test_a_data_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        check("data_folder", str(afile))
    assert check("data_folder", str(tmp_path / "new")) == str(tmp_path / "new")


def test_every_setting_has_a_description_and_storage_ones_need_a_restart() -> None:
    for name in Settings.__dataclass_fields__:
        assert describe(name).endswith(".")
    assert needs_restart("data_folder") and needs_restart("database_url")
    assert not needs_restart("alert_window_days") and not needs_restart("theme")


def test_new_settings_round_trip_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    saved = Settings(
        operator_name="Sam",
        currency="GBP",
        alert_window_days=14,
        safety_stock_default=3,
        theme="dark",
        data_folder=str(tmp_path / "data"),
        database_url="postgresql+psycopg://possync@db.example/stock",
    )
    save_settings(saved, path)
    assert json.loads(path.read_text())["alert_window_days"] == 14
    assert load_settings(path) == saved


def test_bad_values_in_the_file_fall_back_to_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"currency": "euros", "alert_window_days": 0, "theme": "dark"}))
    problems: list[str] = []
    settings = load_settings(path, on_problem=problems.append)
    assert (settings.currency, settings.alert_window_days, settings.theme) == ("USD", 28, "dark")
    assert len(problems) == 2 and "'currency'" in problems[0]


def test_the_database_url_comes_from_the_command_line_env_settings_then_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSSYNC_DB_URL", raising=False)
    folder = Settings(data_folder=str(tmp_path / "data"))
    assert resolve_database_url(None, folder) == f"sqlite:///{tmp_path / 'data'}/possync.sqlite3"
    shared = Settings(data_folder=str(tmp_path), database_url="postgresql+psycopg://a@h/db")
    assert resolve_database_url(None, shared) == "postgresql+psycopg://a@h/db"
    monkeypatch.setenv("POSSYNC_DB_URL", "sqlite:///env.sqlite3")
    assert resolve_database_url(None, shared) == "sqlite:///env.sqlite3"
    assert resolve_database_url("sqlite:///cli.sqlite3", shared) == "sqlite:///cli.sqlite3"
