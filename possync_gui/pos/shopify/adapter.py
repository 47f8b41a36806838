"""The Shopify adapter: GraphQL Admin API for the catalog, stock levels, orders and stock
writes; REST only for locations (whose ``active`` flag is documented there) and the shop's
primary location.

Identity (POS_APIS.md §2.2, §4): ``POSItem.external_id`` and every count, push and sale use
the InventoryItem gid (``gid://shopify/InventoryItem/N``); locations are Location gids.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

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
from possync_gui.pos.http import HttpTransport
from possync_gui.pos.shopify import queries as q
from possync_gui.pos.shopify.client import ShopifyClient, error_text
from possync_gui.pos.shopify.push import InventoryPusher
from possync_gui.pos.shopify.records import (
    SalesTally,
    as_utc,
    count_from_level,
    item_from_variant,
    location_from_rest,
    location_gid,
    parse_time,
    search_time,
)

T = TypeVar("T")


class ShopifyAdapter:
    """:class:`~possync_gui.pos.base.POSAdapter` for one Shopify shop.

    ``base_url`` is the shop root (``https://{shop}.myshopify.com``); ``credentials`` needs
    ``access_token``; ``api_version`` pins the Admin API version (default 2026-04) and with
    it the write semantics of POS_APIS.md §2.4. ``clock`` is the time source for the
    estimates of Shopify's rate-limit buckets; a test that fakes ``sleep`` fakes it too.
    """

    type = "shopify"

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, str],
        *,
        api_version: str | None = None,
        debug: Callable[[], bool] = lambda: False,
        max_attempts: int = 5,
        backoff_initial: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        token = credentials.get("access_token")
        if not token:
            raise ValidationError(
                "The Shopify integration needs an Admin API access token "
                "(credentials key 'access_token')."
            )
        self.api_version = q.ApiVersion.parse(api_version or q.DEFAULT_API_VERSION)
        self._http = HttpTransport(
            "Shopify",
            base_url,
            headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
            error_text=error_text,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_initial=backoff_initial,
            debug=debug,
            sleep=sleep,
        )
        self._client = ShopifyClient(
            self._http, self.api_version.text, sleep=sleep, max_attempts=max_attempts, clock=clock
        )
        self._pusher = InventoryPusher(
            self._client,
            self.api_version,
            sleep=sleep,
            max_attempts=max_attempts,
            backoff=backoff_initial,
        )
        self._primary_location: str | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def ping(self) -> None:
        """One cheap GraphQL query: proves the address, the version and the token."""
        data = await self._client.graphql("PossyncPing", q.PING, {})
        if not isinstance(data.get("shop"), dict):
            raise InventorySyncError("Shopify answered without the shop.")

    async def list_locations(self) -> list[POSLocation]:
        """All locations, inactive ones included (marked ``active=False``)."""
        locations = []
        async for body in self._client.rest_pages("locations.json", {"limit": q.PAGE_SIZE}):
            for node in _list(body, "locations"):
                locations.append(location_from_rest(node))
        return locations

    # -- reads ---------------------------------------------------------------------------------
    async def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        """Variants as items keyed by their inventory item, ``since`` on ``updated_at``."""
        variables: dict[str, Any] = {"first": q.PAGE_SIZE, "after": None, "query": _since(since)}
        while True:
            data = await self._client.graphql("PossyncVariants", q.VARIANTS, variables)
            connection = _connection(data.get("productVariants"), "productVariants")
            items, skipped = _split([item_from_variant(n) for n in connection["nodes"]])
            cursor = _next_cursor(connection)
            yield Page(items=items, cursor=cursor, skipped=skipped)
            if cursor is None:
                return
            variables["after"] = cursor

    async def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        """``available`` per inventory item at each active location; ``since`` filters on
        the level's own ``updated_at``, which moves with its quantity."""
        locations = [loc.id for loc in await self.list_locations() if loc.active]
        for n, location in enumerate(locations):
            last_location = n == len(locations) - 1
            async for page in self._location_counts(location, since, last_location):
                yield page

    async def _location_counts(
        self, location: str, since: datetime | None, last_location: bool
    ) -> AsyncIterator[Page[POSCount]]:
        variables: dict[str, Any] = {
            "location": location,
            "first": q.PAGE_SIZE,
            "after": None,
            "query": _since(since),
        }
        while True:
            data = await self._client.graphql("PossyncLevels", q.LEVELS, variables)
            node = data.get("location")
            if node is None:  # removed between listing and reading
                yield Page(cursor=None if last_location else json.dumps({"location": location}))
                return
            connection = _connection(node.get("inventoryLevels"), "inventoryLevels")
            counts, skipped = _split([count_from_level(n, location) for n in connection["nodes"]])
            after = _next_cursor(connection)
            # The cursor names the location too: levels are read one location at a time.
            done = after is None and last_location
            cursor = None if done else json.dumps({"location": location, "after": after})
            yield Page(items=counts, cursor=cursor, skipped=skipped)
            if after is None:
                return
            variables["after"] = after

    async def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        """Units sold per inventory item, location and UTC day of ``createdAt``.

        Cancelled and test orders do not count; a line counts its ``currentQuantity`` (net
        of refunds and removals). A POS order belongs to its ``retailLocation``; an online
        order to the shop's primary location, Shopify's default fulfilment location — which
        one really fulfils it needs fulfilment-order scopes possync does not ask for.
        """
        # GraphQL `orders` has no open-only default (unlike REST orders.json), so no
        # status filter is needed to see closed and archived orders.
        window = f"created_at:>='{search_time(since)}' AND created_at:<'{search_time(until)}'"
        variables: dict[str, Any] = {
            "first": q.ORDERS_PAGE,
            "after": None,
            "query": window,
            "lines": q.ORDER_LINES_FIRST,
        }
        since, until = as_utc(since), as_utc(until)
        tally, last_day = SalesTally(), None
        while True:
            data = await self._client.graphql("PossyncOrders", q.ORDERS, variables)
            connection = _connection(data.get("orders"), "orders")
            for order in connection["nodes"]:
                created = parse_time(order.get("createdAt"))
                if created is not None and not since <= created < until:
                    continue
                last_day = created.date() if created else last_day
                if order.get("cancelledAt") or order.get("test"):
                    continue
                lines = await self._order_lines(order)
                tally.add_order(order, lines, await self._order_location(order))
            cursor = _next_cursor(connection)
            # Orders come sorted by creation time: days before the last one seen are final.
            sales = tally.take_all() if cursor is None else tally.take_before(last_day)
            yield Page(items=sales, cursor=cursor, skipped=tally.skipped)
            tally.skipped = []
            if cursor is None:
                return
            variables["after"] = cursor

    async def _order_lines(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        connection = _connection(order.get("lineItems"), "lineItems")
        lines = list(connection["nodes"])
        after = _next_cursor(connection)
        while after is not None:
            variables = {"id": order["id"], "first": q.ORDER_LINES_PAGE, "after": after}
            data = await self._client.graphql("PossyncOrderLines", q.ORDER_LINES, variables)
            more = _connection((data.get("order") or {}).get("lineItems"), "lineItems")
            lines.extend(more["nodes"])
            after = _next_cursor(more)
        return lines

    async def _order_location(self, order: dict[str, Any]) -> str:
        retail = (order.get("retailLocation") or {}).get("id")
        if retail:
            return str(retail)
        if self._primary_location is None:
            body = await self._client.rest_get("shop.json", {"fields": "id,primary_location_id"})
            shop = body.get("shop") if isinstance(body, dict) else None
            if not isinstance(shop, dict) or shop.get("primary_location_id") is None:
                raise InventorySyncError("Shopify did not say which location is the primary one.")
            self._primary_location = location_gid(shop["primary_location_id"])
        return self._primary_location

    # -- writes --------------------------------------------------------------------------------
    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        """Deltas to ``available`` with ``inventoryAdjustQuantities``; one outcome per change."""
        return await self._pusher.adjust(changes)

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        """Absolute ``available`` with ``inventorySetQuantities``, applied only where Shopify
        still has ``expected``; a moved count comes back ``stale=True``."""
        return await self._pusher.set(sets)


def _split(records: list[T | str]) -> tuple[list[T], list[str]]:
    """Records and the reasons some could not be read (the strings)."""
    good = [r for r in records if not isinstance(r, str)]
    return good, [r for r in records if isinstance(r, str)]


def _since(since: datetime | None) -> str | None:
    return f"updated_at:>'{search_time(since)}'" if since is not None else None


def _list(body: Any, key: str) -> list[dict[str, Any]]:
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, list):
        raise InventorySyncError(f"Shopify answered without {key}.")
    return [v for v in value if isinstance(v, dict)]


def _connection(value: Any, name: str) -> dict[str, Any]:
    """A GraphQL connection with ``nodes`` and ``pageInfo``, checked."""
    if not isinstance(value, dict) or not isinstance(value.get("nodes"), list):
        raise InventorySyncError(f"Shopify answered without {name}.")
    return {**value, "nodes": [n for n in value["nodes"] if isinstance(n, dict)]}


def _next_cursor(connection: dict[str, Any]) -> str | None:
    info = connection.get("pageInfo") or {}
    if info.get("hasNextPage") and info.get("endCursor"):
        return str(info["endCursor"])
    return None
