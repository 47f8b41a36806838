"""A custom JSON REST stock source, described by a field mapping (see :mod:`.mapping`).

The source serves one list of stock rows (item, location, quantity) at ``itemsPath``, paged
by page number or by cursor. Pushes go to ``adjustPath`` as relative changes with their
idempotency keys; without it the source is read-only. Sales are not part of the mapping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx

from possync_gui.domain.errors import InventorySyncError, POSSystemUnavailableError
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
from possync_gui.pos.custom import records as rec
from possync_gui.pos.custom.mapping import SourceMapping, parse_mapping
from possync_gui.pos.http import HttpTransport, default_error_text, redact

log = logging.getLogger("possync.pos")

NAME = "The custom source"
NO_SETS = "This source takes relative adjustments only; absolute sets are not supported"
_ERROR_KEYS = ("error", "message", "detail", "error_description", "errors")


class CustomAdapter:
    """A JSON REST source; ``credentials["api_key"]`` goes in ``Authorization: Bearer …``,
    or as it is in the header the mapping names in ``authHeader``."""

    type = "custom"

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, str],
        *,
        mapping: Mapping[str, Any],
        api_version: str | None = None,
        debug: Callable[[], bool] = lambda: False,
        max_attempts: int = 5,
        backoff_initial: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeout: float = 15.0,
    ) -> None:
        self.mapping: SourceMapping = parse_mapping(mapping, source="rest")
        del api_version  # a custom source has no API versions; accepted for a uniform shape
        headers = _auth_headers(self.mapping, credentials)
        self._http = _Transport(
            NAME,
            base_url,
            secret_headers=frozenset(h.lower() for h in headers),
            headers=headers,
            error_text=partial(error_text, error_key=self.mapping.error_key),
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_initial=backoff_initial,
            debug=debug,
            sleep=sleep,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def ping(self) -> None:
        pagination = self.mapping.pagination
        params = {pagination.size_param: 1} if pagination.size_param else {}
        self._records_of(await self._get(params))

    async def list_locations(self) -> list[POSLocation]:
        """The mapping's ``locations``; else the default one when records carry none; else
        every location the stock list mentions (one full read)."""
        if self.mapping.locations:
            return list(self.mapping.locations)
        if "location" not in self.mapping.fields:
            return [POSLocation(self.mapping.default_location, self.mapping.default_location)]
        rows: list[rec.Row | str] = []
        async for page_rows, _cursor in self._rows(None):
            rows.extend(page_rows)
        return rec.distinct_locations(rows)

    # -- reads -------------------------------------------------------------------------------
    async def iter_items(self, since: datetime | None = None) -> AsyncIterator[Page[POSItem]]:
        seen: set[str] = set()
        async for rows, cursor in self._rows(since):
            yield rec.items_page(rows, seen, cursor)

    async def iter_counts(self, since: datetime | None = None) -> AsyncIterator[Page[POSCount]]:
        async for rows, cursor in self._rows(since):
            yield rec.counts_page(rows, cursor)

    async def iter_sales(self, since: datetime, until: datetime) -> AsyncIterator[Page[POSSale]]:
        """A custom source reports no sales: one empty page."""
        yield Page()

    async def _rows(
        self, since: datetime | None
    ) -> AsyncIterator[tuple[list[rec.Row | str], str | None]]:
        params: dict[str, Any] = {}
        since_param = self.mapping.since_param
        server_filters = since is not None and since_param is not None
        if since is not None and since_param is not None:
            params[since_param] = self._since_value(since)
        async for number, records, cursor in self._pages(params):
            rows = [
                rec.parse_row(r, self.mapping, f"record {i + 1} of page {number}")
                for i, r in enumerate(records)
            ]
            if not server_filters:  # the source cannot filter: drop unchanged rows here
                rows = [r for r in rows if isinstance(r, str) or rec.newer_than(r, since)]
            yield rows, cursor

    async def _pages(
        self, params: dict[str, Any]
    ) -> AsyncIterator[tuple[int, list[Any], str | None]]:
        """(page number, records, cursor resuming after them; None on the last page)."""
        pagination = self.mapping.pagination
        if pagination.type == "cursor":
            async for cursor_page in self._cursor_pages(params):
                yield cursor_page
        elif pagination.type == "page":
            async for numbered_page in self._numbered_pages(params):
                yield numbered_page
        else:
            yield 1, self._records_of(await self._get(params)), None

    async def _numbered_pages(
        self, params: dict[str, Any]
    ) -> AsyncIterator[tuple[int, list[Any], str | None]]:
        pagination = self.mapping.pagination
        page = pagination.start
        while True:
            query = {**params, pagination.page_param: page}
            if pagination.size_param:
                query[pagination.size_param] = pagination.size
            body = await self._get(query)
            records = self._records_of(body)
            more = self._more_pages(body, records, page)
            yield page, records, (str(page + 1) if more else None)
            if not more:
                return
            page += 1

    async def _cursor_pages(
        self, params: dict[str, Any]
    ) -> AsyncIterator[tuple[int, list[Any], str | None]]:
        pagination = self.mapping.pagination
        cursor: str | None = None
        number = 1
        while True:
            query = dict(params)
            if pagination.size_param:
                query[pagination.size_param] = pagination.size
            if cursor is not None:
                query[pagination.cursor_param] = cursor
            body = await self._get(query)
            raw_next = rec.dig(body, pagination.next_cursor_key)
            following = str(raw_next) if rec.found(raw_next) else None
            if following is not None and following == cursor:
                raise InventorySyncError(
                    f"{NAME} answered with the same cursor twice ({following!r}); stopping "
                    "rather than reading the same page forever.",
                    retryable=False,
                )
            yield number, self._records_of(body), following
            if following is None:
                return
            cursor, number = following, number + 1

    def _more_pages(self, body: Any, records: list[Any], page: int) -> bool:
        pagination = self.mapping.pagination
        if pagination.total_pages_key:
            total = rec.whole_number(rec.dig(body, pagination.total_pages_key))
            if total is not None:
                return page - pagination.start + 1 < total
        if pagination.size_param:
            return len(records) >= pagination.size
        return bool(records)  # no size to compare with: the first empty page ends the list

    async def _get(self, params: Mapping[str, Any]) -> Any:
        response = await self._http.request("GET", self.mapping.items_path, params=params)
        return HttpTransport.json(response)

    def _records_of(self, body: Any) -> list[Any]:
        key = self.mapping.records_key
        records = rec.dig(body, key) if key else body
        if not isinstance(records, list):
            where = f"at {key!r}" if key else "at the top level"
            raise InventorySyncError(
                f"{NAME} answered {self.mapping.items_path} without a list of records {where}.",
                retryable=False,
            )
        return records

    def _since_value(self, since: datetime) -> str:
        aware = since if since.tzinfo else since.replace(tzinfo=UTC)
        if self.mapping.since_format == "epoch":
            return str(int(aware.timestamp()))
        if self.mapping.since_format == "epoch_ms":
            return str(int(aware.timestamp() * 1000))
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")

    # -- writes ------------------------------------------------------------------------------
    async def push_adjustments(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        """POST ``{"adjustments": [{"id","location","delta","idempotencyKey"}]}`` in batches.

        The source is expected to apply each idempotency key once. An answer
        ``{"results": [{"quantity"?, "error"?}, …]}`` (one per adjustment, in order) is read
        for per-item outcomes; any other 2xx answer means all were applied."""
        path = self.mapping.adjust_path
        if path is None:
            return rec.refused(changes)
        size = self.mapping.adjust_batch_size
        outcomes: list[PushOutcome] = []
        for start in range(0, len(changes), size):
            outcomes += await self._post_adjustments(path, changes[start : start + size])
        return outcomes

    async def set_quantities(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        return rec.refused(sets, rec.READ_ONLY if self.mapping.adjust_path is None else NO_SETS)

    async def _post_adjustments(
        self, path: str, changes: Sequence[POSAdjustment]
    ) -> list[PushOutcome]:
        body = {
            "adjustments": [
                {
                    "id": c.external_item_id,
                    "location": c.location_id,
                    "delta": c.delta,
                    "idempotencyKey": c.idempotency_key,
                }
                for c in changes
            ]
        }
        try:
            response = await self._http.request(
                "POST", path, json_body=body, ok_statuses=(200, 201, 202, 204)
            )
        except POSSystemUnavailableError:
            raise  # nothing known; a retry is safe because every change carries its key
        except InventorySyncError as err:
            return rec.refused(changes, err.message)
        answer = (
            None
            if response.status_code == 204 or not response.content
            else HttpTransport.json(response)
        )
        results = answer.get("results") if isinstance(answer, Mapping) else None
        if not isinstance(results, list) or len(results) != len(changes):
            return [PushOutcome(c.external_item_id, c.location_id, ok=True) for c in changes]
        return [_outcome(c, r) for c, r in zip(changes, results, strict=True)]


class _Transport(HttpTransport):
    """An :class:`HttpTransport` whose debug log also hides the mapping's ``authHeader``,
    which ``http.SECRET_NAMES`` cannot know about."""

    def __init__(self, *args: Any, secret_headers: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._secret_headers = secret_headers

    def _log_exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        response: httpx.Response,
        started: float,
    ) -> None:
        headers = {
            k: ("***" if k.lower() in self._secret_headers else v)
            for k, v in redact(dict(response.request.headers)).items()
        }
        log.debug(
            "%s %s %s params=%s headers=%s body=%s -> %s in %.0f ms: %s",
            self.name,
            method,
            path,
            redact(params or {}),
            headers,
            json.dumps(json_body)[:500] if json_body is not None else "",
            response.status_code,
            (time.perf_counter() - started) * 1000,
            self.response_text(response, response.text[:500]),
        )


def _outcome(change: POSAdjustment, result: Any) -> PushOutcome:
    if not isinstance(result, Mapping):
        return PushOutcome(change.external_item_id, change.location_id, ok=True)
    error = result.get("error")
    if error or result.get("ok") is False:
        text = (
            error.get("message", str(error))
            if isinstance(error, Mapping)
            else str(error or "rejected")
        )
        return PushOutcome(change.external_item_id, change.location_id, ok=False, error=text)
    quantity = rec.whole_number(result.get("quantity")) if "quantity" in result else None
    return PushOutcome(change.external_item_id, change.location_id, ok=True, quantity=quantity)


def _auth_headers(mapping: SourceMapping, credentials: Mapping[str, str]) -> dict[str, str]:
    key = credentials.get("api_key")
    if not key:
        return {}
    if mapping.auth_header and mapping.auth_header.lower() != "authorization":
        return {mapping.auth_header: key}
    return {"Authorization": f"Bearer {key}"}


def error_text(response: httpx.Response, *, error_key: str | None = None) -> str:
    """The source's own words: the value at ``errorKey``, else a usual error key."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200].strip() or response.reason_phrase
    for key in (error_key,) if error_key else _ERROR_KEYS:
        value = rec.dig(body, key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, Mapping):
            value = value.get("message") or value.get("detail") or json.dumps(value)
        if rec.found(value):
            return str(value)[:300]
    return default_error_text(response)
