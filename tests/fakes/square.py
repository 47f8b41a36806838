"""A fake Square (v2 REST) speaking the shapes of POS_APIS.md §1 and the §5 checklist.

- ``Authorization: Bearer <token>`` on every request, else 401 ``AUTHENTICATION_ERROR`` /
  ``UNAUTHORIZED``; ``Square-Version`` is echoed (a malformed one → 400
  ``INVALID_SQUARE_VERSION_FORMAT``); bodies need ``Content-Type: application/json``.
- Quantities are decimal strings; empty arrays and the last page's ``cursor`` are omitted;
  a cursor is bound to the query it came from (another query → 400 ``INVALID_CURSOR``).
- ListCatalog: pages of exactly 100, ITEMs (variations nested) and ITEM_VARIATIONs side by
  side, never deleted objects. SearchCatalogObjects: ``begin_time`` exclusive on
  ``updated_at``, ``include_deleted_objects``, ``include_related_objects`` (the parent items
  of variations), advisory ``limit``. Changing a variation does not touch its item.
- BatchRetrieveInventoryCounts: sorted by ``calculated_at`` desc, ``updated_after`` strict,
  ``limit`` 1–1000 (``VALUE_TOO_LOW``/``VALUE_TOO_HIGH``), ``states`` ignoring ``NONE``,
  ``SOLD``, ``UNLINKED_RETURN``; one row per (variation, location, state).
- BatchChangeInventory: ``idempotency_key`` 1–128; ≤100 changes; ``occurred_at`` not older
  than 24 h nor in the future (``INVALID_TIME``); read-only states refused; all-or-nothing;
  same key + same body → the stored answer, not re-applied; same key + other body → 400
  ``IDEMPOTENCY_KEY_REUSED``; ``ignore_unchanged_counts`` (default true) drops a physical count
  equal to the last physical count; the answer's ``counts`` cover every referenced pair.
- SearchOrders: 1–10 ``location_ids``; one date filter field, and the sort field must be
  it; ``limit`` 1–1000 (default 500); ``end_at`` inclusive (Square does not say).
- Rate limiting is injected: ``fake.inject(rate_limited())``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.fakes.server import FakePOSServer, Reply, Request

SQUARE_VERSION = "2025-08-20"
UNAUTHORIZED_TEXT = "This request could not be authorized."
#: States a count filter ignores, and that never hold a count.
UNCOUNTED = frozenset({"NONE", "SOLD", "UNLINKED_RETURN"})
READ_ONLY = frozenset(
    {
        "CUSTOM",
        "RETURNED_BY_CUSTOMER",
        "RESERVED_FOR_SALE",
        "SOLD_ONLINE",
        "ORDERED_FROM_VENDOR",
        "RECEIVED_FROM_VENDOR",
        "IN_TRANSIT",
    }
)
_DATE_FIELDS = ("created_at", "updated_at", "closed_at")


def square_error(
    status: int,
    code: str,
    detail: str,
    *,
    category: str = "INVALID_REQUEST_ERROR",
    field: str | None = None,
) -> Reply:
    error = {"category": category, "code": code, "detail": detail}
    if field:
        error["field"] = field
    return Reply(status, {"errors": [error]})


def rate_limited(retry_after: str | None = None) -> Reply:
    """Square's 429; without ``Retry-After`` unless given (Square usually sends none)."""
    reply = square_error(
        429,
        "RATE_LIMITED",
        "This request was rate limited. Please retry later.",
        category="RATE_LIMIT_ERROR",
    )
    if retry_after is not None:
        reply.headers["Retry-After"] = retry_after
    return reply


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _when(value: Any, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise _RefusedError(
            square_error(400, "INVALID_TIME", f"Invalid time {value!r}.", field=field)
        ) from None
    if parsed.tzinfo is None:
        raise _RefusedError(square_error(400, "INVALID_TIME", "Time needs an offset.", field=field))
    return parsed.astimezone(UTC)


def _quantity_text(quantity: Decimal) -> str:
    text = format(quantity.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _digest(query: Mapping[str, Any]) -> str:
    canon = json.dumps({k: v for k, v in query.items() if k != "cursor"}, sort_keys=True)
    return hashlib.sha1(canon.encode()).hexdigest()[:12]


class _RefusedError(Exception):
    """Raised by a validator: ``reply`` is the error answer."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(str(reply.body))
        self.reply = reply


@dataclass
class _Count:
    quantity: Decimal
    calculated_at: datetime


class FakeSquare(FakePOSServer):
    """Seed with ``add_location``/``add_item``/``set_count``/``add_order``; change the catalog
    with ``update_variation``/``delete_variation``; read back with ``quantity``;
    ``applied`` lists every change applied by BatchChangeInventory."""

    def __init__(self, access_token: str = "EAAAl-fake-square-token") -> None:
        super().__init__()
        self.access_token = access_token
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.locations: dict[str, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []
        self.applied: list[dict[str, Any]] = []
        self._items: dict[str, dict[str, Any]] = {}
        self._variations: dict[str, dict[str, Any]] = {}
        self._counts: dict[tuple[str, str, str], _Count] = {}
        self._last_physical: dict[tuple[str, str, str], Decimal] = {}
        self._idempotent: dict[str, tuple[str, Reply]] = {}
        self._ids = itertools.count(1)
        for method, path, handler in (
            ("GET", "/v2/locations", self._list_locations),
            ("GET", "/v2/catalog/list", self._list_catalog),
            ("POST", "/v2/catalog/search", self._search_catalog),
            ("POST", "/v2/inventory/counts/batch-retrieve", self._retrieve_counts),
            ("POST", "/v2/inventory/changes/batch-create", self._change_inventory),
            ("POST", "/v2/orders/search", self._search_orders),
        ):
            self.route(method, path, self._guard(handler))

    # -- seeding and inspection ----------------------------------------------------------------
    def add_location(self, location_id: str, name: str = "", *, active: bool = True) -> None:
        self.locations[location_id] = {
            "id": location_id,
            "name": name or location_id,
            "status": "ACTIVE" if active else "INACTIVE",
            "type": "PHYSICAL",
            "timezone": "America/Los_Angeles",
            "currency": "USD",
        }

    def add_item(
        self,
        item_id: str,
        name: str,
        variations: Sequence[Mapping[str, Any]],
        *,
        at: datetime | None = None,
    ) -> None:
        """``variations``: dicts with ``id`` and optionally ``name``, ``sku``, ``upc``,
        ``track_inventory`` (default True), ``location_overrides``."""
        when = stamp(at or self.clock())
        nested = []
        for spec in variations:
            data = {
                "item_id": item_id,
                "name": spec.get("name", ""),
                "pricing_type": "FIXED_PRICING",
            }
            data.update({k: v for k, v in spec.items() if k not in ("id", "name")})
            data.setdefault("track_inventory", True)
            variation = self._object("ITEM_VARIATION", spec["id"], when, item_variation_data=data)
            self._variations[spec["id"]] = variation
            nested.append(variation)
        item_data = {"name": name, "product_type": "REGULAR", "variations": nested}
        with self._lock:
            self._items[item_id] = self._object("ITEM", item_id, when, item_data=item_data)

    def update_variation(
        self, variation_id: str, *, at: datetime | None = None, **data: Any
    ) -> None:
        with self._lock:
            variation = self._variations[variation_id]
            variation["item_variation_data"].update(data)
            self._touch(variation, at)

    def delete_variation(self, variation_id: str, *, at: datetime | None = None) -> None:
        with self._lock:
            variation = self._variations[variation_id]
            variation["is_deleted"] = True
            self._touch(variation, at)

    def set_count(
        self,
        variation_id: str,
        location_id: str,
        quantity: str | int,
        *,
        state: str = "IN_STOCK",
        at: datetime | None = None,
    ) -> None:
        with self._lock:
            self._counts[(variation_id, location_id, state)] = _Count(
                Decimal(str(quantity)), at or self.clock()
            )

    def quantity(self, variation_id: str, location_id: str, state: str = "IN_STOCK") -> str | None:
        """The count as Square would send it ("12"), None when there is none."""
        count = self._counts.get((variation_id, location_id, state))
        return None if count is None else _quantity_text(count.quantity)

    def add_order(
        self,
        location_id: str,
        closed_at: datetime,
        lines: Iterable[tuple[str | None, str | int]] = (),
        returns: Iterable[tuple[str, str | int]] = (),
        *,
        state: str = "COMPLETED",
    ) -> str:
        """``lines``/``returns``: (variation id or None for a custom amount, quantity)."""
        order_id = f"ORD{next(self._ids):06d}"
        when = stamp(closed_at)
        order: dict[str, Any] = {
            "id": order_id,
            "location_id": location_id,
            "state": state,
            "created_at": when,
            "updated_at": when,
            "closed_at": when if state == "COMPLETED" else None,
            "line_items": [self._line(var, qty) for var, qty in lines],
        }
        returned = [self._line(var, qty) for var, qty in returns]
        if returned:
            order["returns"] = [{"uid": f"R{order_id}", "return_line_items": returned}]
        with self._lock:
            self.orders.append(order)
        return order_id

    # -- plumbing ------------------------------------------------------------------------------
    def _object(self, kind: str, object_id: str, when: str, **data: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "id": object_id,
            "updated_at": when,
            "version": next(self._ids),
            "is_deleted": False,
            "present_at_all_locations": True,
            **data,
        }

    def _touch(self, obj: dict[str, Any], at: datetime | None) -> None:
        obj["updated_at"] = stamp(at or self.clock())
        obj["version"] = next(self._ids)

    def _line(self, variation_id: str | None, quantity: str | int) -> dict[str, Any]:
        line: dict[str, Any] = {"uid": f"L{next(self._ids)}", "quantity": str(quantity)}
        if variation_id:
            line.update(catalog_object_id=variation_id, item_type="ITEM")
        else:
            line.update(name="Custom amount", item_type="CUSTOM_AMOUNT")
        return line

    def _guard(self, handler: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        def serve(request: Request) -> Reply:
            version = request.header("square-version")
            try:
                if request.header("authorization") != f"Bearer {self.access_token}":
                    raise _RefusedError(
                        square_error(
                            401, "UNAUTHORIZED", UNAUTHORIZED_TEXT, category="AUTHENTICATION_ERROR"
                        )
                    )
                if version is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", version):
                    raise _RefusedError(
                        square_error(400, "INVALID_SQUARE_VERSION_FORMAT", f"Bad {version!r}.")
                    )
                reply = handler(request)
            except _RefusedError as refused:
                reply = refused.reply
            headers = {**reply.headers, "Square-Version": version or SQUARE_VERSION}
            return Reply(reply.status, copy.deepcopy(reply.body), headers)

        return serve

    @staticmethod
    def _json(request: Request) -> dict[str, Any]:
        if "application/json" not in (request.header("content-type") or ""):
            raise _RefusedError(square_error(400, "INVALID_CONTENT_TYPE", "Send application/json."))
        try:
            body = request.json()
        except ValueError:
            raise _RefusedError(
                square_error(400, "BAD_REQUEST", "The body is not valid JSON.")
            ) from None
        if not isinstance(body, dict):
            raise _RefusedError(square_error(400, "BAD_REQUEST", "The body must be a JSON object."))
        return body

    @staticmethod
    def _limit(value: Any, default: int, high: int = 1000) -> int:
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            raise _RefusedError(square_error(400, "EXPECTED_INTEGER", "limit", field="limit"))
        if value < 1:
            raise _RefusedError(
                square_error(400, "VALUE_TOO_LOW", "`limit` must be >= 1", field="limit")
            )
        if value > high:
            raise _RefusedError(
                square_error(400, "VALUE_TOO_HIGH", f"`limit` must be <= {high}", field="limit")
            )
        return value

    @staticmethod
    def _page(
        rows: list[Any], query: Mapping[str, Any], size: int, key: str, **extra: Any
    ) -> Reply:
        """Rows from the cursor's offset; ``cursor`` only when more rows follow."""
        offset = 0
        if query.get("cursor"):
            try:
                token = json.loads(base64.urlsafe_b64decode(str(query["cursor"])))
                offset, digest = int(token["o"]), token["q"]
            except (ValueError, KeyError, TypeError):
                digest = None
            if digest != _digest(query):
                raise _RefusedError(square_error(400, "INVALID_CURSOR", "The cursor is not valid."))
        body: dict[str, Any] = {k: v for k, v in extra.items() if v}
        if rows[offset : offset + size]:
            body[key] = rows[offset : offset + size]
        if offset + size < len(rows):
            token = json.dumps({"o": offset + size, "q": _digest(query)})
            body["cursor"] = base64.urlsafe_b64encode(token.encode()).decode()
        return Reply(200, body)

    # -- locations and catalog -----------------------------------------------------------------
    def _list_locations(self, _request: Request) -> Reply:
        rows = sorted(self.locations.values(), key=lambda loc: (loc["name"], loc["id"]))
        return Reply(200, {"locations": copy.deepcopy(rows)} if rows else {})

    @staticmethod
    def _item_view(item: dict[str, Any]) -> dict[str, Any]:
        """An item as Square shows it: only its live variations nested."""
        view = copy.deepcopy(item)
        variations = view["item_data"]["variations"]
        view["item_data"]["variations"] = [v for v in variations if not v["is_deleted"]]
        return view

    def _flat_catalog(self, types: set[str], deleted: bool) -> list[dict[str, Any]]:
        """Each item followed by its variations."""
        rows: list[dict[str, Any]] = []
        for item in self._items.values():
            if "ITEM" in types and (deleted or not item["is_deleted"]):
                rows.append(self._item_view(item))
            if "ITEM_VARIATION" in types:
                variations = item["item_data"]["variations"]
                rows.extend(copy.deepcopy(v) for v in variations if deleted or not v["is_deleted"])
        return rows

    def _list_catalog(self, request: Request) -> Reply:
        raw = request.arg("types")
        types = {t.strip().upper() for t in raw.split(",")} if raw else {"ITEM", "CATEGORY"}
        rows = self._flat_catalog(types, deleted=False)
        query = {"types": sorted(types), "cursor": request.arg("cursor")}
        return self._page(rows, query, 100, "objects")

    def _search_catalog(self, request: Request) -> Reply:
        body = self._json(request)
        types = {str(t).upper() for t in body.get("object_types") or ["ITEM", "ITEM_VARIATION"]}
        rows = self._flat_catalog(types, deleted=bool(body.get("include_deleted_objects")))
        if body.get("begin_time"):
            begin = _when(body["begin_time"], "begin_time")
            rows = [r for r in rows if _when(r["updated_at"], "updated_at") > begin]
        limit = body.get("limit")
        size = limit if isinstance(limit, int) and 0 < limit <= 1000 else 100
        reply = self._page(rows, body, size, "objects")
        related = self._related(reply.body.get("objects") or [])
        if body.get("include_related_objects") and related:
            reply.body["related_objects"] = related
        return reply

    def _related(self, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The parent items of the variations on a page that do not carry them."""
        present = {o["id"] for o in objects}
        parents = {str((o.get("item_variation_data") or {}).get("item_id")) for o in objects}
        return [
            self._item_view(self._items[p]) for p in sorted(parents - present) if p in self._items
        ]

    # -- counts --------------------------------------------------------------------------------
    def _retrieve_counts(self, request: Request) -> Reply:
        body = self._json(request)
        limit = self._limit(body.get("limit"), 1000)
        ids = set(body.get("catalog_object_ids") or [])
        locations = set(body.get("location_ids") or [])
        states = {s for s in body.get("states") or [] if s not in UNCOUNTED}
        after = _when(body.get("updated_after") or "1970-01-01T00:00:00Z", "updated_after")
        rows = [
            (key, count)
            for key, count in self._counts.items()
            if (not ids or key[0] in ids)
            and (not locations or key[1] in locations)
            and (not states or key[2] in states)
            and count.calculated_at > after
        ]
        rows.sort(key=lambda row: (row[1].calculated_at, row[0]), reverse=True)
        return self._page([self._count_json(k, c) for k, c in rows], body, limit, "counts")

    @staticmethod
    def _count_json(key: tuple[str, str, str], count: _Count) -> dict[str, Any]:
        return {
            "catalog_object_id": key[0],
            "catalog_object_type": "ITEM_VARIATION",
            "state": key[2],
            "location_id": key[1],
            "quantity": _quantity_text(count.quantity),
            "calculated_at": stamp(count.calculated_at),
        }

    # -- BatchChangeInventory ------------------------------------------------------------------
    def _change_inventory(self, request: Request) -> Reply:
        body = self._json(request)
        key = body.get("idempotency_key")
        if not isinstance(key, str) or not key:
            raise _RefusedError(
                square_error(
                    400, "MISSING_REQUIRED_PARAMETER", "idempotency_key", field="idempotency_key"
                )
            )
        if len(key) > 128:
            raise _RefusedError(
                square_error(400, "VALUE_TOO_LONG", "idempotency_key", field="idempotency_key")
            )
        canon = json.dumps(body, sort_keys=True)
        if key in self._idempotent:
            seen, reply = self._idempotent[key]
            if seen == canon:
                return reply
            raise _RefusedError(
                square_error(
                    400,
                    "IDEMPOTENCY_KEY_REUSED",
                    "The idempotency key can only be retried with the same request data.",
                    field="idempotency_key",
                )
            )
        changes = body.get("changes") or []
        if len(changes) > 100:
            raise _RefusedError(
                square_error(400, "ARRAY_LENGTH_TOO_LONG", "At most 100 changes.", field="changes")
            )
        parsed = [self._validate(i, change) for i, change in enumerate(changes)]
        ignore_unchanged = body.get("ignore_unchanged_counts", True)
        pairs: dict[tuple[str, str], None] = {}
        for kind, data, quantity in parsed:
            self._apply(kind, data, quantity, ignore_unchanged)
            pairs[(data["catalog_object_id"], data["location_id"])] = None
        counts = [
            self._count_json(k, c)
            for pair in pairs
            for k, c in sorted(self._counts.items())
            if k[:2] == pair
        ]
        reply = Reply(200, {"counts": counts} if counts else {})
        self._idempotent[key] = (canon, reply)
        return reply

    def _validate(self, index: int, change: Any) -> tuple[str, dict[str, Any], Decimal]:
        def bad(code: str, detail: str, field: str) -> _RefusedError:
            return _RefusedError(square_error(400, code, detail, field=f"changes[{index}].{field}"))

        kind = change.get("type") if isinstance(change, dict) else None
        part = {"ADJUSTMENT": "adjustment", "PHYSICAL_COUNT": "physical_count"}.get(str(kind))
        if part is None or not isinstance(change.get(part), dict):
            raise bad("INVALID_ENUM_VALUE", f"Unsupported change type {kind!r}.", "type")
        data = change[part]
        variation = self._variations.get(str(data.get("catalog_object_id")))
        if variation is None or variation["is_deleted"]:
            raise bad("NOT_FOUND", "Catalog object not found.", f"{part}.catalog_object_id")
        if data.get("location_id") not in self.locations:
            raise bad("NOT_FOUND", "Location not found.", f"{part}.location_id")
        try:
            quantity = Decimal(str(data.get("quantity")))
        except InvalidOperation:
            raise bad(
                "INVALID_VALUE", "quantity must be a decimal string.", f"{part}.quantity"
            ) from None
        if not isinstance(data.get("quantity"), str) or quantity < 0:
            raise bad(
                "INVALID_VALUE",
                "quantity must be a non-negative decimal string.",
                f"{part}.quantity",
            )
        occurred = _when(data.get("occurred_at"), f"{part}.occurred_at")
        now = self.clock()
        if occurred > now or occurred < now - timedelta(hours=24):
            raise bad(
                "INVALID_TIME",
                "occurred_at must be within the last 24 hours.",
                f"{part}.occurred_at",
            )
        states = (
            [data.get("state")]
            if part == "physical_count"
            else [data.get("from_state"), data.get("to_state")]
        )
        for state in states:
            if state in READ_ONLY or not isinstance(state, str):
                raise bad("INVALID_ENUM_VALUE", f"Cannot change state {state!r}.", f"{part}.state")
        return part, data, quantity

    def _apply(
        self, part: str, data: dict[str, Any], quantity: Decimal, ignore_unchanged: bool
    ) -> None:
        where = (data["catalog_object_id"], data["location_id"])
        now = self.clock()
        if part == "physical_count":
            key = (*where, data["state"])
            if ignore_unchanged and self._last_physical.get(key) == quantity:
                return
            self._last_physical[key] = quantity
            self._counts[key] = _Count(quantity, now)
        else:
            for state, sign in ((data["from_state"], -1), (data["to_state"], 1)):
                if state not in UNCOUNTED:
                    count = self._counts.setdefault((*where, state), _Count(Decimal(0), now))
                    count.quantity += sign * quantity
                    count.calculated_at = now
        self.applied.append({"type": part.upper(), **copy.deepcopy(data)})

    # -- orders --------------------------------------------------------------------------------
    def _search_orders(self, request: Request) -> Reply:
        body = self._json(request)
        locations = body.get("location_ids") or []
        if not locations:
            raise _RefusedError(
                square_error(
                    400, "MISSING_REQUIRED_PARAMETER", "location_ids", field="location_ids"
                )
            )
        if len(locations) > 10:
            raise _RefusedError(
                square_error(
                    400, "ARRAY_LENGTH_TOO_LONG", "At most 10 location_ids.", field="location_ids"
                )
            )
        limit = self._limit(body.get("limit"), 500)
        query = body.get("query") or {}
        filters = query.get("filter") or {}
        dates = filters.get("date_time_filter") or {}
        fields = [f for f in _DATE_FIELDS if dates.get(f)]
        sort = query.get("sort") or {}
        sort_field = str(sort.get("sort_field", "CREATED_AT")).lower()
        if len(fields) > 1 or (fields and fields[0] != sort_field):
            raise _RefusedError(
                square_error(
                    400,
                    "INVALID_VALUE",
                    "The sort field must match the date_time_filter field.",
                    field="query.sort.sort_field",
                )
            )
        states = (filters.get("state_filter") or {}).get("states")
        rows = [
            o
            for o in self.orders
            if o["location_id"] in locations and (not states or o["state"] in states)
        ]
        for field in fields:
            start = _when(dates[field].get("start_at") or "1970-01-01T00:00:00Z", "start_at")
            end = _when(dates[field].get("end_at") or "9999-01-01T00:00:00Z", "end_at")
            rows = [o for o in rows if o[field] and start <= _when(o[field], field) <= end]
        rows = [o for o in rows if o.get(sort_field)]
        rows.sort(
            key=lambda o: (o[sort_field], o["id"]), reverse=sort.get("sort_order", "DESC") == "DESC"
        )
        return self._page(copy.deepcopy(rows), body, limit, "orders")
