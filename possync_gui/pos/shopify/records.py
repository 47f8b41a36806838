"""Shopify JSON → possync records (STYLE habit 9: convert early).

Identity is the InventoryItem gid (``gid://shopify/InventoryItem/N``) and the Location gid,
never the variant id (POS_APIS.md §2.2). A variant's units sold are keyed by its inventory
item too, so sales line up with counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from possync_gui.pos.base import POSCount, POSItem, POSLocation, POSSale

DEFAULT_VARIANT_TITLE = "Default Title"


def location_gid(numeric: Any) -> str:
    return f"gid://shopify/Location/{numeric}"


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime (naive ones are taken as UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def search_time(moment: datetime) -> str:
    """A datetime for Shopify's search syntax, always in UTC with a Z."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_int(value: Any) -> int | None:
    """An integral quantity, or None; 2.5 is never rounded to 2."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def location_from_rest(node: dict[str, Any]) -> POSLocation:
    """A REST ``locations.json`` entry; its GraphQL gid is the id possync keeps."""
    gid = node.get("admin_graphql_api_id") or location_gid(node["id"])
    return POSLocation(
        id=str(gid), name=str(node.get("name") or gid), active=bool(node.get("active", True))
    )


def item_from_variant(node: dict[str, Any]) -> POSItem | str:
    """A ``productVariants`` node, or the reason it cannot be read."""
    inventory = node.get("inventoryItem") or {}
    if not inventory.get("id"):
        return f"variant {node.get('id')} has no inventory item"
    product = node.get("product") or {}
    title = str(product.get("title") or "").strip()
    variant_title = str(node.get("title") or "").strip()
    if variant_title and variant_title != DEFAULT_VARIANT_TITLE:
        title = f"{title} - {variant_title}" if title else variant_title
    return POSItem(
        external_id=str(inventory["id"]),
        sku=_text(node.get("sku")),
        barcode=_text(node.get("barcode")),
        name=title or str(inventory["id"]),
        parent_id=_text(product.get("id")),
        tracked=bool(inventory.get("tracked", True)),
        updated_at=parse_time(node.get("updatedAt")),
    )


def count_from_level(node: dict[str, Any], location_id: str) -> POSCount | str:
    """An ``inventoryLevels`` node's ``available`` quantity, or the reason it cannot be read."""
    item_id = (node.get("item") or {}).get("id")
    if not item_id:
        return f"inventory level at {location_id} without an inventory item"
    quantities = {q.get("name"): q.get("quantity") for q in node.get("quantities") or []}
    if "available" not in quantities:
        return f"{item_id} at {location_id}: no 'available' quantity"
    quantity = as_int(quantities["available"])
    if quantity is None:
        raw = quantities["available"]
        return f"{item_id} at {location_id}: quantity {raw!r} is not a whole number"
    return POSCount(str(item_id), location_id, quantity, parse_time(node.get("updatedAt")))


class SalesTally:
    """Units sold per (inventory item, location, UTC day), released one finished day at a
    time: orders arrive sorted by creation time, so a day is complete once a later one shows."""

    def __init__(self) -> None:
        self._units: dict[tuple[str, str, date], int] = defaultdict(int)
        self.skipped: list[str] = []

    def add_order(self, order: dict[str, Any], lines: list[dict[str, Any]], location: str) -> None:
        created = parse_time(order.get("createdAt"))
        if created is None:
            self.skipped.append(f"order {order.get('name') or order.get('id')}: no creation time")
            return
        for line in lines:
            self._add_line(order, line, location, created.date())

    def _add_line(
        self, order: dict[str, Any], line: dict[str, Any], location: str, day: date
    ) -> None:
        item = ((line.get("variant") or {}).get("inventoryItem") or {}).get("id")
        if not item:
            return  # custom line item or deleted variant: no stock behind it
        # currentQuantity is net of removals and refunds (POS_APIS.md §4).
        raw = line.get("currentQuantity", line.get("quantity"))
        quantity = as_int(raw)
        if quantity is None:
            self.skipped.append(f"order {order.get('name') or order.get('id')}: quantity {raw!r}")
            return
        if quantity:
            self._units[(str(item), location, day)] += quantity

    def take_before(self, day: date | None) -> list[POSSale]:
        """Remove and return the totals of the days before ``day`` (none when None)."""
        return self._take(lambda d: day is not None and d < day)

    def take_all(self) -> list[POSSale]:
        return self._take(lambda _d: True)

    def _take(self, wanted: Callable[[date], bool]) -> list[POSSale]:
        keys = sorted(k for k in self._units if wanted(k[2]))
        return [
            POSSale(item, loc, day, self._units.pop((item, loc, day))) for item, loc, day in keys
        ]
