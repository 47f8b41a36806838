"""This desktop's settings: declared once, typed, with a default and a one-line description.

They live as JSON in the platform's user config folder
(``platformdirs.user_config_dir("possync")/settings.json``). A missing file means the
defaults; a damaged one, or a value of the wrong kind, is reported through ``on_problem``
and replaced by its default, never a crash. Window geometry lives apart from these, and
secrets live in keyring.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger("possync.settings")

APP_NAME = "possync"
#: Bumped when a setting is renamed or changes meaning; ``load_settings`` upgrades old files.
SETTINGS_VERSION = 1


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
            "description": "Receiving more than the ordered quantity by more than this share "
            "(0.10 = 10 %) needs a confirmation."
        },
    )


def describe(name: str) -> str:
    """The one-line description of the setting ``name``."""
    for f in fields(Settings):
        if f.name == name:
            return str(f.metadata["description"])
    raise KeyError(name)


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def _operator_name(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value.strip() or None


def _approval_threshold(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be an amount like 1000.00")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be an amount like 1000.00") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("must be an amount of 0 or more")
    return amount.quantize(Decimal("0.01"))


def _over_receipt_tolerance(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a share like 0.10 (10 %)")
    try:
        share = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("must be a share like 0.10 (10 %)") from None
    if not share.is_finite() or share < 0 or share > 10:
        raise ValueError("must be a share between 0 and 10 (0.10 = 10 %)")
    return share


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "operator_name": _operator_name,
    "approval_threshold": _approval_threshold,
    "over_receipt_tolerance": _over_receipt_tolerance,
}


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
