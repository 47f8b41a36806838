"""A fake custom stock source: a small JSON REST server whose shape the test chooses.

Records are stored as given (nested dicts, so dotted field paths can be exercised); the
fake only needs to know where each record keeps its id, location, quantity and update time.
The list sits at ``records_key`` (dotted, ``""`` = a top-level list) and is paged by
``page``/``per_page`` (with ``meta.total_pages``), by an opaque cursor (the next one at
``next_cursor_key``, left out on the last page), or not at all. Adjustments POSTed to
``adjust_path`` are applied once per idempotency key.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from tests.fakes.server import FakePOSServer, Reply, Request


def dig(record: Any, path: str) -> Any:
    for part in path.split("."):
        record = record[int(part)] if isinstance(record, list) else record.get(part)
        if record is None:
            return None
    return record


def put(record: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record.setdefault(part, {})
    record[last] = value


def nest(path: str, value: Any) -> Any:
    if not path:
        return value
    body: dict[str, Any] = {}
    put(body, path, value)
    return body


class FakeCustomSource(FakePOSServer):
    """Seed with ``add``; inspect with ``quantity``; ``applied_keys`` lists idempotency keys."""

    def __init__(
        self,
        *,
        api_key: str = "sk-custom-1234",
        auth_header: str = "Authorization",
        items_path: str = "/api/stock",
        records_key: str = "data.items",
        pagination: str = "page",
        page_param: str = "page",
        size_param: str = "per_page",
        default_size: int = 20,
        max_size: int = 100,
        cursor_param: str = "cursor",
        next_cursor_key: str = "meta.next",
        since_param: str | None = None,
        adjust_path: str | None = None,
        paths: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.auth_header = auth_header
        self.records_key = records_key
        self.pagination = pagination
        self.page_param, self.size_param = page_param, size_param
        self.default_size, self.max_size = default_size, max_size
        self.cursor_param, self.next_cursor_key = cursor_param, next_cursor_key
        self.since_param = since_param
        self.paths = {"id": "id", "location": "location", "quantity": "quantity",
                      "updated": "updated_at", **(paths or {})}  # fmt: skip
        self.records: list[dict[str, Any]] = []
        self.applied_keys: list[str] = []
        #: item id → the error text every adjustment of that item is answered with.
        self.item_errors: dict[str, str] = {}
        self.route("GET", items_path, self._authed(self._list))
        if adjust_path:
            self.route("POST", adjust_path, self._authed(self._adjust))

    # -- seeding and inspection ------------------------------------------------------------
    def add(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.records.append(record)

    def quantity(self, item_id: str, location: str | None = None) -> Any:
        with self._lock:
            record = self._find(item_id, location)
            return None if record is None else dig(record, self.paths["quantity"])

    def fail_item(self, item_id: str, message: str) -> None:
        """Refuse adjustments of ``item_id`` with ``message`` (per item, inside the 200)."""
        with self._lock:
            self.item_errors[item_id] = message

    def _find(self, item_id: str, location: str | None) -> dict[str, Any] | None:
        for record in self.records:
            same_location = location is None or dig(record, self.paths["location"]) == location
            if str(dig(record, self.paths["id"])) == item_id and same_location:
                return record
        return None

    # -- serving ---------------------------------------------------------------------------
    def _authed(self, handler: Any) -> Any:
        def checked(request: Request) -> Reply:
            sent = request.header(self.auth_header)
            wanted = (
                f"Bearer {self.api_key}" if self.auth_header == "Authorization" else self.api_key
            )
            if sent != wanted:
                denied = {"code": "unauthorized", "message": "Invalid API key: access denied"}
                return Reply(401, {"error": denied})
            result: Reply = handler(request)
            return result

        return checked

    def _list(self, request: Request) -> Reply:
        rows = self.records
        since = request.arg(self.since_param) if self.since_param else None
        if since:
            low = datetime.fromisoformat(since.replace("Z", "+00:00"))
            rows = [r for r in rows if self._updated(r) > low]
        try:
            size = int(request.arg(self.size_param) or self.default_size)
        except ValueError:
            return Reply(400, {"error": f"{self.size_param} must be a number"})
        if not 1 <= size <= self.max_size:
            return Reply(400, {"error": f"{self.size_param} must be 1 to {self.max_size}"})
        if self.pagination == "cursor":
            return self._cursor_page(request, rows, size)
        if self.pagination == "none":
            return Reply(200, nest(self.records_key, rows))
        page = int(request.arg(self.page_param) or 1)
        total_pages = max(1, -(-len(rows) // size))
        body = nest(self.records_key, rows[(page - 1) * size : page * size])
        if isinstance(body, dict):
            body["meta"] = {"page": page, "total_pages": total_pages}
        return Reply(200, body)

    def _cursor_page(self, request: Request, rows: list[dict[str, Any]], size: int) -> Reply:
        token = request.arg(self.cursor_param)
        try:
            offset = int(base64.urlsafe_b64decode(token).decode()) if token else 0
        except ValueError:
            return Reply(400, {"error": "invalid cursor"})
        body = nest(self.records_key, rows[offset : offset + size])
        if offset + size < len(rows):
            put(
                body,
                self.next_cursor_key,
                base64.urlsafe_b64encode(str(offset + size).encode()).decode(),
            )
        return Reply(200, body)

    def _updated(self, record: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(
            str(dig(record, self.paths["updated"])).replace("Z", "+00:00")
        )

    def _adjust(self, request: Request) -> Reply:
        body = request.json() or {}
        results = []
        for change in body.get("adjustments") or []:
            record = self._find(str(change.get("id")), change.get("location"))
            if record is None:
                results.append({"id": change.get("id"), "error": "unknown item at this location"})
                continue
            if str(change.get("id")) in self.item_errors:
                results.append({"id": change["id"], "error": self.item_errors[str(change["id"])]})
                continue
            key = change.get("idempotencyKey")
            if not key:
                return Reply(422, {"error": "idempotencyKey is required"})
            if key not in self.applied_keys:
                self.applied_keys.append(key)
                quantity = dig(record, self.paths["quantity"]) + int(change["delta"])
                put(record, self.paths["quantity"], quantity)
            results.append({"id": change["id"], "quantity": dig(record, self.paths["quantity"])})
        return Reply(200, {"results": results})
