"""What the command line prints: aligned tables for people, JSON for scripts, progress.

Formatting happens here and only here (STYLE.md: convert early, format late): commands
hand over domain records and plain values.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TextIO
from uuid import UUID


def _iso(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


# datetime before date: a datetime is a date too.
_SCALARS: tuple[tuple[type, Callable[[Any], Any]], ...] = (
    (Enum, lambda v: v.value),
    (Decimal, str),
    (UUID, str),
    (datetime, _iso),
    (date, date.isoformat),
)


def jsonable(value: Any) -> Any:
    """``value`` as JSON types: Decimal and UUID as strings, datetimes ISO-8601 in UTC."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    for kind, convert in _SCALARS:
        if isinstance(value, kind):
            return convert(value)
    return value


def print_json(records: Iterable[Any], out: TextIO) -> None:
    """A JSON list of objects, one per record."""
    json.dump([jsonable(r) for r in records], out, indent=2, ensure_ascii=False)
    out.write("\n")


def cell(value: Any) -> str:
    """How one value reads in a table: empty for None, two decimals for money."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def _is_number(text: str) -> bool:
    return text.lstrip("-").replace(".", "", 1).isdigit()


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Plain columns separated by two spaces; numeric columns aligned to the right."""
    body = [[cell(v).replace("\n", " ") for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in body:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [
        bool(body) and all(_is_number(r[i]) or not r[i] for r in body) for i in range(len(headers))
    ]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(r) for r in body)])


def percent(share: float | None) -> str:
    """A share 0..1 as a percentage with one decimal; empty for None."""
    return "" if share is None else f"{share:.1%}"


class Progress:
    """``progress(done, total[, phase])`` callbacks shown on a stream as percentages.

    On a terminal one line is rewritten in place; otherwise (a log, a pipe) a line is
    printed at each quarter of each phase, so a script's log stays short.
    """

    def __init__(self, label: str, out: TextIO) -> None:
        self._label = label
        self._out = out
        self._tty = out.isatty()
        self._phase: str | None = None
        self._shown = -1
        self._width = 0

    def __call__(self, done: int, total: int, phase: str | None = None) -> None:
        if phase != self._phase:
            self._phase, self._shown = phase, -1
        percent = 100 if total <= 0 else max(0, min(100, done * 100 // total))
        step = percent if self._tty else percent // 25 * 25
        if step <= self._shown:
            return
        self._shown = step
        label = f"{self._label}: {phase}" if phase else self._label
        if self._tty:
            text = f"{label}… {percent:3d}%"
            self._out.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self._out.write(f"{label}… {step}%\n")
        self._out.flush()

    def finish(self) -> None:
        """End the rewritten line so what follows starts on a line of its own."""
        if self._width:
            self._out.write("\n")
            self._out.flush()
            self._width = 0
