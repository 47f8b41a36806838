"""The Square adapter against a fake Square over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from possync_gui.domain.errors import InventorySyncError, POSSystemUnavailableError
from possync_gui.pos.base import Page, POSAdapter, POSAdjustment, POSSet
from possync_gui.pos.square import SquareAdapter
from possync_gui.pos.square.records import error_text
from tests.fakes.server import Reply
from tests.fakes.square import FakeSquare, rate_limited, square_error

T = TypeVar("T")
TOKEN = "EAAAl-secret-square-token-123"
NOW = datetime(2026, 1, 20, 12, 0, 0, tzinfo=UTC)
T0 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
BATCH = "/v2/inventory/changes/batch-create"
COUNTS = "/v2/inventory/counts/batch-retrieve"

# http.py builds tenacity's wait_exponential_jitter with ``initial=``, which tenacity 9.2
# deprecates; until http.py passes ``multiplier=`` the warning must not fail these tests.


class Sleeps:
    """Records the back-off waits instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeSquare]:
    server = FakeSquare(TOKEN)
    server.clock = lambda: NOW
    server.add_location("L1", "Main Street")
    server.add_location("L2", "Airport")
    with server:
        yield server


def adapter(fake: FakeSquare, **kwargs: Any) -> SquareAdapter:
    options: dict[str, Any] = {
        "max_attempts": 3,
        "backoff_initial": 0.01,
        "timeout": 5.0,
        "sleep": Sleeps(),
        "clock": lambda: NOW,
    }
    options.update(kwargs)
    credentials = options.pop("credentials", {"access_token": TOKEN})
    return SquareAdapter(fake.url, credentials, **options)


async def collect(pages: AsyncIterator[Page[T]]) -> list[Page[T]]:
    return [page async for page in pages]


def run_with(fake: FakeSquare, call: Any, **kw: Any) -> Any:
    async def go() -> Any:
        square = adapter(fake, **kw)
        try:
            return await call(square)
        finally:
            await square.aclose()

    return asyncio.run(go())


def adj(item: str, delta: int, key: str, location: str = "L1", **kw: Any) -> POSAdjustment:
    return POSAdjustment(item, location, delta, key, kw.pop("at", NOW - timedelta(minutes=5)), **kw)


def single(fake: FakeSquare, variation_id: str, **spec: Any) -> None:
    fake.add_item(f"I-{variation_id}", f"Item {variation_id}", [{"id": variation_id, **spec}])


def sent_changes(fake: FakeSquare) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in fake.requests_to(BATCH)]


# -- reads -------------------------------------------------------------------------------------
def test_is_a_pos_adapter_and_lists_locations(fake: FakeSquare) -> None:
    fake.add_location("L3", "Closed shop", active=False)

    async def go(square: SquareAdapter) -> Any:
        assert isinstance(square, POSAdapter)
        return await square.list_locations()

    locations = run_with(fake, go)
    assert [(loc.id, loc.name, loc.active) for loc in locations] == [
        ("L2", "Airport", True),
        ("L3", "Closed shop", False),
        ("L1", "Main Street", True),
    ]
    request = fake.requests_to("/v2/locations")[0]
    assert request.header("authorization") == f"Bearer {TOKEN}"
    assert request.header("square-version") == "2025-08-20"


def test_catalog_is_read_page_by_page_to_the_last(fake: FakeSquare) -> None:
    # 900 items with 2 variations and 600 with one: 900*3 + 600*2 = 3,900 objects = 4 pages
    # of SearchCatalogObjects (1,000 a page; ListCatalog's fixed 100 would take 39 requests).
    for i in range(900):
        variations: list[dict[str, Any]] = [
            {"id": f"V{i}R", "name": "Red", "sku": f"SKU-{i}-R", "upc": f"0{i:011d}"},
            {"id": f"V{i}B", "name": "Blue", "sku": f"SKU-{i}-B", "track_inventory": False},
        ]
        fake.add_item(f"I{i}", f"Shirt {i}", variations, at=T0)
    for i in range(600):
        fake.add_item(f"J{i}", f"Mug {i}", [{"id": f"W{i}", "name": "Regular", "sku": f"M{i}"}])

    pages = run_with(fake, lambda sq: collect(sq.iter_items()))
    items = {item.external_id: item for page in pages for item in page.items}
    assert sum(len(p.items) for p in pages) == len(items) == 2400  # no duplicates
    assert [p.cursor is None for p in pages] == [False, False, False, True]
    red, blue, mug = items["V7R"], items["V7B"], items["W3"]
    assert (red.name, red.sku, red.barcode, red.parent_id, red.tracked) == (
        "Shirt 7 / Red",
        "SKU-7-R",
        "000000000007",
        "I7",
        True,
    )
    assert (blue.name, blue.barcode, blue.tracked) == ("Shirt 7 / Blue", None, False)
    assert (mug.name, mug.parent_id) == ("Mug 3", "J3")  # one variation: the item's name
    assert red.updated_at == T0
    searched = [json.loads(r.body) for r in fake.requests_to("/v2/catalog/search")]
    assert all(b["object_types"] == ["ITEM", "ITEM_VARIATION"] for b in searched)
    assert all(b["limit"] == 1000 and "begin_time" not in b for b in searched)
    assert not any(b["include_deleted_objects"] for b in searched)
    assert [b.get("cursor") is None for b in searched] == [True, False, False, False]


def test_a_variation_tracked_only_at_one_location_is_tracked(fake: FakeSquare) -> None:
    overrides = [{"location_id": "L2", "track_inventory": True}]
    single(fake, "V1", track_inventory=False, location_overrides=overrides)
    pages = run_with(fake, lambda sq: collect(sq.iter_items()))
    assert [i.tracked for p in pages for i in p.items] == [True]


def test_incremental_catalog_returns_changes_and_deletions_only(fake: FakeSquare) -> None:
    since = T0 + timedelta(days=1)
    for i in range(5):
        variations = [{"id": f"V{i}A", "name": "Small"}, {"id": f"V{i}B", "name": "Large"}]
        fake.add_item(f"I{i}", f"Tea {i}", variations, at=T0)
    fake.update_variation("V1A", sku="NEW-SKU", at=since + timedelta(hours=1))
    fake.delete_variation("V2B", at=since + timedelta(hours=2))
    fake.update_variation("V3A", sku="AT-SINCE", at=since)  # begin_time is exclusive

    pages = run_with(fake, lambda sq: collect(sq.iter_items(since)))
    items = {i.external_id: i for p in pages for i in p.items}
    assert set(items) == {"V1A", "V2B"}
    # the item came only as a related object, yet names the variation
    assert (items["V1A"].name, items["V1A"].sku, items["V1A"].tracked) == (
        "Tea 1 / Small",
        "NEW-SKU",
        True,
    )
    assert items["V2B"].tracked is False  # deleted: no longer tracked
    search = json.loads(fake.requests_to("/v2/catalog/search")[0].body)
    assert search["begin_time"] == "2026-01-11T08:00:00.000Z"
    assert search["include_deleted_objects"] is True
    assert not fake.requests_to("/v2/catalog/list")


def test_counts_are_read_page_by_page_in_stock_only(fake: FakeSquare) -> None:
    for i in range(1250):
        fake.set_count(f"V{i}", "L1" if i % 2 else "L2", i, at=T0 + timedelta(seconds=i))
    fake.set_count("V1", "L1", 7, state="RESERVED_FOR_SALE")
    fake.set_count("V2", "L2", 3, state="WASTE")
    fake.set_count("V-half", "L1", "2.5")

    pages = run_with(fake, lambda sq: collect(sq.iter_counts()))
    counts = {(c.external_item_id, c.location_id): c.quantity for p in pages for c in p.items}
    assert len(counts) == 1250
    assert counts[("V1", "L1")] == 1 and counts[("V2", "L2")] == 2
    assert [p.cursor is None for p in pages] == [False, True]
    skipped = [reason for p in pages for reason in p.skipped]
    assert len(skipped) == 1 and "V-half" in skipped[0] and "'2.5'" in skipped[0]
    bodies = [json.loads(r.body) for r in fake.requests_to(COUNTS)]
    assert {json.dumps(b["states"]) for b in bodies} == {'["IN_STOCK"]'}
    assert {b["limit"] for b in bodies} == {1000}
    assert "cursor" not in bodies[0] and bodies[1]["cursor"]


def test_counts_ignore_states_other_than_in_stock_even_if_sent(fake: FakeSquare) -> None:
    # A server that ignores the states filter must still not leak other states into counts.
    fake.set_count("V1", "L1", 5)
    fake.inject(
        Reply(
            200,
            {
                "counts": [
                    {"catalog_object_id": "V1", "location_id": "L1", "state": "IN_STOCK",
                     "quantity": "5", "calculated_at": "2026-01-10T08:00:00.000Z"},
                    {"catalog_object_id": "V1", "location_id": "L1", "state": "WASTE",
                     "quantity": "9", "calculated_at": "2026-01-10T08:00:00.000Z"},
                    {"catalog_object_id": "V1", "location_id": "L2",
                     "state": "RESERVED_FOR_SALE", "quantity": "2",
                     "calculated_at": "2026-01-10T08:00:00.000Z"},
                ]
            },
        ),
        COUNTS,
    )  # fmt: skip
    pages = run_with(fake, lambda sq: collect(sq.iter_counts()))
    assert [(c.location_id, c.quantity) for p in pages for c in p.items] == [("L1", 5)]
    assert pages[0].items[0].updated_at == T0


def test_incremental_counts_are_strictly_after_since(fake: FakeSquare) -> None:
    since = T0 + timedelta(hours=1)
    fake.set_count("V-old", "L1", 1, at=T0)
    fake.set_count("V-at", "L1", 2, at=since)
    fake.set_count("V-new", "L1", 3, at=since + timedelta(milliseconds=1))
    pages = run_with(fake, lambda sq: collect(sq.iter_counts(since)))
    assert [c.external_item_id for p in pages for c in p.items] == ["V-new"]
    body = json.loads(fake.requests_to(COUNTS)[0].body)
    assert body["updated_after"] == "2026-01-10T09:00:00.000Z"


def test_sales_are_summed_per_day_minus_returns(fake: FakeSquare) -> None:
    for i in range(3, 13):  # 12 locations: SearchOrders takes at most 10 per request
        fake.add_location(f"L{i}", f"Shop {i:02d}")
    day1 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    day2 = day1 + timedelta(days=1)
    fake.add_order("L1", day1, [("V1", "2"), ("V2", "1"), (None, "1")])
    fake.add_order("L1", day1 + timedelta(hours=14, minutes=59), [("V1", "3")])  # 23:59 UTC
    fake.add_order("L1", day2, [("V1", "1")], returns=[("V1", "2")])
    fake.add_order("L2", day2, returns=[("V2", "1")])
    fake.add_order("L12", day1, [("V9", "4")])
    fake.add_order("L1", day1, [("V1", "50")], state="OPEN")
    since, until = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 1, 17, tzinfo=UTC)
    fake.add_order("L1", until, [("V1", "100")])  # at ``until``: outside [since, until)

    pages = run_with(fake, lambda sq: collect(sq.iter_sales(since, until)))
    sales = {(s.external_item_id, s.location_id, s.day): s.quantity for p in pages for s in p.items}
    d1, d2 = date(2026, 1, 15), date(2026, 1, 16)
    assert sales == {
        ("V1", "L1", d1): 5,
        ("V2", "L1", d1): 1,
        ("V9", "L12", d1): 4,
        ("V1", "L1", d2): -1,
        ("V2", "L2", d2): -1,
    }
    assert [p.cursor for p in pages] == ["2026-01-16", None]
    bodies = [json.loads(r.body) for r in fake.requests_to("/v2/orders/search")]
    assert [len(b["location_ids"]) for b in bodies] == [10, 2]
    assert bodies[0]["query"]["sort"] == {"sort_field": "CLOSED_AT", "sort_order": "ASC"}
    assert bodies[0]["query"]["filter"]["state_filter"] == {"states": ["COMPLETED"]}


def test_sales_follow_the_orders_cursor(fake: FakeSquare) -> None:
    day = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    for i in range(1200):
        fake.add_order("L1", day + timedelta(seconds=i), [("V1", "1")])
    pages = run_with(fake, lambda sq: collect(sq.iter_sales(day, day + timedelta(days=1))))
    assert [s.quantity for p in pages for s in p.items] == [1200]
    bodies = [json.loads(r.body) for r in fake.requests_to("/v2/orders/search")]
    assert len(bodies) == 3 and "cursor" not in bodies[0]
    assert bodies[2]["query"] == bodies[0]["query"]  # the query is resent with the cursor


# -- transport and errors ----------------------------------------------------------------------
def test_429_waits_for_retry_after(fake: FakeSquare) -> None:
    fake.inject(rate_limited(retry_after="3"), "/v2/locations")
    sleeps = Sleeps()
    locations = run_with(fake, lambda sq: sq.list_locations(), sleep=sleeps)
    assert len(locations) == 2
    assert sleeps.waits == [3.0]


def test_429_without_retry_after_backs_off(fake: FakeSquare) -> None:
    fake.inject(rate_limited(), "/v2/locations", times=2)
    sleeps = Sleeps()
    locations = run_with(fake, lambda sq: sq.list_locations(), sleep=sleeps)
    assert len(locations) == 2
    assert len(sleeps.waits) == 2 and all(w > 0 for w in sleeps.waits)
    assert len(fake.requests_to("/v2/locations")) == 3


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(square_error(500, "INTERNAL_SERVER_ERROR", "Oops", category="API_ERROR"),
                     id="500"),
        pytest.param(Reply(200, {}, delay=0.6), id="timeout"),
        pytest.param(Reply(200, drop=True), id="dropped"),
    ],
)  # fmt: skip
def test_transient_failures_are_retried(fake: FakeSquare, fault: Reply) -> None:
    fake.inject(fault, "/v2/locations")
    locations = run_with(fake, lambda sq: sq.list_locations(), timeout=0.2)
    assert len(locations) == 2
    assert len(fake.requests_to("/v2/locations")) == 2


def test_persistent_timeouts_make_the_pos_unavailable(fake: FakeSquare) -> None:
    fake.inject(Reply(200, {}, delay=0.6), "/v2/locations", times=2)
    with pytest.raises(POSSystemUnavailableError) as caught:
        run_with(fake, lambda sq: sq.list_locations(), timeout=0.2, max_attempts=2)
    assert caught.value.retryable is True


def test_malformed_json_is_an_inventory_sync_error(fake: FakeSquare) -> None:
    fake.inject(Reply(200, raw=b"<html>Bad gateway</html>"), COUNTS)
    with pytest.raises(InventorySyncError) as caught:
        run_with(fake, lambda sq: collect(sq.iter_counts()))
    assert "not JSON" in str(caught.value)


def test_401_carries_square_text_and_no_token(fake: FakeSquare) -> None:
    wrong = "EAAAl-wrong-token-456"
    with pytest.raises(InventorySyncError) as caught:
        run_with(fake, lambda sq: sq.ping(), credentials={"access_token": wrong})
    message = str(caught.value)
    assert caught.value.retryable is False
    assert "UNAUTHORIZED: This request could not be authorized." in message
    assert wrong not in message and TOKEN not in message
    assert len(fake.requests_to("/v2/locations")) == 1  # not retried


def test_error_text_joins_square_errors() -> None:
    body = {
        "errors": [
            {"category": "INVALID_REQUEST_ERROR", "code": "VALUE_TOO_HIGH",
             "detail": "`limit` must be <= 1000", "field": "limit"},
            {"category": "INVALID_REQUEST_ERROR", "code": "INVALID_CURSOR"},
        ]
    }  # fmt: skip
    response = httpx.Response(400, json=body)
    assert error_text(response) == "VALUE_TOO_HIGH: `limit` must be <= 1000; INVALID_CURSOR"
    assert error_text(httpx.Response(502, text="upstream down")) == "upstream down"


# -- writes ------------------------------------------------------------------------------------
def test_adjustments_over_100_are_split_and_land(fake: FakeSquare) -> None:
    for i in range(250):
        single(fake, f"V{i}")
        fake.set_count(f"V{i}", "L1", 10)
    changes = [
        adj(f"V{i}", 1 if i % 2 else -2, f"k{i:03d}", reference=f"PO-{i}") for i in range(250)
    ]
    outcomes = run_with(fake, lambda sq: sq.push_adjustments(changes))

    assert [o.external_item_id for o in outcomes] == [f"V{i}" for i in range(250)]
    assert all(o.ok for o in outcomes)
    assert [o.quantity for o in outcomes[:2]] == [8, 11]  # read from the answer's counts
    assert (fake.quantity("V0", "L1"), fake.quantity("V1", "L1")) == ("8", "11")
    assert fake.quantity("V0", "L1", "WASTE") == "2"
    bodies = sent_changes(fake)
    assert [len(b["changes"]) for b in bodies] == [100, 100, 50]
    assert len({b["idempotency_key"] for b in bodies}) == 3
    by_item = {c["adjustment"]["catalog_object_id"]: c for b in bodies for c in b["changes"]}
    add, remove = by_item["V1"]["adjustment"], by_item["V0"]["adjustment"]
    assert (add["from_state"], add["to_state"], add["quantity"]) == ("NONE", "IN_STOCK", "1")
    assert (remove["from_state"], remove["to_state"], remove["quantity"]) == (
        "IN_STOCK",
        "WASTE",
        "2",
    )
    assert add["reference_id"] == "PO-1" and by_item["V1"]["type"] == "ADJUSTMENT"
    assert add["occurred_at"] == "2026-01-20T11:55:00.000Z"


def test_a_replayed_push_is_applied_once(fake: FakeSquare) -> None:
    single(fake, "V1")
    fake.set_count("V1", "L1", 10)
    changes = [adj("V1", 4, "move-1")]

    async def twice(square: SquareAdapter) -> Any:
        return await square.push_adjustments(changes), await square.push_adjustments(changes)

    first, second = run_with(fake, twice)
    # a second adapter (another process, after a restart) derives the same request key
    third = run_with(fake, lambda sq: sq.push_adjustments(changes))
    assert first == second == third
    assert first[0].ok and first[0].quantity == 14
    assert fake.quantity("V1", "L1") == "14"
    assert len(fake.applied) == 1
    keys = {b["idempotency_key"] for b in sent_changes(fake)}
    assert len(keys) == 1


def test_a_retried_request_keeps_its_key_and_body(fake: FakeSquare) -> None:
    single(fake, "V1")
    fake.set_count("V1", "L1", 10)
    fake.inject(square_error(503, "SERVICE_UNAVAILABLE", "Down", category="API_ERROR"), BATCH)
    outcomes = run_with(fake, lambda sq: sq.push_adjustments([adj("V1", -3, "k1")]))
    assert outcomes[0].ok and fake.quantity("V1", "L1") == "7"
    first, second = fake.requests_to(BATCH)
    assert first.body == second.body


def test_an_old_occurred_at_is_clamped_and_stays_stable(fake: FakeSquare) -> None:
    single(fake, "V1")
    single(fake, "V2")
    stale = [
        adj("V1", 2, "old", at=NOW - timedelta(days=3)),
        adj("V2", 1, "f", at=NOW + timedelta(hours=1)),
    ]
    now = [NOW]

    async def twice(square: SquareAdapter) -> Any:
        first = await square.push_adjustments(stale)
        now[0] = NOW + timedelta(minutes=30)  # a re-push later, e.g. after a failed sync
        fake.clock = lambda: now[0]
        return first, await square.push_adjustments(stale)

    first, second = run_with(fake, twice, clock=lambda: now[0])
    assert first[0].ok and first[1].ok and second == first
    times = [c["adjustment"]["occurred_at"] for b in sent_changes(fake) for c in b["changes"]]
    assert times == ["2026-01-20T12:00:00.000Z"] * 4  # clamped once, re-sent unchanged
    assert fake.quantity("V1", "L1") == "2"


def test_a_reused_idempotency_key_surfaces_as_an_error(fake: FakeSquare) -> None:
    single(fake, "V1")
    fake.set_count("V1", "L1", 10)
    run_with(fake, lambda sq: sq.push_adjustments([adj("V1", 5, "same-key")]))
    outcomes = run_with(fake, lambda sq: sq.push_adjustments([adj("V1", 7, "same-key")]))
    assert not outcomes[0].ok
    assert outcomes[0].error is not None and "IDEMPOTENCY_KEY_REUSED" in outcomes[0].error
    assert fake.quantity("V1", "L1") == "15"
    assert len(fake.requests_to(BATCH)) == 2  # never re-sent under other keys


def test_one_bad_change_fails_alone(fake: FakeSquare) -> None:
    for i in range(150):
        single(fake, f"V{i}")
    changes = [adj(f"V{i}", 1, f"k{i:03d}") for i in range(150)]
    changes[42] = adj("V-gone", 1, "k042")
    outcomes = run_with(fake, lambda sq: sq.push_adjustments(changes))
    failed = [o for o in outcomes if not o.ok]
    assert [o.external_item_id for o in failed] == ["V-gone"]
    assert failed[0].error is not None and "NOT_FOUND" in failed[0].error
    assert len(fake.applied) == 149
    assert fake.quantity("V43", "L1") == "1"


def test_set_quantities_check_the_current_count_first(fake: FakeSquare) -> None:
    for name in ("A", "B", "C"):
        single(fake, name)
        fake.set_count(name, "L1", 10)
    fake.set_count("C", "L1", 12)  # a sale or a receipt moved C meanwhile
    single(fake, "D")  # never counted: Square's zero
    sets = [
        POSSet("A", "L1", 15, 10, "set-a", NOW),
        POSSet("B", "L1", 10, 8, "set-b", NOW),  # already at the target
        POSSet("C", "L1", 20, 10, "set-c", NOW),
        POSSet("D", "L1", 4, 0, "set-d", NOW),
    ]
    outcomes = run_with(fake, lambda sq: sq.set_quantities(sets))
    assert [(o.ok, o.stale, o.quantity) for o in outcomes] == [
        (True, False, 15),
        (True, False, 10),
        (False, True, 12),
        (True, False, 4),
    ]
    assert (fake.quantity("A", "L1"), fake.quantity("C", "L1")) == ("15", "12")
    (body,) = sent_changes(fake)
    assert body["ignore_unchanged_counts"] is False
    assert [(c["type"], c["physical_count"]["catalog_object_id"]) for c in body["changes"]] == [
        ("PHYSICAL_COUNT", "A"),
        ("PHYSICAL_COUNT", "D"),
    ]
    assert body["changes"][0]["physical_count"]["state"] == "IN_STOCK"


def test_a_stale_set_writes_nothing(fake: FakeSquare) -> None:
    single(fake, "A")
    fake.set_count("A", "L1", 9)
    outcomes = run_with(fake, lambda sq: sq.set_quantities([POSSet("A", "L1", 20, 10, "s", NOW)]))
    assert outcomes[0].stale and not outcomes[0].ok and outcomes[0].quantity == 9
    assert not fake.requests_to(BATCH)
    assert fake.quantity("A", "L1") == "9"


def test_a_set_back_to_the_last_physical_count_still_lands(fake: FakeSquare) -> None:
    # Square's default ignore_unchanged_counts would drop a count equal to the last one.
    single(fake, "A")

    async def go(square: SquareAdapter) -> Any:
        await square.set_quantities([POSSet("A", "L1", 10, 0, "s1", NOW)])
        await square.push_adjustments([adj("A", -1, "sale")])
        return await square.set_quantities([POSSet("A", "L1", 10, 9, "s2", NOW)])

    outcomes = run_with(fake, go)
    assert outcomes[0].ok and outcomes[0].quantity == 10
    assert fake.quantity("A", "L1") == "10"


# -- the fake itself (what the adapter tests rely on) ------------------------------------------
def _post(fake: FakeSquare, path: str, body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", "Square-Version": "2025-08-20"}
    return httpx.post(fake.url + path, json=body, headers=headers)


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["code"])


def test_fake_counts_limits_sorting_and_last_page(fake: FakeSquare) -> None:
    assert _code(_post(fake, COUNTS, {"limit": 0})) == "VALUE_TOO_LOW"
    assert _code(_post(fake, COUNTS, {"limit": 1001})) == "VALUE_TOO_HIGH"
    fake.set_count("V1", "L1", 1, at=T0)
    fake.set_count("V2", "L1", 2, at=T0 + timedelta(hours=1))
    answer = _post(fake, COUNTS, {"limit": 2}).json()
    assert [c["catalog_object_id"] for c in answer["counts"]] == ["V2", "V1"]
    assert "cursor" not in answer and answer["counts"][0]["quantity"] == "2"
    first = _post(fake, COUNTS, {"limit": 1}).json()
    other = _post(fake, COUNTS, {"limit": 1, "cursor": first["cursor"], "states": ["WASTE"]})
    assert _code(other) == "INVALID_CURSOR"


def test_fake_batch_change_rules(fake: FakeSquare) -> None:
    single(fake, "V1")

    def change(at: datetime) -> dict[str, Any]:
        adjustment = {
            "catalog_object_id": "V1",
            "location_id": "L1",
            "from_state": "NONE",
            "to_state": "IN_STOCK",
            "quantity": "1",
            "occurred_at": at.isoformat(),
        }
        return {"type": "ADJUSTMENT", "adjustment": adjustment}  # fmt: skip

    assert _code(_post(fake, BATCH, {"changes": [change(NOW)]})) == "MISSING_REQUIRED_PARAMETER"
    too_many = {"idempotency_key": "k", "changes": [change(NOW)] * 101}
    assert _code(_post(fake, BATCH, too_many)) == "ARRAY_LENGTH_TOO_LONG"
    old = {"idempotency_key": "k", "changes": [change(NOW - timedelta(hours=25))]}
    assert _code(_post(fake, BATCH, old)) == "INVALID_TIME"
    future = {"idempotency_key": "k", "changes": [change(NOW + timedelta(seconds=5))]}
    assert _code(_post(fake, BATCH, future)) == "INVALID_TIME"
    good = {"idempotency_key": "k", "changes": [change(NOW)]}
    assert _post(fake, BATCH, good).json() == _post(fake, BATCH, good).json()
    assert fake.quantity("V1", "L1") == "1"
    unauthorized = httpx.post(fake.url + BATCH, json=good)
    assert unauthorized.status_code == 401 and _code(unauthorized) == "UNAUTHORIZED"


def test_fake_orders_rules(fake: FakeSquare) -> None:
    query = {
        "filter": {"date_time_filter": {"closed_at": {"start_at": T0.isoformat()}}},
        "sort": {"sort_field": "CREATED_AT"},
    }
    mismatch = _post(fake, "/v2/orders/search", {"location_ids": ["L1"], "query": query})
    assert mismatch.status_code == 400 and _code(mismatch) == "INVALID_VALUE"
    many = _post(fake, "/v2/orders/search", {"location_ids": [f"L{i}" for i in range(11)]})
    assert _code(many) == "ARRAY_LENGTH_TOO_LONG"


def test_fake_catalog_pages_hold_exactly_100(fake: FakeSquare) -> None:
    for i in range(70):
        fake.add_item(f"I{i}", "Thing", [{"id": f"V{i}a"}, {"id": f"V{i}b"}])
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = fake.url + "/v2/catalog/list"
    first = httpx.get(url, params={"types": "ITEM,ITEM_VARIATION"}, headers=headers).json()
    params = {"types": "ITEM,ITEM_VARIATION", "cursor": first["cursor"]}
    second = httpx.get(url, params=params, headers=headers).json()
    assert [len(first["objects"]), len(second["objects"])] == [100, 100]
    assert "cursor" in second
