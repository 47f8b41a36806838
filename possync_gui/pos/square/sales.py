"""Square orders → units sold per variation, location and UTC day (POS_APIS.md §1.2 f).

SearchOrders returns COMPLETED orders; each order's ``line_items`` add to the day of its
``closed_at`` and its ``returns[].return_line_items`` subtract from it (a return is its own
order, closed on the day the goods came back). Quantities are decimal strings and are summed
as Decimals: only a day's total has to be whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from possync_gui.pos.base import Page, POSSale
from possync_gui.pos.square.records import decimal, parse_time

_Key = tuple[date, str, str]  # day, location, variation


class SalesTally:
    """Sums order lines over ``[since, until)``; ``pages()`` gives one Page per day."""

    def __init__(self, since: datetime, until: datetime) -> None:
        self._since = since
        self._until = until
        self._units: defaultdict[_Key, Decimal] = defaultdict(Decimal)
        self._skipped: list[str] = []

    def add_orders(self, orders: Iterable[Any]) -> None:
        for order in orders:
            if isinstance(order, Mapping):
                self._add_order(order)

    def _add_order(self, order: Mapping[str, Any]) -> None:
        if order.get("state") != "COMPLETED":
            return
        closed = parse_time(order.get("closed_at"))
        location = order.get("location_id")
        if closed is None or not location:
            self._skipped.append(f"order {order.get('id')}: no closed_at or location_id")
            return
        # Square's end_at may be inclusive; the window here is half-open.
        if not self._since <= closed < self._until:
            return
        day = closed.date()
        for line in order.get("line_items") or []:
            self._add_line(order, line, day, str(location), 1)
        for ret in order.get("returns") or []:
            for line in (ret or {}).get("return_line_items") or []:
                self._add_line(order, line, day, str(location), -1)

    def _add_line(
        self, order: Mapping[str, Any], line: Any, day: date, location: str, sign: int
    ) -> None:
        if not isinstance(line, Mapping) or not line.get("catalog_object_id"):
            return  # custom amounts and the like sell no catalog stock
        quantity = decimal(line.get("quantity"))
        if quantity is None:
            self._skipped.append(
                f"order {order.get('id')}: line quantity {line.get('quantity')!r} unreadable"
            )
            return
        self._units[(day, location, str(line["catalog_object_id"]))] += sign * quantity

    def pages(self) -> list[Page[POSSale]]:
        """Sales grouped by day, oldest first; each Page's cursor is the next day with sales
        (ISO date), the value to resume from, and None on the last one."""
        by_day: defaultdict[date, list[POSSale]] = defaultdict(list)
        skipped_by_day: defaultdict[date, list[str]] = defaultdict(list)
        for (day, location, item), units in sorted(self._units.items()):
            if units == 0:
                continue
            if units != units.to_integral_value():
                skipped_by_day[day].append(
                    f"{item} at {location} on {day}: {units} units is not a whole number"
                )
                continue
            by_day[day].append(POSSale(item, location, day, int(units)))
        days = sorted(set(by_day) | set(skipped_by_day))
        if not days:
            return [Page([], None, list(self._skipped))]
        skipped_by_day[days[0]][:0] = self._skipped
        following: list[str | None] = [d.isoformat() for d in days[1:]]
        following.append(None)
        return [
            Page(by_day[day], cursor, skipped_by_day[day])
            for day, cursor in zip(days, following, strict=True)
        ]
