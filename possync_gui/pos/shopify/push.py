"""Stock writes: ``inventoryAdjustQuantities`` (deltas) and ``inventorySetQuantities``
(absolute, compare-and-set), in batches of at most ``MAX_BATCH`` entries.

Idempotency: each batch's ``@idempotent`` key is a UUID derived from the idempotency keys
of the changes in it, so the transport's retry of a lost answer, or a later re-push of the
same changes, carries the same key and Shopify applies it once. Because a forum report says
2026-04 did not always dedupe (POS_APIS.md §2.4), the pusher also remembers the keys it saw
applied and does not send them again.

A rejected entry is reported with Shopify's own ``userErrors`` text. When Shopify applied
nothing of a batch (``inventoryAdjustmentGroup: null``), the entries it did not blame are
sent again on their own, so one stale count does not hold back 249 good changes.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from possync_gui.pos.base import POSAdjustment, POSSet, PushOutcome
from possync_gui.pos.shopify.client import ShopifyClient, ShopifyGraphQLError
from possync_gui.pos.shopify.queries import (
    MAX_BATCH,
    REASON,
    REFERENCE_PREFIX,
    ApiVersion,
    adjust_mutation,
    set_mutation,
)

STALE_CODES = frozenset({"CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"})
#: "This request is currently in progress, please try again." — our own earlier attempt.
BUSY_CODE = "IDEMPOTENCY_CONCURRENT_REQUEST"
_KEY_NAMESPACE = uuid.UUID("8a4c3f1e-2b7d-4e59-9c1a-6f0d5e3b2a71")
_REMEMBERED_KEYS = 20_000


@dataclass(frozen=True, slots=True)
class _Kind:
    name: str
    field: str
    list_name: str
    document: Callable[[str | None], str]


ADJUST = _Kind("adjust", "inventoryAdjustQuantities", "changes", adjust_mutation)
SET = _Kind("set", "inventorySetQuantities", "quantities", set_mutation)


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int  # position in the caller's list
    item: str
    location: str
    key: str  # the caller's idempotency key
    body: dict[str, Any]  # the changes/quantities element sent to Shopify


class InventoryPusher:
    """Sends batches of stock writes and turns the answers into one outcome per change."""

    def __init__(
        self,
        client: ShopifyClient,
        version: ApiVersion,
        *,
        sleep: Callable[[float], Awaitable[None]],
        max_attempts: int,
        backoff: float,
    ) -> None:
        self._client = client
        self._version = version
        self._sleep = sleep
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._applied: OrderedDict[tuple[str, str], PushOutcome] = OrderedDict()

    async def adjust(self, changes: Sequence[POSAdjustment]) -> list[PushOutcome]:
        entries, done = [], {}
        for i, change in enumerate(changes):
            if change.delta == 0:
                done[i] = PushOutcome(change.external_item_id, change.location_id, ok=True)
                continue
            body: dict[str, Any] = {
                "inventoryItemId": change.external_item_id,
                "locationId": change.location_id,
                "delta": change.delta,
            }
            if self._version.has_change_from:
                # Mandatory from 2026-04 (value or null); null: a delta needs no CAS.
                body["changeFromQuantity"] = None
            entries.append(
                _Entry(i, change.external_item_id, change.location_id, change.idempotency_key, body)
            )
        return await self._push(ADJUST, entries, done, len(changes))

    async def set(self, sets: Sequence[POSSet]) -> list[PushOutcome]:
        # Before 2026-01 the compare-and-set field is compareQuantity; from 2026-04 it is
        # gone and changeFromQuantity must be sent (POS_APIS.md §2.4).
        cas = "changeFromQuantity" if self._version.has_change_from else "compareQuantity"
        entries = [
            _Entry(
                i,
                s.external_item_id,
                s.location_id,
                s.idempotency_key,
                {
                    "inventoryItemId": s.external_item_id,
                    "locationId": s.location_id,
                    "quantity": s.quantity,
                    cas: s.expected,
                },
            )
            for i, s in enumerate(sets)
        ]
        return await self._push(SET, entries, {}, len(sets))

    async def _push(
        self, kind: _Kind, entries: list[_Entry], done: dict[int, PushOutcome], total: int
    ) -> list[PushOutcome]:
        fresh = []
        for entry in entries:
            remembered = self._applied.get((kind.name, entry.key))
            if remembered is not None:
                done[entry.index] = remembered
            else:
                fresh.append(entry)
        for start in range(0, len(fresh), MAX_BATCH):
            done.update(await self._batch(kind, fresh[start : start + MAX_BATCH]))
        return [done[i] for i in range(total)]

    async def _batch(self, kind: _Kind, batch: list[_Entry]) -> dict[int, PushOutcome]:
        results: dict[int, PushOutcome] = {}
        pending, busy_retries = batch, 0
        while pending:
            batch_id = str(
                uuid.uuid5(_KEY_NAMESPACE, kind.name + "\n" + "\n".join(e.key for e in pending))
            )
            try:
                payload = await self._send(kind, batch_id, pending)
            except ShopifyGraphQLError as err:
                results.update({e.index: _failed(e, err.message) for e in pending})
                break
            errors = [e for e in payload.get("userErrors") or [] if isinstance(e, dict)]
            group = payload.get("inventoryAdjustmentGroup")
            if (
                any(e.get("code") == BUSY_CODE for e in errors)
                and busy_retries < self._max_attempts
            ):
                busy_retries += 1
                await self._sleep(self._backoff * 2**busy_retries)
                continue
            blamed = _blame(errors, len(pending), kind.list_name)
            if errors and blamed is None:  # not about any one entry: the whole call failed
                text = "Shopify: " + "; ".join(str(e.get("message")) for e in errors)
                results.update({e.index: _failed(e, text) for e in pending})
                break
            blamed = blamed or {}
            for pos, (text, stale) in blamed.items():
                results[pending[pos].index] = _failed(pending[pos], text, stale=stale)
            rest = [e for pos, e in enumerate(pending) if pos not in blamed]
            if isinstance(group, dict) or not blamed:
                results.update(self._succeeded(kind, rest, group))
                break
            pending = rest  # Shopify applied none of it: send the unblamed ones again
        return results

    async def _send(self, kind: _Kind, batch_id: str, pending: list[_Entry]) -> dict[str, Any]:
        key = batch_id if self._version.has_change_from else None
        variables = {
            "input": {
                "name": "available",
                "reason": REASON,
                "referenceDocumentUri": REFERENCE_PREFIX + batch_id,
                kind.list_name: [e.body for e in pending],
            }
        }
        data = await self._client.graphql(
            f"Possync{kind.name.title()}", kind.document(key), variables
        )
        payload = data.get(kind.field)
        if not isinstance(payload, dict):
            raise ShopifyGraphQLError(f"Shopify answered {kind.field} without a result.")
        return payload

    def _succeeded(self, kind: _Kind, entries: list[_Entry], group: Any) -> dict[int, PushOutcome]:
        after: dict[tuple[str, str], int] = {}
        for change in (group or {}).get("changes") or []:
            if change.get("name") == "available":
                pair = (
                    str((change.get("item") or {}).get("id")),
                    str((change.get("location") or {}).get("id")),
                )
                quantity = change.get("quantityAfterChange")
                if isinstance(quantity, int):
                    after[pair] = quantity
        results = {}
        for entry in entries:
            outcome = PushOutcome(
                entry.item,
                entry.location,
                ok=True,
                quantity=after.get((entry.item, entry.location)),
            )
            results[entry.index] = outcome
            self._applied[(kind.name, entry.key)] = outcome
            if len(self._applied) > _REMEMBERED_KEYS:
                self._applied.popitem(last=False)
        return results


def _failed(entry: _Entry, text: str, *, stale: bool = False) -> PushOutcome:
    return PushOutcome(entry.item, entry.location, ok=False, error=text, stale=stale)


def _blame(
    errors: list[dict[str, Any]], size: int, list_name: str
) -> dict[int, tuple[str, bool]] | None:
    """Entry position → (Shopify's messages, stale?) from ``field`` paths such as
    ``["input", "quantities", "3", "changeFromQuantity"]``; None when an error names no entry."""
    blamed: dict[int, tuple[str, bool]] = {}
    for error in errors:
        field = [str(part) for part in error.get("field") or []]
        try:
            pos = int(field[field.index(list_name) + 1])
        except (ValueError, IndexError):
            return None
        if not 0 <= pos < size:
            return None
        text, stale = blamed.get(pos, ("", False))
        message = str(error.get("message") or error.get("code") or "rejected")
        blamed[pos] = (
            f"{text}; {message}" if text else message,
            stale or error.get("code") in STALE_CODES,
        )
    return blamed
