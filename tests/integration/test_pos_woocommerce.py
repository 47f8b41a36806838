"""The WooCommerce adapter against a fake WooCommerce over loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import pytest

from possync_gui.domain.errors import InventorySyncError, POSSystemUnavailableError
from possync_gui.pos.base import Page, POSAdapter, POSAdjustment, POSSet
from possync_gui.pos.woocommerce import WooCommerceAdapter
from possync_gui.pos.woocommerce.writes import LAST_KEY
from tests.fakes.server import Reply
from tests.fakes.woocommerce import FakeWooCommerce

T = TypeVar("T")
KEY, SECRET = "ck_test_1234", "cs_test_5678"
T0 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 20, 12, 0, 0, tzinfo=UTC)

# http.py builds tenacity's wait_exponential_jitter with ``initial=``, which tenacity 9.2
# deprecates; until http.py passes ``multiplier=`` the warning must not fail these tests.


class Sleeps:
    """Records the back-off waits instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeWooCommerce]:
    server = FakeWooCommerce(KEY, SECRET)
    server.clock = lambda: NOW
    with server:
        yield server


def adapter(fake: FakeWooCommerce, **kwargs: Any) -> WooCommerceAdapter:
    options: dict[str, Any] = {
        "max_attempts": 3,
        "backoff_initial": 0.01,
        "timeout": 5.0,
        "sleep": Sleeps(),
    }
    options.update(kwargs)
    credentials = options.pop("credentials", {"consumer_key": KEY, "consumer_secret": SECRET})
    return WooCommerceAdapter(fake.url, credentials, **options)


async def collect(pages: AsyncIterator[Page[T]]) -> list[Page[T]]:
    return [page async for page in pages]


def read_counts(fake: FakeWooCommerce, since: datetime | None = None, **kw: Any) -> Any:
    async def go() -> list[Page[Any]]:
        woo = adapter(fake, **kw)
        try:
            return await collect(woo.iter_counts(since))
        finally:
            await woo.aclose()

    return asyncio.run(go())


def run_with(fake: FakeWooCommerce, call: Any, **kw: Any) -> Any:
    async def go() -> Any:
        woo = adapter(fake, **kw)
        try:
            return await call(woo)
        finally:
            await woo.aclose()

    return asyncio.run(go())


def adj(item: int | str, delta: int, key: str) -> POSAdjustment:
    return POSAdjustment(str(item), "woocommerce", delta, key, NOW)


# -- reads ----------------------------------------------------------------------------------------
def test_is_a_pos_adapter_with_one_virtual_location(fake: FakeWooCommerce) -> None:
    woo = adapter(fake)
    assert isinstance(woo, POSAdapter)
    locations = asyncio.run(woo.list_locations())
    asyncio.run(woo.aclose())
    assert [(loc.id, loc.name) for loc in locations] == [("woocommerce", "Online store")]


def test_reads_every_page_to_the_last(fake: FakeWooCommerce) -> None:
    ids = [fake.add_product(f"P{i}", sku=f"SKU-{i}", stock=i, modified=T0) for i in range(250)]
    pages = read_counts(fake)
    counts = {c.external_item_id: c.quantity for p in pages for c in p.items}
    assert counts == {str(pid): i for i, pid in enumerate(ids)}
    assert [p.cursor is None for p in pages] == [False, False, True]
    listed = fake.requests_to(r"/products$")
    assert [r.arg("page") for r in listed] == ["1", "2", "3"]
    assert {r.arg("per_page") for r in listed} == {"100"}
    assert pages[0].items[0].updated_at == T0


def test_items_carry_sku_barcode_and_variation_parents(fake: FakeWooCommerce) -> None:
    mug = fake.add_product("Mug", sku="MUG-01", barcode="0123456789012", stock=17)
    shirt = fake.add_product("T-Shirt", sku="TSHIRT", type="variable", manage_stock=False)
    red_m = fake.add_variation(shirt, sku="TSHIRT-RED-M", options=("Red", "M"), stock=12)

    async def go(woo: WooCommerceAdapter) -> Any:
        return await collect(woo.iter_items())

    items = {i.external_id: i for p in run_with(fake, go) for i in p.items}
    assert set(items) == {str(mug), str(red_m)}  # a variable parent without stock is no item
    assert (items[str(mug)].sku, items[str(mug)].barcode) == ("MUG-01", "0123456789012")
    variation = items[str(red_m)]
    assert (variation.parent_id, variation.name, variation.tracked) == (
        str(shirt),
        "T-Shirt - Red, M",
        True,
    )


def test_parent_managed_variation_is_counted_once_under_the_parent(
    fake: FakeWooCommerce,
) -> None:
    shirt = fake.add_product("T-Shirt", type="variable", manage_stock=True, stock=30)
    own = fake.add_variation(shirt, sku="RED-M", stock=12)
    shared = fake.add_variation(shirt, sku="RED-L", manage_stock="parent")
    loose = fake.add_product("Sticker", manage_stock=False)

    counts = {c.external_item_id: c.quantity for p in read_counts(fake) for c in p.items}
    assert counts == {str(shirt): 30, str(own): 12}

    async def go(woo: WooCommerceAdapter) -> Any:
        return await collect(woo.iter_items())

    items = {i.external_id: i for p in run_with(fake, go) for i in p.items}
    assert items[str(shared)].tracked is False and items[str(shared)].parent_id == str(shirt)
    assert items[str(shirt)].tracked is True
    assert items[str(loose)].tracked is False


def test_incremental_read_returns_only_changed_records(fake: FakeWooCommerce) -> None:
    since = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    old = fake.add_product("Old", stock=1, modified=T0)
    changed = fake.add_product("Changed", stock=2, modified=since + timedelta(hours=1))
    shirt = fake.add_product("Shirt", type="variable", manage_stock=False, modified=T0)
    fake.add_variation(shirt, stock=3, modified=T0)
    moved = fake.add_variation(shirt, stock=4, modified=since + timedelta(minutes=30))

    counts = {c.external_item_id: c.quantity for p in read_counts(fake, since) for c in p.items}
    assert counts == {str(changed): 2, str(moved): 4}
    assert str(old) not in counts
    first = fake.requests_to(r"/products$")[0]
    # UTC without a suffix (an offset would be read as site-local time): pitfall 10.
    assert first.arg("modified_after") == "2026-01-15T09:59:59"
    assert first.arg("dates_are_gmt") == "true"


def test_non_integral_stock_is_skipped_with_a_reason(fake: FakeWooCommerce) -> None:
    fake.add_product("Flour by kg", stock=2.5)
    fine = fake.add_product("Bag", stock=3)
    [page] = read_counts(fake)
    assert [c.external_item_id for c in page.items] == [str(fine)]
    assert len(page.skipped) == 1 and "2.5" in page.skipped[0]


def test_sales_per_item_and_utc_day(fake: FakeWooCommerce) -> None:
    mug = fake.add_product("Mug")
    shirt = fake.add_product("Shirt", type="variable", manage_stock=False)
    red = fake.add_variation(shirt)
    day1 = datetime(2026, 1, 12, 23, 30, tzinfo=UTC)
    fake.add_order(1, day1, [(mug, 0, 2), (shirt, red, 1)])
    fake.add_order(2, day1 + timedelta(hours=1), [(mug, 0, 3)], status="processing")
    fake.add_order(3, day1, [(mug, 0, 50)], status="cancelled")
    fake.add_order(4, day1 - timedelta(days=5), [(mug, 0, 70)])

    async def go(woo: WooCommerceAdapter) -> Any:
        return await collect(woo.iter_sales(datetime(2026, 1, 11, tzinfo=UTC), NOW))

    [page] = run_with(fake, go)
    sales = {(s.external_item_id, s.day): s.quantity for s in page.items}
    assert sales == {
        (str(mug), date(2026, 1, 12)): 2,
        (str(red), date(2026, 1, 12)): 1,
        (str(mug), date(2026, 1, 13)): 3,
    }
    sent = fake.requests_to(r"/orders$")[0]
    assert sent.arg("status") == "processing,completed,on-hold"
    assert sent.arg("dates_are_gmt") == "true"


# -- transport faults -----------------------------------------------------------------------------
def test_429_waits_for_retry_after(fake: FakeWooCommerce) -> None:
    fake.add_product("Mug", stock=5)
    fake.inject(Reply(429, {"code": "too_many", "message": "Slow down"}, {"Retry-After": "7"}))
    sleeps = Sleeps()
    [page] = read_counts(fake, sleep=sleeps)
    assert [c.quantity for c in page.items] == [5]
    assert sleeps.waits == [7.0]


@pytest.mark.parametrize(
    "fault",
    [
        Reply(429, {"code": "too_many", "message": "Slow down"}, {"Retry-After": "0"}),
        Reply(429, {"code": "too_many", "message": "Slow down"}),
        Reply(500, {"code": "internal_server_error", "message": "Oops"}),
        Reply(503, raw=b"<html>Service Unavailable</html>"),
        Reply(200, {}, delay=0.5),
    ],
    ids=["429-retry-after", "429-no-retry-after", "500", "503-html", "timeout"],
)
def test_transient_failures_are_retried(fake: FakeWooCommerce, fault: Reply) -> None:
    fake.add_product("Mug", stock=5)
    fake.inject(fault, r"/products$")
    [page] = read_counts(fake, timeout=0.2)
    assert [c.quantity for c in page.items] == [5]
    assert len(fake.requests_to(r"/products$")) == 2


def test_persistent_timeouts_make_the_pos_unavailable(fake: FakeWooCommerce) -> None:
    fake.inject(Reply(200, [], delay=0.5), r"/products$", times=2)
    with pytest.raises(POSSystemUnavailableError) as caught:
        read_counts(fake, timeout=0.2, max_attempts=2)
    assert caught.value.retryable is True


def test_malformed_json_is_an_inventory_sync_error(fake: FakeWooCommerce) -> None:
    fake.inject(Reply(200, raw=b"[{not json"), r"/products$")
    with pytest.raises(InventorySyncError, match="not JSON"):
        read_counts(fake)


@pytest.mark.parametrize(
    ("credentials", "text"),
    [
        ({"consumer_key": "ck_wrong_9999", "consumer_secret": "cs_wrong_0000"},
         "woocommerce_rest_cannot_view: Sorry, you cannot list resources."),
        ({"consumer_key": KEY, "consumer_secret": "cs_wrong_0000"},
         "woocommerce_rest_authentication_error: Consumer secret is invalid."),
    ],
    ids=["unknown-key", "wrong-secret"],
)  # fmt: skip
def test_401_carries_the_pos_text_and_no_secret(
    fake: FakeWooCommerce, credentials: dict[str, str], text: str
) -> None:
    with pytest.raises(InventorySyncError) as caught:
        read_counts(fake, credentials=credentials)
    message = str(caught.value)
    assert text in message and "401" in message
    assert caught.value.retryable is False
    for secret in credentials.values():
        assert secret not in message
    assert len(fake.requests) == 1  # an auth failure is not retried


def test_query_string_auth_for_hosts_that_strip_authorization(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeWooCommerce(KEY, SECRET, strip_authorization=True)
    with fake:
        fake.add_product("Mug", stock=4)
        with pytest.raises(InventorySyncError, match="woocommerce_rest_cannot_view"):
            read_counts(fake)
        with caplog.at_level(logging.DEBUG, logger="possync.pos"):
            [page] = read_counts(fake, query_string_auth=True, debug=lambda: True)
        assert [c.quantity for c in page.items] == [4]
        last = fake.requests[-1]
        assert (last.arg("consumer_key"), last.arg("consumer_secret")) == (KEY, SECRET)
    assert caplog.records, "debug mode should log the exchange"
    assert KEY not in caplog.text and SECRET not in caplog.text


# -- writes ---------------------------------------------------------------------------------------
def test_adjustments_over_100_items_are_split(fake: FakeWooCommerce) -> None:
    ids = [fake.add_product(f"P{i}", stock=10) for i in range(250)]
    changes = [adj(pid, i % 7 - 3, f"sync-1:{pid}") for i, pid in enumerate(ids)]
    outcomes = run_with(fake, lambda woo: woo.push_adjustments(changes))
    assert all(o.ok for o in outcomes)
    assert [o.quantity for o in outcomes] == [10 + i % 7 - 3 for i in range(250)]
    assert [fake.quantity(pid) for pid in ids] == [10 + i % 7 - 3 for i in range(250)]
    batches = fake.requests_to(r"/products/batch$")
    assert [len(b.json()["update"]) for b in batches] == [100, 100, 50]


def test_a_replayed_adjustment_is_applied_once(fake: FakeWooCommerce) -> None:
    mug = fake.add_product("Mug", stock=10)
    push = [adj(mug, -2, "k-1"), adj(mug, 5, "k-2")]
    first = run_with(fake, lambda woo: woo.push_adjustments(push))
    assert [o.ok for o in first] == [True, True] and fake.quantity(mug) == 13
    # A different process (a new adapter, no memory) replays the same push.
    again = run_with(fake, lambda woo: woo.push_adjustments(push))
    assert [(o.ok, o.quantity) for o in again] == [(True, 13), (True, 13)]
    assert fake.quantity(mug) == 13
    assert fake.meta(mug, LAST_KEY) == "k-2"
    assert len(fake.requests_to(r"/products/batch$")) == 1


def test_a_per_item_batch_error_fails_only_that_item(fake: FakeWooCommerce) -> None:
    good, bad = fake.add_product("Good", stock=5), fake.add_product("Bad", stock=5)
    fake.fail_item(bad, "woocommerce_rest_invalid_stock", "Stock cannot be written.")
    push = [adj(good, 1, "a"), adj(bad, 1, "b"), adj(999999, 1, "c")]
    outcomes = run_with(fake, lambda woo: woo.push_adjustments(push))
    assert (outcomes[0].ok, outcomes[0].quantity) == (True, 6)
    assert outcomes[1].ok is False
    assert outcomes[1].error == "woocommerce_rest_invalid_stock: Stock cannot be written."
    assert outcomes[2].ok is False
    assert outcomes[2].error == "woocommerce_rest_product_invalid_id: Invalid ID."
    assert (fake.quantity(good), fake.quantity(bad)) == (6, 5)


def test_variation_pushes_go_to_the_variation_batch(fake: FakeWooCommerce) -> None:
    shirt = fake.add_product("Shirt", type="variable", manage_stock=True, stock=30)
    own = fake.add_variation(shirt, stock=12)
    shared = fake.add_variation(shirt, manage_stock="parent")
    push = [adj(own, -2, "v1"), adj(shared, -5, "v2")]
    outcomes = run_with(fake, lambda woo: woo.push_adjustments(push))
    assert [(o.ok, o.quantity) for o in outcomes] == [(True, 10), (True, 25)]
    # The parent-managed variation's change lands on the parent's pool.
    assert (fake.quantity(own), fake.quantity(shirt), fake.quantity(shared)) == (10, 25, 25)
    assert len(fake.requests_to(rf"/products/{shirt}/variations/batch$")) == 1
    assert fake.meta(shirt, LAST_KEY) == "v2"


def test_unmanaged_or_foreign_location_pushes_fail(fake: FakeWooCommerce) -> None:
    loose = fake.add_product("Sticker", manage_stock=False)
    mug = fake.add_product("Mug", stock=1)
    push = [adj(loose, 1, "x"), POSAdjustment(str(mug), "warehouse-2", 1, "y", NOW)]
    outcomes = run_with(fake, lambda woo: woo.push_adjustments(push))
    assert [o.ok for o in outcomes] == [False, False]
    assert "does not manage stock" in str(outcomes[0].error)
    assert "one location" in str(outcomes[1].error)
    assert fake.quantity(mug) == 1


def test_set_quantities_compare_and_set(fake: FakeWooCommerce) -> None:
    mug, cup = fake.add_product("Mug", stock=10), fake.add_product("Cup", stock=7)
    sets = [
        POSSet(str(mug), "woocommerce", 4, expected=10, idempotency_key="s1", occurred_at=NOW),
        POSSet(str(cup), "woocommerce", 4, expected=9, idempotency_key="s2", occurred_at=NOW),
    ]
    outcomes = run_with(fake, lambda woo: woo.set_quantities(sets))
    assert (outcomes[0].ok, outcomes[0].quantity) == (True, 4)
    assert (outcomes[1].ok, outcomes[1].stale, outcomes[1].quantity) == (False, True, 7)
    assert (fake.quantity(mug), fake.quantity(cup)) == (4, 7)
    # Replayed after someone sold one: the applied set is not re-applied.
    fake.set_stock(mug, 3)
    again = run_with(fake, lambda woo: woo.set_quantities(sets[:1]))
    assert (again[0].ok, fake.quantity(mug)) == (True, 3)
