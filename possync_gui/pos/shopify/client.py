"""Calls to one shop on top of :class:`HttpTransport`: GraphQL with Shopify's query-cost
throttling (answered with HTTP 200, POS_APIS.md §2.6), REST with the
``X-Shopify-Shop-Api-Call-Limit`` leaky bucket, and Shopify's error texts.

HTTP-level trouble (timeouts, 5xx, 429 + Retry-After, 401) is the transport's; this module
handles what arrives inside a 200 and the waits Shopify asks for.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from possync_gui.domain.errors import InventorySyncError, POSSystemUnavailableError
from possync_gui.pos.http import HttpTransport, default_error_text

log = logging.getLogger("possync.pos")

#: The REST bucket leaks 2 calls/s on the standard plan (more on larger plans); assuming
#: the slowest rate only costs a little waiting when the bucket is nearly full.
REST_LEAK_PER_S = 2.0
#: The longest single wait for GraphQL points; Shopify's own figures stay far below it.
MAX_THROTTLE_WAIT_S = 60.0
_LINK_NEXT = re.compile(r'<([^>]+)>;\s*rel="?next"?')


class ShopifyGraphQLError(InventorySyncError):
    """Shopify answered 200 with top-level GraphQL ``errors`` (other than throttling)."""


def errors_text(errors: Any) -> str:
    """Shopify's own words from an ``errors`` value: a string, a list of GraphQL errors,
    or an object of field → messages (POS_APIS.md §2.6)."""
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        parts = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
        return "; ".join(parts)
    if isinstance(errors, dict):
        parts = []
        for name, value in errors.items():
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{name}: {text}")
        return "; ".join(parts)
    return str(errors)


def error_text(response: httpx.Response) -> str:
    """The text of a non-2xx answer, for the transport's error messages."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return default_error_text(response)
    if isinstance(body, dict) and "errors" in body:
        text = errors_text(body["errors"])
    elif isinstance(body, dict) and "error" in body:  # OAuth-style
        text = f"{body['error']}: {body.get('error_description', '')}".rstrip(": ")
    else:
        text = default_error_text(response)
    if response.status_code == 404:
        # Most often a shop address or an API version Shopify no longer serves.
        text += f" ({response.request.url.path}: check the shop address and API version)"
    return text


@dataclass
class _Bucket:
    """The last ``throttleStatus`` Shopify reported."""

    available: float
    maximum: float
    restore_rate: float
    at: float

    def now_available(self, now: float) -> float:
        return min(self.maximum, self.available + self.restore_rate * (now - self.at))


class ShopifyClient:
    """GraphQL and REST requests to one shop and API version."""

    def __init__(
        self,
        http: HttpTransport,
        api_version: str,
        *,
        sleep: Callable[[float], Awaitable[None]],
        max_attempts: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.prefix = f"/admin/api/{api_version}"
        self._sleep = sleep
        self._max_attempts = max(1, max_attempts)
        self._clock = clock
        self._bucket: _Bucket | None = None
        #: Requested cost of each operation when last sent, to wait *before* a query the
        #: bucket cannot pay for instead of collecting a THROTTLED answer.
        self._costs: dict[str, float] = {}
        self._rest_used = 0.0
        self._rest_size = 40.0
        self._rest_at = 0.0

    # -- GraphQL ---------------------------------------------------------------------------
    async def graphql(self, operation: str, query: str, variables: Mapping[str, Any]) -> Any:
        """``data`` of a GraphQL answer; waits out THROTTLED answers and retries them."""
        for _attempt in range(self._max_attempts):
            await self._wait_for_points(operation)
            response = await self.http.request(
                "POST",
                f"{self.prefix}/graphql.json",
                json_body={"query": query, "variables": dict(variables)},
            )
            body = HttpTransport.json(response)
            if not isinstance(body, dict):
                raise InventorySyncError("Shopify answered GraphQL with something unexpected.")
            cost = self._note_cost(operation, body.get("extensions"))
            errors = body.get("errors")
            if errors and _throttled(errors):
                wait = self._throttle_wait(cost)
                log.info("Shopify throttled %s; waiting %.2f s", operation, wait)
                await self._sleep(wait)
                self._bucket = None  # that wait was the exact deficit: no second one before sending
                continue
            if errors:
                raise ShopifyGraphQLError(f"Shopify: {errors_text(errors)}", retryable=False)
            data = body.get("data")
            if not isinstance(data, dict):
                raise InventorySyncError("Shopify answered GraphQL without data.")
            return data
        raise POSSystemUnavailableError(
            f"Shopify kept throttling {operation} after {self._max_attempts} attempts."
        )

    def _note_cost(self, operation: str, extensions: Any) -> dict[str, Any]:
        cost = extensions.get("cost") if isinstance(extensions, dict) else None
        if not isinstance(cost, dict):
            return {}
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self._costs[operation] = float(requested)
        status = cost.get("throttleStatus")
        if isinstance(status, dict):
            try:
                self._bucket = _Bucket(
                    available=float(status["currentlyAvailable"]),
                    maximum=float(status["maximumAvailable"]),
                    restore_rate=float(status["restoreRate"]),
                    at=self._clock(),
                )
            except (KeyError, TypeError, ValueError):
                self._bucket = None
        return cost

    def _throttle_wait(self, cost: Mapping[str, Any]) -> float:
        """(requested − currently available) / restore rate: Shopify's own recipe."""
        status = cost.get("throttleStatus")
        if not isinstance(status, dict):
            return 1.0
        try:
            available = float(status["currentlyAvailable"])
            rate = float(status["restoreRate"])
            deficit = float(cost["requestedQueryCost"]) - available
        except (KeyError, TypeError, ValueError):
            return 1.0
        if rate <= 0:
            return 1.0
        return min(max(deficit, 1.0) / rate, MAX_THROTTLE_WAIT_S)

    async def _wait_for_points(self, operation: str) -> None:
        bucket, needed = self._bucket, self._costs.get(operation)
        if bucket is None or needed is None or bucket.restore_rate <= 0:
            return
        available = bucket.now_available(self._clock())
        if available < needed:
            await self._sleep(min((needed - available) / bucket.restore_rate, MAX_THROTTLE_WAIT_S))

    # -- REST ------------------------------------------------------------------------------
    async def rest_get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """One REST GET (``path`` relative to the version prefix, or a full ``Link`` URL)."""
        body, _response = await self._rest(path, params)
        return body

    async def rest_pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[Any]:
        """Each page of a REST listing, following ``Link: <…>; rel="next"`` as given."""
        url: str | None = path
        query: Mapping[str, Any] | None = params
        while url is not None:
            body, response = await self._rest(url, query)
            yield body
            match = _LINK_NEXT.search(response.headers.get("Link", ""))
            # page_info is opaque: follow the URL untouched, without our own parameters.
            url, query = (self._same_shop(match.group(1)), None) if match else (None, None)

    def _same_shop(self, url: str) -> str:
        # The token goes with every request: never follow a link to another host.
        if urlsplit(url).netloc != urlsplit(self.http.base_url).netloc:
            raise InventorySyncError(f"Shopify's next-page link leaves the shop: {url[:80]}")
        return url

    async def _rest(
        self, path: str, params: Mapping[str, Any] | None
    ) -> tuple[Any, httpx.Response]:
        await self._wait_for_rest_bucket()
        url = path if path.startswith("http") else f"{self.prefix}/{path}"
        response = await self.http.request("GET", url, params=params)
        self._note_call_limit(response.headers.get("X-Shopify-Shop-Api-Call-Limit"))
        return HttpTransport.json(response), response

    def _note_call_limit(self, header: str | None) -> None:
        used, _, size = (header or "").partition("/")
        try:
            self._rest_used, self._rest_size = float(used), float(size)
        except ValueError:
            return
        self._rest_at = self._clock()

    async def _wait_for_rest_bucket(self) -> None:
        # Keep one call of headroom: a full bucket answers 429, which costs a Retry-After.
        used = self._rest_used - REST_LEAK_PER_S * (self._clock() - self._rest_at)
        over = used - (self._rest_size - 2)
        if over > 0:
            await self._sleep(over / REST_LEAK_PER_S)


def _throttled(errors: Any) -> bool:
    if not isinstance(errors, list):
        return False
    return any(
        isinstance(e, dict)
        and isinstance(e.get("extensions"), dict)
        and e["extensions"].get("code") == "THROTTLED"
        for e in errors
    )
