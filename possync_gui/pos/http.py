"""HTTP for every adapter: one shared ``httpx.AsyncClient`` per integration, retries with
tenacity, rate-limit handling, and the error classification of STYLE.md habit 8.

- 429: wait ``Retry-After`` (seconds or HTTP date) when given, else back off exponentially.
- timeouts, connection errors and 5xx: retried with exponential backoff and jitter.
- still failing after the last attempt: :class:`POSSystemUnavailableError` (retryable).
- 401/403 and other 4xx: :class:`InventorySyncError` (not retryable) carrying the POS's own
  error text, extracted by the adapter's ``error_text``.
Secrets never reach a log line or an error message: headers and query parameters named in
``SECRET_NAMES`` are redacted in debug logs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import functools
import ipaddress
import json
import logging
import os
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from possync_gui.domain.errors import (
    InventorySyncError,
    POSSystemUnavailableError,
    ValidationError,
)

log = logging.getLogger("possync.pos")

SECRET_NAMES = frozenset(
    {
        "authorization",
        "x-shopify-access-token",
        "consumer_key",
        "consumer_secret",
        "access_token",
        "api_key",
        "apikey",
        "token",
        "password",
    }
)
MAX_RETRY_AFTER_S = 60.0


class _RetryableError(Exception):
    """Internal: a response or failure worth another attempt."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def check_base_url(url: str) -> str:
    """POS URLs must be https, except on loopback (tests, local fakes)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"Not a web address: {url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValidationError(
            f"{url} must use https: possync never sends POS keys over plain http."
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, min(seconds, MAX_RETRY_AFTER_S))


def redact(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k.lower() in SECRET_NAMES else v) for k, v in mapping.items()}


def secret_values(request: httpx.Request, names: frozenset[str] = frozenset()) -> set[str]:
    """The credentials ``request`` carried (secret headers, Basic auth, secret query values):
    a POS may echo them back in an answer, which must then not reach a log or a message."""
    found: set[str] = set()
    secret = SECRET_NAMES | names
    for name, value in request.headers.items():
        if name.lower() not in secret:
            continue
        found.add(value)
        scheme, _, credential = value.partition(" ")
        if credential:
            found.add(credential)
        if scheme.lower() == "basic":
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                found.update(base64.b64decode(credential).decode().split(":", 1))
    found.update(v for k, v in request.url.params.multi_items() if k.lower() in secret)
    return {v for v in found if len(v) >= 4}


def scrub(text: str, secrets: set[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``***``."""
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, "***")
    return text


def default_error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200] or response.reason_phrase
    return json.dumps(body)[:300]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client: loading the CA bundle takes ~80 ms, too
    long to repeat on the GUI thread for each sync (an ``SSLContext`` may be shared)."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


class HttpTransport:
    """Requests to one POS with retries and error mapping. Owns its ``AsyncClient``."""

    #: Header names (lower case) that carry credentials beyond ``SECRET_NAMES``.
    _secret_headers: frozenset[str] = frozenset()

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        error_text: Callable[[httpx.Response], str] = default_error_text,
        timeout: float = 15.0,
        max_attempts: int = 5,
        backoff_initial: float = 0.5,
        backoff_max: float = 20.0,
        debug: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = check_base_url(base_url)
        self._error_text = error_text
        self._max_attempts = max_attempts
        self._backoff = wait_exponential_jitter(
            multiplier=backoff_initial, max=backoff_max, jitter=backoff_initial
        )
        self._debug = debug
        self._sleep = sleep
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=dict(headers or {}),
            auth=auth,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            verify=_tls_context(),
        )
        self.requests_made = 0

    async def aclose(self) -> None:
        await self.client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        ok_statuses: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        """Send with retries; returns the response or raises a mapped domain error."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_RetryableError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(method, path, params, json_body, ok_statuses)
        except _RetryableError as err:
            raise POSSystemUnavailableError(
                f"{self.name} is unavailable after {self._max_attempts} attempts: {err.message}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    async def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        ok_statuses: tuple[int, ...],
    ) -> httpx.Response:
        started = time.perf_counter()
        self.requests_made += 1
        try:
            response = await self.client.request(method, path, params=params, json=json_body)
        except httpx.TimeoutException:
            timeout = self.client.timeout.read or 0
            raise _RetryableError(f"no answer within {timeout:.0f} s") from None
        except httpx.TransportError as err:
            raise _RetryableError(f"cannot connect ({type(err).__name__})") from None
        if self._debug():
            self._log_exchange(method, path, params, json_body, response, started)
        status = response.status_code
        if status in ok_statuses:
            return response
        text = self.response_text(response, self._error_text(response))
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise _RetryableError(f"rate limited (429): {text}", retry_after)
        if status >= 500:
            raise _RetryableError(f"server error {status}: {text}")
        if status in (401, 403):
            raise InventorySyncError(
                f"{self.name} refused the credentials ({status}): {text}", retryable=False
            )
        raise InventorySyncError(
            f"{self.name} rejected the request ({status}): {text}", retryable=False
        )

    def _log_exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        response: httpx.Response,
        started: float,
    ) -> None:
        log.debug(
            "%s %s %s params=%s headers=%s body=%s -> %s in %.0f ms: %s",
            self.name,
            method,
            path,
            redact(params or {}),
            redact(dict(response.request.headers)),
            json.dumps(json_body)[:500] if json_body is not None else "",
            response.status_code,
            (time.perf_counter() - started) * 1000,
            self.response_text(response, response.text[:500]),
        )

    def response_text(self, response: httpx.Response, text: str) -> str:
        """``text`` from ``response`` without the credentials its request carried."""
        return scrub(text, secret_values(response.request, self._secret_headers))

    @staticmethod
    def json(response: httpx.Response) -> Any:
        """The body as JSON, or an :class:`InventorySyncError` naming the malformed answer."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            snippet = scrub(response.text[:80], secret_values(response.request)).replace("\n", " ")
            raise InventorySyncError(
                f"The POS answered with something that is not JSON: {snippet!r}", retryable=True
            ) from None
