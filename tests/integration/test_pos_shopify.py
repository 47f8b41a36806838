"""The Shopify adapter against the fake Shopify Admin API (tests/fakes/shopify.py).

The fake's buckets run on a :class:`ManualClock` that the adapter's ``sleep`` advances, so
throttling waits are exact and cost no real time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from possync_gui.domain.errors import InventorySyncError, POSSystemUnavailableError, ValidationError
from possync_gui.pos.base import POSAdapter, POSAdjustment, POSSet
from possync_gui.pos.shopify import ShopifyAdapter
from tests.fakes.server import Reply
from tests.fakes.shopify import (
    REST_LIMIT_ERROR,
    STALE_MESSAGE,
    TOKEN_ERROR,
    FakeShopify,
    ManualClock,
)

# pos/http.py passes tenacity 9.2 the deprecated `initial=`; until it passes `multiplier=`
# every HttpTransport warns (reported; this file does not own http.py).

TOKEN = "shpat_fake_0123456789abcdef"
GRAPHQL = r"/graphql\.json$"
T = TypeVar("T")
AT = datetime(2026, 5, 20, 9, 30, tzinfo=UTC)


class Sleeps(list[float]):
    """The adapter's sleep: records each wait and moves the fake's clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        self.clock.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleeps(clock: ManualClock) -> Sleeps:
    return Sleeps(clock)


@contextmanager
def running(clock: ManualClock, **options: Any) -> Iterator[FakeShopify]:
    server = FakeShopify(TOKEN, clock=clock, **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeShopify]:
    with running(clock) as server:
        yield server


def drive(
    fake: FakeShopify,
    sleeps: Sleeps,
    body: Callable[[ShopifyAdapter], Awaitable[T]],
    **options: Any,
) -> T:
    """Run ``body`` with a fresh adapter on the fake, closing it afterwards."""
    options = {
        "max_attempts": 3,
        "backoff_initial": 0.01,
        "sleep": sleeps,
        "clock": sleeps.clock,
        **options,
    }
    credentials = {"access_token": options.pop("token", TOKEN)}

    async def main() -> T:
        adapter = ShopifyAdapter(fake.url, credentials, **options)
        try:
            return await body(adapter)
        finally:
            await adapter.aclose()

    return asyncio.run(main())


async def pages(iterator: AsyncIterator[Any]) -> list[Any]:
    return [page async for page in iterator]


def adjustment(item: str, location: str, delta: int, key: str) -> POSAdjustment:
    return POSAdjustment(item, location, delta, key, AT)


def graphql_bodies(fake: FakeShopify) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests_to(GRAPHQL)]


# -- reads -------------------------------------------------------------------------------------
def test_the_adapter_satisfies_the_protocol(fake: FakeShopify, sleeps: Sleeps) -> None:
    async def body(adapter: ShopifyAdapter) -> None:
        assert isinstance(adapter, POSAdapter)
        assert adapter.type == "shopify"
        await adapter.ping()

    drive(fake, sleeps, body)
    request = fake.requests_to(GRAPHQL)[0]
    assert request.path == "/admin/api/2026-04/graphql.json"
    assert request.header("X-Shopify-Access-Token") == TOKEN


def test_items_are_read_page_by_page_to_the_last(fake: FakeShopify, sleeps: Sleeps) -> None:
    variants = [fake.add_variant(f"Product {n}", sku=f"SKU-{n}") for n in range(260)]

    result = drive(fake, sleeps, lambda a: pages(a.iter_items()))

    assert [len(p.items) for p in result] == [250, 10]
    assert result[0].cursor is not None and result[-1].cursor is None
    assert {i.external_id for p in result for i in p.items} == {v.item_id for v in variants}
    assert all(0 < b["variables"]["first"] <= 250 for b in graphql_bodies(fake))
    assert graphql_bodies(fake)[1]["variables"]["after"] == result[0].cursor


def test_stock_is_keyed_by_inventory_item_not_variant(fake: FakeShopify, sleeps: Sleeps) -> None:
    shop = fake.add_location("Shop")
    red = fake.add_variant("Shirt", "Red", sku="SH-R", barcode="5012345678900")
    blue = fake.add_variant("Shirt", "Blue", sku="SH-B", product=red.product_id)
    mug = fake.add_variant("Mug", sku="MUG")
    for variant, quantity in ((red, 4), (blue, 9), (mug, 1)):
        fake.stock(variant.item_id, shop, quantity)

    async def body(adapter: ShopifyAdapter) -> tuple[Any, Any, Any]:
        items = await pages(adapter.iter_items())
        counts = await pages(adapter.iter_counts())
        outcome = await adapter.push_adjustments([adjustment(red.item_id, shop, 3, "k-red")])
        return items, counts, outcome

    items, counts, outcome = drive(fake, sleeps, body)

    by_id = {i.external_id: i for p in items for i in p.items}
    assert set(by_id) == {red.item_id, blue.item_id, mug.item_id}
    assert red.variant_id not in by_id and red.item_id != red.variant_id
    assert by_id[red.item_id].name == "Shirt - Red"
    assert by_id[mug.item_id].name == "Mug"  # "Default Title" is not a name
    assert (by_id[red.item_id].sku, by_id[red.item_id].barcode) == ("SH-R", "5012345678900")
    assert by_id[blue.item_id].barcode is None
    assert by_id[red.item_id].parent_id == by_id[blue.item_id].parent_id == red.product_id
    assert {(c.external_item_id, c.quantity) for p in counts for c in p.items} == {
        (red.item_id, 4),
        (blue.item_id, 9),
        (mug.item_id, 1),
    }
    assert outcome[0].ok and outcome[0].quantity == 7
    assert (fake.quantity(red.item_id, shop), fake.quantity(blue.item_id, shop)) == (7, 9)


def test_incremental_items_return_only_changed_variants(fake: FakeShopify, sleeps: Sleeps) -> None:
    old = datetime(2026, 1, 1, tzinfo=UTC)
    new = datetime(2026, 5, 1, tzinfo=UTC)
    for n in range(3):
        fake.add_variant(f"Old {n}", updated_at=old)
    changed = fake.add_variant("Changed", updated_at=new)
    since = datetime(2026, 3, 1, tzinfo=UTC)

    result = drive(fake, sleeps, lambda a: pages(a.iter_items(since)))

    assert [i.external_id for p in result for i in p.items] == [changed.item_id]
    assert result[0].items[0].updated_at == new
    assert graphql_bodies(fake)[0]["variables"]["query"] == "updated_at:>'2026-03-01T00:00:00Z'"


def test_counts_per_active_location_paged_and_incremental(
    fake: FakeShopify, sleeps: Sleeps
) -> None:
    shop, store = fake.add_location("Shop"), fake.add_location("Store")
    closed = fake.add_location("Closed", active=False)
    old, new = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    variants = [fake.add_variant(f"P{n}") for n in range(260)]
    for n, variant in enumerate(variants):
        fake.stock(variant.item_id, shop, n, committed=2, updated_at=old)
    fake.stock(variants[0].item_id, store, 5, updated_at=new)
    fake.stock(variants[1].item_id, closed, 8, updated_at=new)

    async def body(adapter: ShopifyAdapter) -> tuple[Any, Any]:
        return await pages(adapter.iter_counts()), await pages(
            adapter.iter_counts(old + timedelta(days=1))
        )

    full, changed = drive(fake, sleeps, body)

    assert [len(p.items) for p in full] == [250, 10, 1]
    assert [p.cursor is None for p in full] == [False, False, True]
    counts = {(c.external_item_id, c.location_id): c.quantity for p in full for c in p.items}
    assert len(counts) == 261 and closed not in {loc for _, loc in counts}
    assert counts[(variants[7].item_id, shop)] == 7  # available, not on_hand (7 + 2 committed)
    assert [(c.external_item_id, c.location_id) for p in changed for c in p.items] == [
        (variants[0].item_id, store)
    ]


def test_a_non_integral_quantity_is_skipped_with_a_reason(
    fake: FakeShopify, sleeps: Sleeps
) -> None:
    shop = fake.add_location("Shop")
    whole, half = fake.add_variant("Whole"), fake.add_variant("Half")
    fake.stock(whole.item_id, shop, 3)
    fake.stock(half.item_id, shop, 2.5)

    result = drive(fake, sleeps, lambda a: pages(a.iter_counts()))

    assert [c.external_item_id for c in result[0].items] == [whole.item_id]
    assert len(result[0].skipped) == 1 and "2.5" in result[0].skipped[0]


def test_locations_follow_link_pages_and_keep_inactive_ones(
    fake: FakeShopify, sleeps: Sleeps
) -> None:
    ids = [fake.add_location(f"Store {n}") for n in range(259)]
    ids.append(fake.add_location("Closed", active=False))

    locations = drive(fake, sleeps, lambda a: a.list_locations())

    assert [loc.id for loc in locations] == ids
    assert locations[-1].active is False and locations[0].active is True
    assert len(fake.requests_to(r"/locations\.json$")) == 2


def test_a_next_link_to_another_host_is_not_followed(fake: FakeShopify, sleeps: Sleeps) -> None:
    elsewhere = (
        '<https://collector.example.net/admin/api/2026-04/locations.json?page_info=x>; rel="next"'
    )
    fake.inject(Reply(200, {"locations": []}, {"Link": elsewhere}), r"/locations\.json$")

    with pytest.raises(InventorySyncError, match="leaves the shop"):
        drive(fake, sleeps, lambda a: a.list_locations())
    assert len(fake.requests) == 1


# -- sales -------------------------------------------------------------------------------------
def test_sales_summed_per_item_location_and_utc_day(fake: FakeShopify, sleeps: Sleeps) -> None:
    primary, till = fake.add_location("Warehouse"), fake.add_location("Till")
    a = fake.add_variant("Tee", "S")
    b = fake.add_variant("Tee", "M", product=a.product_id)
    c = fake.add_variant("Cap")
    d1, d2, d3 = (datetime(2026, 5, day, tzinfo=UTC) for day in (10, 11, 12))
    fake.add_order(d1 - timedelta(seconds=1), [(a, 50)], location=till)  # before the window
    fake.add_order(d1 + timedelta(hours=10), [(a, 2), (b, 1)], location=till)
    fake.add_order(d1 + timedelta(hours=23, minutes=59), [(a, 3)])  # online: primary location
    fake.add_order(d2 + timedelta(hours=1), [(a, 5, 4)], location=till)  # one unit refunded
    fake.add_order(d2 + timedelta(hours=2), [(a, 7)], location=till, cancelled=True)
    fake.add_order(d2 + timedelta(hours=3), [(b, 9)], location=till, test=True)
    fake.add_order(d2 + timedelta(hours=4), [(None, 3)], location=till)  # custom item
    for minute in range(30):  # more orders than one page holds
        fake.add_order(d2 + timedelta(hours=5, minutes=minute), [(b, 1)], location=primary)
    fake.add_order(d3 + timedelta(hours=1), [(c, 1)] * 12, location=till)  # > 10 lines
    fake.add_order(d3 + timedelta(days=1), [(a, 99)], location=till)  # at `until`: excluded

    result = drive(fake, sleeps, lambda ad: pages(ad.iter_sales(d1, d3 + timedelta(days=1))))

    assert len(result) >= 2 and result[-1].cursor is None
    keys = [(s.external_item_id, s.location_id, s.day) for p in result for s in p.items]
    assert len(keys) == len(set(keys)), "a day must be reported once, complete"
    sales = {
        (s.external_item_id, s.location_id, s.day): s.quantity for p in result for s in p.items
    }
    assert sales == {
        (a.item_id, till, date(2026, 5, 10)): 2,
        (b.item_id, till, date(2026, 5, 10)): 1,
        (a.item_id, primary, date(2026, 5, 10)): 3,
        (a.item_id, till, date(2026, 5, 11)): 4,
        (b.item_id, primary, date(2026, 5, 11)): 30,
        (c.item_id, till, date(2026, 5, 12)): 12,
    }
    assert len(fake.requests_to(r"/shop\.json$")) == 1  # the primary location, asked once


# -- pushes ------------------------------------------------------------------------------------
def test_large_pushes_are_split_into_batches_of_250(fake: FakeShopify, sleeps: Sleeps) -> None:
    shop, store = fake.add_location("Shop"), fake.add_location("Store")
    variants = [fake.add_variant(f"P{n}") for n in range(300)]
    changes = []
    for n, variant in enumerate(variants):
        for location in (shop, store):
            fake.stock(variant.item_id, location, 10)
            changes.append(adjustment(variant.item_id, location, n % 5 + 1, f"adj-{n}-{location}"))

    outcomes = drive(fake, sleeps, lambda a: a.push_adjustments(changes))

    assert [len(m.input["changes"]) for m in fake.mutations] == [250, 250, 100]
    assert len({m.key for m in fake.mutations}) == 3
    assert all(m.input["referenceDocumentUri"].startswith("gid://possync/") for m in fake.mutations)
    assert all(e["changeFromQuantity"] is None for m in fake.mutations for e in m.input["changes"])
    assert len(outcomes) == 600 and all(o.ok for o in outcomes)
    for change, outcome in zip(changes, outcomes, strict=True):
        expected = 10 + change.delta
        assert (outcome.external_item_id, outcome.location_id) == (
            change.external_item_id,
            change.location_id,
        )
        assert outcome.quantity == expected
        assert fake.quantity(change.external_item_id, change.location_id) == expected


def test_an_adjustment_pushed_twice_with_one_key_is_applied_once(
    fake: FakeShopify, sleeps: Sleeps
) -> None:
    shop = fake.add_location("Shop")
    item = fake.add_variant("Tee").item_id
    fake.stock(item, shop, 10)
    change = [adjustment(item, shop, 4, "receipt-42")]

    async def twice(adapter: ShopifyAdapter) -> Any:
        return await adapter.push_adjustments(change), await adapter.push_adjustments(change)

    first, second = drive(fake, sleeps, twice)  # one adapter: the second push is not even sent
    assert first[0].ok and second[0].ok and fake.quantity(item, shop) == 14
    assert len(fake.mutations) == 1

    again = drive(fake, sleeps, lambda a: a.push_adjustments(change))  # a fresh adapter
    assert again[0].ok and fake.quantity(item, shop) == 14
    assert fake.mutations[1].replayed and fake.mutations[1].key == fake.mutations[0].key


def test_a_lost_answer_is_retried_and_applied_once(fake: FakeShopify, sleeps: Sleeps) -> None:
    shop = fake.add_location("Shop")
    item = fake.add_variant("Tee").item_id
    fake.stock(item, shop, 10)
    fake.lose_replies = 1  # Shopify applies it, the connection drops before the answer

    outcome = drive(
        fake, sleeps, lambda a: a.push_adjustments([adjustment(item, shop, -3, "sale-7")])
    )

    assert outcome[0].ok and outcome[0].quantity == 7
    assert fake.quantity(item, shop) == 7
    assert [m.replayed for m in fake.mutations] == [False, True]
    assert fake.mutations[0].key == fake.mutations[1].key


def test_compare_and_set_reports_stale_and_applies_the_rest(
    fake: FakeShopify, sleeps: Sleeps
) -> None:
    shop = fake.add_location("Shop")
    a, b = fake.add_variant("A").item_id, fake.add_variant("B").item_id
    fake.stock(a, shop, 10)
    fake.stock(b, shop, 5)  # possync believes 4: someone sold or counted meanwhile
    sets = [POSSet(a, shop, 12, 10, "set-a", AT), POSSet(b, shop, 7, 4, "set-b", AT)]

    outcomes = drive(fake, sleeps, lambda ad: ad.set_quantities(sets))

    assert outcomes[0].ok and outcomes[0].quantity == 12 and not outcomes[0].stale
    assert not outcomes[1].ok and outcomes[1].stale and outcomes[1].error == STALE_MESSAGE
    assert (fake.quantity(a, shop), fake.quantity(b, shop)) == (12, 5)
    first = fake.mutations[0].input["quantities"]
    assert [q["changeFromQuantity"] for q in first] == [10, 4]
    assert "compareQuantity" not in first[0]
    assert len(fake.mutations[1].input["quantities"]) == 1  # the good one, resent on its own


def test_version_2025_10_writes_with_compare_quantity(fake: FakeShopify, sleeps: Sleeps) -> None:
    shop = fake.add_location("Shop")
    a, b = fake.add_variant("A").item_id, fake.add_variant("B").item_id
    fake.stock(a, shop, 10)
    fake.stock(b, shop, 5)

    async def body(adapter: ShopifyAdapter) -> tuple[Any, Any]:
        sets = [POSSet(a, shop, 1, 10, "s1", AT), POSSet(b, shop, 1, 9, "s2", AT)]
        return await adapter.set_quantities(sets), await adapter.push_adjustments(
            [adjustment(a, shop, 2, "a1")]
        )

    sets, adjusts = drive(fake, sleeps, body, api_version="2025-10")

    assert sets[0].ok and sets[1].stale and not sets[1].ok
    assert "compareQuantity value does not match" in (sets[1].error or "")
    assert adjusts[0].ok and fake.quantity(a, shop) == 3
    assert all(m.key is None for m in fake.mutations)
    assert fake.requests_to(GRAPHQL)[0].path.startswith("/admin/api/2025-10/")
    sent = fake.mutations[0].input["quantities"][0]
    assert sent["compareQuantity"] == 10 and "changeFromQuantity" not in sent


def test_user_errors_surface_with_shopify_text(fake: FakeShopify, sleeps: Sleeps) -> None:
    shop, other = fake.add_location("Shop"), fake.add_location("Other")
    item = fake.add_variant("Tee").item_id
    fake.stock(item, shop, 1)
    changes = [
        adjustment(item, other, 5, "k1"),  # not stocked there
        adjustment(item, shop, 2, "k2"),
        adjustment("gid://shopify/InventoryItem/999999", shop, 1, "k3"),
    ]

    outcomes = drive(fake, sleeps, lambda a: a.push_adjustments(changes))

    assert outcomes[0].error == "The specified inventory item is not stocked at the location."
    assert outcomes[2].error == "The specified inventory item could not be found."
    assert not outcomes[0].ok and not outcomes[0].stale and not outcomes[2].ok
    assert outcomes[1].ok and fake.quantity(item, shop) == 3


def test_top_level_graphql_errors_surface(fake: FakeShopify, sleeps: Sleeps) -> None:
    message = "Internal error. Looks like something went wrong on our end."
    shop = fake.add_location("Shop")
    item = fake.add_variant("Tee").item_id
    fake.stock(item, shop, 1)
    fake.inject(Reply(200, {"data": None, "errors": [{"message": message}]}), GRAPHQL, times=2)

    with pytest.raises(InventorySyncError) as caught:
        drive(fake, sleeps, lambda a: pages(a.iter_items()))
    assert message in str(caught.value) and caught.value.retryable is False

    outcomes = drive(fake, sleeps, lambda a: a.push_adjustments([adjustment(item, shop, 1, "x")]))
    assert not outcomes[0].ok and message in (outcomes[0].error or "")
    assert fake.quantity(item, shop) == 1


# -- throttling and rate limits ----------------------------------------------------------------
def test_throttled_query_waits_for_the_missing_points(clock: ManualClock, sleeps: Sleeps) -> None:
    with running(clock, graphql_max=1000, graphql_restore=50) as fake:
        fake.add_variant("Tee")
        fake.set_points(10)

        result = drive(fake, sleeps, lambda a: pages(a.iter_items()))

        assert fake.throttled == 1
    assert len(result[0].items) == 1
    assert sleeps == [pytest.approx((752 - 10) / 50)]  # (requested − available) / restore


def test_throttle_status_is_honoured_before_sending(clock: ManualClock, sleeps: Sleeps) -> None:
    with running(clock, graphql_max=1000, graphql_restore=50) as fake:
        for n in range(260):
            fake.add_variant(f"P{n}")

        result = drive(fake, sleeps, lambda a: pages(a.iter_items()))

        assert fake.throttled == 0
    assert sum(len(p.items) for p in result) == 260
    # Page 1 left 1000 − 752 = 248 points; page 2 needs 752: wait 504 / 50 s first.
    assert sleeps == [pytest.approx(504 / 50)]


def test_an_injected_throttled_answer_then_success(fake: FakeShopify, sleeps: Sleeps) -> None:
    status = {"maximumAvailable": 1000.0, "currentlyAvailable": 1, "restoreRate": 50.0}
    throttled = {
        "data": None,
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": 101, "throttleStatus": status}},
    }
    fake.inject(Reply(200, throttled), GRAPHQL)

    drive(fake, sleeps, lambda a: a.ping())

    assert sleeps == [pytest.approx(2.0)]
    assert len(fake.requests_to(GRAPHQL)) == 2


def test_endless_throttling_is_unavailable(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.set_points(0)
    fake.graphql_restore = 0.0001  # the bucket will not refill in time

    with pytest.raises(POSSystemUnavailableError) as caught:
        drive(fake, sleeps, lambda a: a.ping())
    assert caught.value.retryable and "throttl" in str(caught.value)


def test_rest_bucket_full_answers_429_and_the_adapter_waits(
    fake: FakeShopify, sleeps: Sleeps
) -> None:
    shop = fake.add_location("Shop")
    fake.fill_rest_bucket()

    locations = drive(fake, sleeps, lambda a: a.list_locations())

    assert [loc.id for loc in locations] == [shop]
    assert fake.rest_throttled == 1 and sleeps == [2.0]  # Retry-After: 2.0
    assert all(r.path.endswith("locations.json") for r in fake.requests_to(r"\.json$")), "REST only"


def test_rest_call_limit_header_is_honoured(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.add_location("Shop")
    fake.fill_rest_bucket(38)

    async def twice(adapter: ShopifyAdapter) -> None:
        await adapter.list_locations()  # answer says 39/40
        await adapter.list_locations()

    drive(fake, sleeps, twice)

    assert fake.rest_throttled == 0
    assert sleeps == [pytest.approx(0.5)]  # one call over the headroom, leaking 2/s


# -- transport behaviour -----------------------------------------------------------------------
def test_429_with_retry_after_then_success(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.inject(Reply(429, {"errors": REST_LIMIT_ERROR}, {"Retry-After": "1.5"}), GRAPHQL)

    drive(fake, sleeps, lambda a: a.ping())

    assert sleeps == [1.5] and len(fake.requests_to(GRAPHQL)) == 2


def test_429_without_retry_after_then_success(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.inject(Reply(429, {"errors": "Too Many Requests"}), GRAPHQL)

    drive(fake, sleeps, lambda a: a.ping())

    assert len(sleeps) == 1 and sleeps[0] > 0 and len(fake.requests_to(GRAPHQL)) == 2


def test_500_then_success(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.inject(Reply(500, {"errors": "Internal Server Error"}), GRAPHQL)

    drive(fake, sleeps, lambda a: a.ping())

    assert len(fake.requests_to(GRAPHQL)) == 2


def test_a_timeout_is_retried(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.inject(Reply(200, {"data": {"shop": {"name": "late"}}}, delay=0.6), GRAPHQL)

    drive(fake, sleeps, lambda a: a.ping(), timeout=0.2)

    assert len(fake.requests_to(GRAPHQL)) == 2


def test_persistent_timeouts_are_unavailable(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.inject(Reply(200, {}, delay=0.6), GRAPHQL, times=3)

    with pytest.raises(POSSystemUnavailableError) as caught:
        drive(fake, sleeps, lambda a: a.ping(), timeout=0.2)
    assert caught.value.retryable is True


def test_malformed_json_is_a_sync_error(fake: FakeShopify, sleeps: Sleeps) -> None:
    fake.inject(Reply(200, raw=b"<html>Bad gateway</html>"), GRAPHQL)

    with pytest.raises(InventorySyncError) as caught:
        drive(fake, sleeps, lambda a: a.ping())
    assert not isinstance(caught.value, POSSystemUnavailableError)
    assert "not JSON" in str(caught.value)


def test_401_carries_shopify_text_and_never_the_token(
    fake: FakeShopify, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "shpat_wrong_secret_value"
    caplog.set_level(logging.DEBUG, logger="possync.pos")
    for call in (lambda a: a.ping(), lambda a: a.list_locations()):
        with pytest.raises(InventorySyncError) as caught:
            drive(fake, sleeps, call, token=wrong, debug=lambda: True)
        assert not isinstance(caught.value, POSSystemUnavailableError)
        assert caught.value.retryable is False
        assert TOKEN_ERROR in str(caught.value) and "401" in str(caught.value)
        assert wrong not in str(caught.value)
    assert len(fake.requests) == 2  # not retried
    assert caplog.text and wrong not in caplog.text


def test_unknown_api_version_is_a_clear_error(fake: FakeShopify, sleeps: Sleeps) -> None:
    with pytest.raises(InventorySyncError) as caught:
        drive(fake, sleeps, lambda a: a.ping(), api_version="2019-04")
    assert "Not Found" in str(caught.value) and "2019-04" in str(caught.value)

    with pytest.raises(ValidationError):
        ShopifyAdapter(fake.url, {"access_token": TOKEN}, api_version="latest")
    with pytest.raises(ValidationError):
        ShopifyAdapter(fake.url, {})
    with pytest.raises(ValidationError):
        ShopifyAdapter("http://shop.example.com", {"access_token": TOKEN})


# -- the fake keeps Shopify's 2026-04 rules ------------------------------------------------------
def test_the_fake_rejects_pre_2026_04_writes(fake: FakeShopify) -> None:
    shop = fake.add_location("Shop")
    item = fake.add_variant("Tee").item_id
    fake.stock(item, shop, 3)
    mutation = (
        "mutation M($input: InventorySetQuantitiesInput!) {{ inventorySetQuantities(input: $input)"
        "{} {{ userErrors {{ field message code }} }} }}"
    )
    keyed = mutation.format(' @idempotent(key: "k-1")')
    entry = {"inventoryItemId": item, "locationId": shop, "quantity": 5}
    base = {"name": "available", "reason": "correction"}

    def post(query: str, quantities: list[dict[str, Any]]) -> Any:
        variables = {"input": {**base, "quantities": quantities}}
        response = httpx.post(
            f"{fake.url}/admin/api/2026-04/graphql.json",
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
        assert response.status_code == 200
        return response.json()

    no_key = post(mutation.format(""), [{**entry, "changeFromQuantity": 3}])
    assert "idempotency key is required" in no_key["errors"][0]["message"]
    no_cas = post(keyed, [entry])
    assert (
        no_cas["data"]["inventorySetQuantities"]["userErrors"][0]["field"][-1]
        == "changeFromQuantity"
    )
    old_field = post(keyed, [{**entry, "compareQuantity": 3}])
    assert "Field is not defined" in old_field["errors"][0]["message"]
    too_many = post(keyed, [{**entry, "changeFromQuantity": 3}] * 251)
    assert "maximum allowed of 250" in too_many["errors"][0]["message"]
    assert fake.quantity(item, shop) == 3
