"""Stock writes to WooCommerce: read the current quantity, write a new absolute one.

WooCommerce has no atomic relative update (pitfall 8), so an adjustment is "read
``stock_quantity``, write ``current + delta``" through the batch endpoints (≤100 items per
request; variations through their parent's ``variations/batch``). A sale landing between
our read and our write is overwritten; the window is one request long.

Idempotency across processes: every write also stores ``meta_data``
``{"key": "_possync_last_adjustment", "value": "<idempotency key>"}`` and, because one push
may carry several changes for the same product, ``_possync_recent_adjustments`` with the
last :data:`RECENT_KEYS` keys. A change whose key is already in either is skipped (reported
ok with the current quantity), so a retried or replayed push is applied once even from
another process. Keys older than the recent window are forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from possync_gui.domain.errors import InventorySyncError, POSSystemUnavailableError
from possync_gui.pos.base import PushOutcome
from possync_gui.pos.http import HttpTransport
from possync_gui.pos.woocommerce import records as rec

log = logging.getLogger("possync.pos")

BATCH_LIMIT = 100
LAST_KEY = "_possync_last_adjustment"
RECENT_KEY = "_possync_recent_adjustments"
RECENT_KEYS = 50


class Requester(Protocol):
    def __call__(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        ok_statuses: tuple[int, ...] = (200, 201),
    ) -> Awaitable[httpx.Response]: ...


@dataclass(frozen=True, slots=True)
class StockOp:
    """One requested change: a ``delta``, or a ``quantity`` to set if ``expected`` holds."""

    index: int
    item_id: str
    location_id: str
    key: str
    delta: int | None = None
    quantity: int | None = None
    expected: int | None = None


@dataclass
class _Plan:
    """Everything to write to one stock pool (a product or a self-managed variation)."""

    target: str
    parent: str | None
    current: int
    seen: list[str]
    new: int = 0
    keys: list[str] = field(default_factory=list)
    ops: list[StockOp] = field(default_factory=list)
    done: list[StockOp] = field(default_factory=list)
    stale: list[tuple[StockOp, int]] = field(default_factory=list)


class StockWriter:
    """Applies :class:`StockOp` lists; one :class:`PushOutcome` per op, in order."""

    def __init__(self, request: Requester, parent_of: dict[str, str | None]) -> None:
        self._request = request
        self._parent_of = parent_of

    async def apply(self, ops: list[StockOp]) -> list[PushOutcome]:
        outcomes: dict[int, PushOutcome] = {}
        valid = []
        for op in ops:
            problem = _check(op)
            if problem:
                outcomes[op.index] = _failed(op, problem)
            else:
                valid.append(op)
        records, errors = await self._read({op.item_id for op in valid})
        plans: dict[str, _Plan] = {}
        for op in valid:
            plan_or_error = self._plan_for(op, records, errors, plans)
            if isinstance(plan_or_error, str):
                outcomes[op.index] = _failed(op, plan_or_error)
            else:
                _simulate(plan_or_error, op)
        written = await self._write([p for p in plans.values() if p.keys])
        for plan in plans.values():
            outcomes.update(_outcomes(plan, written.get(plan.target)))
        return [outcomes[op.index] for op in ops]

    # -- reading ---------------------------------------------------------------------------
    async def _read(self, ids: set[str]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """Current records by id, following ``manage_stock: "parent"`` to the parent."""
        records: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        await self._read_into(ids, records, errors)
        parents = {rec.stock_manager(r) for r in records.values()} - set(records) - {None}
        await self._read_into({p for p in parents if p}, records, errors)
        return records, errors

    async def _read_into(
        self, ids: set[str], records: dict[str, dict[str, Any]], errors: dict[str, str]
    ) -> None:
        products = sorted(i for i in ids if self._parent_of.get(i) is None)
        by_parent: dict[str, list[str]] = {}
        for i in sorted(ids - set(products)):
            by_parent.setdefault(str(self._parent_of[i]), []).append(i)
        for chunk in _chunks(products, BATCH_LIMIT):
            self._keep(await self._list("/products", chunk), records)
        for parent, vids in by_parent.items():
            for chunk in _chunks(vids, BATCH_LIMIT):
                self._keep(await self._list(f"/products/{parent}/variations", chunk), records)
        # Unknown ids (variations of a parent we never saw): /products/{id} answers for both.
        for missing in sorted(ids - set(records)):
            response = await self._request(
                "GET", f"/products/{missing}", ok_statuses=(200, 400, 404)
            )
            if response.status_code == 200:
                self._keep([HttpTransport.json(response)], records)
            else:
                errors[missing] = rec.error_text(response)

    async def _list(self, path: str, ids: list[str]) -> list[dict[str, Any]]:
        params = {"include": ",".join(ids), "per_page": BATCH_LIMIT}
        body = HttpTransport.json(await self._request("GET", path, params=params))
        return [r for r in body if isinstance(r, dict)] if isinstance(body, list) else []

    def _keep(self, found: Iterable[Any], records: dict[str, dict[str, Any]]) -> None:
        for record in found:
            if isinstance(record, dict) and "id" in record:
                records[str(record["id"])] = record
                parent = record.get("parent_id")
                self._parent_of[str(record["id"])] = str(parent) if parent else None

    def _plan_for(
        self,
        op: StockOp,
        records: dict[str, dict[str, Any]],
        errors: dict[str, str],
        plans: dict[str, _Plan],
    ) -> _Plan | str:
        record = records.get(op.item_id)
        if record is None:
            return errors.get(op.item_id, f"WooCommerce has no product {op.item_id}.")
        target = rec.stock_manager(record)
        if target is None:
            return f"WooCommerce does not manage stock for product {op.item_id}."
        if target in plans:
            return plans[target]
        target_record = records.get(target)
        if target_record is None:
            return errors.get(target, f"WooCommerce has no product {target}.")
        current = rec.whole_quantity(target_record.get("stock_quantity"))
        if current is None and target_record.get("stock_quantity") is not None:
            return f"stock_quantity {target_record['stock_quantity']!r} is not a whole number."
        parent = target_record.get("parent_id")
        plan = _Plan(target, str(parent) if parent else None, current or 0, _seen(target_record))
        plan.new = plan.current
        plans[target] = plan
        return plan

    # -- writing ---------------------------------------------------------------------------
    async def _write(self, plans: list[_Plan]) -> dict[str, tuple[int | None, str | None]]:
        """POST the plans in batches; (quantity, error) per target id."""
        results: dict[str, tuple[int | None, str | None]] = {}
        by_endpoint: dict[str, list[_Plan]] = {}
        for plan in plans:
            path = f"/products/{plan.parent}/variations/batch" if plan.parent else "/products/batch"
            by_endpoint.setdefault(path, []).append(plan)
        for path, group in by_endpoint.items():
            for chunk in _chunks(group, BATCH_LIMIT):
                results.update(await self._post_batch(path, chunk))
        return results

    async def _post_batch(
        self, path: str, plans: list[_Plan]
    ) -> dict[str, tuple[int | None, str | None]]:
        body = {"update": [_update_item(p) for p in plans]}
        try:
            response = await self._request("POST", path, json_body=body)
        except POSSystemUnavailableError:
            raise  # nothing is known; a retry is safe thanks to the meta marker
        except InventorySyncError as err:
            return {p.target: (None, err.message) for p in plans}
        answer = HttpTransport.json(response)
        updated = answer.get("update") if isinstance(answer, dict) else None
        if not isinstance(updated, list):
            text = f"WooCommerce answered {path} without an update list."
            return {p.target: (None, text) for p in plans}
        by_id = {str(u.get("id")): u for u in updated if isinstance(u, dict)}
        results: dict[str, tuple[int | None, str | None]] = {}
        for position, plan in enumerate(plans):
            # Failed items may carry id 0, so fall back to the position in the answer.
            item = by_id.get(plan.target)
            if item is None and position < len(updated) and isinstance(updated[position], dict):
                item = updated[position]
            results[plan.target] = _read_result(item)
        return results


def _check(op: StockOp) -> str | None:
    if op.location_id != rec.LOCATION_ID:
        return f"WooCommerce has one location, {rec.LOCATION_ID!r}, not {op.location_id!r}."
    if not op.item_id.isdigit():
        return f"{op.item_id!r} is not a WooCommerce product id."
    return None


def _simulate(plan: _Plan, op: StockOp) -> None:
    plan.ops.append(op)
    if op.key in plan.seen or op.key in plan.keys:
        log.info("WooCommerce %s: change %s was applied before; skipped", plan.target, op.key)
        plan.done.append(op)  # applied by an earlier push: do not apply twice
    elif op.delta is not None:
        plan.new += op.delta
        plan.keys.append(op.key)
    elif op.expected != plan.new:
        plan.stale.append((op, plan.new))
    else:
        plan.new = int(op.quantity or 0)
        plan.keys.append(op.key)


def _outcomes(plan: _Plan, result: tuple[int | None, str | None] | None) -> dict[int, PushOutcome]:
    quantity, error = result if result is not None else (plan.current, None)
    stale = {op.index: seen for op, seen in plan.stale}
    out: dict[int, PushOutcome] = {}
    for op in plan.ops:
        if op.index in stale:
            out[op.index] = PushOutcome(
                op.item_id,
                op.location_id,
                ok=False,
                quantity=stale[op.index],
                stale=True,
                error=f"stale: WooCommerce has {stale[op.index]}, expected {op.expected}",
            )
        elif error is not None and op not in plan.done:
            out[op.index] = _failed(op, error)
        else:
            shown = plan.current if error is not None else quantity
            out[op.index] = PushOutcome(op.item_id, op.location_id, ok=True, quantity=shown)
    return out


def _update_item(plan: _Plan) -> dict[str, Any]:
    recent = (plan.seen + plan.keys)[-RECENT_KEYS:]
    return {
        "id": int(plan.target),
        "stock_quantity": plan.new,
        "meta_data": [
            {"key": LAST_KEY, "value": plan.keys[-1]},
            {"key": RECENT_KEY, "value": recent},
        ],
    }


def _read_result(item: Mapping[str, Any] | None) -> tuple[int | None, str | None]:
    if item is None:
        return None, "WooCommerce did not report on this item."
    if item.get("error"):
        return None, rec.item_error_text(item["error"])
    return rec.whole_quantity(item.get("stock_quantity")), None


def _seen(record: Mapping[str, Any]) -> list[str]:
    """Idempotency keys already applied to this record, oldest first."""
    seen: list[str] = []
    for meta in record.get("meta_data") or []:
        if not isinstance(meta, Mapping):
            continue
        value = meta.get("value")
        if meta.get("key") == RECENT_KEY:
            values = value if isinstance(value, list) else str(value or "").split(",")
            seen = [str(v) for v in values if v] + seen
        elif meta.get("key") == LAST_KEY and value:
            seen.append(str(value))
    return seen


def _failed(op: StockOp, error: str) -> PushOutcome:
    return PushOutcome(op.item_id, op.location_id, ok=False, error=error)


def _chunks(values: list[Any], size: int) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
