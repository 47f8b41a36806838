"""A CSV file as a read-only stock source: one row per item (and location), with columns
named by the mapping's ``fields``; without a ``location`` column every row belongs to
``defaultLocation``.

A row whose quantity is not a whole number is skipped and reported with its line number in
``Page.skipped`` (line 1 is the header). The file is read off the event loop.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from possync_gui.domain.errors import ValidationError
from possync_gui.pos.base import (
    Page,
    POSAdjustment,
    POSCount,
    POSItem,
    POSLocation,
    POSSale,
    POSSet,
    PushOutcome,
)
from possync_gui.pos.custom import records as rec
from possync_gui.pos.custom.mapping import SourceMapping, parse_mapping

PAGE_SIZE = 500


def _column(row: Mapping[str, Any], name: str) -> Any:
    return row.get(name, rec.MISSING)


class CsvFileAdapter:
    """The POS protocol over a CSV file; every push answers "This source is read-only"."""

    type = "custom"

    def __init__(self, path: str | Path, mapping: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.mapping: SourceMapping = parse_mapping(mapping, source="csv")

    async def ping(self) -> None:
        await asyncio.to_thread(self._read)

    async def aclose(self) -> None:
        return None

    async def list_locations(self) -> list[POSLocation]:
        if self.mapping.locations:
            return list(self.mapping.locations)
        if "location" not in self.mapping.fields:
            return [POSLocation(self.mapping.default_location, self.mapping.default_location)]
        return rec.distinct_locations(await asyncio.to_thread(self._read))

    async def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        seen: set[str] = set()
        for rows, cursor in await self._pages(since):
            yield rec.items_page(rows, seen, cursor)

    async def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        for rows, cursor in await self._pages(since):
            yield rec.counts_page(rows, cursor)

    async def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        """A stock file has no sales: one empty page."""
        yield Page()

    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        return rec.refused(changes)

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        return rec.refused(sets)

    async def _pages(self, since: datetime | None) -> list[tuple[list[rec.Row | str], str | None]]:
        rows = [
            r
            for r in await asyncio.to_thread(self._read)
            if isinstance(r, str) or rec.newer_than(r, since)
        ]
        chunks = [rows[i : i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)] or [[]]
        last = len(chunks) - 1
        return [(chunk, None if n == last else str(n + 1)) for n, chunk in enumerate(chunks)]

    def _read(self) -> list[rec.Row | str]:
        try:
            with self.path.open(newline="", encoding=self.mapping.encoding) as handle:
                reader = csv.DictReader(handle, delimiter=self.mapping.delimiter)
                reader.fieldnames = self._checked_header(reader.fieldnames)
                return [
                    rec.parse_row(row, self.mapping, f"line {reader.line_num}", get=_column)
                    for row in reader
                ]
        except FileNotFoundError:
            raise ValidationError(f"No such file: {self.path}") from None
        except UnicodeDecodeError:
            raise ValidationError(
                f"{self.path} is not {self.mapping.encoding} text; set 'encoding' in the mapping."
            ) from None
        except csv.Error as err:
            raise ValidationError(f"{self.path} is not a readable CSV file: {err}.") from None
        except OSError as err:
            raise ValidationError(f"Cannot read {self.path}: {err.strerror}.") from None

    def _checked_header(self, header: Sequence[str] | None) -> list[str]:
        """The header without stray spaces; every mapped column must be in it."""
        columns = [c.strip() for c in header or []]
        missing = [
            f"{column!r} (mapping 'fields.{name}')"
            for name, column in self.mapping.fields.items()
            if column not in columns
        ]
        if missing:
            raise ValidationError(
                f"{self.path.name} has no column {', '.join(missing)}; "
                f"its columns are: {', '.join(columns) or 'none'}."
            )
        return columns
