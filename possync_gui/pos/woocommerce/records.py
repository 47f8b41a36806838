"""WooCommerce JSON → normalised records (POS_APIS.md §3, §4), and the error text.

Convert early (STYLE habit 9): stock becomes ``int`` here, ``*_gmt`` dates become aware UTC
datetimes here (WooCommerce sends them without ``Z``; only the ``_gmt`` fields are UTC).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from possync_gui.pos.base import POSCount, POSItem

#: WooCommerce has no locations: the whole store is one virtual location.
LOCATION_ID = "woocommerce"
LOCATION_NAME = "Online store"


def parse_gmt(value: Any) -> datetime | None:
    """A ``*_gmt`` field (``2025-06-03T14:02:11``, no offset) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_gmt(when: datetime, *, overlap: timedelta = timedelta(0)) -> str:
    """A query date in the one form WooCommerce compares safely (pitfalls 10 and 11): UTC,
    whole seconds, *no* suffix, sent together with ``dates_are_gmt=true``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when.astimezone(UTC) - overlap).strftime("%Y-%m-%dT%H:%M:%S")


def error_text(response: httpx.Response) -> str:
    """``{"code","message","data":{"status"}}`` → ``"code: message"``."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200].strip() or response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        code = body.get("code")
        return f"{code}: {body['message']}" if code else str(body["message"])
    return json.dumps(body)[:300]


def item_error_text(error: Any) -> str:
    """The text of a per-item error inside a batch answer."""
    if isinstance(error, Mapping):
        code, message = error.get("code"), error.get("message")
        if code and message:
            return f"{code}: {message}"
        return str(message or code or error)
    return str(error)


def stock_manager(record: Mapping[str, Any]) -> str | None:
    """The id whose pool holds this record's stock, or None when stock is not managed.

    ``manage_stock: "parent"`` on a variation means the parent product's pool.
    """
    manage = record.get("manage_stock")
    if manage == "parent":
        parent = record.get("parent_id")
        return str(parent) if parent else None
    if manage is True:
        return str(record["id"])
    return None


def whole_quantity(value: Any) -> int | None:
    """``stock_quantity`` as an int; None for null or non-integral values (never rounded)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def to_item(record: Mapping[str, Any], parent: Mapping[str, Any] | None = None) -> POSItem:
    """A product or variation as a :class:`POSItem`.

    A variation whose stock is parent-managed is ``tracked=False``: its count is reported
    once, under the parent's id.
    """
    external_id = str(record["id"])
    manager = stock_manager(record)
    return POSItem(
        external_id=external_id,
        sku=record.get("sku") or None,
        barcode=record.get("global_unique_id") or None,
        name=_name(record, parent),
        parent_id=str(parent["id"]) if parent is not None else None,
        tracked=manager == external_id,
        updated_at=parse_gmt(record.get("date_modified_gmt")),
    )


def to_count(record: Mapping[str, Any]) -> POSCount | str | None:
    """The record's own stock count; a skip reason when the quantity is unreadable; None
    when the record has no count of its own (not managed, or managed by its parent)."""
    external_id = str(record["id"])
    if stock_manager(record) != external_id:
        return None
    raw = record.get("stock_quantity")
    quantity = whole_quantity(raw)
    if quantity is None:
        return f"product {external_id}: stock_quantity {raw!r} is not a whole number"
    return POSCount(
        external_item_id=external_id,
        location_id=LOCATION_ID,
        quantity=quantity,
        updated_at=parse_gmt(record.get("date_modified_gmt")),
    )


def _name(record: Mapping[str, Any], parent: Mapping[str, Any] | None) -> str:
    if record.get("name"):
        return str(record["name"])
    options = [
        str(a.get("option")) for a in record.get("attributes") or [] if isinstance(a, Mapping)
    ]
    base = str(parent.get("name") or "") if parent is not None else ""
    label = ", ".join(o for o in options if o)
    if base and label:
        return f"{base} - {label}"
    return base or label or f"#{record['id']}"
