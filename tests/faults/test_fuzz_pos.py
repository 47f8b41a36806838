"""500 fuzzed POS payloads through the real adapters (Square, Shopify, WooCommerce, a custom
source), each against its fake POS over loopback HTTP whose answers are broken on the way
out: a value swapped for junk (null, a string, 10**30, a date that is no date, a list, a
deep object, control characters), a key dropped, or the whole body replaced by HTML, cut
JSON or bytes that are not UTF-8. Reading locations, the catalog and the counts must then
give well-typed records (integer quantities, string ids, aware times) or one clear
:class:`PossyncError` — no other exception, no hang."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from possync_gui.domain.errors import PossyncError
from possync_gui.pos.base import Page, POSAdapter, POSCount, POSItem, POSLocation
from possync_gui.pos.custom import CustomAdapter
from possync_gui.pos.guard import guarded
from possync_gui.pos.shopify import ShopifyAdapter
from possync_gui.pos.square import SquareAdapter
from possync_gui.pos.woocommerce import WooCommerceAdapter
from tests.fakes.server import FakePOSServer, Reply, Request
from tests.fakes.sync_world import (
    CUSTOM_KEY,
    CUSTOM_MAPPING,
    SHOPIFY_TOKEN,
    SQUARE_TOKEN,
    WOO_KEY,
    WOO_SECRET,
    CustomSide,
    ShopifySide,
    SquareSide,
    WooSide,
)
from tests.faults.robust_fuzz import _clear, mutate_body

EXAMPLES = 500
#: Longer than any read of these small fakes takes; a read still running then is a hang.
READ_TIMEOUT = 20.0


class Breaker:
    """Wraps a fake's router: each answer, with probability ``rate``, gets one fault."""

    def __init__(self, fake: FakePOSServer) -> None:
        self.route = fake._route
        self.rng = random.Random(0)
        self.rate = 0.0
        fake._route = self  # type: ignore[method-assign]

    def __call__(self, request: Request) -> Reply:
        reply = self.route(request)
        if reply.status >= 400 or self.rng.random() >= self.rate:
            return reply
        body, raw = mutate_body(reply.body, self.rng)
        return Reply(reply.status, body, dict(reply.headers), raw)


def start_sides() -> dict[str, tuple[Any, Breaker]]:
    """The four fakes, started, each with three items and a breaker on its answers."""
    made: dict[str, Any] = {
        "square": SquareSide(),
        "shopify": ShopifySide(),
        "woocommerce": WooSide(),
        "custom": CustomSide(),
    }
    for side in made.values():
        for n in range(3):
            side.add(f"K{n}", 5 + n, sku=f"SKU-{n}", barcode="4006381333931" if n else None)
    return {kind: (side, Breaker(side.fake)) for kind, side in made.items()}


def stop_sides(sides: dict[str, tuple[Any, Breaker]]) -> None:
    for side, _breaker in sides.values():
        side.fake.stop()


@pytest.fixture(scope="module")
def sides() -> Iterator[dict[str, tuple[Any, Breaker]]]:
    made = start_sides()
    yield made
    stop_sides(made)


def _adapter(kind: str, url: str) -> POSAdapter:
    """The adapter as the app builds it (services/integrations.py): behind the guard."""
    return guarded(_bare(kind, url))


def _bare(kind: str, url: str) -> POSAdapter:
    fast: dict[str, Any] = {"max_attempts": 1, "timeout": 5.0}
    if kind == "square":
        return SquareAdapter(url, {"access_token": SQUARE_TOKEN}, **fast)
    if kind == "shopify":
        return ShopifyAdapter(url, {"access_token": SHOPIFY_TOKEN}, api_version="2026-04", **fast)
    if kind == "woocommerce":
        creds = {"consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET}
        return WooCommerceAdapter(url, creds, **fast)
    return CustomAdapter(url, {"api_key": CUSTOM_KEY}, mapping=CUSTOM_MAPPING, **fast)


def _check_time(value: datetime | None) -> None:
    assert value is None or (isinstance(value, datetime) and value.utcoffset() is not None)


def _check_pages(pages: list[Page[Any]]) -> None:
    for page in pages:
        assert isinstance(page, Page) and all(isinstance(s, str) and s for s in page.skipped)
        assert page.cursor is None or isinstance(page.cursor, str)
        for record in page.items:
            if isinstance(record, POSItem):
                assert isinstance(record.external_id, str) and record.external_id
                assert record.sku is None or isinstance(record.sku, str)
                assert record.barcode is None or isinstance(record.barcode, str)
                assert isinstance(record.name, str)
                _check_time(record.updated_at)
            else:
                assert isinstance(record, POSCount), record
                assert type(record.quantity) is int, record
                assert isinstance(record.external_item_id, str) and record.external_item_id
                assert isinstance(record.location_id, str) and record.location_id
                _check_time(record.updated_at)


async def _locations(adapter: POSAdapter) -> None:
    found = await adapter.list_locations()
    assert all(isinstance(loc, POSLocation) and isinstance(loc.id, str) for loc in found)


async def _items(adapter: POSAdapter) -> None:
    _check_pages([page async for page in adapter.iter_items()])


async def _counts(adapter: POSAdapter) -> None:
    _check_pages([page async for page in adapter.iter_counts()])


READS = {"locations": _locations, "items": _items, "counts": _counts}


async def _read(adapter: POSAdapter, read: str) -> str:
    """One read: "ok" (its records checked) or "error" (a clear PossyncError)."""
    try:
        await asyncio.wait_for(READS[read](adapter), READ_TIMEOUT)
    except PossyncError as err:
        _clear(str(err))
        return "error"
    finally:
        await adapter.aclose()
    return "ok"


def judge_payloads(
    sides: dict[str, tuple[Any, Breaker]], kind: str, read: str, seed: int, rate: float
) -> str:
    """Read ``read`` from the ``kind`` fake with answers broken at ``rate``."""
    side, breaker = sides[kind]
    breaker.rng, breaker.rate = random.Random(seed), rate
    try:
        return asyncio.run(_read(_adapter(kind, side.fake.url), read))
    finally:
        breaker.rate = 0.0


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["square", "shopify", "woocommerce", "custom"]),
    read=st.sampled_from(sorted(READS)),
    seed=st.integers(0, 2**32),
    rate=st.sampled_from([0.3, 0.6, 1.0]),
)
def test_fuzzed_pos_answers_give_typed_records_or_a_clear_error(
    sides: dict[str, tuple[Any, Breaker]], kind: str, read: str, seed: int, rate: float
) -> None:
    assert judge_payloads(sides, kind, read, seed, rate) in ("ok", "error")


def test_unbroken_answers_read_cleanly() -> None:
    """The baseline: with no fault every adapter reads its fake without an error. Fresh
    fakes of its own: after the fuzzed run the shared Shopify fake's locations read failed
    (seen once under xdist, not reproduced alone)."""
    fresh = start_sides()
    try:
        for kind in fresh:
            for read in READS:
                assert judge_payloads(fresh, kind, read, 0, 0.0) == "ok", (kind, read)
    finally:
        stop_sides(fresh)
