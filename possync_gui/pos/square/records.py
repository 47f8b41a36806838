"""Square JSON → normalised records (POS_APIS.md §1, §4), and the error text.

Convert early (STYLE habit 9): quantities arrive as decimal strings and become ``int`` here
(a non-integral one is never rounded; the caller skips it with a reason); RFC 3339 strings
become aware UTC datetimes here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from possync_gui.pos.base import POSCount, POSLocation

#: The spec's default version (POS_APIS.md §1.1); sent on every request so that a change of
#: the app's pinned version in the Developer Dashboard cannot change the shapes we read.
DEFAULT_VERSION = "2025-08-20"
IN_STOCK = "IN_STOCK"
VARIATION = "ITEM_VARIATION"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 string as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_time(when: datetime) -> str:
    """RFC 3339 in UTC with milliseconds (Square's own precision), e.g. ``…T14:05:00.123Z``.

    Truncating to milliseconds can only move an exclusive lower bound earlier, so a filter
    built from it never misses a record (it may return one already seen).
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decimal(value: Any) -> Decimal | None:
    """A Square quantity string as a Decimal; None when it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def whole(value: Any) -> int | None:
    """A quantity string as an int; None for anything that is not a whole number."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)  # the usual case, without a Decimal
    number = decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def format_quantity(quantity: int) -> str:
    """An int as Square's decimal string."""
    return str(quantity)


def next_cursor(body: Mapping[str, Any]) -> str | None:
    """The cursor for the next page; absent, null and empty all mean "last page"."""
    cursor = body.get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def to_location(record: Mapping[str, Any]) -> POSLocation:
    return POSLocation(
        id=str(record["id"]),
        name=str(record.get("name") or record["id"]),
        active=record.get("status", "ACTIVE") == "ACTIVE",
    )


def to_count(record: Mapping[str, Any]) -> POSCount | str | None:
    """An ``IN_STOCK`` count as a :class:`POSCount`; a skip reason when it cannot be read;
    None for counts of other states (reserved, waste, …), which are not sellable stock."""
    get = record.get
    if get("state") != IN_STOCK:
        return None
    item, location = get("catalog_object_id"), get("location_id")
    if not item or not location:
        return f"a count without catalog_object_id or location_id: {str(record)[:80]}"
    kind = get("catalog_object_type", VARIATION)
    if kind != VARIATION:
        return f"{kind} {item} at {location}: only item variations carry stock here"
    quantity = whole(get("quantity"))
    if quantity is None:
        return f"{item} at {location}: quantity {record.get('quantity')!r} is not a whole number"
    return POSCount(
        external_item_id=str(item),
        location_id=str(location),
        quantity=quantity,
        updated_at=parse_time(record.get("calculated_at")),
    )


def in_stock_quantities(counts: Iterable[Any]) -> dict[tuple[str, str], int | None]:
    """(variation id, location id) → IN_STOCK quantity (None when not whole) from a response's
    ``counts``; other states are left out."""
    found: dict[tuple[str, str], int | None] = {}
    for record in counts:
        if isinstance(record, Mapping) and record.get("state") == IN_STOCK:
            key = (str(record.get("catalog_object_id")), str(record.get("location_id")))
            found[key] = whole(record.get("quantity"))
    return found


def errors_text(errors: Any) -> str:
    """``[{"category","code","detail","field"}]`` → ``"CODE: detail; CODE: detail"``."""
    parts: list[str] = []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, Mapping):
            continue
        code, detail = error.get("code"), error.get("detail")
        if code and detail:
            parts.append(f"{code}: {detail}")
        elif code or detail:
            field = error.get("field")
            parts.append(f"{code or detail}" + (f" ({field})" if field else ""))
    return "; ".join(parts)


def error_codes(body: Any) -> set[str]:
    """The ``code`` of every error in a Square error body."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    return {str(e["code"]) for e in errors or [] if isinstance(e, Mapping) and e.get("code")}


def error_text(response: httpx.Response) -> str:
    """The text of a Square error answer, e.g. ``"UNAUTHORIZED: This request could not be
    authorized."``; the raw start of the body when it is not Square's error shape."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(body, Mapping):
        text = errors_text(body.get("errors"))
        if text:
            return text
    return json.dumps(body)[:300]
