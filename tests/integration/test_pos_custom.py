"""The custom sources: a mapped JSON REST source against a fake server, and a CSV file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from possync_gui.domain.errors import (
    InventorySyncError,
    POSSystemUnavailableError,
    ValidationError,
)
from possync_gui.pos.base import Page, POSAdapter, POSAdjustment, POSSet
from possync_gui.pos.custom import CsvFileAdapter, CustomAdapter
from tests.fakes.custom import FakeCustomSource
from tests.fakes.server import Reply

T = TypeVar("T")
API_KEY = "sk-custom-1234"
T0 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)

# http.py builds tenacity's wait_exponential_jitter with ``initial=``, which tenacity 9.2
# deprecates; until http.py passes ``multiplier=`` the warning must not fail these tests.

#: Nested records: the stock list of a made-up back office.
NESTED_FIELDS = {
    "id": "product.id",
    "sku": "product.sku",
    "barcode": "product.codes.0.ean",
    "name": "product.title",
    "quantity": "stock.available",
    "location": "store.code",
    "updatedAt": "stock.updated",
}
FAKE_PATHS = {
    "id": "product.id",
    "location": "store.code",
    "quantity": "stock.available",
    "updated": "stock.updated",
}
PAGE = {"type": "page", "pageParam": "page", "sizeParam": "per_page", "size": 100}
CURSOR = {
    "type": "cursor",
    "cursorParam": "cursor",
    "nextCursorKey": "meta.next",
    "sizeParam": "per_page",
    "size": 100,
}


def record(n: int, qty: Any = None, store: str = "S1", updated: datetime = T0) -> dict[str, Any]:
    return {
        "product": {"id": f"P{n:04}", "sku": f"SKU-{n}", "title": f"Item {n}",
                    "codes": [{"ean": f"400{n:010}"}]},
        "stock": {"available": n if qty is None else qty, "updated": updated.isoformat()},
        "store": {"code": store},
    }  # fmt: skip


def mapping(**overrides: Any) -> dict[str, Any]:
    return {"itemsPath": "/api/stock", "recordsKey": "data.items", "fields": NESTED_FIELDS,
            "pagination": PAGE, **overrides}  # fmt: skip


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeCustomSource]:
    server = FakeCustomSource(paths=FAKE_PATHS, adjust_path="/api/stock/adjust")
    with server:
        yield server


async def collect(pages: AsyncIterator[Page[T]]) -> list[Page[T]]:
    return [page async for page in pages]


def run(fake: FakeCustomSource, call: Any, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"max_attempts": 3, "backoff_initial": 0.01, "sleep": Sleeps(),
                               "mapping": mapping(), "timeout": 5.0}  # fmt: skip
    options.update(kwargs)
    credentials = options.pop("credentials", {"api_key": API_KEY})

    async def go() -> Any:
        source = CustomAdapter(fake.url, credentials, **options)
        try:
            return await call(source)
        finally:
            await source.aclose()

    return asyncio.run(go())


def counts(source: Any, since: datetime | None = None) -> Any:
    return collect(source.iter_counts(since))


# -- REST reads -----------------------------------------------------------------------------------
def test_page_pagination_reads_to_the_last_page_with_nested_fields(
    fake: FakeCustomSource,
) -> None:
    for n in range(250):
        fake.add(record(n, store="S2" if n % 2 else "S1"))
    pages = run(fake, counts)
    found = {(c.external_item_id, c.location_id): c.quantity for p in pages for c in p.items}
    assert len(found) == 250 and found[("P0007", "S2")] == 7 and found[("P0008", "S1")] == 8
    assert [p.cursor for p in pages] == ["2", "3", None]
    assert [r.arg("page") for r in fake.requests] == ["1", "2", "3"]
    assert {r.arg("per_page") for r in fake.requests} == {"100"}
    assert pages[0].items[0].updated_at == T0

    items = run(fake, lambda s: collect(s.iter_items()))
    item = items[0].items[3]
    assert (item.external_id, item.sku, item.barcode, item.name) == (
        "P0003", "SKU-3", "4000000000003", "Item 3",
    )  # fmt: skip


def test_cursor_pagination_follows_next_until_it_is_absent(fake: FakeCustomSource) -> None:
    fake.pagination = "cursor"
    for n in range(250):
        fake.add(record(n))
    pages = run(fake, counts, mapping=mapping(pagination=CURSOR))
    assert sum(len(p.items) for p in pages) == 250
    assert pages[-1].cursor is None and all(p.cursor for p in pages[:-1])
    sent = [r.arg("cursor") for r in fake.requests]
    assert sent[0] is None and sent[1] == pages[0].cursor and sent[2] == pages[1].cursor
    assert len(sent) == 3


def test_page_pagination_by_total_pages_without_a_size(fake: FakeCustomSource) -> None:
    for n in range(45):
        fake.add(record(n))
    paging = {"type": "page", "totalPagesKey": "meta.total_pages"}
    pages = run(fake, counts, mapping=mapping(pagination=paging))
    assert sum(len(p.items) for p in pages) == 45
    assert len(fake.requests) == 3  # server default of 20 a page: 20 + 20 + 5


def test_top_level_list_without_pagination(fake: FakeCustomSource) -> None:
    fake.pagination, fake.records_key = "none", ""
    fake.add({"sku": "A", "qty": "12"})
    fake.add({"sku": "B", "qty": 3.0})
    simple = {"itemsPath": "/api/stock", "recordsKey": "",
              "fields": {"id": "sku", "quantity": "qty"}, "defaultLocation": "shop"}  # fmt: skip
    [page] = run(fake, counts, mapping=simple)
    assert [(c.external_item_id, c.location_id, c.quantity) for c in page.items] == [
        ("A", "shop", 12), ("B", "shop", 3),
    ]  # fmt: skip


def test_incremental_by_since_param_or_by_client_filter(fake: FakeCustomSource) -> None:
    since = datetime(2026, 1, 15, tzinfo=UTC)
    fake.add(record(1))
    fake.add(record(2, updated=since + timedelta(hours=1)))
    fake.since_param = "updated_since"
    server_side = run(fake, lambda s: counts(s, since), mapping=mapping(sinceParam="updated_since"))
    assert [c.external_item_id for p in server_side for c in p.items] == ["P0002"]
    assert fake.requests[-1].arg("updated_since") == "2026-01-15T00:00:00Z"
    client_side = run(fake, lambda s: counts(s, since))
    assert [c.external_item_id for p in client_side for c in p.items] == ["P0002"]


def test_non_integral_quantity_is_skipped_with_a_reason(fake: FakeCustomSource) -> None:
    fake.add(record(1, qty=2.5))
    fake.add(record(2, qty="many"))
    fake.add(record(3))
    [page] = run(fake, counts)
    assert [c.external_item_id for c in page.items] == ["P0003"]
    assert len(page.skipped) == 2
    assert "record 1 of page 1" in page.skipped[0] and "2.5" in page.skipped[0]


def test_list_locations_from_the_records(fake: FakeCustomSource) -> None:
    fake.add(record(1, store="S1"))
    fake.add(record(2, store="S9"))
    locations = run(fake, lambda s: s.list_locations())
    assert [loc.id for loc in locations] == ["S1", "S9"]


def test_missing_records_list_is_an_error(fake: FakeCustomSource) -> None:
    with pytest.raises(InventorySyncError, match="'data.rows'"):
        run(fake, counts, mapping=mapping(recordsKey="data.rows"))


# -- mapping validation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fields": {"id": "product.id"}}, "'fields.quantity' is missing"),
        ({"fields": None}, "no 'fields'"),
        ({"fields": {**NESTED_FIELDS, "qty": "x"}}, "Unknown field 'fields.qty'"),
        ({"fields": {**NESTED_FIELDS, "sku": "a..b"}}, "'fields.sku' must be a dotted path"),
        ({"itemsPath": None}, "'itemsPath' is missing"),
        ({"itemsPath": "api/stock"}, "'itemsPath' must be a URL path"),
        ({"pagination": {"type": "offset"}}, "'pagination.type' must be one of"),
        ({"pagination": {"type": "cursor"}}, "'pagination.nextCursorKey' is missing"),
        ({"pagination": {**PAGE, "size": 0}}, "'pagination.size' must be a positive"),
        ({"itemPath": "/x"}, "'itemPath' in the custom source mapping (did you mean 'itemsPath'?)"),
        ({"adjustPath": "adjust"}, "'adjustPath' must be a URL path"),
    ],
)  # fmt: skip
def test_a_bad_mapping_names_the_key_at_fault(change: dict[str, Any], message: str) -> None:
    bad = {k: v for k, v in {**mapping(), **change}.items() if v is not None}
    with pytest.raises(ValidationError) as caught:
        CustomAdapter("http://127.0.0.1:9", {"api_key": API_KEY}, mapping=bad)
    assert message in str(caught.value)


# -- REST writes ----------------------------------------------------------------------------------
def adj(item: str, delta: int, key: str, location: str = "S1") -> POSAdjustment:
    return POSAdjustment(item, location, delta, key, NOW)


def test_read_only_source_refuses_pushes(fake: FakeCustomSource) -> None:
    readonly = mapping()
    pushes = run(fake, lambda s: s.push_adjustments([adj("P0001", 1, "k")]), mapping=readonly)
    sets = run(
        fake,
        lambda s: s.set_quantities([POSSet("P0001", "S1", 3, 1, "k2", NOW)]),
        mapping=readonly,
    )
    for outcome in (*pushes, *sets):
        assert (outcome.ok, outcome.error) == (False, "This source is read-only")
    assert fake.requests == []


def test_adjustments_split_applied_and_replayed_once(fake: FakeCustomSource) -> None:
    for n in range(250):
        fake.add(record(n, qty=10))
    writable = mapping(adjustPath="/api/stock/adjust")
    changes = [adj(f"P{n:04}", 2, f"sync-7:{n}") for n in range(250)]
    changes.append(adj("NOPE", 1, "sync-7:x"))
    outcomes = run(fake, lambda s: s.push_adjustments(changes), mapping=writable)
    assert all(o.ok and o.quantity == 12 for o in outcomes[:250])
    assert (outcomes[250].ok, outcomes[250].error) == (False, "unknown item at this location")
    posts = fake.requests_to("/adjust$")
    assert [len(p.json()["adjustments"]) for p in posts] == [100, 100, 51]
    assert posts[0].json()["adjustments"][0] == {
        "id": "P0000", "location": "S1", "delta": 2, "idempotencyKey": "sync-7:0",
    }  # fmt: skip
    again = run(fake, lambda s: s.push_adjustments(changes[:3]), mapping=writable)
    assert [o.quantity for o in again] == [12, 12, 12]
    assert fake.quantity("P0001", "S1") == 12


# -- transport and auth ---------------------------------------------------------------------------
def test_401_carries_the_server_text_and_not_the_key(fake: FakeCustomSource) -> None:
    with pytest.raises(InventorySyncError) as caught:
        run(fake, counts, credentials={"api_key": "sk-wrong-0000"})
    message = str(caught.value)
    assert "Invalid API key: access denied" in message and "401" in message
    assert "sk-wrong-0000" not in message and caught.value.retryable is False
    assert len(fake.requests) == 1


def test_custom_auth_header_is_sent_and_kept_out_of_logs(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeCustomSource(auth_header="X-Api-Key", paths=FAKE_PATHS)
    with fake:
        fake.add(record(1))
        with caplog.at_level(logging.DEBUG, logger="possync.pos"):
            [page] = run(fake, counts, mapping=mapping(authHeader="X-Api-Key"), debug=lambda: True)
    assert [c.external_item_id for c in page.items] == ["P0001"]
    assert caplog.records and API_KEY not in caplog.text


@pytest.mark.parametrize(
    "fault",
    [
        Reply(429, {"error": "slow down"}, {"Retry-After": "0"}),
        Reply(429, {"error": "slow down"}),
        Reply(500, {"error": "boom"}),
        Reply(200, {}, delay=0.5),
    ],
    ids=["429-retry-after", "429", "500", "timeout"],
)
def test_transient_failures_are_retried(fake: FakeCustomSource, fault: Reply) -> None:
    fake.add(record(1))
    fake.inject(fault)
    [page] = run(fake, counts, timeout=0.2)
    assert [c.quantity for c in page.items] == [1]
    assert len(fake.requests) == 2


def test_persistent_timeouts_and_malformed_json(fake: FakeCustomSource) -> None:
    fake.inject(Reply(200, {}, delay=0.5), times=2)
    with pytest.raises(POSSystemUnavailableError) as caught:
        run(fake, counts, timeout=0.2, max_attempts=2)
    assert caught.value.retryable is True
    fake.inject(Reply(200, raw=b"{oops"))
    with pytest.raises(InventorySyncError, match="not JSON"):
        run(fake, counts)


# -- CSV ------------------------------------------------------------------------------------------
CSV_MAPPING = {"fields": {"id": "SKU", "sku": "SKU", "barcode": "EAN", "quantity": "On hand"},
               "defaultLocation": "back-room"}  # fmt: skip


def read_csv(path: Path, csv_mapping: dict[str, Any]) -> list[Page[Any]]:
    source = CsvFileAdapter(path, csv_mapping)
    assert isinstance(source, POSAdapter)
    pages: list[Page[Any]] = asyncio.run(collect(source.iter_counts()))
    return pages


def test_csv_import_skips_a_bad_row_with_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text(
        "SKU,EAN,On hand\nMUG-1,4006381333931,12\nCUP-2,,7\nBAD-3,,twelve\nJAR-4,,2.5\nBOX-5,,0\n",
        encoding="utf-8",
    )
    [page] = read_csv(path, CSV_MAPPING)
    assert [(c.external_item_id, c.location_id, c.quantity) for c in page.items] == [
        ("MUG-1", "back-room", 12), ("CUP-2", "back-room", 7), ("BOX-5", "back-room", 0),
    ]  # fmt: skip
    assert len(page.skipped) == 2
    assert page.skipped[0].startswith("line 4") and "'twelve'" in page.skipped[0]
    assert page.skipped[1].startswith("line 5")


def test_csv_with_a_location_column_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("\ufeffsku;store;qty\nA;S1;1\nA;S2;4\n", encoding="utf-8")
    csv_mapping = {
        "fields": {"id": "sku", "quantity": "qty", "location": "store"},
        "delimiter": ";",
    }
    [page] = read_csv(path, csv_mapping)
    assert [(c.location_id, c.quantity) for c in page.items] == [("S1", 1), ("S2", 4)]
    source = CsvFileAdapter(path, csv_mapping)
    assert [loc.id for loc in asyncio.run(source.list_locations())] == ["S1", "S2"]
    items = asyncio.run(collect(source.iter_items()))
    assert [i.external_id for p in items for i in p.items] == ["A"]


def test_csv_problems_are_validation_errors(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("SKU,Qty\nA,1\n", encoding="utf-8")
    with pytest.raises(
        ValidationError, match="no column 'EAN' .*, 'On hand' \\(mapping 'fields.quantity'\\)"
    ):
        read_csv(path, CSV_MAPPING)
    with pytest.raises(ValidationError, match="No such file"):
        read_csv(tmp_path / "missing.csv", CSV_MAPPING)
    with pytest.raises(ValidationError, match="Unknown key 'itemsPath'"):
        CsvFileAdapter(path, {**CSV_MAPPING, "itemsPath": "/x"})


def test_csv_source_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("SKU,EAN,On hand\nA,,1\n", encoding="utf-8")
    source = CsvFileAdapter(path, CSV_MAPPING)
    [outcome] = asyncio.run(source.push_adjustments([adj("A", 1, "k", "back-room")]))
    assert (outcome.ok, outcome.error) == (False, "This source is read-only")
