"""A fake WooCommerce (REST v3) speaking the shapes of POS_APIS.md §3 and the §5 checklist.

- Consumer key/secret as HTTP Basic auth or as ``consumer_key``/``consumer_secret`` query
  parameters; a missing/unknown key → 401 ``woocommerce_rest_cannot_view``, a wrong secret
  → 401 ``woocommerce_rest_authentication_error``. ``strip_authorization=True`` plays a host
  that drops the Authorization header. (Basic auth is accepted over plain http: the fake only
  listens on loopback, where the adapter is allowed http.)
- ``per_page`` default 10, 1–100 (else 400 ``rest_invalid_param``); ``X-WP-Total``,
  ``X-WP-TotalPages``, ``Link`` rel next/prev; a page past the end → 400.
- ``/products`` never lists variations (unless filtered by ``sku``); ``modified_after`` /
  ``modified_before`` compare site-local dates unless ``dates_are_gmt=true``, and a value
  carrying ``Z``/an offset is first turned into site-local time (pitfall 10).
- Variations with ``manage_stock: "parent"`` show the parent's quantity; a quantity written
  to them is stored but stays ineffective (pitfall 1). Dates go out without ``Z``.
- Batch: more than 100 items → 413 ``woocommerce_rest_request_entity_too_large``; per-item
  errors inside the 200 (unknown id → ``woocommerce_rest_product_invalid_id``), plus
  ``fail_item`` to make a known item fail.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakePOSServer, Reply, Request

PREFIX = "/wp-json/wc/v3"
_FMT = "%Y-%m-%dT%H:%M:%S"


def _err(status: int, code: str, message: str, **data: Any) -> Reply:
    return Reply(status, {"code": code, "message": message, "data": {"status": status, **data}})


class _BadParamError(Exception):
    def __init__(self, param: str, detail: str) -> None:
        super().__init__(detail)
        self.reply = _err(
            400, "rest_invalid_param", f"Invalid parameter(s): {param}", params={param: detail}
        )


class FakeWooCommerce(FakePOSServer):
    """Seed with ``add_product``/``add_variation``/``add_order``; read back with
    ``quantity``/``meta``. ``clock`` gives the time stamped on writes."""

    def __init__(
        self,
        consumer_key: str = "ck_test_1234",
        consumer_secret: str = "cs_test_5678",
        *,
        strip_authorization: bool = False,
        site_utc_offset: timedelta = timedelta(hours=2),
        batch_limit: int = 100,
    ) -> None:
        super().__init__()
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.strip_authorization = strip_authorization
        self.site_utc_offset = site_utc_offset
        self.batch_limit = batch_limit
        self.records: dict[int, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []
        self.item_errors: dict[int, tuple[str, str, int]] = {}
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(microsecond=0)
        self._ids = itertools.count(100)
        self._meta_ids = itertools.count(9000)
        self.route("GET", f"{PREFIX}/products", self._auth(self._list_products))
        self.route("GET", rf"{PREFIX}/products/(?P<id>\d+)", self._auth(self._get_product))
        self.route(
            "GET", rf"{PREFIX}/products/(?P<pid>\d+)/variations", self._auth(self._list_vars)
        )
        self.route("POST", f"{PREFIX}/products/batch", self._auth(self._batch_products))
        self.route(
            "POST",
            rf"{PREFIX}/products/(?P<pid>\d+)/variations/batch",
            self._auth(self._batch_vars),
        )
        self.route("GET", f"{PREFIX}/orders", self._auth(self._list_orders))

    # -- seeding and inspection (tests) ------------------------------------------------------
    def add_product(
        self,
        name: str,
        *,
        sku: str = "",
        barcode: str = "",
        stock: int | float | None = 0,
        manage_stock: bool = True,
        type: str = "simple",  # noqa: A002 - WooCommerce's own field name
        modified: datetime | None = None,
        id: int | None = None,  # noqa: A002
    ) -> int:
        with self._lock:
            pid = id if id is not None else next(self._ids)
            self.records[pid] = {
                "id": pid, "name": name, "type": type, "status": "publish", "sku": sku,
                "global_unique_id": barcode, "manage_stock": manage_stock,
                "stock_quantity": stock if manage_stock else None, "parent_id": 0,
                "variations": [], "attributes": [], "meta_data": [],
                "modified": modified or self.clock(),
            }  # fmt: skip
            return pid

    def add_variation(
        self,
        parent_id: int,
        *,
        sku: str = "",
        options: tuple[str, ...] = (),
        stock: int | float | None = 0,
        manage_stock: bool | str = True,
        modified: datetime | None = None,
    ) -> int:
        with self._lock:
            vid = next(self._ids)
            self.records[parent_id]["variations"].append(vid)
            self.records[vid] = {
                "id": vid, "type": "variation", "status": "publish", "sku": sku,
                "global_unique_id": "", "manage_stock": manage_stock,
                "stock_quantity": stock if manage_stock else None, "parent_id": parent_id,
                "attributes": [
                    {"id": 0, "name": f"a{i}", "option": o} for i, o in enumerate(options)
                ],
                "meta_data": [], "modified": modified or self.clock(),
            }  # fmt: skip
            return vid

    def add_order(
        self, order_id: int, created: datetime, lines: list[tuple[int, int, int]], *,
        status: str = "completed",
    ) -> None:  # fmt: skip
        """``lines`` are (product_id, variation_id or 0, quantity)."""
        with self._lock:
            self.orders.append({
                "id": order_id, "status": status, "created": created,
                "line_items": [
                    {"id": order_id * 10 + n, "product_id": p, "variation_id": v, "quantity": q}
                    for n, (p, v, q) in enumerate(lines)
                ],
            })  # fmt: skip

    def set_stock(self, item_id: int, quantity: int, *, modified: datetime | None = None) -> None:
        with self._lock:
            self.records[item_id]["stock_quantity"] = quantity
            self.records[item_id]["modified"] = modified or self.clock()

    def quantity(self, item_id: int) -> Any:
        """The effective stock: a parent-managed variation's is its parent's."""
        with self._lock:
            return self._view(self.records[item_id])["stock_quantity"]

    def meta(self, item_id: int, key: str) -> Any:
        with self._lock:
            for meta in self.records[item_id]["meta_data"]:
                if meta["key"] == key:
                    return meta["value"]
            return None

    def fail_item(self, item_id: int, code: str, message: str, status: int = 400) -> None:
        """Make batch updates of ``item_id`` fail inside the 200 answer."""
        with self._lock:
            self.item_errors[item_id] = (code, message, status)

    # -- auth ------------------------------------------------------------------------------
    def _auth(self, handler: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        def checked(request: Request) -> Reply:
            key, secret = self._credentials(request)
            if key != self.consumer_key:
                cannot = "list resources" if request.method == "GET" else "edit this resource"
                return _err(401, "woocommerce_rest_cannot_view", f"Sorry, you cannot {cannot}.")
            if secret != self.consumer_secret:
                return _err(
                    401, "woocommerce_rest_authentication_error", "Consumer secret is invalid."
                )
            try:
                return handler(request)
            except _BadParamError as bad:
                return bad.reply

        return checked

    def _credentials(self, request: Request) -> tuple[str | None, str | None]:
        header = None if self.strip_authorization else request.header("authorization")
        if header and header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                return None, None
            key, _, secret = decoded.partition(":")
            return key, secret
        return request.arg("consumer_key"), request.arg("consumer_secret")

    # -- views -------------------------------------------------------------------------------
    def _view(self, record: dict[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in record.items() if k != "modified"}
        if record["type"] == "variation" and record["manage_stock"] == "parent":
            view["stock_quantity"] = self.records[record["parent_id"]]["stock_quantity"]
        quantity = view["stock_quantity"]
        managed = bool(record["manage_stock"])
        view["stock_status"] = "outofstock" if managed and (quantity or 0) <= 0 else "instock"
        view["date_modified_gmt"] = record["modified"].strftime(_FMT)
        view["date_modified"] = (record["modified"] + self.site_utc_offset).strftime(_FMT)
        view["meta_data"] = [dict(m) for m in record["meta_data"]]
        return view

    # -- collections ----------------------------------------------------------------------------
    def _date_filter(self, request: Request, name: str) -> datetime | None:
        """A date parameter as the naive value WordPress compares with (pitfall 10)."""
        value = request.arg(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _BadParamError(name, "Invalid date.") from None
        if parsed.tzinfo is not None:
            parsed = (parsed.astimezone(UTC) + self.site_utc_offset).replace(tzinfo=None)
        return parsed

    def _in_window(self, request: Request, when: datetime, after: str, before: str) -> bool:
        gmt = request.arg("dates_are_gmt") in ("true", "1")
        naive = (when if gmt else when + self.site_utc_offset).replace(tzinfo=None)
        low, high = self._date_filter(request, after), self._date_filter(request, before)
        return (low is None or naive > low) and (high is None or naive < high)

    def _paged(self, request: Request, rows: list[dict[str, Any]]) -> Reply:
        try:
            per_page = int(request.arg("per_page", "10") or "10")
            page = int(request.arg("page", "1") or "1")
        except ValueError:
            raise _BadParamError("per_page", "per_page is not of type integer.") from None
        if not 1 <= per_page <= 100:
            raise _BadParamError(
                "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"
            )
        if page < 1:
            raise _BadParamError("page", "page must be greater than or equal to 1")
        total = len(rows)
        pages = -(-total // per_page)
        if total and page > pages:
            return _err(
                400,
                "rest_post_invalid_page_number",
                "The page number requested is larger than the number of pages available.",
            )
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        base = {k: v[0] for k, v in request.query.items()}
        if page > 1:
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": page - 1})}>; rel="prev"'
            )
        if page < pages:
            links.append(
                f'<{self.url}{request.path}?{urlencode({**base, "page": page + 1})}>; rel="next"'
            )
        if links:
            headers["Link"] = ", ".join(links)
        chunk = rows[(page - 1) * per_page : page * per_page]
        return Reply(200, chunk, headers)

    def _sorted(self, request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        orderby = request.arg("orderby", "date")
        field = {"id": "id", "modified": "modified"}.get(orderby or "", "id")
        return sorted(rows, key=lambda r: r[field], reverse=request.arg("order", "desc") != "asc")

    def _list_products(self, request: Request) -> Reply:
        skus = [s for s in (request.arg("sku") or "").split(",") if s]
        include = {int(i) for i in (request.arg("include") or "").split(",") if i.strip()}
        rows = [
            r for r in self.records.values()
            if (r["type"] != "variation" or (skus and r["sku"] in skus))
            and (not skus or r["sku"] in skus)
            and (not include or r["id"] in include)
            and (request.arg("type") in (None, r["type"]))
            and self._in_window(request, r["modified"], "modified_after", "modified_before")
        ]  # fmt: skip
        return self._paged(request, [self._view(r) for r in self._sorted(request, rows)])

    def _get_product(self, request: Request) -> Reply:
        assert request.match is not None
        record = self.records.get(int(request.match["id"]))
        if record is None:
            return _err(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return Reply(200, self._view(record))

    def _list_vars(self, request: Request) -> Reply:
        assert request.match is not None
        pid = int(request.match["pid"])
        include = {int(i) for i in (request.arg("include") or "").split(",") if i.strip()}
        rows = [
            r for r in self.records.values()
            if r["type"] == "variation" and r["parent_id"] == pid
            and (not include or r["id"] in include)
            and self._in_window(request, r["modified"], "modified_after", "modified_before")
        ]  # fmt: skip
        return self._paged(request, [self._view(r) for r in self._sorted(request, rows)])

    def _list_orders(self, request: Request) -> Reply:
        statuses = [s for s in (request.arg("status") or "any").split(",") if s]
        rows = [
            o for o in self.orders
            if ("any" in statuses or o["status"] in statuses)
            and self._in_window(request, o["created"], "after", "before")
        ]  # fmt: skip
        rows.sort(key=lambda o: o["id"], reverse=request.arg("order", "desc") != "asc")
        views = [
            {
                "id": o["id"], "status": o["status"], "line_items": o["line_items"],
                "date_created_gmt": o["created"].strftime(_FMT),
                "date_created": (o["created"] + self.site_utc_offset).strftime(_FMT),
            }
            for o in rows
        ]  # fmt: skip
        return self._paged(request, views)

    # -- batch writes ------------------------------------------------------------------------------
    def _batch_products(self, request: Request) -> Reply:
        return self._batch(request, None)

    def _batch_vars(self, request: Request) -> Reply:
        assert request.match is not None
        return self._batch(request, int(request.match["pid"]))

    def _batch(self, request: Request, parent: int | None) -> Reply:
        if "application/json" not in (request.header("content-type") or ""):
            # WordPress reads it as a form: nothing changes, and it still answers 200.
            return Reply(200, {"create": [], "update": [], "delete": []})
        body = request.json() or {}
        count = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
        if count > self.batch_limit:
            return _err(
                413,
                "woocommerce_rest_request_entity_too_large",
                f"Unable to accept more than {self.batch_limit} items for this request.",
            )
        updated = [self._update_one(item, parent) for item in body.get("update") or []]
        return Reply(200, {"create": [], "update": updated, "delete": []})

    def _update_one(self, item: dict[str, Any], parent: int | None) -> dict[str, Any]:
        item_id = int(item.get("id") or 0)
        record = self.records.get(item_id)
        kind = "product" if parent is None else "product_variation"
        belongs = record is not None and (
            record["type"] != "variation" if parent is None else record["parent_id"] == parent
        )
        if record is None or not belongs:
            error = {"code": f"woocommerce_rest_{kind}_invalid_id", "message": "Invalid ID."}
            return {"id": item_id, "error": {**error, "data": {"status": 400}}}
        if item_id in self.item_errors:
            code, message, status = self.item_errors[item_id]
            return {
                "id": item_id,
                "error": {"code": code, "message": message, "data": {"status": status}},
            }
        if "manage_stock" in item:
            record["manage_stock"] = item["manage_stock"]
        if "stock_quantity" in item and record["manage_stock"]:
            record["stock_quantity"] = item["stock_quantity"]
        for meta in item.get("meta_data") or []:
            self._set_meta(record, meta["key"], meta["value"])
        record["modified"] = self.clock()
        return self._view(record)

    def _set_meta(self, record: dict[str, Any], key: str, value: Any) -> None:
        for meta in record["meta_data"]:
            if meta["key"] == key:
                meta["value"] = value
                return
        record["meta_data"].append({"id": next(self._meta_ids), "key": key, "value": value})
