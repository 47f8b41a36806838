"""The world of bench/sync.py: a Square fake in a process of its own, and the store's seed.

    .venv/bin/python bench/_sync_world.py    # prints its URL, serves until stdin closes

The fake is ``tests.fakes.square.FakeSquare`` with shortcuts that keep its own cost out of
the figures (the protocol is unchanged): a count query's filtered, sorted rows are built on
its first page and a cursor walk pages through that snapshot (instead of rebuilding all N per
page, and again after every push: the sync pushes while it pages, and those pushes only touch
rows already read); the flat catalog is built once per catalog change; a BatchChangeInventory
answer is built from the pairs the request names instead of sorting every count per pair;
answers are not deep-copied; a query with ``updated_after`` later than the seed's time looks
only at the counts recalculated since the seed (or the last ``/bench/age``), as Square's own
index would, instead of filtering all N in Python (which was most of an incremental sync's
wait on the fake). It runs in its own process so its CPU does not compete for the GIL with
the sync being measured. ``/bench/*`` routes (no auth) seed, change and age the counts.

Item ``i`` (1..N) is ``I{i}`` with variation ``V{i}``, SKU ``SKU-{i:06d}``, at location ``L1``,
quantity ``10 + i % 50``; the store holds product ``SKU-{i:06d}`` with the same quantity.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes import square as sq  # noqa: E402
from tests.fakes.server import Reply, Request  # noqa: E402

TOKEN = "EAAAl-bench-sync-token"
LOCATION = "L1"
WAREHOUSE = "MAIN"
#: When the seeded counts were last calculated: well outside any incremental window.
OLD = datetime.now(UTC) - timedelta(days=2)
_STATES = (
    "IN_STOCK",
    "WASTE",
    "NONE",
    "SOLD",
    "UNLINKED_RETURN",
    "RETURNED_BY_CUSTOMER",
    "RESERVED_FOR_SALE",
    "SOLD_ONLINE",
    "ORDERED_FROM_VENDOR",
    "RECEIVED_FROM_VENDOR",
    "IN_TRANSIT",
    "CUSTOM",
    "COMPOSED",
    "DECOMPOSED",
)


def quantity(i: int) -> int:
    return 10 + i % 50


def sku(i: int) -> str:
    return f"SKU-{i:06d}"


# -- the fake (in its own process) ---------------------------------------------------------------


class BenchSquare(sq.FakeSquare):
    def __init__(self) -> None:
        self._generation = 0
        self._catalog_generation = 0
        self._count_cache: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self._catalog_cache: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        #: Keys of the counts whose calculated_at may be later than OLD (every other count
        #: was last calculated at OLD: seeded or aged).
        self._recent: set[tuple[str, str, str]] = set()
        super().__init__(TOKEN)
        self.route("POST", "/bench/seed", self._bench_seed)
        self.route("POST", "/bench/bump", self._bench_bump)
        self.route("POST", "/bench/age", self._bench_age)
        self.route("GET", "/bench/stats", self._bench_stats)

    # -- the same answers, built once per change ---------------------------------------
    def set_count(self, *args: Any, **kwargs: Any) -> None:
        super().set_count(*args, **kwargs)
        self._recent.update(self._counts)  # any key may have changed: look at them all
        self._generation += 1

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*args, **kwargs)
        self._catalog_generation += 1

    def update_variation(self, *args: Any, **kwargs: Any) -> None:
        super().update_variation(*args, **kwargs)
        self._catalog_generation += 1

    def delete_variation(self, *args: Any, **kwargs: Any) -> None:
        super().delete_variation(*args, **kwargs)
        self._catalog_generation += 1

    def _flat_catalog(self, types: set[str], deleted: bool) -> list[dict[str, Any]]:
        key = (frozenset(types), deleted, self._catalog_generation)
        rows = self._catalog_cache.get(key)
        if rows is None:
            rows = super()._flat_catalog(types, deleted)
            self._catalog_cache = {**self._catalog_cache, key: rows}
        return rows

    def _retrieve_counts(self, request: Request) -> Reply:
        """A cursor walk pages through the snapshot its first page was cut from."""
        body = self._json(request)
        limit = self._limit(body.get("limit"), 1000)
        digest = sq._digest(body)
        snapshot = self._count_cache.get(digest)
        if snapshot is None or (not body.get("cursor") and snapshot[0] != self._generation):
            if len(self._count_cache) > 16:
                self._count_cache.clear()
            snapshot = (self._generation, self._count_rows(body))
            self._count_cache[digest] = snapshot
        return self._page(snapshot[1], body, limit, "counts")

    def _count_rows(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The parent's filter and order, as the answer's JSON rows."""
        ids = set(body.get("catalog_object_ids") or [])
        locations = set(body.get("location_ids") or [])
        states = {s for s in body.get("states") or [] if s not in sq.UNCOUNTED}
        after = sq._when(body.get("updated_after") or "1970-01-01T00:00:00Z", "updated_after")
        rows: Iterable[tuple[tuple[str, str, str], sq._Count]] = self._counts.items()
        if after >= OLD:  # counts still at OLD cannot match: look at the recent ones only
            rows = [(k, self._counts[k]) for k in self._recent]
        found = [
            (k, c)
            for k, c in rows
            if (not ids or k[0] in ids)
            and (not locations or k[1] in locations)
            and (not states or k[2] in states)
            and c.calculated_at > after
        ]
        found.sort(key=lambda row: (row[1].calculated_at, row[0]), reverse=True)
        return [self._count_json(k, c) for k, c in found]

    def _change_inventory(self, request: Request) -> Reply:
        """The parent's answer, computed over only the pairs the request names."""
        try:
            changes = self._json(request).get("changes") or []
        except sq._RefusedError:
            return super()._change_inventory(request)
        pairs = set()
        for change in changes if isinstance(changes, list) else []:
            for part in ("adjustment", "physical_count"):
                data = change.get(part) if isinstance(change, dict) else None
                if isinstance(data, dict):
                    pairs.add((data.get("catalog_object_id"), data.get("location_id")))
        everything = self._counts
        subset = {
            key: everything[key]
            for item, loc in pairs
            for state in _STATES
            if (key := (item, loc, state)) in everything
        }
        self._counts = subset
        try:
            return super()._change_inventory(request)
        finally:
            self._counts = everything
            everything.update(subset)
            self._recent.update(subset)
            self._generation += 1

    def _guard(self, handler: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        """The parent's guard without the deep copy of every answer."""

        def serve(request: Request) -> Reply:
            version = request.header("square-version")
            if request.header("authorization") != f"Bearer {self.access_token}":
                reply = sq.square_error(
                    401,
                    "UNAUTHORIZED",
                    sq.UNAUTHORIZED_TEXT,
                    category="AUTHENTICATION_ERROR",
                )
            else:
                try:
                    reply = handler(request)
                except sq._RefusedError as refused:
                    reply = refused.reply
            headers = {**reply.headers, "Square-Version": version or sq.SQUARE_VERSION}
            return Reply(reply.status, reply.body, headers)

        return serve

    # -- bench control -------------------------------------------------------------------
    def _bench_seed(self, request: Request) -> Reply:
        body = request.json()
        n = int(body["n"])
        self.add_location(LOCATION, "Main Street")
        for i in range(1, n + 1):
            self.add_item(f"I{i}", f"Bench item {i}", [{"id": f"V{i}", "sku": sku(i)}], at=OLD)
            self._counts[(f"V{i}", LOCATION, "IN_STOCK")] = sq._Count(sq.Decimal(quantity(i)), OLD)
        self._recent.clear()
        self._generation += 1
        return Reply(200, {"counts": len(self._counts)})

    def _bench_bump(self, request: Request) -> Reply:
        """Move the IN_STOCK count of the given items by ``delta``, calculated now."""
        body = request.json()
        now = self.clock()
        for i in body["items"]:
            key = (f"V{i}", LOCATION, "IN_STOCK")
            count = self._counts[key]
            self._counts[key] = sq._Count(count.quantity + int(body["delta"]), now)
            self._recent.add(key)
        self._generation += 1
        return Reply(200, {"changed": len(body["items"])})

    def _bench_age(self, _request: Request) -> Reply:
        """As if days had passed: every count was last calculated at OLD."""
        for count in self._counts.values():
            count.calculated_at = OLD
        self._recent.clear()
        self._generation += 1
        return Reply(200, {"counts": len(self._counts)})

    def _bench_stats(self, _request: Request) -> Reply:
        return Reply(
            200,
            {
                "counts": len(self._counts),
                "applied": len(self.applied),
                "requests": len(self.requests),
            },
        )


def serve() -> None:
    fake = BenchSquare()
    with fake:
        print(fake.url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or dies)


# -- the store ----------------------------------------------------------------------------------


def seed_store(db: Any, n: int) -> uuid.UUID:
    """Products, levels, opening movements and the Square integration; returns its id.
    One transaction, through the demo seeder's bulk writer (driver-level executemany on
    SQLite, Core executemany elsewhere; RECIPES.md §5)."""
    from sqlalchemy import insert  # noqa: PLC0415

    from possync_gui.store.demo.bulk import BulkWriter, IdMaker  # noqa: PLC0415
    from possync_gui.store.models import (  # noqa: PLC0415
        POSIntegration,
        Product,
        StockLevel,
        StockMovement,
        Warehouse,
    )

    now = datetime.now(UTC)
    ids = IdMaker(now, salt=n)
    warehouse_id = uuid.uuid4()
    integration_id = uuid.uuid4()
    with db.session() as session:
        session.execute(
            insert(Warehouse.__table__),
            [{"id": warehouse_id, "code": WAREHOUSE, "name": "Main", "created_at": now}],
        )
        session.execute(
            insert(POSIntegration.__table__),
            [
                {
                    "id": integration_id,
                    "name": "Square bench",
                    "type": "square",
                    "configuration": {"locationMap": {LOCATION: WAREHOUSE}},
                    "status": "active",
                    "sync_frequency": "hourly",
                    "sync_settings": {"conflictResolution": "manual_review"},
                    "created_at": now,
                }
            ],
        )
        writer = BulkWriter(session)
        products = writer.table(
            Product.__table__,
            ("id", "sku", "name", "unit", "is_serialized", "minimum_stock", "review_policy")
            + ("created_at", "updated_at"),
        )
        levels = writer.table(
            StockLevel.__table__,
            ("id", "product_id", "warehouse_id", "on_hand", "version", "updated_at"),
        )
        movements = writer.table(
            StockMovement.__table__,
            ("id", "product_id", "warehouse_id", "delta", "reason", "reference", "actor", "at"),
        )
        product_id, level_id, movement_id = ids.maker(1), ids.maker(2), ids.maker(3)
        wid = warehouse_id.int
        for i in range(1, n + 1):
            pid = product_id()
            products.add((pid, sku(i), f"Bench item {i}", "each", False, 0, "auto", now, now))
            levels.add((level_id(), pid, wid, quantity(i), 1, OLD))
            movements.add((movement_id(), pid, wid, quantity(i), "opening", "bench", "bench", OLD))
        writer.flush()
    return integration_id


def _movement(pid: uuid.UUID, wid: uuid.UUID, delta: int, reason: str, at: datetime) -> dict:
    return {
        "id": uuid.uuid4(),
        "product_id": pid,
        "warehouse_id": wid,
        "delta": delta,
        "reason": reason,
        "reference": "bench",
        "actor": "bench",
        "note": None,
        "at": at,
    }


def bump_store(db: Any, items: Iterable[int], delta: int) -> int:
    """A delivery of ``delta`` for each item: the level and its ledger row, one transaction."""
    from sqlalchemy import bindparam, insert, select, update  # noqa: PLC0415

    from possync_gui.store.models import Product, StockLevel, StockMovement  # noqa: PLC0415

    skus = [sku(i) for i in items]
    now = datetime.now(UTC)
    level = StockLevel.__table__
    with db.engine.begin() as conn:
        found = conn.execute(
            select(StockLevel.product_id, StockLevel.warehouse_id)
            .join(Product, Product.id == StockLevel.product_id)
            .where(Product.sku.in_(skus))
        ).all()
        conn.execute(
            update(level)
            .where(level.c.product_id == bindparam("b_pid"))
            .where(level.c.warehouse_id == bindparam("b_wid"))
            .values(on_hand=level.c.on_hand + delta, version=level.c.version + 1, updated_at=now),
            [{"b_pid": pid, "b_wid": wid} for pid, wid in found],
        )
        conn.execute(
            insert(StockMovement.__table__),
            [_movement(pid, wid, delta, "delivery", now) for pid, wid in found],
        )
    return len(found)


if __name__ == "__main__":
    argparse.ArgumentParser(description="Serve the bench's Square fake.").parse_args()
    serve()
