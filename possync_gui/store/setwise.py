"""Many rows as one statement parameter, for set-based writes (STYLE.md §12).

``executemany`` through SQLAlchemy spends 10-20 µs of Python per row binding parameters
(and, on PostgreSQL, a round trip per batch of rows); a sync page of 1,000 changed counts
paid that three times. :func:`rows_source` turns the rows into one ``FROM`` source instead:
a JSON array read with ``json_each`` on SQLite, one array per column read with ``unnest``
on PostgreSQL. The statements around it (``UPDATE … FROM``, ``INSERT … SELECT``) then run
entirely in the database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Integer, String, Text, Uuid
from sqlalchemy.types import TypeEngine

from possync_gui.store.types import UTCDateTime

#: ``UPDATE … FROM`` arrived in SQLite 3.33 (2020); older libraries take executemany.
SQLITE_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the rows: its name in the source, its SQLAlchemy type (which converts a
    value as Core would for SQLite) and its PostgreSQL type name (the array's element)."""

    name: str
    type: TypeEngine[Any]
    pg: str


def uuid_column(name: str) -> Column:
    return Column(name, Uuid(), "uuid")


def int_column(name: str) -> Column:
    return Column(name, Integer(), "integer")


def text_column(name: str) -> Column:
    return Column(name, Text(), "text")


def string_column(name: str) -> Column:
    return Column(name, String(), "varchar")


def time_column(name: str) -> Column:
    return Column(name, UTCDateTime(), "timestamptz")


def set_based(dialect: Dialect) -> bool:
    """Whether :func:`rows_source` statements with ``UPDATE … FROM`` run on ``dialect``."""
    return dialect.name == "postgresql" or SQLITE_UPDATE_FROM


def rows_source(
    dialect: Dialect,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    alias: str = "src",
) -> tuple[str, dict[str, Any]]:
    """A ``FROM`` source (SQL text, aliased ``alias``, with one column per ``columns``)
    yielding ``rows``, and the parameters it binds."""
    names = ", ".join(c.name for c in columns)
    if dialect.name == "postgresql":
        arrays = ", ".join(f"CAST(:{alias}_{i} AS {c.pg}[])" for i, c in enumerate(columns))
        params = {f"{alias}_{i}": [row[i] for row in rows] for i in range(len(columns))}
        return f"unnest({arrays}) AS {alias}({names})", params
    converters: list[Callable[[Any], Any] | None] = [
        c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns
    ]
    data = [
        [
            v if convert is None or v is None else convert(v)
            for convert, v in zip(converters, row, strict=True)
        ]
        for row in rows
    ]
    picks = ", ".join(f"json_extract(value, '$[{i}]') AS {c.name}" for i, c in enumerate(columns))
    return f"(SELECT {picks} FROM json_each(:{alias})) AS {alias}", {alias: json.dumps(data)}
