"""This desktop's settings: declared once, typed, with a default and a one-line description.

They live as JSON in the platform's user config folder
(``platformdirs.user_config_dir("possync")/settings.json``). A missing file means the
defaults; a damaged one, or a value of the wrong kind, is reported through ``on_problem``
and replaced by its default, never a crash. Window geometry lives apart from these, and
secrets live in keyring (a database URL's password is never written here: it is refused).

``check(name, value)`` is the one validation, used by ``load_settings`` and by the Settings
dialog (its ``ValueError`` text is the message shown next to the field). Each field's
``metadata`` says whether a change applies at once or at the next start (``restart``).
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from possync_gui.store.database import ENV_DB_URL

log = logging.getLogger("possync.settings")

APP_NAME = "possync"
#: Bumped when a setting is renamed or changes meaning; ``load_settings`` upgrades old files.
SETTINGS_VERSION = 1
THEMES = ("system", "light", "dark")
#: The SQLite file's name inside the data folder.
DATABASE_FILE = "possync.sqlite3"
MAX_WINDOW_DAYS = 365
MAX_SAFETY_STOCK = 1_000_000


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings of this desktop; each field's ``description`` is what the UI shows."""

    operator_name: str | None = field(
        default=None,
        metadata={"description": "Name recorded as the actor of stock changes made here."},
    )
    approval_threshold: Decimal = field(
        default=Decimal("1000.00"),
        metadata={"description": "Purchase orders above this total need a second person."},
    )
    over_receipt_tolerance: Decimal = field(
        default=Decimal("0.10"),
        metadata={
            "description": "Receiving more than the ordered quantity by more than this "
            "(10 % unless set) needs a confirmation; stored as a share (0.10)."
        },
    )
    currency: str = field(
        default="USD",
        metadata={
            "description": "ISO 4217 code of the store's own money (costs, stock values, the "
            "approval threshold); a purchase order keeps its supplier's currency."
        },
    )
    alert_window_days: int = field(
        default=28,
        metadata={"description": "Days of sales averaged into the average daily sales."},
    )
    safety_stock_default: int = field(
        default=0,
        metadata={
            "description": "Units added to a calculated reorder point for products whose own "
            "minimum stock is 0 (a product's minimum stock is its safety stock)."
        },
    )
    theme: str = field(
        default="system",
        metadata={"description": "Colours: follow the system, or always light or dark."},
    )
    data_folder: str | None = field(
        default=None,
        metadata={
            "description": "Folder of the SQLite database (empty: the platform's data folder).",
            "restart": True,
        },
    )
    database_url: str | None = field(
        default=None,
        metadata={
            "description": "A shared PostgreSQL database (postgresql+psycopg://user@host/db); "
            "empty: the SQLite file in the data folder. Passwords go in ~/.pgpass.",
            "restart": True,
        },
    )


def describe(name: str) -> str:
    """The one-line description of the setting ``name``."""
    for f in fields(Settings):
        if f.name == name:
            return str(f.metadata["description"])
    raise KeyError(name)


def needs_restart(name: str) -> bool:
    """True when a change of ``name`` takes effect only at the next start."""
    return any(f.name == name and f.metadata.get("restart", False) for f in fields(Settings))


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def log_dir() -> Path:
    """Where the log file and crash reports go."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_data_folder() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_folder(settings: Settings) -> Path:
    """The folder holding the SQLite database, by the settings."""
    return Path(settings.data_folder) if settings.data_folder else default_data_folder()


def resolve_database_url(cli_url: str | None, settings: Settings) -> str:
    """``--db`` wins, then ``POSSYNC_DB_URL``, then the Database setting, then the SQLite
    file in the data folder."""
    return (
        cli_url
        or os.environ.get(ENV_DB_URL)
        or settings.database_url
        or f"sqlite:///{data_folder(settings) / DATABASE_FILE}"
    )


# -- parsers: each returns the typed value or raises ValueError with the message to show ----
def _operator_name(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be text")
    name = " ".join(value.split())
    if len(name) > 80:
        raise ValueError("must be at most 80 characters")
    return name or None


def _number(value: Any, example: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"must be a number like {example}")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"must be a number like {example}") from None
    if not number.is_finite():
        raise ValueError(f"must be a number like {example}")
    return number


def _approval_threshold(value: Any) -> Decimal:
    amount = _number(value, "1000.00")
    if amount < 0:
        raise ValueError("must be an amount of 0 or more")
    return amount.quantize(Decimal("0.01"))


def _over_receipt_tolerance(value: Any) -> Decimal:
    share = _number(value, "0.10 (10 %)")
    if share < 0 or share > 10:
        raise ValueError("must be a share between 0 and 10 (0.10 = 10 %)")
    return share


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise ValueError("must be a three-letter ISO 4217 code like USD, EUR or GBP")
    return value.strip().upper()


def _whole(value: Any, low: int, high: int, unit: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number of {unit}")
    try:
        number = int(str(value).strip()) if isinstance(value, str) else value
    except ValueError:
        raise ValueError(f"must be a whole number of {unit}") from None
    if not isinstance(number, int):
        raise ValueError(f"must be a whole number of {unit}")
    if not low <= number <= high:
        raise ValueError(f"must be between {low:,} and {high:,} {unit}")
    return number


def _alert_window_days(value: Any) -> int:
    return _whole(value, 1, MAX_WINDOW_DAYS, "days")


def _safety_stock_default(value: Any) -> int:
    return _whole(value, 0, MAX_SAFETY_STOCK, "units")


def _theme(value: Any) -> str:
    if not isinstance(value, str) or value.strip().lower() not in THEMES:
        raise ValueError("must be one of system, light, dark")
    return value.strip().lower()


def _data_folder(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("must be a folder path")
    path = Path(value.strip()).expanduser()
    if not path.is_absolute():
        raise ValueError("must be a full path (like /home/me/possync-data)")
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file, not a folder")
    return str(path)


def _database_url(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError("must be a database URL")
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError(
            "is not a database URL; use postgresql+psycopg://user@host/dbname"
        ) from None
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        backend = url.get_backend_name()
        raise ValueError(f"names {backend!r}: possync works with postgresql and sqlite")
    if url.password:  # settings.json is plain text: the password belongs in ~/.pgpass
        raise ValueError("must not contain a password; put it in ~/.pgpass (or PGPASSWORD)")
    return value.strip()


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "operator_name": _operator_name,
    "approval_threshold": _approval_threshold,
    "over_receipt_tolerance": _over_receipt_tolerance,
    "currency": _currency,
    "alert_window_days": _alert_window_days,
    "safety_stock_default": _safety_stock_default,
    "theme": _theme,
    "data_folder": _data_folder,
    "database_url": _database_url,
}


def check(name: str, value: Any) -> Any:
    """``value`` as the setting ``name`` takes it; raises ``ValueError`` saying what is wrong
    (a sentence ending without a full stop, to follow the setting's label)."""
    return _PARSERS[name](value)


def _warn(message: str) -> None:
    log.warning("%s", message)


def load_settings(
    path: Path | None = None, *, on_problem: Callable[[str], None] = _warn
) -> Settings:
    """The saved settings, with defaults for anything missing or unreadable."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        on_problem(f"Ignoring the settings file {path} ({err}); using the defaults.")
        return Settings()
    if not isinstance(data, dict):
        on_problem(f"Ignoring the settings file {path}: it is not a JSON object.")
        return Settings()
    values: dict[str, Any] = {}
    for name, parse in _PARSERS.items():
        if name not in data:
            continue
        try:
            values[name] = parse(data[name])
        except ValueError as err:
            on_problem(f"Setting {name!r} in {path} {err}; using the default.")
    return replace(Settings(), **values)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` atomically (a crash mid-write leaves the old file)."""
    path = path or settings_path()
    data: dict[str, Any] = {"version": SETTINGS_VERSION}
    for f in fields(settings):
        value = getattr(settings, f.name)
        data[f.name] = str(value) if isinstance(value, Decimal) else value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def default_operator(settings: Settings) -> str:
    """Who to record as the actor: the configured operator, else the OS user name."""
    if settings.operator_name:
        return settings.operator_name
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment or the password file
        return "unknown"
