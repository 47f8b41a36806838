"""Bulk inserts for the demo seeder, and the time-ordered ids that keep them fast.

A Core ``executemany`` spends 15-20 µs of Python per row on SQLite building parameters and
running type processors, which alone would cost over a minute for the 3-4 million rows of a
large demo store. So on SQLite each column goes through its own SQLAlchemy bind processor
(the same conversion Core would do, memoised for the values that repeat: warehouse ids,
timestamps, money), column by column, and the tuples go straight to the driver's
``executemany``. Other backends take ordinary Core inserts.

Ids travel through the seeder as plain ints (building a ``uuid.UUID`` costs more than the
rest of a row); the writer turns them into what the column stores: 32 hex digits on SQLite,
``uuid.UUID`` elsewhere.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, Uuid, insert
from sqlalchemy.orm import Session

BATCH_ROWS = 20_000
_MEMO_SIZE = 65_536

Row = tuple[Any, ...]


class IdMaker:
    """Deterministic, time-ordered UUIDs (v7 layout) for one seeding run.

    Ids that grow in insertion order append to the end of each primary-key and foreign-key
    index instead of landing on a random page, which keeps bulk inserts several times faster
    on a large SQLite file. Each table gets its own tag so ids never collide across tables.
    """

    def __init__(self, at: datetime, salt: int) -> None:
        millis = int(at.timestamp() * 1000) & (1 << 48) - 1
        self._prefix = (millis << 80) | (0x7 << 76)
        self._salt = salt & (1 << 22) - 1
        self._tags: set[int] = set()

    def maker(self, tag: int) -> Callable[[], int]:
        """A function returning the next id (as an int) for table ``tag`` (0-4095)."""
        if tag in self._tags or not 0 <= tag <= 0xFFF:
            raise ValueError(f"id tag {tag} is taken or out of range")
        self._tags.add(tag)
        base = self._prefix | tag << 64 | 0b10 << 62 | self._salt
        counter = 0

        def make() -> int:
            nonlocal counter
            counter += 1
            return base | counter << 22

        return make


class TableWriter:
    """Rows for one table, written in batches. ``add(row)`` takes a tuple in ``columns`` order."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.rows = 0
        self.seconds = 0.0
        self._session = session
        self._pending: list[Row] = []
        self.add: Callable[[Row], None] = self._pending.append
        self._sqlite = session.get_bind().dialect.name == "sqlite"
        self._sql = self._sqlite_sql() if self._sqlite else ""
        self._processors = [self._processor(name) for name in self.columns]

    def _sqlite_sql(self) -> str:
        quote = self._session.get_bind().dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {quote(self.table.name)} ({names}) VALUES ({marks})"

    def _processor(self, name: str) -> Callable[[Any], Any] | None:
        """How a value of column ``name`` must be handed over (None: as it is)."""
        col_type = self.table.c[name].type
        if isinstance(col_type, JSON):
            raise TypeError(f"{self.table.name}.{name}: JSON columns are not bulk-written")
        if isinstance(col_type, Uuid):
            if not self._sqlite:
                return _int_to_uuid
            # What Uuid stores on SQLite; the C-level formatter when None cannot occur.
            return _int_to_hex if self.table.c[name].nullable else "%032x".__mod__
        if not self._sqlite:
            return None  # Core runs the type's own processors
        dialect = self._session.get_bind().dialect
        proc = col_type.dialect_impl(dialect).bind_processor(dialect)
        # Timestamps and money repeat a lot within a batch; memoising beats re-formatting.
        return None if proc is None else functools.lru_cache(maxsize=_MEMO_SIZE)(proc)

    def flush(self) -> None:
        """Write everything added so far."""
        pending = self._pending
        if not pending:
            return
        started = time.perf_counter()
        for start in range(0, len(pending), BATCH_ROWS):
            batch = pending[start : start + BATCH_ROWS]
            rows = list(zip(*self._convert(batch), strict=True))
            if self._sqlite:
                self._session.connection().exec_driver_sql(self._sql, rows)
            else:
                dicts = [dict(zip(self.columns, row, strict=True)) for row in rows]
                self._session.execute(insert(self.table), dicts)
        self.rows += len(pending)
        pending.clear()  # in place: ``add`` is bound to this list
        self.seconds += time.perf_counter() - started

    def _convert(self, batch: list[Row]) -> list[Any]:
        """The batch as columns, each converted by its processor (they all pass None on)."""
        columns: list[Any] = list(zip(*batch, strict=True))
        for i, proc in enumerate(self._processors):
            if proc is not None:
                columns[i] = list(map(proc, columns[i]))
        return columns


def _int_to_hex(value: int | None) -> str | None:
    return None if value is None else f"{value:032x}"


def _int_to_uuid(value: int | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(int=value)


class BulkWriter:
    """One :class:`TableWriter` per table, flushed parents first (the order they were made)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._writers: list[TableWriter] = []

    def table(self, table: Table, columns: Sequence[str]) -> TableWriter:
        writer = TableWriter(self._session, table, columns)
        self._writers.append(writer)
        return writer

    def flush(self) -> None:
        for writer in self._writers:
            writer.flush()

    def stats(self) -> dict[str, tuple[int, float]]:
        """Rows written and seconds spent writing, per table."""
        out: dict[str, tuple[int, float]] = {}
        for w in self._writers:
            rows, seconds = out.get(w.table.name, (0, 0.0))
            out[w.table.name] = (rows + w.rows, seconds + w.seconds)
        return out
