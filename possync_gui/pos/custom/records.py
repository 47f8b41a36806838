"""Records of a custom source → normalised records, shared by the REST and the CSV source.

Each source record is one stock row: an item at a location with a quantity. Values are
converted here (STYLE habit 9): whole-number quantities only (``"12"`` and ``12.0`` are
fine, ``2.5`` is skipped with a reason, never rounded), timestamps to aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from possync_gui.pos.base import Page, POSCount, POSItem, POSLocation, PushOutcome
from possync_gui.pos.custom.mapping import SourceMapping

READ_ONLY = "This source is read-only"
EPOCH_MS_ABOVE = 1e11
MISSING = object()


@dataclass(frozen=True, slots=True)
class Row:
    """One parsed record; ``quantity`` is None when ``problem`` says why it is unreadable."""

    id: str
    location: str
    quantity: int | None
    problem: str | None
    sku: str | None = None
    barcode: str | None = None
    name: str | None = None
    updated_at: datetime | None = None

    def item(self) -> POSItem:
        return POSItem(
            external_id=self.id,
            sku=self.sku,
            barcode=self.barcode,
            name=self.name or self.sku or self.id,
            updated_at=self.updated_at,
        )

    def count(self) -> POSCount:
        assert self.quantity is not None
        return POSCount(self.id, self.location, self.quantity, self.updated_at)


def dig(record: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``"stock.levels.0.qty"``), or ``MISSING``."""
    value = record
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def found(value: Any) -> bool:
    return value is not MISSING and value is not None and value != ""


def whole_number(value: Any) -> int | None:
    """An integral quantity as int; None for anything else (including ``True``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return int(number)


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (naive means UTC) or epoch seconds, as an aware UTC datetime."""
    if isinstance(value, bool) or not found(value):
        return None
    if isinstance(value, int | float):
        # Epoch seconds, or milliseconds when too large to be seconds (after year 5138).
        return datetime.fromtimestamp(value / 1000 if value > EPOCH_MS_ABOVE else value, UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_row(
    record: Any, mapping: SourceMapping, where: str, get: Callable[[Any, str], Any] = dig
) -> Row | str:
    """A :class:`Row`, or a skip reason naming ``where`` the record sits."""
    fields = mapping.fields
    raw_id = get(record, fields["id"])
    if not found(raw_id) or isinstance(raw_id, Mapping | list):
        return f"{where}: no {fields['id']!r} (the item id)"
    item_id = str(raw_id).strip()
    raw_quantity = get(record, fields["quantity"])
    quantity = whole_number(raw_quantity) if found(raw_quantity) else None
    problem = None
    if quantity is None:
        shown = "missing" if not found(raw_quantity) else repr(raw_quantity)
        problem = f"{where} (id {item_id!r}): quantity {shown} is not a whole number"
    location = _text(record, fields.get("location"), get) or mapping.default_location
    return Row(
        id=item_id,
        location=location,
        quantity=quantity,
        problem=problem,
        sku=_text(record, fields.get("sku"), get),
        barcode=_text(record, fields.get("barcode"), get),
        name=_text(record, fields.get("name"), get),
        updated_at=parse_time(get(record, fields["updatedAt"])) if "updatedAt" in fields else None,
    )


def newer_than(row: Row, since: datetime | None) -> bool:
    """Client-side incremental filter; rows without a timestamp are always kept."""
    return since is None or row.updated_at is None or row.updated_at > since


def items_page(rows: Iterable[Row | str], seen: set[str], cursor: str | None) -> Page[POSItem]:
    """Distinct items (``seen`` spans the whole read); a bad quantity does not hide an item."""
    items: list[POSItem] = []
    skipped: list[str] = []
    for row in rows:
        if isinstance(row, str):
            skipped.append(row)
        elif row.id not in seen:
            seen.add(row.id)
            items.append(row.item())
    return Page(items, cursor, skipped)


def counts_page(rows: Iterable[Row | str], cursor: str | None) -> Page[POSCount]:
    counts: list[POSCount] = []
    skipped: list[str] = []
    for row in rows:
        if isinstance(row, str):
            skipped.append(row)
        elif row.problem is not None:
            skipped.append(row.problem)
        else:
            counts.append(row.count())
    return Page(counts, cursor, skipped)


def distinct_locations(rows: Iterable[Row | str]) -> list[POSLocation]:
    ids = dict.fromkeys(row.location for row in rows if isinstance(row, Row))
    return [POSLocation(i, i) for i in ids]


def refused(changes: Sequence[Any], error: str = READ_ONLY) -> list[PushOutcome]:
    """One failed outcome per change, for sources that cannot take it."""
    return [PushOutcome(c.external_item_id, c.location_id, ok=False, error=error) for c in changes]


def _text(record: Any, path: str | None, get: Callable[[Any, str], Any]) -> str | None:
    if not path:
        return None
    value = get(record, path)
    return (str(value).strip() or None) if found(value) else None
