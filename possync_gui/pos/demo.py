"""A simulated store for the demo POS: who bought what, and when.

Pure logic: given the items on sale (with a daily sales rate and the stock on the shelf)
and a time window, it draws sale events from a Poisson process that is busier at
weekends. The same seed and window always give the same sales, and an item never sells
more than is on the shelf.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from possync_gui.domain.demand import WEEKLY_PATTERN, poisson

#: How many units one sale takes: mostly one, sometimes two or three.
_BASKET = ((0.8, 1), (0.95, 2), (1.0, 3))
_DAY_SECONDS = 86_400.0


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One item on sale: ``daily_rate`` sales a day on average, ``available`` on the shelf."""

    external_id: str
    product_id: uuid.UUID
    daily_rate: float
    available: int


@dataclass(frozen=True, slots=True)
class DemoSale:
    """One sale at the till."""

    external_id: str
    product_id: uuid.UUID
    quantity: int
    at: datetime


class DemoStoreSimulator:
    """Draws the sales of a simulated store; deterministic per (seed, item, window)."""

    def __init__(self, seed: int = 42) -> None:
        self._seed = seed

    def sales_between(
        self, items: Iterable[DemoItem], start: datetime, end: datetime
    ) -> list[DemoSale]:
        """Every sale in ``[start, end)``, oldest first. Both times must be aware."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the simulator works in aware datetimes only")
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return []
        sales: list[DemoSale] = []
        for item in items:
            if item.daily_rate > 0 and item.available > 0:
                sales.extend(self._item_sales(item, start, end))
        sales.sort(key=lambda s: (s.at, s.external_id))
        return sales

    def _item_sales(self, item: DemoItem, start: datetime, end: datetime) -> list[DemoSale]:
        # One generator per item and window, so the order of items changes nothing.
        rng = random.Random(
            f"{self._seed}|{item.external_id}|{start.isoformat()}|{end.isoformat()}"
        )
        times: list[datetime] = []
        for seg_start, seg_end in _day_segments(start, end):
            seconds = (seg_end - seg_start).total_seconds()
            mean = item.daily_rate * WEEKLY_PATTERN[seg_start.weekday()] * seconds / _DAY_SECONDS
            times.extend(
                seg_start + timedelta(seconds=rng.random() * seconds)
                for _ in range(poisson(rng, mean))
            )
        times.sort()
        sales = []
        left = item.available
        for at in times:
            quantity = min(left, _basket(rng))
            sales.append(DemoSale(item.external_id, item.product_id, quantity, at))
            left -= quantity
            if left == 0:
                break  # sold out: nothing more to sell until a delivery comes
        return sales


def _day_segments(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """``[start, end)`` cut at UTC midnights, so each piece has one weekday."""
    while start < end:
        midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), UTC)
        piece_end = min(end, midnight)
        yield start, piece_end
        start = piece_end


def _basket(rng: random.Random) -> int:
    draw = rng.random()
    return next(size for limit, size in _BASKET if draw < limit)
