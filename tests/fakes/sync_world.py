"""Both sides of a sync test: the store (one warehouse, products, the ledger) and a POS side
that drives one of the fakes through the same small vocabulary, so one test can run against
Shopify, WooCommerce and the custom source alike.

A POS side names its items by a key of the test's choosing; ``ext(key)`` is the POS's own id
(what ``pos_mappings.external_item_id`` holds). Items are seeded with timestamps a day old,
so an incremental read sees only what the test changes afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, insert, select

from possync_gui.domain.barcodes import normalize_gtin
from possync_gui.domain.enums import MovementReason
from possync_gui.domain.errors import SyncInProgressError
from possync_gui.domain.records import MovementRequest
from possync_gui.domain.sync import InventorySyncResult
from possync_gui.services.facade import InventorySyncService
from possync_gui.store.database import Database
from possync_gui.store.ledger import apply_deltas, apply_movements, ledger_mismatches
from possync_gui.store.models import (
    IntegrationSyncLog,
    PendingPush,
    POSIntegration,
    POSMapping,
    Product,
    StockLevel,
    StockMovement,
    SyncConflict,
    Warehouse,
)
from tests.fakes.custom import FakeCustomSource
from tests.fakes.server import FakePOSServer, Request
from tests.fakes.shopify import MESSAGES, FakeShopify
from tests.fakes.square import FakeSquare
from tests.fakes.woocommerce import FakeWooCommerce

REPO = Path(__file__).resolve().parents[2]
WAREHOUSE = "MAIN"
#: When seeded items last changed: well before any sync's overlap window.
OLD = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)

SQUARE_TOKEN = "EAAAl-sync-world-token"
SHOPIFY_TOKEN = "shpat_sync_world_0123456789"
WOO_KEY, WOO_SECRET = "ck_sync_world_key", "cs_sync_world_secret"
CUSTOM_KEY = "sk-sync-world-key"
CUSTOM_LOCATION = "S1"
CUSTOM_ADJUST = "/api/stock/adjustments"
CUSTOM_MAPPING: dict[str, Any] = {
    "itemsPath": "/api/stock",
    "recordsKey": "data.items",
    "fields": {
        "id": "id",
        "sku": "sku",
        "barcode": "barcode",
        "name": "name",
        "quantity": "quantity",
        "location": "location",
        "updatedAt": "updated_at",
    },
    "pagination": {
        "type": "page",
        "pageParam": "page",
        "sizeParam": "per_page",
        "size": 100,
        "totalPagesKey": "meta.total_pages",
    },
    "sinceParam": "updated_since",
    "adjustPath": CUSTOM_ADJUST,
}


def seed(
    kind: str,
    base_url: str,
    configuration: dict[str, Any],
    *,
    key: str,
    strategy: str = "manual_review",
    **settings: Any,
) -> dict[str, Any]:
    """A seed-shaped ``POSIntegrationConfig``; ``settings`` go into ``syncSettings``."""
    return {
        "id": key,
        "name": f"{kind} test shop",
        "type": kind,
        "configuration": {"baseUrl": base_url, **configuration},
        "status": "active",
        "syncFrequency": "hourly",
        "syncSettings": {"conflictResolution": strategy, **settings},
    }


# -- the store -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """A store product: SKU, on hand, and optionally a barcode and a review policy."""

    sku: str
    on_hand: int
    barcode: str | None = None
    review_policy: str = "auto"


class Store:
    """The store side: one warehouse (``MAIN``), products by SKU, read-backs by SKU."""

    def __init__(self, db: Database, specs: Iterable[Spec] = ()) -> None:
        self.db = db
        self.ids: dict[str, uuid.UUID] = {}
        with db.session() as s:
            warehouse = Warehouse(id=uuid.uuid4(), code=WAREHOUSE, name="Main warehouse")
            s.add(warehouse)
            s.flush()
            self.warehouse_id = warehouse.id
        self.add(specs)

    def add(self, specs: Iterable[Spec]) -> None:
        """Products in bulk, each with an opening movement for its stock."""
        rows, openings = [], []
        for spec in specs:
            pid = uuid.uuid4()
            self.ids[spec.sku] = pid
            rows.append(
                {
                    "id": pid,
                    "sku": spec.sku,
                    "name": f"Product {spec.sku}",
                    "barcode": spec.barcode,
                    "gtin": normalize_gtin(spec.barcode) if spec.barcode else None,
                    "unit": "each",
                    "is_serialized": False,
                    "minimum_stock": 0,
                    "review_policy": spec.review_policy,
                }
            )
            openings.append(
                MovementRequest(pid, self.warehouse_id, spec.on_hand, MovementReason.OPENING, "t")
            )
        if not rows:
            return
        with self.db.session() as s:
            for start in range(0, len(rows), 500):
                s.execute(insert(Product), rows[start : start + 500])
            apply_deltas(s, openings)

    def move(self, sku: str, delta: int, reason: MovementReason = MovementReason.DELIVERY) -> None:
        """A store-side change as a person makes it (refused below zero)."""
        with self.db.session() as s:
            apply_movements(
                s, [MovementRequest(self.ids[sku], self.warehouse_id, delta, reason, "clerk")]
            )

    def move_many(self, deltas: dict[str, int], reason: MovementReason) -> None:
        with self.db.session() as s:
            apply_deltas(
                s,
                [
                    MovementRequest(self.ids[sku], self.warehouse_id, d, reason, "clerk")
                    for sku, d in deltas.items()
                ],
            )

    def on_hand(self, sku: str) -> int:
        return self.on_hands()[sku]

    def on_hands(self) -> dict[str, int]:
        with self.db.session() as s:
            rows = s.execute(
                select(Product.sku, func.coalesce(StockLevel.on_hand, 0)).outerjoin(
                    StockLevel, StockLevel.product_id == Product.id
                )
            ).all()
        return {sku: on_hand for sku, on_hand in rows}

    def product(self, sku: str) -> Product:
        with self.db.session() as s:
            product = s.get(Product, self.ids[sku])
            assert product is not None
            s.expunge(product)
        return product

    def product_count(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count()).select_from(Product)) or 0

    def mapped(self) -> dict[str, str]:
        """External item id → SKU of every mapping."""
        with self.db.session() as s:
            rows = s.execute(
                select(POSMapping.external_item_id, Product.sku).join(
                    Product, Product.id == POSMapping.product_id
                )
            ).all()
        return {ext: sku for ext, sku in rows}

    def base(self, sku: str) -> int | None:
        with self.db.session() as s:
            return s.scalar(
                select(POSMapping.last_synced_quantity).where(
                    POSMapping.product_id == self.ids[sku]
                )
            )

    def bases(self) -> dict[str, int | None]:
        """SKU → base of every mapped product."""
        with self.db.session() as s:
            rows = s.execute(
                select(Product.sku, POSMapping.last_synced_quantity).join(
                    Product, Product.id == POSMapping.product_id
                )
            ).all()
        return {sku: base for sku, base in rows}

    def movements(self, sku: str) -> list[tuple[int, str]]:
        with self.db.session() as s:
            rows = s.execute(
                select(StockMovement.delta, StockMovement.reason)
                .where(StockMovement.product_id == self.ids[sku])
                .order_by(StockMovement.at)
            ).all()
        return [(d, r) for d, r in rows]

    def total(self, reason: str) -> tuple[int, int]:
        """(number, sum of deltas) of the movements with ``reason``."""
        with self.db.session() as s:
            n, total = s.execute(
                select(func.count(), func.coalesce(func.sum(StockMovement.delta), 0)).where(
                    StockMovement.reason == reason
                )
            ).one()
        return int(n), int(total)

    def conflicts(self) -> list[SyncConflict]:
        with self.db.session() as s:
            rows = list(s.scalars(select(SyncConflict).order_by(SyncConflict.detected_at)))
            s.expunge_all()
        return rows

    def conflict(self, sku: str) -> SyncConflict:
        (found,) = [c for c in self.conflicts() if c.product_id == self.ids[sku]]
        return found

    def logs(self) -> list[IntegrationSyncLog]:
        with self.db.session() as s:
            rows = list(
                s.scalars(select(IntegrationSyncLog).order_by(IntegrationSyncLog.started_at))
            )
            s.expunge_all()
        return rows

    def pending(self) -> list[PendingPush]:
        with self.db.session() as s:
            rows = list(s.scalars(select(PendingPush)))
            s.expunge_all()
        return rows

    def set_settings(self, key: str, **settings: Any) -> None:
        """Change the integration's sync settings as a later edit would."""
        with self.db.session() as s:
            row = s.scalars(select(POSIntegration).where(POSIntegration.external_key == key)).one()
            row.sync_settings = {**(row.sync_settings or {}), **settings}

    def assert_ledger(self) -> None:
        with self.db.session() as s:
            assert ledger_mismatches(s) == []


# -- the POS sides -------------------------------------------------------------------------------


class POSSide(Protocol):
    """What a test needs of a fake POS, whichever it is."""

    kind: str
    fake: FakePOSServer
    location: str

    def add(self, key: str, qty: int, *, sku: str | None, barcode: str | None = None) -> str:
        """Seed an item (a day old); returns its external id."""
        ...

    def ext(self, key: str) -> str: ...

    def set(self, key: str, qty: int) -> None:
        """The POS's count changes now (a sale, a return, a recount)."""
        ...

    def qty(self, key: str) -> int: ...

    def integration(self, key: str, **settings: Any) -> dict[str, Any]: ...

    def count_reads(self, start: int = 0) -> list[Request]:
        """The requests that read stock counts, from the ``start``-th request on."""
        ...

    def since_of(self, request: Request) -> str | None:
        """The changed-since filter a count read carried."""
        ...

    def assert_adjusted(self, key: str, delta: int, before: int) -> None:
        """The push for this item reached the POS as a relative change of ``delta``."""
        ...


class RefusingSide(POSSide, Protocol):
    """A POS that can refuse pushes of one item while taking the others (Shopify's
    userErrors, WooCommerce's per-item errors, a custom source's per-item answers)."""

    def refuse(self, key: str) -> str:
        """Make the POS refuse pushes of this item; returns the POS's text."""
        ...

    def allow(self, key: str) -> None: ...


class SquareSide:
    kind = "square"
    location = "L1"

    def __init__(self) -> None:
        self.fake = FakeSquare(SQUARE_TOKEN)
        self.fake.start()
        self.fake.add_location(self.location, "Main Street")

    def add(self, key: str, qty: int, *, sku: str | None, barcode: str | None = None) -> str:
        variation: dict[str, Any] = {"id": f"V-{key}", "sku": sku}
        if barcode:
            variation["upc"] = barcode
        self.fake.add_item(f"I-{key}", f"Item {key}", [variation], at=OLD)
        self.fake.set_count(f"V-{key}", self.location, qty, at=OLD)
        return f"V-{key}"

    def ext(self, key: str) -> str:
        return f"V-{key}"

    def set(self, key: str, qty: int) -> None:
        self.fake.set_count(self.ext(key), self.location, qty)

    def qty(self, key: str) -> int:
        return int(Decimal(self.fake.quantity(self.ext(key), self.location) or "0"))

    def integration(self, key: str, **settings: Any) -> dict[str, Any]:
        config = {
            "credentials": {"accessToken": SQUARE_TOKEN},
            "locationMap": {self.location: WAREHOUSE},
        }
        return seed("square", self.fake.url, config, key=key, **settings)

    def count_reads(self, start: int = 0) -> list[Request]:
        return [r for r in self.fake.requests[start:] if r.path.endswith("/batch-retrieve")]

    def since_of(self, request: Request) -> str | None:
        return request.json().get("updated_after")

    def assert_adjusted(self, key: str, delta: int, before: int) -> None:
        applied = [
            int(a["quantity"]) * (1 if a["to_state"] == "IN_STOCK" else -1)
            for a in self.fake.applied
            if a["type"] == "ADJUSTMENT" and a["catalog_object_id"] == self.ext(key)
        ]
        assert applied == [delta], applied


class ShopifySide:
    kind = "shopify"

    def __init__(self) -> None:
        self.fake = FakeShopify(SHOPIFY_TOKEN)
        self.fake.start()
        self.location = self.fake.add_location("Shop")
        self._ids: dict[str, str] = {}

    def add(self, key: str, qty: int, *, sku: str | None, barcode: str | None = None) -> str:
        variant = self.fake.add_variant(f"Item {key}", sku=sku, barcode=barcode, updated_at=OLD)
        self.fake.stock(variant.item_id, self.location, qty, updated_at=OLD)
        self._ids[key] = variant.item_id
        return variant.item_id

    def ext(self, key: str) -> str:
        return self._ids[key]

    def set(self, key: str, qty: int) -> None:
        self.fake.stock(self._ids[key], self.location, qty)

    def qty(self, key: str) -> int:
        return int(self.fake.quantity(self._ids[key], self.location))

    def integration(self, key: str, **settings: Any) -> dict[str, Any]:
        config = {
            "apiVersion": "2026-04",
            "credentials": {"accessToken": SHOPIFY_TOKEN},
            "locationMap": {self.location: WAREHOUSE},
        }
        return seed("shopify", self.fake.url, config, key=key, **settings)

    def refuse(self, key: str) -> str:
        self.fake.refuse_writes(self._ids[key], self.location, "ITEM_NOT_STOCKED_AT_LOCATION")
        return MESSAGES["ITEM_NOT_STOCKED_AT_LOCATION"]

    def allow(self, key: str) -> None:
        self.fake.refused.clear()

    def count_reads(self, start: int = 0) -> list[Request]:
        return [r for r in self.fake.requests[start:] if "inventoryLevels" in _query(r)]

    def since_of(self, request: Request) -> str | None:
        query = (request.json().get("variables") or {}).get("query")
        return str(query) if query else None

    def assert_adjusted(self, key: str, delta: int, before: int) -> None:
        item = self._ids[key]
        applied = [
            change["delta"]
            for m in self.fake.mutations
            if m.field == "inventoryAdjustQuantities"
            and not m.replayed
            and (m.payload or {}).get("inventoryAdjustmentGroup")
            for change in m.input["changes"]
            if change["inventoryItemId"] == item
        ]
        assert applied == [delta], applied
        assert not [m for m in self.fake.mutations if m.field == "inventorySetQuantities"]


class WooSide:
    kind = "woocommerce"
    location = "woocommerce"

    def __init__(self) -> None:
        self.fake = FakeWooCommerce(WOO_KEY, WOO_SECRET)
        self.fake.start()
        self._ids: dict[str, int] = {}

    def add(self, key: str, qty: int, *, sku: str | None, barcode: str | None = None) -> str:
        pid = self.fake.add_product(
            f"Item {key}", sku=sku or "", barcode=barcode or "", stock=qty, modified=OLD
        )
        self._ids[key] = pid
        return str(pid)

    def add_variable(
        self, key: str, qty: int, *, sku: str, variations: Sequence[tuple[str, str, int | None]]
    ) -> None:
        """A variable product managing the stock ``qty`` of its parent-managed variations;
        ``variations`` are (key, sku, own stock or None for ``manage_stock: "parent"``)."""
        parent = self.fake.add_product(
            f"Item {key}", sku=sku, stock=qty, type="variable", modified=OLD
        )
        self._ids[key] = parent
        for vkey, vsku, own in variations:
            self._ids[vkey] = self.fake.add_variation(
                parent,
                sku=vsku,
                options=(vkey,),
                stock=own if own is not None else 0,
                manage_stock=True if own is not None else "parent",
                modified=OLD,
            )

    def ext(self, key: str) -> str:
        return str(self._ids[key])

    def set(self, key: str, qty: int) -> None:
        self.fake.set_stock(self._ids[key], qty)

    def qty(self, key: str) -> int:
        return int(self.fake.quantity(self._ids[key]))

    def integration(self, key: str, **settings: Any) -> dict[str, Any]:
        config = {
            "credentials": {"consumerKey": WOO_KEY, "consumerSecret": WOO_SECRET},
            "locationMap": {self.location: WAREHOUSE},
        }
        return seed("woocommerce", self.fake.url, config, key=key, **settings)

    def refuse(self, key: str) -> str:
        message = "Sorry, you are not allowed to edit this resource."
        self.fake.fail_item(self._ids[key], "woocommerce_rest_cannot_edit", message, 403)
        return f"woocommerce_rest_cannot_edit: {message}"

    def allow(self, key: str) -> None:
        self.fake.item_errors.pop(self._ids[key], None)

    def count_reads(self, start: int = 0) -> list[Request]:
        """Product and variation listings — except the list of variable products an
        incremental read walks to ask each for its changed variations."""
        return [
            r
            for r in self.fake.requests[start:]
            if r.method == "GET"
            and r.path.endswith(("/products", "/variations"))
            and r.arg("type") != "variable"
        ]

    def since_of(self, request: Request) -> str | None:
        return request.arg("modified_after")

    def assert_adjusted(self, key: str, delta: int, before: int) -> None:
        """WooCommerce has no relative write: the adapter reads the count, writes count +
        delta with its idempotency marker, in the same push."""
        pid = self._ids[key]
        writes = [
            item
            for r in self.fake.requests
            if r.method == "POST" and r.path.endswith("/batch")
            for item in r.json()["update"]
            if item["id"] == pid
        ]
        assert [w["stock_quantity"] for w in writes] == [before + delta], writes
        assert {m["key"] for m in writes[0]["meta_data"]} >= {"_possync_last_adjustment"}


class CustomSide:
    kind = "custom"
    location = CUSTOM_LOCATION

    def __init__(self, **fake_options: Any) -> None:
        self.fake = FakeCustomSource(
            api_key=CUSTOM_KEY,
            since_param="updated_since",
            adjust_path=CUSTOM_ADJUST,
            **fake_options,
        )
        self.fake.start()
        self._records: dict[str, dict[str, Any]] = {}

    def add(self, key: str, qty: int, *, sku: str | None, barcode: str | None = None) -> str:
        record = {
            "id": f"C-{key}",
            "sku": sku,
            "barcode": barcode,
            "name": f"Item {key}",
            "location": self.location,
            "quantity": qty,
            "updated_at": OLD.isoformat(),
        }
        self._records[key] = record
        self.fake.add(record)
        return str(record["id"])

    def ext(self, key: str) -> str:
        return str(self._records[key]["id"])

    def set(self, key: str, qty: int) -> None:
        with self.fake._lock:
            self._records[key]["quantity"] = qty
            self._records[key]["updated_at"] = datetime.now(UTC).isoformat()

    def qty(self, key: str) -> int:
        return int(self.fake.quantity(self.ext(key), self.location))

    def quantities(self) -> dict[str, int]:
        """Key → quantity of every item, in one pass."""
        with self.fake._lock:
            return {key: int(record["quantity"]) for key, record in self._records.items()}

    def integration(self, key: str, **settings: Any) -> dict[str, Any]:
        config = {
            "credentials": {"apiKey": CUSTOM_KEY},
            "mapping": CUSTOM_MAPPING,
            "locationMap": {self.location: WAREHOUSE},
        }
        return seed("custom", self.fake.url, config, key=key, **settings)

    def refuse(self, key: str) -> str:
        message = "item is locked for stocktaking"
        self.fake.fail_item(self.ext(key), message)
        return message

    def allow(self, key: str) -> None:
        self.fake.item_errors.pop(self.ext(key), None)

    def count_reads(self, start: int = 0) -> list[Request]:
        return [r for r in self.fake.requests[start:] if r.method == "GET"]

    def since_of(self, request: Request) -> str | None:
        return request.arg("updated_since")

    def adjustments(self) -> list[tuple[str, int, str]]:
        """(item id, delta, idempotency key) of every adjustment sent, in order (a request
        whose body never arrived — its sender was killed mid-send — sent nothing)."""
        sent: list[tuple[str, int, str]] = []
        for r in self.fake.requests_to(CUSTOM_ADJUST):
            try:
                body = r.json()
            except ValueError:  # cut off mid-body
                continue
            if isinstance(body, dict):
                sent += [(a["id"], a["delta"], a["idempotencyKey"]) for a in body["adjustments"]]
        return sent

    def assert_adjusted(self, key: str, delta: int, before: int) -> None:
        sent = [(d, k) for i, d, k in self.adjustments() if i == self.ext(key)]
        assert [d for d, _k in sent] == [delta], sent
        assert sent[0][1] in self.fake.applied_keys


def _query(request: Request) -> str:
    return str((request.json() or {}).get("query") or "")


#: The sides test_sync_adapters runs against (Square has test_sync_square of its own).
SIDES: dict[str, type[RefusingSide]] = {
    "shopify": ShopifySide,
    "woocommerce": WooSide,
    "custom": CustomSide,
}


# -- running syncs -------------------------------------------------------------------------------


def sync(facade: InventorySyncService, key: str, sync_type: str = "full") -> InventorySyncResult:
    (result,) = asyncio.run(facade.sync_inventory_levels(key, sync_type))
    return result


def sync_when_free(
    facade: InventorySyncService, key: str, within: float = 30, pause: float = 0.05
) -> InventorySyncResult:
    """One full sync as soon as no other run (or a killed one's lock, until it expires)
    holds the integration."""
    deadline = time.monotonic() + within
    while True:
        try:
            return sync(facade, key)
        except SyncInProgressError:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)


def add_integration(facade: InventorySyncService, data: dict[str, Any]) -> None:
    asyncio.run(facade.add_integration_from_json(data))


def db_url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def cli(db: Database, *argv: str) -> list[str]:
    """The command line of ``python -m possync_gui --db URL argv…``."""
    return [sys.executable, "-m", "possync_gui", "--db", db_url(db), *argv]


def child_env() -> dict[str, str]:
    """This process's environment (its isolated keyring and data folders) for a child."""
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_cli(db: Database, *argv: str, timeout: float = 60) -> tuple[int, Any, str]:
    """Run the CLI in a child process; (exit status, JSON printed, stderr)."""
    done = subprocess.run(
        cli(db, *argv),
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    out = json.loads(done.stdout) if done.stdout.strip().startswith(("[", "{")) else done.stdout
    return done.returncode, out, done.stderr
