"""Square stock writes: BatchChangeInventory (``POST /v2/inventory/changes/batch-create``).

- At most 100 changes per request; larger inputs are split into chunks.
- Each request's ``idempotency_key`` is a uuid5 over the sorted keys of the changes in it,
  and the chunking itself depends only on those keys, so re-pushing the same changes (a
  retry, a re-queued push after a crash) sends the same keys and Square applies them once.
- ``occurred_at`` must be within the last 24 h and not in the future (pitfall 3): an older
  one is clamped to "now", and the clamped value is remembered per change key, so a re-push
  from this process sends a byte-identical body (Square answers a same key with a different
  body with ``IDEMPOTENCY_KEY_REUSED``).
- Square applies a request all or nothing. When one bad change (an unknown variation, say)
  fails a chunk, the chunk is halved and retried so the other changes still land; the halves
  have keys of their own, and the failed request was not applied, so nothing lands twice.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from possync_gui.pos.base import POSAdjustment, POSSet, PushOutcome
from possync_gui.pos.square.records import (
    IN_STOCK,
    error_codes,
    errors_text,
    format_quantity,
    format_time,
    in_stock_quantities,
)

log = logging.getLogger("possync.pos")

PATH = "/v2/inventory/changes/batch-create"
MAX_CHANGES = 100
#: Square's limit is 24 h; keep a margin for the time a request spends in retries.
MAX_AGE = timedelta(hours=24) - timedelta(minutes=10)
_NAMESPACE = uuid.UUID("6f1c3f0e-4b53-5d6a-9a51-8e0f1c2d3b4a")
_REMEMBERED = 20_000
#: Errors that concern the request as a whole: halving the chunk cannot help. A reused key
#: in particular must never be retried under new keys (the first request may have landed).
_WHOLE_REQUEST_CODES = frozenset(
    {"IDEMPOTENCY_KEY_REUSED", "API_VERSION_INCOMPATIBLE", "INVALID_SQUARE_VERSION_FORMAT"}
)

Change = POSAdjustment | POSSet
#: Sends one request body; returns (HTTP status, decoded JSON body).
Send = Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True, slots=True)
class _Result:
    ok: bool
    quantities: dict[tuple[str, str], int | None]
    error: str | None = None


def request_key(kind: str, keys: Sequence[str]) -> str:
    """The request's idempotency key: stable for the same change keys, in any order."""
    return str(uuid.uuid5(_NAMESPACE, kind + "\n" + "\n".join(sorted(keys))))


class ChangePusher:
    """Turns adjustments and sets into BatchChangeInventory requests and outcomes."""

    def __init__(self, send: Send, clock: Callable[[], datetime]) -> None:
        self._send = send
        self._clock = clock
        #: change key → the occurred_at sent for it, when it had to be clamped.
        self._clamped: OrderedDict[str, str] = OrderedDict()

    async def push(self, kind: str, changes: Sequence[Change]) -> list[PushOutcome]:
        """One outcome per input change, in input order; a key given twice is sent once."""
        unique: dict[str, Change] = {}
        results: dict[str, _Result] = {}
        for change in changes:
            if isinstance(change, POSAdjustment) and change.delta == 0:
                results[change.idempotency_key] = _Result(True, {})  # nothing to send
            else:
                unique.setdefault(change.idempotency_key, change)
        ordered = [unique[k] for k in sorted(unique)]
        for start in range(0, len(ordered), MAX_CHANGES):
            await self._push_chunk(kind, ordered[start : start + MAX_CHANGES], results)
        return [_outcome(c, results[c.idempotency_key]) for c in changes]

    async def _push_chunk(
        self, kind: str, chunk: Sequence[Change], results: dict[str, _Result]
    ) -> None:
        keys = [c.idempotency_key for c in chunk]
        body: dict[str, Any] = {
            "idempotency_key": request_key(kind, keys),
            "changes": [self._change(c) for c in chunk],
        }
        if kind == "set":
            # Default true ignores a count equal to the last *physical count*, even when
            # sales moved the stock since; a set must always land.
            body["ignore_unchanged_counts"] = False
        status, answer = await self._send(body)
        errors = answer.get("errors") if isinstance(answer, Mapping) else None
        if status == 200 and not errors:
            found = in_stock_quantities((answer or {}).get("counts") or [])
            for key in keys:
                results[key] = _Result(True, found)
            return
        text = errors_text(errors) or f"Square answered {status} without an error text"
        if len(chunk) > 1 and not error_codes(answer) & _WHOLE_REQUEST_CODES:
            log.info("Square refused a batch of %d changes (%s); halving it", len(chunk), text)
            half = len(chunk) // 2
            await self._push_chunk(kind, chunk[:half], results)
            await self._push_chunk(kind, chunk[half:], results)
            return
        for key in keys:
            results[key] = _Result(False, {}, text)

    def _change(self, change: Change) -> dict[str, Any]:
        where = {
            "catalog_object_id": change.external_item_id,
            "location_id": change.location_id,
            "occurred_at": self._occurred_at(change),
        }
        if isinstance(change, POSSet):
            count = {**where, "state": IN_STOCK, "quantity": format_quantity(change.quantity)}
            return {"type": "PHYSICAL_COUNT", "physical_count": count}
        from_state, to_state = ("NONE", IN_STOCK) if change.delta > 0 else (IN_STOCK, "WASTE")
        adjustment = {
            **where,
            "from_state": from_state,
            "to_state": to_state,
            "quantity": format_quantity(abs(change.delta)),
        }
        if change.reference:
            adjustment["reference_id"] = change.reference[:255]
        return {"type": "ADJUSTMENT", "adjustment": adjustment}

    def _occurred_at(self, change: Change) -> str:
        now = self._clock().astimezone(UTC)
        when = change.occurred_at
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if now - MAX_AGE < when <= now:
            return format_time(when)
        key = change.idempotency_key
        remembered = self._clamped.get(key)
        if remembered is not None and now - MAX_AGE < _parse(remembered) <= now:
            return remembered
        stamp = format_time(now)
        self._clamped[key] = stamp
        self._clamped.move_to_end(key)
        while len(self._clamped) > _REMEMBERED:
            self._clamped.popitem(last=False)
        return stamp


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def _outcome(change: Change, result: _Result) -> PushOutcome:
    quantity = result.quantities.get((change.external_item_id, change.location_id))
    return PushOutcome(
        external_item_id=change.external_item_id,
        location_id=change.location_id,
        ok=result.ok,
        quantity=quantity,
        error=result.error,
    )
