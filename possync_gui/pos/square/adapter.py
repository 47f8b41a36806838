"""The Square adapter (POS_APIS.md §1): Bearer token, pinned ``Square-Version``.

Catalog: ListCatalog for a full read, SearchCatalogObjects (``begin_time`` is exclusive,
deletions included) for an incremental one. Counts: BatchRetrieveInventoryCounts, IN_STOCK
only. Writes: BatchChangeInventory, in :mod:`.changes`. Sales: SearchOrders, summed in
:mod:`.sales`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

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
from possync_gui.pos.square import changes as chg
from possync_gui.pos.square import records as rec
from possync_gui.pos.square.catalog import CatalogAssembler
from possync_gui.pos.square.sales import SalesTally

COUNTS_PAGE = 1000  # BatchRetrieveInventoryCounts: limit 1–1000
SEARCH_PAGE = 1000  # SearchCatalogObjects: advisory, max 1000
ORDERS_PAGE = 500
#: SearchOrders takes at most 10 locations per request.
ORDER_LOCATIONS = 10
#: Ids per count lookup before a set; the spec gives no maximum, so stay modest.
LOOKUP_IDS = 100
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class SquareAdapter:
    """Square over its v2 REST API with an access token (credentials ``access_token``)."""

    type = "square"

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
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        token = credentials.get("access_token")
        if not token:
            raise ValidationError("Square needs the credential: access_token.")
        version = api_version or rec.DEFAULT_VERSION
        if not _VERSION.match(version):
            raise ValidationError(f"Square API versions look like 2025-08-20, not {version!r}.")
        self._http = HttpTransport(
            "Square",
            base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Square-Version": version,
                "Accept": "application/json",
            },
            error_text=rec.error_text,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_initial=backoff_initial,
            debug=debug,
            sleep=sleep,
        )
        self._pusher = chg.ChangePusher(self._send_changes, clock)

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- transport ----------------------------------------------------------------------------
    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return _body(await self._http.request("GET", path, params=params))

    async def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return _body(await self._http.request("POST", path, json_body=body))

    async def _send_changes(self, body: dict[str, Any]) -> tuple[int, Any]:
        # 400 is Square's answer for a refused batch (bad change, reused key): it becomes the
        # outcome of the changes in it rather than an exception for the whole push.
        response = await self._http.request(
            "POST", chg.PATH, json_body=body, ok_statuses=(200, 400)
        )
        try:
            return response.status_code, HttpTransport.json(response)
        except InventorySyncError:
            if response.status_code == 200:
                raise
            return 400, {"errors": [{"code": "BAD_REQUEST", "detail": rec.error_text(response)}]}

    # -- protocol: health and locations -----------------------------------------------------
    async def ping(self) -> None:
        await self._get("/v2/locations")

    async def list_locations(self) -> list[POSLocation]:
        body = await self._get("/v2/locations")
        return [rec.to_location(r) for r in body.get("locations") or [] if r.get("id")]

    # -- protocol: reads ------------------------------------------------------------------------
    async def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        """One POSItem per ITEM_VARIATION; with ``since``, changed and deleted ones (deleted
        ones come back untracked)."""
        assembler = CatalogAssembler()
        async for objects, related, cursor in self._catalog_pages(since):
            items, skipped = assembler.page(objects, related)
            if cursor is None:
                orphans, orphan_skips = assembler.leftovers()
                items += orphans
                skipped += orphan_skips
            yield Page(items, cursor, skipped)

    async def _catalog_pages(
        self, since: datetime | None
    ) -> AsyncIterator[tuple[list[Any], list[Any], str | None]]:
        cursor: str | None = None
        while True:
            # SearchCatalogObjects for full reads too: 1,000 objects a page where ListCatalog
            # gives a fixed 100 (a 100k catalog: 200 requests instead of 2,000).
            query: dict[str, Any] = {
                "object_types": ["ITEM", "ITEM_VARIATION"],
                "include_deleted_objects": since is not None,
                # A variation whose item is on another page does not name it: ask for parents.
                "include_related_objects": True,
                "limit": SEARCH_PAGE,
            }
            if since is not None:
                query["begin_time"] = rec.format_time(since)
            if cursor:
                query["cursor"] = cursor
            body = await self._post("/v2/catalog/search", query)
            related: list[Any] = body.get("related_objects") or []
            cursor = rec.next_cursor(body)
            yield body.get("objects") or [], related, cursor
            if cursor is None:
                return

    async def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        """IN_STOCK counts of every location; with ``since``, those calculated after it."""
        query: dict[str, Any] = {"states": [rec.IN_STOCK], "limit": COUNTS_PAGE}
        if since is not None:
            query["updated_after"] = rec.format_time(since)
        async for body, cursor in self._count_pages(query):
            counts: list[POSCount] = []
            skipped: list[str] = []
            for record in body.get("counts") or []:
                count = rec.to_count(record) if isinstance(record, Mapping) else None
                if isinstance(count, POSCount):
                    counts.append(count)
                elif isinstance(count, str):
                    skipped.append(count)
            yield Page(counts, cursor, skipped)

    async def _count_pages(
        self, query: dict[str, Any]
    ) -> AsyncIterator[tuple[dict[str, Any], str | None]]:
        cursor: str | None = None
        while True:
            body = await self._post(
                "/v2/inventory/counts/batch-retrieve",
                {**query, "cursor": cursor} if cursor else query,
            )
            cursor = rec.next_cursor(body)
            yield body, cursor
            if cursor is None:
                return

    async def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        """Net units sold (sales minus returns) per variation, location and UTC day of
        ``closed_at``, from COMPLETED orders closed in ``[since, until)``."""
        since, until = _utc(since), _utc(until)
        locations = [location.id for location in await self.list_locations()]
        tally = SalesTally(since, until)
        query = {
            "filter": {
                "state_filter": {"states": ["COMPLETED"]},
                "date_time_filter": {
                    "closed_at": {
                        "start_at": rec.format_time(since),
                        "end_at": rec.format_time(until),
                    }
                },
            },
            # The sort field must be the date filter's field, or Square refuses the search.
            "sort": {"sort_field": "CLOSED_AT", "sort_order": "ASC"},
        }
        for start in range(0, len(locations), ORDER_LOCATIONS):
            body: dict[str, Any] = {
                "location_ids": locations[start : start + ORDER_LOCATIONS],
                "limit": ORDERS_PAGE,
                "query": query,  # resent unchanged with every cursor, as Square requires
            }
            cursor: str | None = None
            while True:
                answer = await self._post(
                    "/v2/orders/search", {**body, "cursor": cursor} if cursor else body
                )
                tally.add_orders(answer.get("orders") or [])
                cursor = rec.next_cursor(answer)
                if cursor is None:
                    break
        for page in tally.pages():
            yield page

    # -- protocol: writes ---------------------------------------------------------------------
    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        """ADJUSTMENTs: ``NONE → IN_STOCK`` adds stock, ``IN_STOCK → WASTE`` removes it."""
        return await self._pusher.push("adjust", changes)

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        """PHYSICAL_COUNTs, guarded by a read: Square has no compare-and-set, so the current
        count is read first and a set whose ``expected`` no longer holds is reported stale
        without writing. (A sale between the read and the write is not caught.)"""
        current = await self._current_counts(sets)
        outcomes: list[PushOutcome | None] = []
        to_write: list[POSSet] = []
        for item in sets:
            pair = (item.external_item_id, item.location_id)
            # No IN_STOCK count at all is Square's zero (pitfall 2).
            now = current.get(pair, 0)
            outcome = _precheck(item, now)
            outcomes.append(outcome)
            if outcome is None:
                to_write.append(item)
        written = iter(await self._pusher.push("set", to_write))
        return [outcome or next(written) for outcome in outcomes]

    async def _current_counts(self, sets: Sequence[POSSet]) -> dict[tuple[str, str], int | None]:
        ids = sorted({s.external_item_id for s in sets})
        locations = sorted({s.location_id for s in sets})
        found: dict[tuple[str, str], int | None] = {}
        for start in range(0, len(ids), LOOKUP_IDS):
            query = {
                "catalog_object_ids": ids[start : start + LOOKUP_IDS],
                "location_ids": locations,
                "states": [rec.IN_STOCK],
                "limit": COUNTS_PAGE,
            }
            async for body, _cursor in self._count_pages(query):
                found.update(rec.in_stock_quantities(body.get("counts") or []))
        return found


def _precheck(item: POSSet, current: int | None) -> PushOutcome | None:
    """The outcome decided by the current count alone, or None when the set must be written."""
    item_id, location_id = item.external_item_id, item.location_id
    if current is None:
        text = "Square holds a quantity that is not a whole number"
        return PushOutcome(item_id, location_id, ok=False, error=text)
    if current == item.quantity:
        # Already there (or this very set landed before and is being replayed).
        return PushOutcome(item_id, location_id, ok=True, quantity=current)
    if current != item.expected:
        return PushOutcome(item_id, location_id, ok=False, quantity=current, stale=True)
    return None


def _body(response: Any) -> dict[str, Any]:
    """A 2xx answer's JSON object; errors reported inside it fail the call with their text."""
    data = HttpTransport.json(response)
    if not isinstance(data, dict):
        raise InventorySyncError(
            f"Square answered with {type(data).__name__} where an object was expected",
            retryable=True,
        )
    if data.get("errors"):
        raise InventorySyncError(
            f"Square reported: {rec.errors_text(data['errors'])}", retryable=False
        )
    return data
