"""The demo POS's simulated store: repeatable, never sells what is not there, busy weekends."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from possync_gui.pos.demo import DemoItem, DemoStoreSimulator

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def _items(count: int, *, rate: float = 20.0, available: int = 1_000_000) -> list[DemoItem]:
    return [DemoItem(f"demo-item-{n}", uuid.UUID(int=n + 1), rate, available) for n in range(count)]


def test_same_seed_and_window_give_the_same_sales() -> None:
    items = _items(20, rate=5.0)
    end = MONDAY + timedelta(hours=12)
    first = DemoStoreSimulator(seed=1).sales_between(items, MONDAY, end)
    again = DemoStoreSimulator(seed=1).sales_between(list(reversed(items)), MONDAY, end)
    other = DemoStoreSimulator(seed=2).sales_between(items, MONDAY, end)
    assert first, "a store with 20 items at 5 a day sells something in 12 hours"
    assert first == again
    assert first != other


def test_sales_fall_inside_the_window_in_time_order() -> None:
    start = MONDAY + timedelta(hours=7, minutes=30)
    end = start + timedelta(hours=30)  # crosses midnight
    sales = DemoStoreSimulator().sales_between(_items(10), start, end)
    assert sales
    assert all(start <= s.at < end and s.at.tzinfo is not None for s in sales)
    assert [s.at for s in sales] == sorted(s.at for s in sales)
    assert all(s.quantity >= 1 for s in sales)


def test_never_sells_more_than_is_on_the_shelf() -> None:
    items = [*_items(5, rate=200.0, available=3), DemoItem("empty", uuid.uuid4(), 200.0, 0)]
    sales = DemoStoreSimulator().sales_between(items, MONDAY, MONDAY + timedelta(days=1))
    sold = Counter[str]()
    for sale in sales:
        sold[sale.external_id] += sale.quantity
    assert all(sold[item.external_id] == 3 for item in items[:5]), "fast sellers sell out"
    assert "empty" not in sold


def test_more_sales_at_weekends() -> None:
    sales = DemoStoreSimulator().sales_between(_items(50), MONDAY, MONDAY + timedelta(days=7))
    per_day = Counter[int]()
    for sale in sales:
        per_day[sale.at.weekday()] += sale.quantity
    weekend = (per_day[5] + per_day[6]) / 2
    weekday = sum(per_day[d] for d in range(5)) / 5
    assert weekend > weekday * 1.2


def test_an_empty_or_backwards_window_sells_nothing() -> None:
    sim = DemoStoreSimulator()
    assert sim.sales_between(_items(5), MONDAY, MONDAY) == []
    assert sim.sales_between(_items(5), MONDAY, MONDAY - timedelta(hours=1)) == []
    assert sim.sales_between(_items(5, rate=0.0), MONDAY, MONDAY + timedelta(days=1)) == []


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        DemoStoreSimulator().sales_between(_items(1), datetime(2026, 11, 23), MONDAY)  # noqa: DTZ001
