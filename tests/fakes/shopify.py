"""A fake Shopify Admin API speaking the shapes of POS_APIS.md §2 and the §5 "Shopify fake"
checklist: ``X-Shopify-Access-Token`` (401 with Shopify's own text), the version segment in
the path (unknown version → 404), GraphQL answering 200 for throttling and validation,
``extensions.cost.throttleStatus`` from a leaky bucket of points, THROTTLED when a query
costs more than is available, connections capped at 250 with ``pageInfo.endCursor``,
``userErrors`` for rejected mutations, version-dependent write semantics (2026-04+:
``@idempotent`` and ``changeFromQuantity`` mandatory, ``CHANGE_FROM_QUANTITY_STALE``;
≤2025-10: ``compareQuantity``/``ignoreCompareQuantity``), and REST with
``X-Shopify-Shop-Api-Call-Limit: n/40`` on every response and 429 + ``Retry-After: 2.0``
when the bucket is full.

GraphQL is "parsed" by spotting root fields in the document and reading the JSON
``variables``, so clients must send values as variables. Messages marked *composed* below
are plausible texts, not verified Shopify strings.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.server import FakePOSServer, Reply, Request

TOKEN_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"
REST_LIMIT_ERROR = (
    "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
)
VERSIONS = ("2025-01", "2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07")
MAX_PAGE = 250
MAX_QUERY_COST = 1000
MAX_INPUT_ARRAY = 250
REST_BUCKET = 40
REST_LEAK_PER_S = 2.0
#: Some of Shopify's adjustment reasons (the full list is not captured in POS_APIS.md).
_REASON_WORDS = (
    "correction cycle_count_available received restock damaged shrinkage promotion other "
    "movement_created movement_updated safety_stock"
)
REASONS = frozenset(_REASON_WORDS.split())
STALE_MESSAGE = "The quantity has changed since it was last read."
#: userErrors texts: Shopify's enum descriptions, except the (composed) missing-CAS one.
MESSAGES = {
    "INVALID_NAME": "The quantity name must be either 'available' or 'on_hand'.",
    "INVALID_REASON": "The specified reason is invalid.",
    "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
    "INVALID_LOCATION": "The specified location could not be found.",
    "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the location.",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR": (
        "The combination of inventoryItemId and locationId must be unique."
    ),
    "INVALID_QUANTITY_NEGATIVE": "The quantity can't be negative.",
    "CHANGE_FROM_QUANTITY_MISSING": (
        "changeFromQuantity must be given for each entry; send null to skip the check."
    ),
    "CHANGE_FROM_QUANTITY_STALE": STALE_MESSAGE,
    "COMPARE_QUANTITY_REQUIRED": (
        "The compareQuantity argument must be given to each quantity or ignored using "
        "ignoreCompareQuantity."
    ),
    "COMPARE_QUANTITY_STALE": "The compareQuantity value does not match persisted value.",
    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH": (
        "The same idempotency key cannot be used with different operation parameters."
    ),
}


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def _num(value: Any) -> int | None:
    match = re.fullmatch(r"gid://shopify/\w+/(\d+)", str(value))
    return int(match.group(1)) if match else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cursor(key: Any) -> str:
    return base64.b64encode(json.dumps(key).encode()).decode()


def _uncursor(cursor: str) -> Any:
    return json.loads(base64.b64decode(cursor))


class GraphQLFailure(Exception):  # noqa: N818 - it is a reply, not a fault of the fake
    """A top-level GraphQL error: ``errors[]`` in a 200 with ``data: null``."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.code = message, code


class ManualClock:
    """Virtual seconds for the fake's buckets; tests advance it from the adapter's sleep."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Variant:
    variant: int
    product: int
    item: int
    title: str
    sku: str | None
    barcode: str | None
    updated_at: datetime
    tracked: bool = True

    @property
    def variant_id(self) -> str:
        return gid("ProductVariant", self.variant)

    @property
    def item_id(self) -> str:
        return gid("InventoryItem", self.item)

    @property
    def product_id(self) -> str:
        return gid("Product", self.product)


@dataclass
class Level:
    available: Any
    committed: int
    updated_at: datetime


@dataclass
class Order:
    number: int
    name: str
    created_at: datetime
    lines: list[tuple[Variant | None, int, int]]
    location: int | None
    cancelled_at: datetime | None
    test: bool


@dataclass
class Mutation:
    """One inventory mutation as received, with what the fake answered."""

    field: str
    key: str | None
    input: dict[str, Any]
    payload: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False


class FakeShopify(FakePOSServer):
    """The fake shop. Seed with ``add_location``/``add_variant``/``stock``/``add_order``;
    inspect with ``quantity``, ``mutations``, ``groups`` and the counters."""

    def __init__(
        self,
        token: str = "shpat_fake_0123456789abcdef",
        *,
        graphql_max: float = 2000.0,
        graphql_restore: float = 100.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.token = token
        self.clock = clock
        self.graphql_max, self.graphql_restore = graphql_max, graphql_restore
        self._points, self._points_at = graphql_max, clock()
        self._rest_used, self._rest_at = 0.0, clock()
        self._ids = itertools.count(1001, 7)  # one sequence: a variant id never equals an item id
        self.locations: dict[int, dict[str, Any]] = {}
        self.products: dict[int, str] = {}
        self.variants: dict[int, Variant] = {}  # by inventory item number
        self.levels: dict[tuple[int, int], Level] = {}
        self.orders: list[Order] = []
        self.primary_location: int | None = None
        self._idempotent: dict[str, tuple[str, dict[str, Any]]] = {}
        self.mutations: list[Mutation] = []
        self.groups: list[dict[str, Any]] = []
        self.throttled = 0
        self.rest_throttled = 0
        self.lose_replies = 0  # apply the next N mutations, then drop the connection
        #: (item, location) → the userErrors code every write to that level is refused with.
        self.refused: dict[tuple[int, int], str] = {}
        for method, name, handler in (
            ("POST", "graphql", self._graphql),
            ("GET", "locations", self._rest_locations),
            ("GET", "shop", self._rest_shop),
        ):
            self.route(method, rf"/admin/api/(?P<version>[^/]+)/{name}\.json", handler)

    # -- seeding and inspection ----------------------------------------------------------
    def add_location(self, name: str, *, active: bool = True) -> str:
        with self._lock:
            number = next(self._ids)
            self.locations[number] = {"name": name, "active": active}
            self.primary_location = self.primary_location or number
            return gid("Location", number)

    def add_variant(
        self,
        product_title: str,
        title: str = "Default Title",
        *,
        sku: str | None = None,
        barcode: str | None = None,
        product: str | None = None,
        updated_at: datetime | None = None,
        tracked: bool = True,
    ) -> Variant:
        """A variant with its own inventory item; ``product`` adds it to an existing one."""
        with self._lock:
            product_number = _num(product) if product else next(self._ids)
            assert product_number is not None
            self.products.setdefault(product_number, product_title)
            variant = Variant(
                next(self._ids),
                product_number,
                next(self._ids),
                title,
                sku,
                barcode,
                updated_at or datetime.now(UTC),
                tracked,
            )
            self.variants[variant.item] = variant
            return variant

    def stock(
        self,
        item: str,
        location: str,
        available: Any,
        *,
        committed: int = 0,
        updated_at: datetime | None = None,
    ) -> None:
        with self._lock:
            key = (_num(item) or 0, _num(location) or 0)
            self.levels[key] = Level(available, committed, updated_at or datetime.now(UTC))

    def quantity(self, item: str, location: str) -> Any:
        with self._lock:
            level = self.levels.get((_num(item) or 0, _num(location) or 0))
            return None if level is None else level.available

    def add_order(
        self,
        created_at: datetime,
        lines: list[tuple[Variant | None, int] | tuple[Variant | None, int, int]],
        *,
        location: str | None = None,
        cancelled: bool = False,
        test: bool = False,
    ) -> str:
        """Lines are (variant or None for a custom item, quantity[, current quantity])."""
        with self._lock:
            number = next(self._ids)
            full = [(v, n, rest[0] if rest else n) for v, n, *rest in lines]
            self.orders.append(
                Order(
                    number,
                    f"#{1000 + len(self.orders)}",
                    created_at,
                    full,
                    _num(location) if location else None,
                    created_at if cancelled else None,
                    test,
                )
            )
            return gid("Order", number)

    def set_points(self, available: float) -> None:
        """Empty (or fill) the GraphQL bucket, e.g. to provoke THROTTLED."""
        with self._lock:
            self._points, self._points_at = available, self.clock()

    def refuse_writes(self, item: str, location: str, code: str) -> None:
        """Refuse writes to this level with ``code`` (a key of ``MESSAGES``), as Shopify does
        when, say, the item stopped being stocked there after possync read its level."""
        assert code in MESSAGES, code
        with self._lock:
            self.refused[(_num(item) or 0, _num(location) or 0)] = code

    def fill_rest_bucket(self, used: float = REST_BUCKET) -> None:
        with self._lock:
            self._rest_used, self._rest_at = used, self.clock()

    # -- common checks ---------------------------------------------------------------------
    def _version(self, request: Request) -> tuple[int, int] | None:
        text = request.match.group("version") if request.match else ""
        if text not in VERSIONS:
            return None
        year, month = text.split("-")
        return int(year), int(month)

    def _refused(self, request: Request) -> Reply | None:
        if self._version(request) is None:
            return Reply(404, {"errors": "Not Found"})
        if request.header("X-Shopify-Access-Token") != self.token:
            return Reply(401, {"errors": TOKEN_ERROR})
        return None

    def _rest(self, request: Request, answer: Callable[[], Reply]) -> Reply:
        """Leaky bucket of 40 calls draining 2/s; the header goes on every REST answer."""
        now = self.clock()
        self._rest_used = max(0.0, self._rest_used - REST_LEAK_PER_S * (now - self._rest_at))
        self._rest_at = now
        if self._rest_used + 1 > REST_BUCKET:
            self.rest_throttled += 1
            reply = Reply(429, {"errors": REST_LIMIT_ERROR}, {"Retry-After": "2.0"})
        else:
            self._rest_used += 1
            reply = self._refused(request) or answer()
        reply.headers["X-Shopify-Shop-Api-Call-Limit"] = (
            f"{math.ceil(self._rest_used)}/{REST_BUCKET}"
        )
        return reply

    # -- REST --------------------------------------------------------------------------------
    def _rest_locations(self, request: Request) -> Reply:
        return self._rest(request, lambda: self._locations_page(request))

    def _locations_page(self, request: Request) -> Reply:
        page_info = request.arg("page_info")
        if page_info and set(request.query) - {"page_info", "limit", "fields"}:
            return Reply(400, {"errors": "page_info - Invalid value."})  # composed
        limit = int(request.arg("limit") or 50)
        if not 1 <= limit <= MAX_PAGE:
            return Reply(400, {"errors": {"limit": ["must be between 1 and 250"]}})  # composed
        after = _uncursor(page_info) if page_info else 0
        numbers = sorted(n for n in self.locations if n > after)
        chosen = numbers[:limit]
        headers = {}
        if len(numbers) > limit:
            token = _cursor(chosen[-1])
            url = f"{self.url}{request.path}?limit={limit}&page_info={token}"
            headers["Link"] = f'<{url}>; rel="next"'
        body = [
            {
                "id": n,
                "name": self.locations[n]["name"],
                "active": self.locations[n]["active"],
                "legacy": False,
                "address1": None,
                "city": None,
                "country_code": "GB",
                "admin_graphql_api_id": gid("Location", n),
            }
            for n in chosen
        ]
        return Reply(200, {"locations": body}, headers)

    def _rest_shop(self, request: Request) -> Reply:
        shop = {"id": 548380009, "name": "Fake shop", "primary_location_id": self.primary_location}
        fields = request.arg("fields")
        if fields:
            shop = {k: v for k, v in shop.items() if k in fields.split(",")}
        return self._rest(request, lambda: Reply(200, {"shop": shop}))

    # -- GraphQL -----------------------------------------------------------------------------
    def _graphql(self, request: Request) -> Reply:
        refused = self._refused(request)
        if refused is not None:
            return refused
        version = self._version(request)
        assert version is not None
        body = request.json() or {}
        query, variables = str(body.get("query") or ""), body.get("variables") or {}
        try:
            handler, cost = self._operation(query, variables)
            if cost > MAX_QUERY_COST:
                raise GraphQLFailure(
                    f"Query cost is {cost}, which exceeds the single query max cost limit "
                    f"({MAX_QUERY_COST}).",
                    "MAX_COST_EXCEEDED",
                )
        except GraphQLFailure as failure:
            return self._graphql_reply(None, failure, 0, 0)
        self._refill()
        if cost > self._points:
            self.throttled += 1
            return self._graphql_reply(None, GraphQLFailure("Throttled", "THROTTLED"), cost, 0)
        try:
            data, actual = handler(version, query, variables)
        except GraphQLFailure as failure:
            return self._graphql_reply(None, failure, cost, 1)
        reply = self._graphql_reply(data, None, cost, actual)
        if "mutation" in query and self.lose_replies > 0:
            self.lose_replies -= 1
            reply.drop = True  # applied, but the answer never arrives
        return reply

    def _refill(self) -> None:
        now = self.clock()
        self._points = min(
            self.graphql_max, self._points + self.graphql_restore * (now - self._points_at)
        )
        self._points_at = now

    def _graphql_reply(
        self, data: Any, failure: GraphQLFailure | None, requested: float, actual: float
    ) -> Reply:
        self._points = max(0.0, self._points - actual)
        cost = {
            "requestedQueryCost": requested,
            "actualQueryCost": actual if failure is None else None,
            "throttleStatus": {
                "maximumAvailable": self.graphql_max,
                "currentlyAvailable": self._points,
                "restoreRate": self.graphql_restore,
            },
        }
        body: dict[str, Any] = {"data": data, "extensions": {"cost": cost}}
        if failure is not None:
            error: dict[str, Any] = {"message": failure.message}
            if failure.code:
                error["extensions"] = {"code": failure.code}
            body["errors"] = [error]
        return Reply(200, body)

    def _operation(self, query: str, variables: dict[str, Any]) -> tuple[Callable[..., Any], float]:
        """The handler for the document's root field and its requested cost."""

        def first(name: str = "first") -> int:
            value = variables.get(name)
            if not isinstance(value, int) or value < 1:
                raise GraphQLFailure(f"${name} must be a positive integer variable")  # composed
            if value > MAX_PAGE:
                raise GraphQLFailure(  # composed
                    f"The maximum number of records per page is {MAX_PAGE}; {value} was requested.",
                    "MAX_PAGE_SIZE_EXCEEDED",
                )
            return value

        table: list[tuple[str, Callable[..., Any], Callable[[], float]]] = [
            (r"\binventoryAdjustQuantities\s*\(", self._adjust, lambda: 10),
            (r"\binventorySetQuantities\s*\(", self._set, lambda: 10),
            (r"\bproductVariants\s*\(", self._variants, lambda: 2 + first() * 3),
            (r"\blocation\s*\(\s*id\s*:", self._levels, lambda: 3 + first() * 2),
            (r"\borders\s*\(", self._orders, lambda: 2 + first() * (4 + first("lines") * 3)),
            (r"\border\s*\(\s*id\s*:", self._order_lines, lambda: 3 + first() * 3),
            (r"\bshop\s*\{", lambda *_: ({"shop": {"name": "Fake shop"}}, 1), lambda: 1),
        ]
        for pattern, handler, cost in table:
            if re.search(pattern, query):
                return handler, cost()
        raise GraphQLFailure("This fake does not know that query.")

    # -- reads ---------------------------------------------------------------------------------
    @staticmethod
    def _filters(text: str | None) -> list[Callable[[dict[str, datetime]], bool]]:
        """Shopify search syntax, the subset possync uses: ``field:>'ISO'`` joined by AND."""
        tests = []
        for name, op, value in re.findall(r"(\w+):(>=|<=|>|<)?'?([^'\s]+)'?", text or ""):
            moment = datetime.fromisoformat(value)
            compare = {
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
                "": lambda a, b: a == b,
            }[op]
            tests.append(lambda row, n=name, m=moment, c=compare: c(row[n], m))
        return tests

    @staticmethod
    def _page(rows: list[tuple[Any, Any]], first: int, after: str | None) -> dict[str, Any]:
        """A connection over (sort key, node) rows, with Shopify-style opaque cursors."""
        rows = sorted(rows, key=lambda r: r[0])
        if after:
            start = _uncursor(after)
            rows = [r for r in rows if json.loads(json.dumps(r[0])) > start]
        chosen = rows[:first]
        return {
            "nodes": [node for _, node in chosen],
            "pageInfo": {
                "hasNextPage": len(rows) > first,
                "hasPreviousPage": bool(after),
                "startCursor": _cursor(chosen[0][0]) if chosen else None,
                "endCursor": _cursor(chosen[-1][0]) if chosen else None,
            },
        }

    def _variants(self, _v: Any, _q: str, variables: dict[str, Any]) -> tuple[Any, float]:
        tests = self._filters(variables.get("query"))
        rows = [
            (
                v.variant,
                {
                    "id": v.variant_id,
                    "legacyResourceId": str(v.variant),
                    "title": v.title,
                    "sku": v.sku or "",
                    "barcode": v.barcode,
                    "updatedAt": _iso(v.updated_at),
                    "product": {"id": v.product_id, "title": self.products[v.product]},
                    "inventoryItem": {"id": v.item_id, "tracked": v.tracked, "sku": v.sku},
                },
            )
            for v in self.variants.values()
            if all(t({"updated_at": v.updated_at}) for t in tests)
        ]
        page = self._page(rows, variables["first"], variables.get("after"))
        return {"productVariants": page}, 2 + 3 * len(page["nodes"])

    def _levels(self, _v: Any, query: str, variables: dict[str, Any]) -> tuple[Any, float]:
        location = _num(variables.get("location"))
        if location not in self.locations:
            return {"location": None}, 1
        names_match = re.search(r"quantities\(names:\s*\[([^\]]*)\]", query)
        names = re.findall(r'"(\w+)"', names_match.group(1)) if names_match else []
        tests = self._filters(variables.get("query"))
        rows = []
        for (item, loc), level in self.levels.items():
            if loc != location or not all(t({"updated_at": level.updated_at}) for t in tests):
                continue
            values = {
                "available": level.available,
                "committed": level.committed,
                "on_hand": level.available + level.committed,
                "incoming": 0,
            }
            rows.append(
                (
                    item,
                    {
                        "id": f"gid://shopify/InventoryLevel/{loc}?inventory_item_id={item}",
                        "updatedAt": _iso(level.updated_at),
                        "item": {"id": gid("InventoryItem", item)},
                        "location": {"id": gid("Location", loc)},
                        "quantities": [{"name": n, "quantity": values.get(n, 0)} for n in names],
                    },
                )
            )
        page = self._page(rows, variables["first"], variables.get("after"))
        return {"location": {"inventoryLevels": page}}, 3 + 2 * len(page["nodes"])

    def _line_rows(self, order: Order) -> list[tuple[Any, Any]]:
        return [
            (
                i,
                {
                    "quantity": quantity,
                    "currentQuantity": current,
                    "sku": variant.sku if variant else None,
                    "variant": {"id": variant.variant_id, "inventoryItem": {"id": variant.item_id}}
                    if variant
                    else None,
                },
            )
            for i, (variant, quantity, current) in enumerate(order.lines)
        ]

    def _orders(self, _v: Any, _q: str, variables: dict[str, Any]) -> tuple[Any, float]:
        tests = self._filters(variables.get("query"))
        rows = []
        for order in self.orders:
            if not all(t({"created_at": order.created_at}) for t in tests):
                continue
            lines = self._page(self._line_rows(order), variables["lines"], None)
            rows.append(
                (
                    (_iso(order.created_at), order.number),
                    {
                        "id": gid("Order", order.number),
                        "name": order.name,
                        "createdAt": _iso(order.created_at),
                        "cancelledAt": _iso(order.cancelled_at) if order.cancelled_at else None,
                        "test": order.test,
                        "retailLocation": {"id": gid("Location", order.location)}
                        if order.location
                        else None,
                        "lineItems": lines,
                    },
                )
            )
        page = self._page(rows, variables["first"], variables.get("after"))
        return {"orders": page}, 2 + 4 * len(page["nodes"])

    def _order_lines(self, _v: Any, _q: str, variables: dict[str, Any]) -> tuple[Any, float]:
        number = _num(variables.get("id"))
        order = next((o for o in self.orders if o.number == number), None)
        if order is None:
            return {"order": None}, 1
        page = self._page(self._line_rows(order), variables["first"], variables.get("after"))
        return {"order": {"lineItems": page}}, 3 + 3 * len(page["nodes"])

    # -- writes ----------------------------------------------------------------------------------
    def _adjust(self, version: tuple[int, int], query: str, variables: dict[str, Any]) -> Any:
        return self._mutate("inventoryAdjustQuantities", version, query, variables)

    def _set(self, version: tuple[int, int], query: str, variables: dict[str, Any]) -> Any:
        return self._mutate("inventorySetQuantities", version, query, variables)

    def _mutate(
        self, name: str, version: tuple[int, int], query: str, variables: dict[str, Any]
    ) -> tuple[Any, float]:
        key_match = re.search(r'@idempotent\(\s*key:\s*"([^"]+)"\s*\)', query)
        key = key_match.group(1) if key_match else None
        if "@idempotent" in query and version < (2026, 1):
            raise GraphQLFailure("Directive 'idempotent' is not defined")
        if key is None and version >= (2026, 4):
            raise GraphQLFailure(  # composed: "an error at runtime" per the 2026-04 changelog
                f'An idempotency key is required for {name}: add @idempotent(key: "…").'
            )
        data = variables.get("input")
        if not isinstance(data, dict):
            raise GraphQLFailure("Variable $input of type Input! was provided invalid value")
        list_name = "changes" if name == "inventoryAdjustQuantities" else "quantities"
        entries = data.get(list_name) or []
        self._check_shape(name, version, data, list_name, entries)
        record = Mutation(name, key, data)
        self.mutations.append(record)
        canonical = json.dumps([name, data], sort_keys=True)
        if key is not None and key in self._idempotent:
            stored_input, payload = self._idempotent[key]
            if stored_input != canonical:
                payload = _user_errors([_error(None, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")])
            record.payload, record.replayed = payload, True
            return {name: payload}, 10
        errors = self._validate(name, version, data, list_name)
        payload = _user_errors(errors) if errors else self._apply(data, list_name)
        if key is not None and not errors:  # composed: only successes are remembered
            self._idempotent[key] = (canonical, payload)
        record.payload = payload
        return {name: payload}, 10

    @staticmethod
    def _check_shape(
        name: str, version: tuple[int, int], data: dict[str, Any], list_name: str, entries: Any
    ) -> None:
        """Schema validation: fields a version does not define are top-level errors."""
        is_set = name == "inventorySetQuantities"
        allowed_input = {"name", "reason", "referenceDocumentUri", list_name}
        allowed_entry = {"inventoryItemId", "locationId"}
        allowed_entry |= {"quantity"} if is_set else {"delta", "ledgerDocumentUri"}
        if version >= (2026, 1):
            allowed_entry.add("changeFromQuantity")
        if is_set and version < (2026, 4):
            allowed_input.add("ignoreCompareQuantity")
            allowed_entry.add("compareQuantity")
        type_name = "InventorySetQuantitiesInput" if is_set else "InventoryAdjustQuantitiesInput"
        entry_type = "InventoryQuantityInput" if is_set else "InventoryChangeInput"
        prefix = f"Variable $input of type {type_name}! was provided invalid value for"
        for extra in sorted(set(data) - allowed_input):
            raise GraphQLFailure(f"{prefix} {extra} (Field is not defined on {type_name})")
        if not isinstance(entries, list):
            raise GraphQLFailure(f"{prefix} {list_name} (Expected value to be a list)")
        if len(entries) > MAX_INPUT_ARRAY:
            raise GraphQLFailure(
                f"The input array size of {len(entries)} is greater than the maximum allowed "
                f"of {MAX_INPUT_ARRAY}.",
                "MAX_INPUT_SIZE_EXCEEDED",
            )
        for i, entry in enumerate(entries):
            for extra in sorted(set(entry) - allowed_entry):
                raise GraphQLFailure(
                    f"{prefix} {list_name}.{i}.{extra} (Field is not defined on {entry_type})"
                )

    def _validate(
        self, name: str, version: tuple[int, int], data: dict[str, Any], list_name: str
    ) -> list[dict[str, Any]]:
        is_set = name == "inventorySetQuantities"
        errors = []
        if data.get("name") not in ({"available", "on_hand"} if is_set else {"available"}):
            errors.append(_error(["input", "name"], "INVALID_NAME"))
        if data.get("reason") not in REASONS:
            errors.append(_error(["input", "reason"], "INVALID_REASON"))
        seen: set[tuple[Any, Any]] = set()
        for i, entry in enumerate(data.get(list_name) or []):
            refused = self.refused.get(self._key(entry))
            problem = (
                ("locationId" if "LOCATION" in refused else "inventoryItemId", refused)
                if refused
                else self._target_problem(is_set, entry, seen)
                or _cas_problem(
                    is_set, version, data, entry, self.levels[self._key(entry)].available
                )
            )
            if problem:
                errors.append(_error(["input", list_name, str(i), problem[0]], problem[1]))
        return errors

    @staticmethod
    def _key(entry: dict[str, Any]) -> tuple[int, int]:
        return _num(entry.get("inventoryItemId")) or 0, _num(entry.get("locationId")) or 0

    def _target_problem(
        self, is_set: bool, entry: dict[str, Any], seen: set[tuple[Any, Any]]
    ) -> tuple[str, str] | None:
        item, location = self._key(entry)
        if item not in self.variants:
            return "inventoryItemId", "INVALID_INVENTORY_ITEM"
        if location not in self.locations:
            return "locationId", "INVALID_LOCATION"
        if (item, location) not in self.levels:
            return "locationId", "ITEM_NOT_STOCKED_AT_LOCATION"
        if is_set and (item, location) in seen:
            return "inventoryItemId", "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"
        seen.add((item, location))
        if is_set and int(entry.get("quantity", 0)) < 0:
            return "quantity", "INVALID_QUANTITY_NEGATIVE"
        return None

    def _apply(self, data: dict[str, Any], list_name: str) -> dict[str, Any]:
        changes = []
        now = datetime.now(UTC)
        for entry in data[list_name]:
            level = self.levels[self._key(entry)]
            delta = (
                entry["delta"] if list_name == "changes" else entry["quantity"] - level.available
            )
            level.available += delta
            level.updated_at = now
            ids = {
                "item": {"id": entry["inventoryItemId"]},
                "location": {"id": entry["locationId"]},
            }
            changes.append(
                {"name": "available", "delta": delta, "quantityAfterChange": level.available, **ids}
            )
            changes.append(
                {
                    "name": "on_hand",
                    "delta": delta,
                    "quantityAfterChange": level.available + level.committed,
                    **ids,
                }
            )
        group = {
            "createdAt": _iso(now),
            "reason": data.get("reason"),
            "referenceDocumentUri": data.get("referenceDocumentUri"),
            "changes": changes,
        }
        self.groups.append(group)
        return {"inventoryAdjustmentGroup": group, "userErrors": []}


def _cas_problem(
    is_set: bool, version: tuple[int, int], data: dict[str, Any], entry: dict[str, Any], now: Any
) -> tuple[str, str] | None:
    """Compare-and-set per POS_APIS.md §2.4: changeFromQuantity from 2026-01 (mandatory from
    2026-04), compareQuantity/ignoreCompareQuantity before."""
    if version >= (2026, 4) and "changeFromQuantity" not in entry:
        return "changeFromQuantity", "CHANGE_FROM_QUANTITY_MISSING"
    if version >= (2026, 1) and entry.get("changeFromQuantity") is not None:
        stale = entry["changeFromQuantity"] != now
        return ("changeFromQuantity", "CHANGE_FROM_QUANTITY_STALE") if stale else None
    if not is_set or "changeFromQuantity" in entry or data.get("ignoreCompareQuantity"):
        return None
    if "compareQuantity" not in entry:
        return "compareQuantity", "COMPARE_QUANTITY_REQUIRED"
    stale = entry["compareQuantity"] != now
    return ("compareQuantity", "COMPARE_QUANTITY_STALE") if stale else None


def _error(path: list[str] | None, code: str) -> dict[str, Any]:
    # CHANGE_FROM_QUANTITY_MISSING is the fake's own marker: Shopify's code is not known.
    shown = None if code == "CHANGE_FROM_QUANTITY_MISSING" else code
    return {"field": path, "code": shown, "message": MESSAGES[code]}


def _user_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    # Shopify applies a mutation whole or not at all: a rejected entry sinks the group.
    return {"inventoryAdjustmentGroup": None, "userErrors": errors}
