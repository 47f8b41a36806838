"""The WooCommerce adapter: REST v3 (``/wp-json/wc/v3``), one virtual location.

Reads walk ``/products`` page by page (``X-WP-TotalPages`` says where the last page is) and,
for each variable product, ``/products/{id}/variations``. An incremental read cannot find
changed variations through their parents (a variation's own save does not touch the parent),
so it lists the changed products and then asks every variable product for its changed
variations. Writes live in :mod:`.writes`.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from possync_gui.domain.errors import InventorySyncError, ValidationError
from possync_gui.pos.base import (
    Page,
    POSAdjustment,
    POSCount,
    POSItem,
    POSLocation,
    POSSale,
    POSSet,
    PushOutcome,
)
from possync_gui.pos.http import HttpTransport, check_base_url
from possync_gui.pos.woocommerce import records as rec
from possync_gui.pos.woocommerce.writes import StockOp, StockWriter

PER_PAGE = 100
#: ``modified_after`` is strict and whole-second (pitfall 12): ask from one second earlier.
OVERLAP = timedelta(seconds=1)
SOLD_STATUSES = "processing,completed,on-hold"
SALES_PAGE = 500


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One page of products (``parent`` None) or of one product's variations."""

    records: list[dict[str, Any]]
    parent: dict[str, Any] | None
    token: str


class WooCommerceAdapter:
    """WooCommerce over REST v3 with consumer key/secret (credentials ``consumer_key``,
    ``consumer_secret``), sent as HTTP Basic auth, or as query parameters when
    ``query_string_auth`` is set (for hosts that strip the Authorization header)."""

    type = "woocommerce"

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, str],
        *,
        api_version: str | None = None,
        query_string_auth: bool = False,
        debug: Callable[[], bool] = lambda: False,
        max_attempts: int = 5,
        backoff_initial: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeout: float = 15.0,
    ) -> None:
        missing = [k for k in ("consumer_key", "consumer_secret") if not credentials.get(k)]
        if missing:
            raise ValidationError(f"WooCommerce needs the credential(s): {', '.join(missing)}.")
        key, secret = credentials["consumer_key"], credentials["consumer_secret"]
        self._auth_params = (
            {"consumer_key": key, "consumer_secret": secret} if query_string_auth else {}
        )
        self._http = HttpTransport(
            "WooCommerce",
            _api_root(base_url, api_version),
            auth=None if query_string_auth else (key, secret),
            error_text=rec.error_text,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_initial=backoff_initial,
            debug=debug,
            sleep=sleep,
        )
        #: item id → parent product id (None for a product); learnt from reads, used by pushes.
        self._parent_of: dict[str, str | None] = {}
        self._writer = StockWriter(self._request, self._parent_of)

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        ok_statuses: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        merged = {**(params or {}), **self._auth_params}
        return await self._http.request(
            method, path, params=merged, json_body=json_body, ok_statuses=ok_statuses
        )

    # -- protocol: health and locations ---------------------------------------------------
    async def ping(self) -> None:
        await self._request("GET", "/products", params={"per_page": 1})

    async def list_locations(self) -> list[POSLocation]:
        return [POSLocation(rec.LOCATION_ID, rec.LOCATION_NAME)]

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- protocol: reads --------------------------------------------------------------------
    async def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        """Simple products, variations, and variable products that manage stock themselves
        (their variations with ``manage_stock: "parent"`` draw on them)."""
        async for chunk, cursor in _last_marked(self._walk(since)):
            items: list[POSItem] = []
            skipped: list[str] = []
            for record in chunk.records:
                if "id" not in record:
                    skipped.append(f"a record without an id: {str(record)[:80]}")
                elif record.get("type") != "variable" or rec.stock_manager(record):
                    items.append(rec.to_item(record, chunk.parent))
            yield Page(items, cursor, skipped)

    async def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        """One count per stock pool: a parent-managed variation's stock is the parent's,
        reported once under the parent's id; unmanaged records have no count."""
        async for chunk, cursor in _last_marked(self._walk(since)):
            counts: list[POSCount] = []
            skipped: list[str] = []
            for record in chunk.records:
                if "id" not in record:
                    skipped.append(f"a record without an id: {str(record)[:80]}")
                    continue
                count = rec.to_count(record)
                if isinstance(count, POSCount):
                    counts.append(count)
                elif count is not None:
                    skipped.append(count)
            yield Page(counts, cursor, skipped)

    async def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        """Line-item quantities of orders in a stock-reducing status, summed per item and UTC
        day of ``date_created_gmt``. Refunds are not subtracted."""
        since, until = _aware(since), _aware(until)
        params = {
            "status": SOLD_STATUSES,
            "after": rec.format_gmt(since, overlap=OVERLAP),
            "before": rec.format_gmt(until),
            "dates_are_gmt": "true",
            "orderby": "id",
            "order": "asc",
        }
        totals: dict[tuple[str, date], int] = defaultdict(int)
        skipped: list[str] = []
        async for orders, _page, _more in self._pages("/orders", params):
            for order in orders:
                created = rec.parse_gmt(order.get("date_created_gmt"))
                # The query window overlaps by a second; the exact bounds are applied here.
                if created is None or not since <= created < until:
                    continue
                _add_lines(order, created.date(), totals, skipped)
        sales = [
            POSSale(item, rec.LOCATION_ID, day, quantity)
            for (item, day), quantity in sorted(totals.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        ]
        chunks = [sales[i : i + SALES_PAGE] for i in range(0, len(sales), SALES_PAGE)] or [[]]
        for number, chunk in enumerate(chunks):
            last = number == len(chunks) - 1
            yield Page(chunk, None if last else f"sales:{number + 1}", skipped if last else [])

    # -- protocol: writes ------------------------------------------------------------------
    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        """Read-modify-write (WooCommerce has no atomic relative update); see
        :class:`~.writes.StockWriter` for the idempotency marker kept in ``meta_data``."""
        ops = [
            StockOp(i, c.external_item_id, c.location_id, c.idempotency_key, delta=c.delta)
            for i, c in enumerate(changes)
        ]
        return await self._writer.apply(ops)

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        """Compare-and-set done client side: stale when the store no longer has ``expected``."""
        ops = [
            StockOp(
                i,
                s.external_item_id,
                s.location_id,
                s.idempotency_key,
                quantity=s.quantity,
                expected=s.expected,
            )
            for i, s in enumerate(sets)
        ]
        return await self._writer.apply(ops)

    # -- paging ----------------------------------------------------------------------------
    async def _pages(
        self, path: str, params: Mapping[str, Any]
    ) -> AsyncIterator[tuple[list[dict[str, Any]], int, bool]]:
        """(records, page number, more pages follow) for every page of a collection.

        Next pages are built from ``page`` rather than the ``Link`` header, whose URL
        WordPress re-encodes badly (pitfall 11)."""
        page = 1
        while True:
            response = await self._request(
                "GET", path, params={**params, "per_page": PER_PAGE, "page": page}
            )
            body = HttpTransport.json(response)
            if not isinstance(body, list):
                raise InventorySyncError(
                    f"WooCommerce answered {path} with {type(body).__name__}, not a list.",
                    retryable=True,
                )
            total_pages = _int_header(response, "X-WP-TotalPages")
            # Some caches strip X-WP-* headers: then a short page is the last one.
            more = page < total_pages if total_pages is not None else len(body) >= PER_PAGE
            yield [r for r in body if isinstance(r, dict)], page, more
            if not more:
                return
            page += 1

    async def _walk(self, since: datetime | None) -> AsyncIterator[_Chunk]:
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if since is not None:
            params |= {
                "modified_after": rec.format_gmt(_aware(since), overlap=OVERLAP),
                "dates_are_gmt": "true",
            }
        async for records, page, _more in self._pages("/products", params):
            self._learn(records, None)
            yield _Chunk(records, None, f"products:{page + 1}")
            if since is None:
                for record in records:
                    if record.get("type") == "variable":
                        async for chunk in self._variations(record, None):
                            yield chunk
        if since is not None:
            variable = {"orderby": "id", "order": "asc", "type": "variable"}
            async for parents, _page, _more in self._pages("/products", variable):
                for parent in parents:
                    async for chunk in self._variations(parent, since):
                        yield chunk

    async def _variations(
        self, parent: dict[str, Any], since: datetime | None
    ) -> AsyncIterator[_Chunk]:
        params: dict[str, Any] = {"orderby": "id", "order": "asc"}
        if since is not None:
            params |= {
                "modified_after": rec.format_gmt(_aware(since), overlap=OVERLAP),
                "dates_are_gmt": "true",
            }
        path = f"/products/{parent['id']}/variations"
        async for records, page, _more in self._pages(path, params):
            for record in records:
                record.setdefault("parent_id", parent["id"])
            self._learn(records, str(parent["id"]))
            if records:
                yield _Chunk(records, parent, f"{path.lstrip('/')}:{page + 1}")

    def _learn(self, records: list[dict[str, Any]], parent_id: str | None) -> None:
        for record in records:
            if "id" in record:
                self._parent_of[str(record["id"])] = parent_id


async def _last_marked(chunks: AsyncIterator[_Chunk]) -> AsyncIterator[tuple[_Chunk, str | None]]:
    """Each chunk with the cursor that resumes after it — None for the very last one, which
    is only known once the next chunk fails to arrive. An empty catalog gives one empty page."""
    held: _Chunk | None = None
    async for chunk in chunks:
        if held is not None:
            yield held, held.token
        held = chunk
    yield (held or _Chunk([], None, "")), None


def _add_lines(
    order: Mapping[str, Any],
    day: date,
    totals: dict[tuple[str, date], int],
    skipped: list[str],
) -> None:
    for line in order.get("line_items") or []:
        item = line.get("variation_id") or line.get("product_id")
        if not item:
            continue  # a line for a deleted product: nothing to attribute it to
        quantity = rec.whole_quantity(line.get("quantity"))
        if quantity is None:
            skipped.append(
                f"order {order.get('id')}: quantity {line.get('quantity')!r} is not whole"
            )
            continue
        totals[(str(item), day)] += quantity


def _api_root(base_url: str, api_version: str | None) -> str:
    root = check_base_url(base_url)
    if "/wp-json/" in root + "/":
        return root
    version = (api_version or "v3").strip("/").removeprefix("wc/")
    return f"{root}/wp-json/wc/{version}"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None
